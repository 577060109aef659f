"""/metrics needs its own scope, metrics:read. Every token issued before could scrape it, and keeps that
(README: narrow it in admin for the tokens that do not scrape)."""

from django.db import migrations

# The scopes in their order when this was written (ServiceToken.clean_scopes keeps them in this order).
KNOWN = ["ingest", "restrictions:read", "cases:open", "cases:read", "transparency:read", "metrics:read"]


def may_still_scrape(apps, schema_editor):
    for token in apps.get_model("metrics", "ServiceToken").objects.all():
        scopes = set(token.scopes) | {"metrics:read"}
        token.scopes = [s for s in KNOWN if s in scopes] + sorted(scopes - set(KNOWN))
        token.save(update_fields=["scopes"])


class Migration(migrations.Migration):

    dependencies = [
        ("metrics", "0009_recompute_storage"),
    ]

    operations = [
        migrations.RunPython(may_still_scrape, migrations.RunPython.noop),
    ]
