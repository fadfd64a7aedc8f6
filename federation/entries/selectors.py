"""Reads of monthly figures: the entry grid, who has reported a month, and what changed.

The grid's rows are the unit itself and its direct children (a district and its CĐCS), a page
at a time; columns are the active indicators. Each cell shows the unit's own value with the
previous month and the same month last year beside it, and what the registers suggest.
Completeness (DHIS2's reporting rate) tells a leader which children have marked a month
complete, have some figures, or have none, to chase the missing ones.
"""

from collections import defaultdict
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, Q
from django.http import Http404
from django.utils.module_loading import import_string

from ..formatting import vn_number
from ..models import (
    Door,
    Indicator,
    MonthCompletion,
    MonthlyEntry,
    MonthlyTotal,
    Unit,
    UnitKind,
)
from ..months import month_bounds, previous_month
from ..selectors import matching, units_visible_to
from ..sql import AmongIds

ROWS_PER_PAGE = 25


@dataclass
class Cell:
    unit: Unit
    indicator: Indicator
    value: int | None
    previous: int | None = None
    last_year: int | None = None
    suggestion: int | None = None
    typed: str | None = None  # what the user typed, when a form comes back
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    changed_meanwhile: str = ""

    @property
    def name(self) -> str:
        return f"v-{self.unit.id}-{self.indicator.id}"

    @property
    def seen_name(self) -> str:
        return f"s-{self.unit.id}-{self.indicator.id}"

    @property
    def shown(self) -> str:
        if self.typed is not None:
            return self.typed
        return "" if self.value is None else vn_number(self.value)


@dataclass
class GridRow:
    unit: Unit
    cells: list[Cell]

    @property
    def filled(self) -> int:
        return sum(1 for cell in self.cells if cell.value is not None)


def grid_units(user, unit: Unit, search: str, page_number: str | int | None) -> Page:
    """The unit itself, then its children matching `search`, ROWS_PER_PAGE at a time."""
    children = units_visible_to(user).children_of(unit)
    if search:
        children = matching(children, search)
    rows = Unit.objects.filter(Q(pk=unit.pk) | Q(pk__in=children.values("pk"))).order_by("path")
    return Paginator(rows, ROWS_PER_PAGE).get_page(page_number)


def build_grid(
    units: Sequence[Unit],
    indicators: Sequence[Indicator],
    year: int,
    month: int,
    suggestions: Mapping[int, Mapping[str, int]],
) -> list[GridRow]:
    """Rows of cells with this month's, last month's and last year's own values (one query),
    and the registers' `suggestions` (see registry_suggestions)."""
    # The position of each month's value in a cell's (value, previous, last year).
    wanted = {(year, month): 0, previous_month(year, month): 1, (year - 1, month): 2}
    values: dict[tuple[int, int], list[int | None]] = defaultdict(lambda: [None, None, None])
    found = MonthlyEntry.objects.filter(
        unit__in=units,
        indicator__in=indicators,
        year__in={y for y, _ in wanted},
        month__in={m for _, m in wanted},
    ).values_list("unit_id", "indicator_id", "year", "month", "value")
    for unit_id, indicator_id, y, m, value in found:
        if (y, m) in wanted:
            values[(unit_id, indicator_id)][wanted[(y, m)]] = value
    # 25 units × every indicator a page: ids read once, not through `.pk` for each cell.
    columns = [(indicator, indicator.id, indicator.code) for indicator in indicators]
    nothing = (None, None, None)
    rows = []
    for unit in units:
        unit_id, suggested = unit.id, suggestions.get(unit.id, {})
        cells = []
        for indicator, indicator_id, code in columns:
            value, previous, last_year = values.get((unit_id, indicator_id), nothing)
            cells.append(Cell(unit, indicator, value, previous, last_year, suggested.get(code)))
        rows.append(GridRow(unit, cells))
    return rows


def registry_suggestions(units: Sequence[Unit], year: int, month: int) -> dict[int, dict[str, int]]:
    """What the registers already know for each unit's month, by indicator code.

    The tree knows the grassroots unions founded or dissolved in the month below a federation;
    every function named in settings.ENTRY_SUGGESTION_SOURCES adds its own (the member roster's
    admissions, departures and totals). Named in the settings, not imported, so that the apps
    holding those registers build on this one and never the reverse.
    """
    found = _founded_and_dissolved(units, year, month)
    for path in settings.ENTRY_SUGGESTION_SOURCES:
        for pk, codes in import_string(path)(units, year, month).items():
            found[pk].update(codes)
    return {pk: dict(codes) for pk, codes in found.items()}


