from django.db import migrations

# The MonthlyTotal view takes a CĐCS's totals from its entries. 0006 decided each entry's unit
# kind with a correlated sub-query, one primary-key probe per entry row: 7.2 million probes for a
# full scan of the national bench tree (8.6 s), and one per entry of every reader's rows (39 ms
# for a district's 143 CĐCS). A plain join fixed the full scan but hashed the whole unit table
# (100,000 CĐCS) before the reader's unit_id filter applied (a province's children: 0.9 → 33 ms),
# as 0006 had found.
#
# The test is now the other way round: an entry counts unless its unit is one of the few units
# that are not a CĐCS (764 in the bench tree, about 800 in the country, whatever the number of
# CĐCS). That anti-join reads them from a small partial index, so the planner can hash them for
# a full scan (1.4 s), merge them with a reader's entries, or probe once for one unit
# (docs: bench/README.md, "The MonthlyTotal view"). The index is maintained by the database; no
# service changes.
CREATE_INDEX = (
    "CREATE INDEX unit_not_grassroots_id ON federation_unit (id) "
    "WHERE kind <> 'grassroots_union'"
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
