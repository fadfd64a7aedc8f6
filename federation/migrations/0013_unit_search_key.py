from django.db import migrations, models

from federation.text import fold


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
        migrations.AddField(
            model_name="unit",
            name="search_key",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
    ]
