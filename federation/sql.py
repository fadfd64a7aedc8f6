"""What the database underneath can do beyond what the ORM expresses."""

from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Lookup


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


class AmongIds(Lookup):
    """`AmongIds(F("unit"), ids)`: the column is one of a list of integer ids, as a filter.

    On PostgreSQL the list travels as one array (`= ANY(%s::bigint[])`, which the planner
    reads as it reads `IN (…)`): the ORM's `__in` prepares, checks and binds each id, which
    for the children of a federation cost more than running the query. Elsewhere, `IN (…)`.
    """

    lookup_name = "among_ids"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(pk) for pk in self.rhs]

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        if not self.rhs:
            raise EmptyResultSet
        column, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, int_array(self.rhs)]
        return f"{column} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]
