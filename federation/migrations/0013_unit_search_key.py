from importlib import import_module

from django.db import migrations, models

from federation.text import fold

# SQLite adds a NOT NULL column by rebuilding the table, and refuses to rename a table that a
# view reads: the MonthlyTotal view (0009) steps aside while the column is added. The rebuild
# also drops 0009's partial index, which only SQL knows about: it is made again if missing.
VIEW = import_module("federation.migrations.0009_monthly_total_kind_join")
RESTORE_INDEX = VIEW.CREATE_INDEX.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS")


def fill_search_keys(apps, schema_editor):
    """Units saved before the key existed get it now, in batches (a city has 10,000 CĐCS)."""
    Unit = apps.get_model("federation", "Unit")
    batch = []
    for unit in Unit.objects.only("pk", "name", "short_name", "code").iterator(chunk_size=2000):
        unit.search_key = fold(f"{unit.name} {unit.short_name} {unit.code}")
        batch.append(unit)
        if len(batch) == 2000:
            Unit.objects.bulk_update(batch, ["search_key"])
            batch = []
    Unit.objects.bulk_update(batch, ["search_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0012_roster_in_rules"),
    ]

    operations = [
        migrations.RunSQL(VIEW.DROP_VIEW, VIEW.CREATE_VIEW),
        migrations.AddField(
            model_name="unit",
            name="search_key",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.RunSQL([VIEW.CREATE_VIEW, RESTORE_INDEX], VIEW.DROP_VIEW),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
    ]
