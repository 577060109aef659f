"""The penalty policy becomes event-sourced: every policy version written without an event (the shipped
default of 0002) gets its PolicyVersionAdded event, and senior reviewers may add versions.

Events are written with the historical Event model and the store's hash chain
(eventstore.reference.backfill_row); a version that has its event already is left alone and no stored
event is rewritten. A database migrated from the previous schema then replays to identical rows.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    from enforcement.aggregates import PolicyVersions
    from enforcement.policy import policy_version_added
    from eventstore.actors import SYSTEM
    from eventstore.reference import backfill_row

    Event = apps.get_model("eventstore", "Event")
    PolicyVersion = apps.get_model("enforcement", "PolicyVersion")
    PolicyStep = apps.get_model("enforcement", "PolicyStep")
    recorded = {data.get("policy_version_id")
                for data in Event.objects.filter(type="policy.version_added").values_list("data", flat=True)}
    for version in PolicyVersion.objects.exclude(pk__in=[pk for pk in recorded if pk is not None]).order_by("pk"):
        event = policy_version_added(version, PolicyStep.objects.filter(policy_id=version.pk))
        backfill_row(Event, PolicyVersions.stream_for(PolicyVersions.KEY), event, actor=SYSTEM,
                     occurred_at=version.created_at)

    app_config = apps.get_app_config("enforcement")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="senior_reviewer")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="enforcement",
                                                     codename="add_policyversion"))


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0005_penalty_fsm_and_lift_cause"),
        ("eventstore", "0001_move_event_store"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    # Backwards: the events stay (the log is append-only).
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
