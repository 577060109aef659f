"""Penalty.state becomes a protected FSM field; the lift cause gets its own column."""

import django_fsm
from django.db import migrations, models


def lift_cause_from_the_events(apps, schema_editor):
    """The cause used to be folded into closed_reason as "cause: reason"; take both from each penalty's
    penalty.lifted event instead, as replay does."""
    Penalty = apps.get_model("enforcement", "Penalty")
    Event = apps.get_model("eventstore", "Event")
    for penalty in Penalty.objects.filter(state="lifted"):
        event = Event.objects.filter(stream=f"penalty-{penalty.pk}", type="penalty.lifted").first()
        if event is not None:
            Penalty.objects.filter(pk=penalty.pk).update(lift_cause=event.data.get("cause", ""),
                                                         closed_reason=event.data.get("reason", ""))


class Migration(migrations.Migration):

    dependencies = [
        ('enforcement', '0004_webhook_secret_rotation'),
        ('eventstore', '0001_move_event_store'),
    ]

    operations = [
        migrations.AddField(
            model_name='penalty',
            name='lift_cause',
            field=models.CharField(blank=True, choices=[('appeal_won', 'appeal won'), ('violation_withdrawn', 'violation withdrawn'), ('re_evaluated', 're-evaluated'), ('reviewer', 'lifted by a reviewer')], max_length=32, verbose_name='lift cause'),
        ),
        migrations.AlterField(
            model_name='penalty',
            name='state',
            field=django_fsm.FSMField(choices=[('proposed', 'awaiting approval'), ('active', 'in force'), ('lifted', 'lifted'), ('expired', 'expired')], default='proposed', max_length=16, protected=True, verbose_name='state'),
        ),
        migrations.RunPython(lift_cause_from_the_events, migrations.RunPython.noop),
    ]