def _founded_and_dissolved(
    units: Sequence[Unit], year: int, month: int
) -> defaultdict[int, defaultdict[str, int]]:
    """CĐCS founded or dissolved in the month anywhere below each federation among `units`."""
    first, last = month_bounds(year, month)
    federations = [u for u in units if not u.is_grassroots]
    found: defaultdict[int, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    if not federations:
        return found
    below = Q()
    for unit in federations:
        below |= Q(path__startswith=unit.path, depth__gt=unit.depth)
    dated = Unit.objects.filter(below, kind=UnitKind.GRASSROOTS_UNION).filter(
        Q(founded_on__range=(first, last)) | Q(dissolved_on__range=(first, last))
    )
    for path, founded, dissolved in dated.values_list("path", "founded_on", "dissolved_on"):
        for unit in federations:
            if path.startswith(unit.path):
                if founded and first <= founded <= last:
                    found[unit.pk]["new_grassroots_unions"] += 1
                if dissolved and first <= dissolved <= last:
                    found[unit.pk]["dissolved_grassroots_unions"] += 1
    return found


# --- who has reported a month ------------------------------------------------------------------


class MonthStatus:
    """How far a unit's data entry for a month is."""

    COMPLETE = "complete"
    ENTERING = "entering"
    MISSING = "missing"


MONTH_STATUS_LABELS = {
    MonthStatus.COMPLETE: "Đã hoàn thành",
    MonthStatus.ENTERING: "Đang nhập",
    MonthStatus.MISSING: "Chưa nhập",
}


@dataclass(frozen=True)
class ChildStatus:
    unit: Unit
    status: str
    completion: MonthCompletion | None

    @property
    def label(self) -> str:
        return MONTH_STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Completeness:
    children: list[ChildStatus]

    def count(self, status: str) -> int:
        return sum(1 for child in self.children if child.status == status)

    @property
    def complete(self) -> int:
        return self.count(MonthStatus.COMPLETE)

    @property
    def entering(self) -> int:
        return self.count(MonthStatus.ENTERING)

    @property
    def missing(self) -> list[ChildStatus]:
        return [child for child in self.children if child.status == MonthStatus.MISSING]

    @property
    def total(self) -> int:
        return len(self.children)

    @property
    def not_complete(self) -> int:
        return self.total - self.complete

    @property
    def grassroots_not_complete(self) -> int:
        """CĐCS among the children not yet complete: what the grid's bulk mark would add."""
        return sum(
            1
            for child in self.children
            if child.unit.is_grassroots and child.status != MonthStatus.COMPLETE
        )


def month_completeness(unit: Unit, year: int, month: int) -> Completeness:
    """Each child's state for the month, with who marked it complete: three queries whatever
    the number of children (the children, those with figures, the completion marks)."""
    children = list(Unit.objects.children_of(unit))
    ids = [child.pk for child in children]
    entered = _entered(ids, year, month)
    marks = {
        c.unit_id: c
        for c in MonthCompletion.objects.filter(
            unit__in=ids, year=year, month=month
        ).select_related("completed_by")
    }
    return Completeness(
        [
            ChildStatus(child, _status(child.pk, marks, entered), marks.get(child.pk))
            for child in children
        ]
    )


def children_completeness(ids: list[int], year: int, month: int) -> dict[int, str]:
    """Unit id → its state for the month, for units already loaded (absent: nothing yet), by
    month_completeness's rule: two queries."""
    entered = _entered(ids, year, month)
    # The ids as one array (sql.AmongIds): a federation's children are many.
    marked = set(
        MonthCompletion.objects.filter(
            AmongIds(F("unit"), ids), year=year, month=month
        ).values_list("unit_id", flat=True)
    )
    return {pk: _status(pk, marked, entered) for pk in entered | marked}


def _entered(ids: list[int], year: int, month: int) -> set[int]:
    """The units whose subtree has any figure for the month (read from the roll-up)."""
    return set(
        MonthlyTotal.objects.filter(
            AmongIds(F("unit"), ids), year=year, month=month, entries__gt=0
        ).values_list("unit_id", flat=True)
    )


def _status(pk: int, marked: Container[int], entered: set[int]) -> str:
    """Marked complete, else "entering" once its subtree has any figure, else missing."""
    if pk in marked:
        return MonthStatus.COMPLETE
    return MonthStatus.ENTERING if pk in entered else MonthStatus.MISSING


# --- what changed ------------------------------------------------------------------------------

HISTORY_LIMIT = 200


def month_changes(unit: Unit, year: int, month: int) -> list[tuple[object, int | None]]:
    """Every change to the month's values of the unit and its children, newest first (at most
    HISTORY_LIMIT), each audit record with the value just before it, the door it came by
    (`door_label`) and what the person said confirming a warning (`note`): two queries."""
    records = list(
        MonthlyEntry.history.filter(
            unit__path__startswith=unit.path,
            unit__depth__lte=unit.depth + 1,
            year=year,
            month=month,
        )
        .select_related("unit", "indicator", "history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    earlier = _earlier_values(records, year, month)
    for record in records:
        door, _, record.note = (record.history_change_reason or "").partition(": ")
        record.door_label = DOOR_LABELS.get(door, Door.SYSTEM.label)
    return [(record, earlier.get(record.history_id)) for record in records]


DOOR_LABELS = dict(Door.choices)


def history_record_or_404(unit: Unit, year: int, month: int, history_id: int):
    """One history record of the month's values of `unit` or a child of it (the units the
    history page shows); 404 for any other."""
    record = (
        MonthlyEntry.history.filter(
            history_id=history_id,
            unit__path__startswith=unit.path,
            unit__depth__lte=unit.depth + 1,
            year=year,
            month=month,
        )
        .select_related("unit", "indicator")
        .first()
    )
    if record is None:
        raise Http404("Không có thay đổi này.")
    return record


def _earlier_values(records, year: int, month: int) -> dict[int, int | None]:
    """For each history record of the month, the value of the same entry just before it: one
    query, by the entries' units and month, which the records are indexed by (EntryHistory)."""
    ids = {record.id for record in records}
    units = {record.unit_id for record in records}
    timeline: dict[int, list] = {}
    for entry_id, history_id, value in (
        MonthlyEntry.history.filter(unit__in=units, year=year, month=month, id__in=ids)
        .order_by("history_date", "history_id")
        .values_list("id", "history_id", "value")
    ):
        timeline.setdefault(entry_id, []).append((history_id, value))
    earlier = {}
    for events in timeline.values():
        for (history_id, _), (_, before) in zip(events[1:], events, strict=False):
            earlier[history_id] = before
    return earlier
