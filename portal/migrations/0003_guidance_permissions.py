"""Reviewers and senior reviewers write guidance (add a version); auditors read it."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "reviewer": ["add_guidanceversion", "view_guidanceversion"],
    "senior_reviewer": ["add_guidanceversion", "view_guidanceversion"],
    "auditor": ["view_guidanceversion"],
}


def grant(apps, schema_editor):
    config = apps.get_app_config("portal")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="portal", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_shipped_guidance"), ("cases", "0005_reviewer_groups")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
