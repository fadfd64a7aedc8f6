"""What the database underneath can do beyond what the ORM expresses."""

from collections.abc import Iterable

from django.db import connection


def has_arrays() -> bool:
    """PostgreSQL: a batch travels as a few arrays and unnest() turns it back into rows, so a
    write of any size is one statement. The other databases go through the ORM's bulk methods."""
    return connection.vendor == "postgresql"


def int_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers, to be cast in the query (`%s::bigint[]`).

    Built by one join: psycopg adapts a Python list element by element, which costs more than
    the statement itself for the 150.000 values of a large import.
    """
    return "{" + ",".join(map(str, map(int, values))) + "}"
