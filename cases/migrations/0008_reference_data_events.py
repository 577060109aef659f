"""Reference data becomes event-sourced: ship the count rules' default parameters, give every threshold
and rule parameters version written without an event (the shipped defaults of 0002, these) its
event, and let senior reviewers add parameter versions.

Rows are written with the historical models, events with the historical Event model and the store's
hash chain (eventstore.reference.backfill_row); a version that already has its event is left alone, and
no stored event is rewritten. A database migrated from the previous schema then replays to identical rows.
"""
import datetime

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The shipped defaults: the categories of 0002, the numbers of the rules before they were versioned.
CATEGORIES = ("food", "beauty", "leisure", "hotel_travel", "life_services", "retail")
DEFAULTS = {"clustered_window_days": 3, "clustered_warn_at": 5, "clustered_limit": 10, "unserved_window_days": 7,
            "unserved_limit": 3, "related_lookback_days": 180}
GROUPS = {
    "reviewer": ["view_ruleparameterversion"],
    "auditor": ["view_ruleparameterversion"],
    "senior_reviewer": ["view_ruleparameterversion", "add_ruleparameterversion"],
}


def _backfill(Event, model, event_type, id_field, build, stream_of):
    from eventstore.actors import SYSTEM, Actor
    from eventstore.reference import backfill_row

    recorded = {data.get(id_field) for data in Event.objects.filter(type=event_type).values_list("data", flat=True)}
    for row in model.objects.exclude(pk__in=[pk for pk in recorded if pk is not None]).order_by("pk"):
        actor = Actor.reviewer(row.created_by_id) if row.created_by_id else SYSTEM
        event = build(row)
        backfill_row(Event, stream_of(event), event, actor=actor, occurred_at=row.created_at)


def forwards(apps, schema_editor):
    from cases.aggregates import RuleParameterVersions, ThresholdVersions
    from cases.thresholds import rule_parameters_version_added, threshold_version_added

    RuleParameterVersion = apps.get_model("cases", "RuleParameterVersion")
    for category in CATEGORIES:
        if not RuleParameterVersion.objects.filter(category=category).exists():
            RuleParameterVersion.objects.create(category=category, effective_from=datetime.date(2000, 1, 1),
                                                note="shipped default", **DEFAULTS)
    Event = apps.get_model("eventstore", "Event")
    _backfill(Event, apps.get_model("cases", "ThresholdVersion"), "threshold.version_added", "threshold_version_id",
              threshold_version_added, lambda e: ThresholdVersions.stream_for(ThresholdVersions.key_of(e)))
    _backfill(Event, RuleParameterVersion, "rule_parameters.version_added", "rule_parameters_version_id",
              rule_parameters_version_added,
              lambda e: RuleParameterVersions.stream_for(RuleParameterVersions.key_of(e)))

    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="cases", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_rule_parameter_versions"),
        ("eventstore", "0001_move_event_store"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    # Backwards: the events stay (the log is append-only); 0007 going back drops the parameter rows.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
