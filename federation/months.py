"""Calendar months as every part of the system counts them: (year, month) pairs.

The entry grid steps between months, the Excel files list ranges of them, locks and the roster
need a month's first and last day.
"""

import calendar
import datetime

Month = tuple[int, int]  # (year, month)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of a month."""
    first = datetime.date(year, month, 1)
    return first, first.replace(day=calendar.monthrange(year, month)[1])


def previous_month(year: int, month: int) -> Month:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def next_month(year: int, month: int) -> Month:
    return (year, month + 1) if month < 12 else (year + 1, 1)


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included."""
    start, stop = first[0] * 12 + first[1] - 1, last[0] * 12 + last[1]
    return [(index // 12, index % 12 + 1) for index in range(start, stop)]


def last_month_over(year: int, last_month: int, today: datetime.date) -> int:
    """The last month of a year's figures through `last_month` that is over by `today` (0 when
    none is): where the pace and the forecast of figures still being gathered stand."""
    if year < today.year:
        return last_month
    if year > today.year:
        return 0
    return min(last_month, today.month - 1)
