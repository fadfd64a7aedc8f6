"""Reads of the roster: lists, counts rolled up the tree, suggestions for the monthly entry.

Who may see a roster is decided by federation.selectors (views reach a unit through
unit_for_user_or_404); whether a member's personal data shows is decided here, once, by
`personal_data_visible`.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet, Sum, TextChoices
from django.db.models.functions import Coalesce
from django.utils import timezone

from federation import excel
from federation.formatting import vn_number
from federation.models import Unit, UnitKind
from federation.months import month_bounds
from federation.selectors import Permission, percent_of, scope_for, units_where

from .models import Gender, Member, MemberTally, UnionTally, card_key, search_key

PAGE_SIZE = 50
MAX_EXPORT_ROWS = 20_000  # about two seconds of building the file


class Status(TextChoices):
    ACTIVE = "active", "Đang sinh hoạt"
    LEFT = "left", "Đã ra khỏi CĐCS"
    ALL = "all", "Tất cả"


@dataclass(frozen=True)
class RosterFilter:
    q: str = ""
    gender: str = ""
    status: str = Status.ACTIVE
    joined_from: datetime.date | None = None
    joined_to: datetime.date | None = None

    def describe(self) -> str:
        """The filter in words, for the export log."""
        parts = [Status(self.status).label]
        if self.q:
            parts.append(f"tìm “{self.q}”")
        if self.gender:
            parts.append(f"giới tính {Gender(self.gender).label}")
        if self.joined_from:
            parts.append(f"vào từ {self.joined_from:%d/%m/%Y}")
        if self.joined_to:
            parts.append(f"vào đến {self.joined_to:%d/%m/%Y}")
        return "; ".join(parts)


def personal_data_visible(user: AbstractBaseUser | AnonymousUser, union: Unit) -> bool:
    """Whether `user` may see the birth date and card number of a member of `union`.

    Only a user whose scope covers the member's CĐCS may. Every list, page and export that shows
    personal data asks here, so a cross-scope listing cannot show more than this allows.
    """
    return scope_for(user).allows(union, Permission.VIEW)


def duplicate_errors(member: Member) -> dict[str, str]:
    """A card number held by another current member, or a namesake born the same day in the
    same CĐCS: the same person entered twice. Only current members are compared."""
    if not member.is_active:
        return {}
    others = Member.objects.filter(left_on__isnull=True).exclude(pk=member.pk)
    errors = {}
    if member.card_number and others.filter(card_number=member.card_number).exists():
        errors["card_number"] = "Số thẻ này đang được dùng cho một đoàn viên khác."
    if (
        member.birth_date
        and others.filter(
            union=member.union_id,
            search_name=search_key(member.full_name),
            birth_date=member.birth_date,
        ).exists()
    ):
        errors["full_name"] = "CĐCS đã có đoàn viên cùng họ tên và ngày sinh."
    return errors


def first_joined(member: Member) -> datetime.date:
    """When the member joined the union: the joining day of the first row of its transfers."""
    earliest = member
    while earliest.transferred_from_id:
        earliest = Member.objects.only("joined_on", "transferred_from").get(
            pk=earliest.transferred_from_id
        )
    return earliest.joined_on


def members_of(unit: Unit) -> QuerySet[Member]:
    """The members of a CĐCS, or of every CĐCS in a federation's subtree (one join on path)."""
    if unit.is_grassroots:
        return Member.objects.filter(union=unit)
    return Member.objects.filter(union__path__startswith=unit.path)


def roster_members(unit: Unit, roster_filter: RosterFilter) -> QuerySet[Member]:
    members = members_of(unit)
    if roster_filter.status == Status.ACTIVE:
        members = members.filter(left_on__isnull=True)
    elif roster_filter.status == Status.LEFT:
        members = members.filter(left_on__isnull=False)
    if roster_filter.gender:
        members = members.filter(gender=roster_filter.gender)
    if roster_filter.joined_from:
        members = members.filter(joined_on__gte=roster_filter.joined_from)
    if roster_filter.joined_to:
        members = members.filter(joined_on__lte=roster_filter.joined_to)
    query = roster_filter.q.strip()
    if query and any(c.isdigit() for c in query):
        # Names have no digits: a query with one is a card number, matched from its start.
        members = members.filter(card_number__startswith=card_key(query))
    elif query:
        members = members.filter(
            Q(search_name__contains=search_key(query)) | Q(card_number__startswith=card_key(query))
        )
    return members.order_by("search_name", "pk")


@dataclass(frozen=True)
class RosterRow:
    member: Member
    shows_personal_data: bool


