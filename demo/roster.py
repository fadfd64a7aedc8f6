"""The demo member roster: members' names, and the builder that draws a small grassroots union's
members, their admissions and departures, and the union's monthly flow from its roster.
"""

import datetime
import random
from dataclasses import replace

from membership.models import Gender, LeaveReason

from .figures import ADMISSION_SEASON
from .specs import Flow, MemberSpec, Month, UnionSpec, month_end, random_count, random_date, rng_for

# --- the member roster -------------------------------------------------------------------------

FAMILY_NAMES = {
    "Nguyễn": 30, "Trần": 11, "Lê": 9, "Phạm": 7, "Hoàng": 5, "Vũ": 4, "Phan": 4, "Đặng": 3,
    "Bùi": 3, "Đỗ": 3, "Hồ": 2, "Ngô": 2, "Dương": 2, "Đinh": 2, "Lý": 1, "Trịnh": 1, "Đào": 1,
    "Mai": 1, "Lương": 1, "Tạ": 1, "Khuất": 1, "Chu": 1,
}  # fmt: skip
MIDDLE_NAMES = {
    Gender.MALE: ("Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công", "Thành", "Ngọc",
                  "Mạnh", "Đình", "Hoàng"),
    Gender.FEMALE: ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Thùy",
                    "Kim", "Bích", "Hải"),
}  # fmt: skip
GIVEN_NAMES = {
    Gender.MALE: ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh",
                  "Long", "Minh", "Nam", "Phong", "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Việt",
                  "Vinh", "Kiên", "Tùng", "Duy", "Thành", "Toàn", "Lâm"),
    Gender.FEMALE: ("Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Huyền", "Hương",
                    "Lan", "Linh", "Loan", "Mai", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh",
                    "Thảo", "Thủy", "Trang", "Vân", "Yến", "Nga", "Hiền", "Thu"),
}  # fmt: skip
LEAVE_REASONS = {
    LeaveReason.RESIGNED: 40, LeaveReason.TRANSFERRED: 25, LeaveReason.RETIRED: 15,
    LeaveReason.WITHDRAWN: 10, LeaveReason.OTHER: 8, LeaveReason.DECEASED: 2,
}  # fmt: skip
RETIREMENT_AGE = 55


def _full_name(rng: random.Random, gender: str) -> str:
    family = rng.choices(list(FAMILY_NAMES), list(FAMILY_NAMES.values()))[0]
    middle = rng.choice(MIDDLE_NAMES[gender])
    given = rng.choice([name for name in GIVEN_NAMES[gender] if name != middle])
    return f"{family} {middle} {given}"


class RosterBuilder:
    """Draws one union's members: those already in at the start, then monthly admissions."""

    def __init__(self, union: UnionSpec, card_prefix: str, year: int):
        self.union, self.card_prefix, self.year = union, card_prefix, year
        self.rng = rng_for("members", union.code)
        self.members: list[MemberSpec] = []

    def build(self, months: list[Month]) -> list[MemberSpec]:
        before_start = datetime.date(*months[0], 1) - datetime.timedelta(days=1)
        rng, workforce = self.rng, self.union.workforce_total
        for _ in range(round(workforce * rng.uniform(0.75, 0.92))):
            self._add(rng.randint(24, 57), self.union.founded_on, before_start)
        admission = rng.uniform(0.006, 0.012)
        for year, month in months:
            first, last = datetime.date(year, month, 1), month_end(year, month)
            admitted = random_count(rng, workforce * admission * ADMISSION_SEASON[month])
            for _ in range(min(admitted, workforce - self._active_on(first))):
                self._add(rng.randint(21, 40), first, last)
        return self.members

    def _active_on(self, day: datetime.date) -> int:
        return sum(not (m.left_on and m.left_on <= day) for m in self.members)

    def _add(self, age: int, joined_from: datetime.date, joined_until: datetime.date) -> None:
        """Adds a member aged `age` this year, who joined in the window and at 18 or older."""
        rng = self.rng
        female = rng.random() < self.union.workforce_female / self.union.workforce_total
        gender = Gender.FEMALE if female else Gender.MALE
        birth = datetime.date(self.year - age, rng.randint(1, 12), rng.randint(1, 28))
        adult = birth.replace(year=birth.year + 18)
        joined = random_date(rng, max(joined_from, adult), joined_until)
        left, reason = self._leaving(age, joined)
        self.members.append(
            MemberSpec(
                union_code=self.union.code,
                card_number=f"{self.card_prefix}{len(self.members) + 1:03d}",
                full_name=_full_name(rng, gender),
                gender=gender,
                birth_date=birth,
                joined_on=joined,
                left_on=left,
                leave_reason=reason,
            )
        )

    def _leaving(self, age: int, joined: datetime.date) -> tuple[datetime.date | None, str]:
        rng = self.rng
        if rng.random() >= 0.12:
            return None, ""
        reason = rng.choices(list(LEAVE_REASONS), list(LEAVE_REASONS.values()))[0]
        if reason == LeaveReason.RETIRED and age < RETIREMENT_AGE:
            reason = LeaveReason.RESIGNED
        earliest = max(joined + datetime.timedelta(days=30), datetime.date(self.year - 1, 1, 1))
        latest = datetime.date(self.year, 12, 31)
        return (random_date(rng, earliest, latest), reason) if earliest <= latest else (None, "")


def as_of(member: MemberSpec, today: datetime.date) -> MemberSpec | None:
    """The member as the roster knows them today: not yet admitted, or not yet gone."""
    if member.joined_on > today:
        return None
    if member.left_on and member.left_on > today:
        return replace(member, left_on=None, leave_reason="")
    return member


def _in_month(day: datetime.date | None, year: int, month: int) -> bool:
    return day is not None and (day.year, day.month) == (year, month)


def roster_flows(
    members: list[MemberSpec], months: list[Month], today: datetime.date
) -> dict[Month, Flow]:
    flows = {}
    for year, month in months:
        if datetime.date(year, month, 1) > today:
            break
        end = month_end(year, month)
        flows[(year, month)] = Flow(
            new=sum(_in_month(m.joined_on, year, month) for m in members),
            left=sum(_in_month(m.left_on, year, month) for m in members),
            total=sum(m.joined_on <= end and not (m.left_on and m.left_on <= end) for m in members),
        )
    return flows
