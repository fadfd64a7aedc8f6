from django.db import migrations

# The MonthlyTotal view takes a CĐCS's totals from its entries. 0006 decided each entry's unit
# kind with a correlated sub-query, a primary-key probe per entry row: 7.2 million probes for a
# full scan of the national bench tree (8.6 s), one per entry of a district's 143 CĐCS (39 ms).
# A plain join fixed the full scan but hashed the whole unit table (100,000 CĐCS) before the
# reader's unit_id filter applied (a province's children: 0.9 → 33 ms), as 0006 had found.
#
# So the test is turned round: an entry counts unless its unit is one of the few that are not a
# CĐCS (764 in the bench tree, about 800 in the country, however many CĐCS there are). The
# anti-join reads those from a small partial index: the planner hashes them for a full scan
# (1.4 s), merges them with a reader's entries (a district's children: 5 ms) or probes once for
# one unit. The index, like the view, lives only in SQL: the model's state does not know it.
# Measurements: bench/README.md, "The MonthlyTotal view".
CREATE_INDEX = (
    "CREATE INDEX unit_not_grassroots_id ON federation_unit (id) WHERE kind <> 'grassroots_union'"
)
DROP_INDEX = "DROP INDEX unit_not_grassroots_id"

DROP_VIEW = "DROP VIEW federation_monthly_total"

CREATE_VIEW = """
CREATE VIEW federation_monthly_total (unit_id, indicator_id, year, month, total, entries) AS
SELECT unit_id, indicator_id, year, month, total, entries FROM federation_rollup
UNION ALL
SELECT entry.unit_id, entry.indicator_id, entry.year, entry.month, entry.value, 1
FROM federation_monthlyentry AS entry
WHERE NOT EXISTS (
    SELECT 1 FROM federation_unit AS unit
    WHERE unit.id = entry.unit_id AND unit.kind <> 'grassroots_union'
)
"""

# 0006's view, for going back.
CREATE_CORRELATED_VIEW = """
CREATE VIEW federation_monthly_total (unit_id, indicator_id, year, month, total, entries) AS
SELECT unit_id, indicator_id, year, month, total, entries FROM federation_rollup
UNION ALL
SELECT entry.unit_id, entry.indicator_id, entry.year, entry.month, entry.value, 1
FROM federation_monthlyentry AS entry
WHERE (SELECT kind FROM federation_unit WHERE id = entry.unit_id) = 'grassroots_union'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0008_unit_code_characters"),
    ]

    operations = [
        migrations.RunSQL(CREATE_INDEX, DROP_INDEX),
        migrations.RunSQL([DROP_VIEW, CREATE_VIEW], [DROP_VIEW, CREATE_CORRELATED_VIEW]),
    ]