# Pages are counted up to this many members: an exact count of a district's 200,000 costs more
# than the page itself, and nobody pages that far; the counts above the list give the total.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class RosterPage:
    rows: list[RosterRow]
    number: int
    count: int  # exact up to COUNT_CAP, else COUNT_CAP + 1
    has_next: bool

    @property
    def count_is_exact(self) -> bool:
        return self.count <= COUNT_CAP

    @property
    def shown_count(self) -> int:
        """The count to show, after "Hơn" when it is not exact."""
        return min(self.count, COUNT_CAP)

    @property
    def num_pages(self) -> int | None:
        return max(1, -(-self.count // PAGE_SIZE)) if self.count_is_exact else None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def page_number(raw: str | int | None) -> int:
    """The page asked for; 1 for anything that is not a short positive number."""
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return 1
    return max(int(text), 1)


def roster_page(
    user: AbstractBaseUser, unit: Unit, roster_filter: RosterFilter, number: int | str | None
) -> RosterPage:
    """One page of the roster: PAGE_SIZE members and a count capped at COUNT_CAP (two queries)."""
    members = roster_members(unit, roster_filter)
    count = members.order_by()[: COUNT_CAP + 1].count()
    number = page_number(number)
    if count <= COUNT_CAP:
        number = min(number, max(1, -(-count // PAGE_SIZE)))
    start = (number - 1) * PAGE_SIZE
    found = list(members.select_related("union")[start : start + PAGE_SIZE + 1])
    visible: dict[int, bool] = {}
    rows = []
    for member in found[:PAGE_SIZE]:
        if member.union_id not in visible:
            visible[member.union_id] = personal_data_visible(user, member.union)
        rows.append(RosterRow(member, visible[member.union_id]))
    return RosterPage(rows, number, count, has_next=len(found) > PAGE_SIZE)


# --- counts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberCounts:
    active: int  # members at the end of the period
    women: int  # of whom women
    admitted: int  # joined during the period (transfers in included)
    left: int  # left during the period (transfers out included)
    transferred_in: int
    transferred_out: int
    on_record: int  # members who had joined by the end of the period, left since or not


def whole_months(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of start's month and the last of end's: the tally counts by month."""
    return start.replace(day=1), month_bounds(end.year, end.month)[1]


def _tallied(first: datetime.date, last: datetime.date) -> dict[str, Coalesce]:
    """The MemberCounts fields as sums over MemberTally rows up to `last`, for the months
    first..last: a stock is the movements through the period's end, a flow those within it."""
    within = Q(month__gte=first)

    def total(expression, condition=None) -> Coalesce:
        return Coalesce(Sum(expression, filter=condition), 0)

    # Named apart from the tally's columns: an annotation may not take a column's name.
    return {
        "n_active": total(F("admitted") - F("departed")),
        "n_women": total(F("women_admitted") - F("women_departed")),
        "n_admitted": total("admitted", within),
        "n_left": total("departed", within),
        "n_transferred_in": total("transferred_in", within),
        "n_transferred_out": total("transferred_out", within),
        "n_on_record": total("admitted"),
    }


def _member_counts(row: dict[str, int]) -> MemberCounts:
    return MemberCounts(**{name.removeprefix("n_"): value for name, value in row.items()})


def member_counts(unit: Unit, start: datetime.date, end: datetime.date) -> MemberCounts:
    """Counts over the unit's roster, or its whole subtree's, for the whole months from start's
    to end's: one query of the unit's own tally rows (one per month with a movement), whatever
    the subtree's size."""
    first, last = whole_months(start, end)
    rows = MemberTally.objects.filter(unit=unit, month__lte=last)
    return _member_counts(rows.aggregate(**_tallied(first, last)))


@dataclass(frozen=True)
class RosterCounts:
    start: datetime.date  # the first day of the period's first month
    end: datetime.date  # the last day of its last month
    members: MemberCounts
    unions: int  # CĐCS in the subtree
    unions_with_roster: int  # of which keep a roster (have a member on it)
    workforce: int | None  # tổng số lao động of the CĐCS that keep a roster

    @property
    def share(self) -> Decimal | None:
        """Tỷ lệ đoàn viên / lao động in percent, one decimal, over the CĐCS keeping a roster."""
        return percent_of(self.members.active, self.workforce)

    @property
    def women_share(self) -> Decimal | None:
        return percent_of(self.members.women, self.members.active)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the first of January to today."""
    return today.replace(month=1, day=1), today


def roster_counts(
    unit: Unit, start: datetime.date | None = None, end: datetime.date | None = None
) -> RosterCounts:
    """The figures shown above a roster: members, women, admissions and departures in the
    whole months from start's to end's, and members as a share of the workforce. Two queries
    of the tally, whatever the subtree's size.

    The share compares like with like: while CĐCS move their lists in, the workforce counted is
    that of the CĐCS that keep a roster, not of every CĐCS below.
    """
    default_start, default_end = default_period(timezone.localdate())
    first, last = whole_months(start or default_start, end or default_end)
    unions, with_roster, workforce = UnionTally.objects.filter(unit=unit).values_list(
        "unions", "with_roster", "workforce"
    ).first() or (0, 0, 0)
    return RosterCounts(
        first,
        last,
        member_counts(unit, first, last),
        unions=unions,
        unions_with_roster=with_roster,
        workforce=workforce or None,
    )


# The MemberCounts a suggestion is made of: the grid and every save's checks read them, so the
# tally's query sums these four, not all seven.
SUGGESTED_COUNTS = ("active", "admitted", "left", "on_record")


def _suggested(*, active: int, admitted: int, left: int, on_record: int) -> dict[str, int]:
    # No member on record by the month's end: the unit keeps no roster, and zeros would mislead.
    if not on_record:
        return {}
    return {"new_members": admitted, "members_left": left, "total_members": active}


def registry_suggestions(unit: Unit, year: int, month: int) -> dict[str, int]:
    """What the roster says a unit's monthly entry should be, keyed by indicator code.

    For the unit's own members if it is a CĐCS, else for every CĐCS in its subtree:
    - `new_members`: members whose joined_on falls in the month (transfers in included),
    - `members_left`: members whose left_on falls in the month (transfers out included),
    - `total_members`: members at the end of the month (joined by then and not yet left).
    Empty when no member of the subtree had joined by the end of the month: the unit keeps no
    roster, and zeros would be wrong suggestions. One query of the tally.
    """
    counts = member_counts(unit, *month_bounds(year, month))
    return _suggested(**{name: getattr(counts, name) for name in SUGGESTED_COUNTS})


def registry_suggestions_for(
    unions: Iterable[Unit], year: int, month: int
) -> dict[int, dict[str, int]]:
    """registry_suggestions for several CĐCS at once, by unit id (the entry grid's rows).

    One query of their tally rows grouped by CĐCS; CĐCS without a roster are left out.
    """
    pks = [unit.pk for unit in unions if unit.is_grassroots]
    if not pks:
        return {}
    first, last = month_bounds(year, month)
    tallied = _tallied(first, last)
    rows = (
        MemberTally.objects.filter(unit__in=pks, month__lte=last)
        .values("unit_id")
        .annotate(**{f"n_{name}": tallied[f"n_{name}"] for name in SUGGESTED_COUNTS})
        .order_by()
    )
    found = {}
    for row in rows:
        union_id = row.pop("unit_id")
        counts = {name.removeprefix("n_"): value for name, value in row.items()}
        if suggestions := _suggested(**counts):
            found[union_id] = suggestions
    return found


# --- export ------------------------------------------------------------------------------------


EXPORT_HEADERS = [
    "STT",
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Ngày vào công đoàn",
    "Số thẻ",
    "Tình trạng",
    "Ngày ra khỏi CĐCS",
    "Lý do",
]


def _day(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def roster_sheet(
    user: AbstractBaseUser, unit: Unit, roster_filter: RosterFilter
) -> tuple[excel.Sheet, int]:
    """The filtered roster as a sheet whose columns the import reads back, and its length.

    ValidationError if it holds more than MAX_EXPORT_ROWS members.
    """
    members = roster_members(unit, roster_filter)
    count = members.count()
    if count > MAX_EXPORT_ROWS:
        raise ValidationError(
            f"Danh sách có {vn_number(count)} đoàn viên, quá {vn_number(MAX_EXPORT_ROWS)} dòng "
            "cho một tệp. Hãy lọc bớt hoặc xuất theo từng CĐCS."
        )
    headers = EXPORT_HEADERS if unit.is_grassroots else [*EXPORT_HEADERS, "Công đoàn cơ sở"]
    sheet = excel.Sheet(
        title="Danh sách đoàn viên",
        headers=headers,
        rows=_export_rows(user, unit, members.select_related("union")),
        widths=[6, 28, 10, 12, 20, 16, 16, 18, 24, 40],
    )
    return sheet, count


def _export_rows(user: AbstractBaseUser, unit: Unit, members: QuerySet[Member]) -> Iterator[list]:
    visible: dict[int, bool] = {}
    for number, m in enumerate(members.iterator(chunk_size=2000), start=1):
        if m.union_id not in visible:
            visible[m.union_id] = personal_data_visible(user, m.union)
        personal = visible[m.union_id]
        row = [
            number,
            m.full_name,
            m.get_gender_display(),
            _day(m.birth_date) if personal else "",
            _day(m.joined_on),
            m.card_number if personal else "",
            Status.ACTIVE.label if m.is_active else Status.LEFT.label,
            _day(m.left_on),
            m.get_leave_reason_display(),
        ]
        if not unit.is_grassroots:
            row.append(m.union.name)
        yield row


# --- transfers ---------------------------------------------------------------------------------

MAX_TRANSFER_CHOICES = 1000


def transfer_targets(user: AbstractBaseUser, member: Member) -> list[tuple[str, list]]:
    """The CĐCS the user may move `member` to, grouped under their parent, for a select box.

    At most MAX_TRANSFER_CHOICES; a user whose scope holds more would need a search instead.
    """
    unions = list(
        units_where(user, Permission.ENTER_DATA)
        .filter(kind=UnitKind.GRASSROOTS_UNION, dissolved_on__isnull=True)
        .exclude(pk=member.union_id)
        .order_by("path")
        .only("pk", "path", "name", "code")[:MAX_TRANSFER_CHOICES]
    )
    step = Unit.steplen
    parents = dict(
        Unit.objects.filter(path__in={u.path[:-step] for u in unions}).values_list("path", "name")
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for union in unions:
        groups.setdefault(parents.get(union.path[:-step], ""), []).append(
            (union.pk, f"{union.name} ({union.code})")
        )
    return list(groups.items())
