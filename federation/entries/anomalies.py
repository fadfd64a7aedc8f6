"""Values that are allowed but unusual: a person must confirm them before they are saved.

The page and the Excel import show these and save only after an explicit confirmation; the
rules themselves (entries_save) do not depend on them.
"""

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..formatting import vn_number
from ..models import Aggregation, MonthlyEntry
from .services import EntryRow

SPIKE_FACTOR = 3
HISTORY_MONTHS = 12
MIN_HISTORY = 3


@dataclass(frozen=True)
class Unusual:
    row: int
    message: str


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _own_history(rows: Sequence[EntryRow]) -> dict[tuple[int, int], dict[int, int]]:
    """Each (unit, indicator)'s own values by month index, for the months before the batch's."""
    first = min(_index(r.year, r.month) for r in rows) - HISTORY_MONTHS
    last = max(_index(r.year, r.month) for r in rows)
    found = MonthlyEntry.objects.filter(
        unit__in={r.unit.pk for r in rows},
        indicator__in={r.indicator.pk for r in rows},
        year__gte=first // 12,
        year__lte=last // 12,
    ).values_list("unit_id", "indicator_id", "year", "month", "value")
    history: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for unit_id, indicator_id, year, month, value in found:
        history[(unit_id, indicator_id)][_index(year, month)] = value
    return history


def unusual_values(rows: Sequence[EntryRow]) -> list[Unusual]:
    """Values far above the unit's usual, admissions above a CĐCS's workforce, and stocks that
    fall from one month to the next."""
    valued = [r for r in rows if r.value is not None]
    if not valued:
        return []
    history = _own_history(valued)
    found = []
    for index, row in enumerate(rows):
        if row.value is None:
            continue
        unit_id, indicator_id, year, month = row.key
        months = history.get((unit_id, indicator_id), {})
        found.extend(
            Unusual(index, message) for message in _checks(row, months, _index(year, month))
        )
    return found


def _checks(row: EntryRow, months: dict[int, int], here: int) -> list[str]:
    messages = []
    past = [v for m, v in months.items() if here - HISTORY_MONTHS <= m < here]
    if len(past) >= MIN_HISTORY:
        usual = statistics.median(past)
        usual = int(usual) if usual == int(usual) else round(usual, 1)
        if usual > 0 and row.value > SPIKE_FACTOR * usual:
            messages.append(
                f"{vn_number(row.value)} cao hơn {SPIKE_FACTOR} lần mức thường "
                f"(trung vị 12 tháng trước: {vn_number(usual)})."
            )
    workforce = row.unit.workforce_total
    if (
        row.indicator.code == "new_members"
        and row.unit.is_grassroots
        and workforce is not None
        and row.value > workforce
    ):
        messages.append(
            f"Số kết nạp {vn_number(row.value)} lớn hơn tổng số lao động ({vn_number(workforce)})."
        )
    previous = months.get(here - 1)
    if (
        row.indicator.aggregation == Aggregation.LAST
        and previous is not None
        and row.value < previous
    ):
        messages.append(
            f"Giảm từ {vn_number(previous)} xuống {vn_number(row.value)} so với tháng trước."
        )
    return messages
