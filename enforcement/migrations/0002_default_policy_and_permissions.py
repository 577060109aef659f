"""Ship the default penalty ladder and give reviewers the enforcement permissions."""
import datetime
from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

STEPS = [
    (1, "public_warning", 7, "1", ""),
    (2, "restricted_promotion", 14, "1", ""),
    (3, "throttling", 30, "0.5", ""),
    (4, "product_ban", 60, "0.5", "throttling"),
    (5, "store_removal", None, "0", ""),
]
REVIEWER = ["view_penalty", "approve_penalty", "lift_penalty", "view_restriction", "view_policyversion",
            "view_policystep", "view_webhookdelivery", "view_webhookendpoint"]
# Same set for both groups (tests/cases/test_groups.py pins senior = reviewer + add_thresholdversion);
# store removal is still senior-only, checked by group in enforcement.services.
SENIOR = REVIEWER


def forwards(apps, schema_editor):
    PolicyVersion = apps.get_model("enforcement", "PolicyVersion")
    PolicyStep = apps.get_model("enforcement", "PolicyStep")
    if not PolicyVersion.objects.exists():
        policy = PolicyVersion.objects.create(effective_from=datetime.date(2000, 1, 1), window_days=90,
                                              clustered_ban_at=10, note="shipped default")
        for number, kind, days, weight, fallback in STEPS:
            PolicyStep.objects.create(policy=policy, number=number, kind=kind, duration_days=days,
                                      traffic_weight=Decimal(weight), fallback_kind=fallback)
    app_config = apps.get_app_config("enforcement")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("reviewer", REVIEWER), ("senior_reviewer", SENIOR)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="enforcement", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0001_initial"), ("cases", "0005_reviewer_groups"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
