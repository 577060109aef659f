"""The event store now belongs to the eventstore app (eventstore 0001): drop it from cases' state only."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_reviewer_groups"), ("eventstore", "0001_move_event_store")]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name="Event"),
            migrations.DeleteModel(name="Checkpoint"),
        ]),
    ]
