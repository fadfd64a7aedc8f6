from importlib import import_module

from django.db import migrations, models

# SQLite drops a foreign key by rebuilding the table, and refuses to rename a table that a view
# reads: the MonthlyTotal view (0009) steps aside meanwhile, as in 0013.
VIEW = import_module("federation.migrations.0009_monthly_total_kind_join")

# An entry's unit and indicator must exist, and a unit or indicator with entries cannot be
# deleted: on PostgreSQL that was two foreign keys, checked at commit once per row. A 150,000-value
# import queued 300,000 checks that took 1.4 s, as long as writing the rows themselves (a
# district's 500 CĐCS and 15 indicators, each re-checked hundreds of times).
#
# The same rule is now checked once per statement, from the rows the statement wrote (a
# transition table): the distinct units and indicators are locked FOR KEY SHARE, as a foreign
# key locks its parent row, so that a concurrent delete waits for this transaction and then sees
# its entries; if fewer rows are locked than were asked for, one is missing. 0.2 s for the same
# import. An update that changes an entry's unit or indicator (nothing here does) is checked row
# by row, as PostgreSQL's own check would be; one that changes only the value costs nothing.
# Deleting or renumbering a referenced unit or indicator fails as with a foreign key; Django's
# on_delete=PROTECT refuses it earlier with its own message. TRUNCATE, which the application
# never runs, is not checked. Other databases (SQLite under `make run`) keep no check here.
# Tests: federation/tests/test_entry_references.py.

FUNCTIONS = r"""
CREATE FUNCTION federation_entry_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM (SELECT DISTINCT unit_id FROM written) AS wanted)
       <> (SELECT count(*) FROM (
               SELECT 1 FROM federation_unit
               WHERE id IN (SELECT unit_id FROM written) FOR KEY SHARE) AS locked) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'an entry refers to a unit that does not exist',
            TABLE = 'federation_monthlyentry', COLUMN = 'unit_id';
    END IF;
    IF (SELECT count(*) FROM (SELECT DISTINCT indicator_id FROM written) AS wanted)
       <> (SELECT count(*) FROM (
               SELECT 1 FROM federation_indicator
               WHERE id IN (SELECT indicator_id FROM written) FOR KEY SHARE) AS locked) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'an entry refers to an indicator that does not exist',
            TABLE = 'federation_monthlyentry', COLUMN = 'indicator_id';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION federation_entry_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM federation_unit WHERE id = NEW.unit_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'an entry refers to a unit that does not exist',
            TABLE = 'federation_monthlyentry', COLUMN = 'unit_id';
    END IF;
    PERFORM 1 FROM federation_indicator WHERE id = NEW.indicator_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'an entry refers to an indicator that does not exist',
            TABLE = 'federation_monthlyentry', COLUMN = 'indicator_id';
    END IF;
    RETURN NULL;
END $$;

-- On federation_unit and federation_indicator; TG_ARGV[0] is the entries' column that refers to
-- them. After a delete, `removed` holds the rows deleted; before a change of id, OLD is the row.
CREATE FUNCTION federation_entry_parent_unused() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referenced boolean;
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        EXECUTE format(
            'SELECT EXISTS (SELECT 1 FROM federation_monthlyentry AS entry '
            'JOIN removed ON entry.%I = removed.id)', TG_ARGV[0]
        ) INTO referenced;
    ELSE
        EXECUTE format(
            'SELECT EXISTS (SELECT 1 FROM federation_monthlyentry WHERE %I = $1)', TG_ARGV[0]
        ) INTO referenced USING OLD.id;
    END IF;
    IF referenced THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('%s: monthly entries still refer to it', TG_TABLE_NAME),
            TABLE = TG_TABLE_NAME;
    END IF;
    RETURN CASE WHEN TG_LEVEL = 'ROW' THEN NEW END;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER entry_references_on_insert AFTER INSERT ON federation_monthlyentry
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION federation_entry_references_exist();

CREATE TRIGGER entry_references_on_move AFTER UPDATE OF unit_id, indicator_id
    ON federation_monthlyentry FOR EACH ROW
    WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id
          OR OLD.indicator_id IS DISTINCT FROM NEW.indicator_id)
    EXECUTE FUNCTION federation_entry_moved();

CREATE TRIGGER entries_refer_to_deleted AFTER DELETE ON federation_unit
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION federation_entry_parent_unused('unit_id');

CREATE TRIGGER entries_refer_to_deleted AFTER DELETE ON federation_indicator
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION federation_entry_parent_unused('indicator_id');

CREATE TRIGGER entries_refer_to_renumbered BEFORE UPDATE OF id ON federation_unit
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION federation_entry_parent_unused('unit_id');

CREATE TRIGGER entries_refer_to_renumbered BEFORE UPDATE OF id ON federation_indicator
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION federation_entry_parent_unused('indicator_id');
"""

DROP = """
DROP TRIGGER entry_references_on_insert ON federation_monthlyentry;
DROP TRIGGER entry_references_on_move ON federation_monthlyentry;
DROP TRIGGER entries_refer_to_deleted ON federation_unit;
DROP TRIGGER entries_refer_to_deleted ON federation_indicator;
DROP TRIGGER entries_refer_to_renumbered ON federation_unit;
DROP TRIGGER entries_refer_to_renumbered ON federation_indicator;
DROP FUNCTION federation_entry_references_exist();
DROP FUNCTION federation_entry_moved();
DROP FUNCTION federation_entry_parent_unused();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS + TRIGGERS, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0015_month_reminder"),
    ]

    operations = [
        migrations.RunSQL(VIEW.DROP_VIEW, VIEW.CREATE_VIEW),
        migrations.AlterField(
            model_name="monthlyentry",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="entries",
                to="federation.unit",
                verbose_name="đơn vị",
            ),
        ),
        migrations.AlterField(
            model_name="monthlyentry",
            name="indicator",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="entries",
                to="federation.indicator",
                verbose_name="chỉ tiêu",
            ),
        ),
        migrations.RunSQL(VIEW.CREATE_VIEW, VIEW.DROP_VIEW),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
