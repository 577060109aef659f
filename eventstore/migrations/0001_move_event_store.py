"""The event store moves out of the cases app: Django's state only. The tables keep their names
(cases_event, cases_checkpoint) and their append-only triggers, so no event is rewritten or lost.
The content types (and so the permissions and the groups holding them) move with the models."""
from django.db import migrations, models

MOVED = ("event", "checkpoint")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="eventstore", model=model).exists():
            ContentType.objects.filter(app_label="cases", model=model).update(app_label="eventstore")


def move_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="eventstore", model__in=MOVED).update(app_label="cases")


class Migration(migrations.Migration):
    initial = True
    dependencies = [("cases", "0005_reviewer_groups"), ("contenttypes", "0002_remove_content_type_name")]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="Event",
                fields=[
                    ("id", models.BigAutoField(primary_key=True, serialize=False, verbose_name="position")),
                    ("stream", models.CharField(max_length=200, verbose_name="stream")),
                    ("version", models.PositiveIntegerField(verbose_name="version")),
                    ("type", models.CharField(max_length=100, verbose_name="type")),
                    ("data", models.JSONField(verbose_name="data")),
                    ("metadata", models.JSONField(verbose_name="metadata")),
                    ("occurred_at", models.DateTimeField(verbose_name="occurred at")),
                    ("recorded_at", models.DateTimeField(verbose_name="recorded at")),
                    ("prev_hash", models.CharField(blank=True, max_length=64, verbose_name="previous hash")),
                    ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ],
                options={
                    "db_table": "cases_event",
                    "verbose_name": "event",
                    "verbose_name_plural": "events",
                    "ordering": ["id"],
                    "indexes": [models.Index(fields=["type", "id"], name="event_type_position")],
                    "constraints": [
                        models.UniqueConstraint(fields=("stream", "version"), name="event_stream_version_unique"),
                        models.CheckConstraint(condition=models.Q(("version__gte", 1)), name="event_version_positive"),
                    ],
                },
            ),
            migrations.CreateModel(
                name="Checkpoint",
                fields=[
                    ("consumer", models.CharField(max_length=100, primary_key=True, serialize=False,
                                                  verbose_name="consumer")),
                    ("position", models.BigIntegerField(default=0, verbose_name="position")),
                    ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ],
                options={"db_table": "cases_checkpoint", "verbose_name": "checkpoint",
                         "verbose_name_plural": "checkpoints"},
            ),
        ]),
        migrations.RunPython(move_content_types, move_back),
    ]
