"""Groups and their permissions: reviewer, senior_reviewer (thresholds too), auditor (read-only)."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_CASES = [
    "cases.view_warning", "cases.view_violation", "cases.view_appeal", "cases.view_appealevidence",
    "cases.view_violationevidence", "cases.view_thresholdversion", "metrics.view_merchant",
    "metrics.view_dailymetric",
]
REVIEWER = VIEW_CASES + [
    "cases.resolve_warning", "cases.dismiss_warning", "cases.assign_case", "cases.decide_appeal",
    "cases.withdraw_violation", "cases.open_case", "cases.view_event",
]
SENIOR_REVIEWER = REVIEWER + ["cases.add_thresholdversion"]
AUDITOR = VIEW_CASES + ["cases.view_event", "cases.view_checkpoint"]
GROUPS = {"reviewer": REVIEWER, "senior_reviewer": SENIOR_REVIEWER, "auditor": AUDITOR}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_events_append_only"),
        ("metrics", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
