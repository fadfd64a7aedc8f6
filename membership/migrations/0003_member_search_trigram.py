"""A trigram index on the searchable name, on PostgreSQL only.

Searching a district of 200,000 members for "nguyen van hung" is LIKE '%nguyen van hung%': a
btree cannot serve it, a pg_trgm GIN index can. pg_trgm is a trusted extension (PostgreSQL 13+),
so the database owner may create it. Other databases scan the CĐCS's rows, which is enough for
the small installations they serve.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS member_search_trgm ON membership_member "
        "USING gin (search_name gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS member_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("membership", "0002_roster")]

    operations = [migrations.RunPython(create, drop)]
