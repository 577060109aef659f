"""Policy versions carry the protective-ban review SLA and the severity order of risk points (issue 12: "configurable
per policy version"). The columns' defaults are the values shipped so far (24 h, DEFAULT_SEVERITY_ORDER), and the
PolicyVersionAdded events stored before decode to the same values (enforcement.aggregates), so replay rebuilds the
rows as they are; a version written without an event (none should be left after 0006) gets its event now, like the
other reference data (eventstore.reference.backfill_row). No stored event is rewritten.
"""
import enforcement.models
from django.db import migrations, models


def backfill_events(apps, schema_editor):
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
        backfill_row(Event, PolicyVersions.stream_for(PolicyVersions.KEY),
                     policy_version_added(version, PolicyStep.objects.filter(policy_id=version.pk)),
                     actor=SYSTEM, occurred_at=version.created_at)


class Migration(migrations.Migration):

    dependencies = [
        ('enforcement', '0009_product_ladder'),
        ('eventstore', '0001_move_event_store'),
    ]

    operations = [
        migrations.AddField(
            model_name='policyversion',
            name='protective_review_hours',
            field=models.PositiveIntegerField(default=24, verbose_name='protective ban review SLA (hours)'),
        ),
        migrations.AddField(
            model_name='policyversion',
            name='severity_order',
            field=models.JSONField(default=enforcement.models.default_severity_order, verbose_name='severity order of risk points (most severe first)'),
        ),
        migrations.RunPython(backfill_events, migrations.RunPython.noop),
    ]
