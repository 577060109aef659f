"""Service tokens get scopes, an expiry and rotation. Every token issued before keeps exactly what it could do
then: ingest and restrictions:read (README: narrow them in admin)."""

import django.db.models.deletion
from django.db import migrations, models


LEGACY_SCOPES = ["ingest", "restrictions:read"]


def legacy_scopes(apps, schema_editor):
    apps.get_model("metrics", "ServiceToken").objects.update(scopes=LEGACY_SCOPES)


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0006_partition_fact_tables'),
    ]

    operations = [
        migrations.AddField(
            model_name='servicetoken',
            name='expires_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='expires at'),
        ),
        migrations.AddField(
            model_name='servicetoken',
            name='rotated_from',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='successors', to='metrics.servicetoken', verbose_name='rotated from'),
        ),
        migrations.AddField(
            model_name='servicetoken',
            name='scopes',
            field=models.JSONField(blank=True, default=list, verbose_name='scopes'),
        ),
        migrations.AlterField(
            model_name='servicetoken',
            name='name',
            field=models.CharField(db_index=True, help_text='The system that holds the token; recorded as the actor of what it does.', max_length=100, verbose_name='name'),
        ),
        migrations.RunPython(legacy_scopes, migrations.RunPython.noop),
    ]
