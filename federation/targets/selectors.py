"""The target grid: the targets of a unit's children for a year, H1 or H2, and the parent's own.

A leader assigns them to every child at once, on the page (targets/forms.py) or by Excel
(targets/excel.py); both end in services.targets_save.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings

from ..models import Indicator, Period, Target, Unit

Key = tuple[int, int]  # (unit id, indicator id)


@dataclass(frozen=True)
class Allocation:
    """The parent's own target (set by its parent) against the sum of its children's."""

    indicator: Indicator
    own: int | None
    children: int
    children_elsewhere: int  # the part from children not on the page shown

    @property
    def difference(self) -> int:
        return self.children - (self.own or 0)

    @property
    def gap(self) -> int:
        return abs(self.difference)

    @property
    def state(self) -> str:
        if self.own is None:
            return "none"
        if self.difference == 0:
            return "match"
        return "under" if self.difference < 0 else "over"


@dataclass
class TargetGrid:
    """The targets of a unit's children for one year and period."""

    parent: Unit
    year: int
    period: str
    children: list[Unit]
    indicators: list[Indicator]
    values: dict[Key, int]
    own: dict[int, int]  # indicator id → the parent's own target

    @property
    def period_label(self) -> str:
        return Period(self.period).label

    def only(self, code: str) -> str:
        """Narrows the grid to the indicator with this code; returns the code if there is one."""
        chosen = [i for i in self.indicators if i.code == code]
        if chosen:
            self.indicators = chosen
            return code
        return ""

    def allocations(self, values: dict[Key, int], shown: Iterable[Unit] = ()) -> list[Allocation]:
        shown_ids = {u.pk for u in shown}
        result = []
        for indicator in self.indicators:
            total = elsewhere = 0
            for child in self.children:
                value = values.get((child.pk, indicator.pk), 0)
                total += value
                if child.pk not in shown_ids:
                    elsewhere += value
            result.append(Allocation(indicator, self.own.get(indicator.pk), total, elsewhere))
        return result


def active_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(is_active=True))


def grid_for(parent: Unit, year: int, period: str) -> TargetGrid:
    """Four queries: the children, the indicators, their targets, the parent's own."""
    children = list(Unit.objects.children_of(parent))
    indicators = active_indicators()
    return TargetGrid(
        parent,
        year,
        period,
        children,
        indicators,
        targets_of(children, year, period),
        dict(
            Target.objects.filter(unit=parent, year=year, period=period).values_list(
                "indicator_id", "value"
            )
        ),
    )


def targets_of(units: Iterable[Unit], year: int, period: str) -> dict[Key, int]:
    """The units' targets for the period, looked up by id (never by walking a subtree)."""
    rows = Target.objects.filter(
        unit__in=[u.pk for u in units], year=year, period=period
    ).values_list("unit_id", "indicator_id", "value")
    return {(unit_id, indicator_id): value for unit_id, indicator_id, value in rows}


def rows_per_page(indicators: Sequence[Indicator]) -> int:
    """Children per page of the grid, so a page's cells stay under Django's field limit."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 10_000
    return max(1, min(100, (limit - 50) // max(1, len(indicators))))
