"""Tiers as data, and on PostgreSQL a trigram index on the folded search column
(DESIGN: Search). SQLite uses the same query without the index."""

from django.db import migrations

from motcua.catalog.models import TIERS  # constant data, safe in a migration


def add_tiers(apps, schema_editor):
    Tier = apps.get_model("catalog", "Tier")
    for code, name, name_en, order in TIERS:
        Tier.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_procedure_search_trgm "
        "ON catalog_procedure USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_procedure_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(add_tiers, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
