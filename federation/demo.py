"""Demo data for a first run: LĐLĐ Thành phố Hà Nội with its districts, a sector union and
HANDICO, their grassroots unions, a member roster, targets, monthly entries and demo logins.

Every figure comes from a random generator seeded with the unit's code, so two runs on the same
day plan exactly the same data, and a series planned from January of last year keeps its past
months when a later run adds new ones. Writes go through the services, which leave unchanged
rows alone: running the seed again changes nothing.
"""

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from membership.models import Gender, LeaveReason, Member

from . import services
from .formatting import vn_number
from .models import (
    Door,
    Indicator,
    MonthlyEntry,
    Period,
    RoleKind,
    Sector,
    Unit,
    UnitKind,
)

SEED = "unionreport-demo"
DEMO_PASSWORD = "demo12345"

Month = tuple[int, int]
Log = Callable[[str], None]


# --- the tree ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentSpec:
    code: str
    name: str
    short_name: str
    kind: str
    places: tuple[str, ...] = ()
    area: str = ""  # "huyện" (rural, its places are xã) or "quận" (urban, phường)

    @property
    def rural(self) -> bool:
        return self.area == "huyện"


# code, short name, huyện or quận, some of its communes or wards
DISTRICT_ROWS = (
    ("HN-ML", "Mê Linh", "huyện", "Chi Đông, Quang Minh, Tiền Phong, Đại Thịnh, Tráng Việt, "
                                  "Thạch Đà, Văn Khê, Kim Hoa, Tam Đồng, Tự Lập"),
    ("HN-UH", "Ứng Hòa", "huyện", "Vân Đình, Phương Tú, Trầm Lộng, Đại Hùng, Hòa Xá, Liên Bạt, "
                                  "Quảng Phú Cầu, Sơn Công, Viên An, Đồng Tân"),
    ("HN-HD", "Hoài Đức", "huyện", "Trạm Trôi, An Khánh, An Thượng, Vân Canh, Kim Chung, "
                                   "Đức Giang, Lại Yên, Song Phương, Di Trạch, Sơn Đồng, Đông La"),
    ("HN-HK", "Hoàn Kiếm", "quận", "Hàng Bạc, Hàng Bông, Hàng Trống, Tràng Tiền, Lý Thái Tổ, "
                                   "Phan Chu Trinh, Cửa Nam, Hàng Bài, Đồng Xuân"),
    ("HN-BD", "Ba Đình", "quận", "Điện Biên, Kim Mã, Ngọc Hà, Liễu Giai, Cống Vị, Đội Cấn, "
                                 "Giảng Võ, Thành Công, Quán Thánh, Trúc Bạch"),
    ("HN-LB", "Long Biên", "quận", "Bồ Đề, Gia Thụy, Ngọc Lâm, Phúc Đồng, Sài Đồng, Thạch Bàn, "
                                   "Việt Hưng, Ngọc Thụy, Cự Khối, Phúc Lợi"),
    ("HN-DD", "Đống Đa", "quận", "Cát Linh, Kim Liên, Láng Hạ, Láng Thượng, Ô Chợ Dừa, "
                                 "Quang Trung, Trung Tự, Văn Chương, Khâm Thiên, Thịnh Quang"),
    ("HN-NTL", "Nam Từ Liêm", "quận", "Mỹ Đình, Mễ Trì, Cầu Diễn, Phú Đô, Tây Mỗ, Đại Mỗ, "
                                      "Xuân Phương, Phương Canh, Trung Văn"),
    ("HN-CM", "Chương Mỹ", "huyện", "Chúc Sơn, Xuân Mai, Đại Yên, Đông Sơn, Hợp Đồng, Ngọc Hòa, "
                                    "Phụng Châu, Thủy Xuân Tiên, Tốt Động, Trường Yên"),
    ("HN-TX", "Thanh Xuân", "quận", "Khương Đình, Khương Mai, Kim Giang, Nhân Chính, Hạ Đình, "
                                    "Thanh Xuân Bắc, Thanh Xuân Trung, Phương Liệt, Thượng Đình"),
    ("HN-CG", "Cầu Giấy", "quận", "Dịch Vọng, Dịch Vọng Hậu, Mai Dịch, Nghĩa Đô, Nghĩa Tân, "
                                  "Quan Hoa, Trung Hòa, Yên Hòa"),
    ("HN-GL", "Gia Lâm", "huyện", "Trâu Quỳ, Yên Viên, Bát Tràng, Đa Tốn, Kiêu Kỵ, Phú Thị, "
                                  "Dương Xá, Cổ Bi, Đặng Xá, Kim Sơn"),
)  # fmt: skip

CITY = ParentSpec("HN", "LĐLĐ Thành phố Hà Nội", "LĐLĐ Hà Nội", UnitKind.PROVINCIAL_FEDERATION)
DISTRICTS = tuple(
    ParentSpec(
        code,
        f"LĐLĐ {area} {short}",
        short,
        UnitKind.DISTRICT_FEDERATION,
        tuple(places.split(", ")),
        area,
    )
    for code, short, area, places in DISTRICT_ROWS
)
EDUCATION = ParentSpec(
    "HN-GD", "Công đoàn ngành Giáo dục Hà Nội", "Ngành Giáo dục", UnitKind.SECTOR_UNION
)
HANDICO = ParentSpec(
    "HN-HANDICO",
    "Công đoàn Tổng công ty Đầu tư và Phát triển nhà Hà Nội",
    "Công đoàn HANDICO",
    UnitKind.CORPORATION_UNION,
)
PARENTS = (*DISTRICTS, EDUCATION, HANDICO)

# Parents whose first small grassroots unions keep a member roster, and how many of them do.
ROSTER_PARENTS = ("HN-HD", "HN-BD")
ROSTER_UNIONS_PER_PARENT = 5
ROSTER_MAX_WORKFORCE = 80


# --- employers, from which grassroots unions take their names ----------------------------------


@dataclass(frozen=True)
class Employer:
    name: str
    sector: str
    workforce: tuple[int, int]
    female_share: tuple[float, float]


PUBLIC, STATE, NON_STATE, FDI = (Sector.PUBLIC_SERVICE, Sector.STATE, Sector.NON_STATE, Sector.FDI)

SCHOOLS = (
    ("Trường Mầm non", (25, 70), (0.93, 1.0)),
    ("Trường Tiểu học", (30, 80), (0.75, 0.92)),
    ("Trường THCS", (30, 75), (0.65, 0.85)),
)
HIGH_SCHOOL = ("Trường THPT", (60, 130), (0.6, 0.8))
LOCAL_OFFICES = (
    ("Trạm Y tế {commune} {place}", (6, 15), (0.6, 0.85)),
    ("cơ quan UBND {commune} {place}", (20, 45), (0.35, 0.55)),
)
DISTRICT_BODIES = (
    ("Trung tâm Văn hóa - Thông tin và Thể thao {area} {short}", PUBLIC, (15, 40), (0.4, 0.6)),
    ("Kho bạc Nhà nước {short}", PUBLIC, (12, 30), (0.5, 0.7)),
    ("Điện lực {short}", STATE, (60, 150), (0.15, 0.3)),
    ("Bưu điện {area} {short}", STATE, (30, 80), (0.4, 0.6)),
    ("Agribank chi nhánh {short}", STATE, (30, 70), (0.5, 0.7)),
    ("Xí nghiệp Môi trường đô thị {short}", STATE, (80, 250), (0.4, 0.6)),
)
TRADES = (
    ("May", (80, 900), (0.75, 0.9)),
    ("Xây dựng", (30, 300), (0.08, 0.22)),
    ("Cơ khí", (30, 250), (0.05, 0.2)),
    ("Thực phẩm", (40, 400), (0.5, 0.7)),
    ("Dược phẩm", (40, 300), (0.5, 0.7)),
    ("Vận tải", (20, 200), (0.05, 0.2)),
    ("Bao bì", (30, 250), (0.4, 0.6)),
    ("In", (20, 150), (0.3, 0.5)),
    ("Nhựa", (30, 300), (0.3, 0.5)),
    ("Thương mại và Dịch vụ", (15, 120), (0.45, 0.65)),
    ("Nội thất", (20, 200), (0.15, 0.35)),
    ("Gốm sứ", (15, 150), (0.4, 0.6)),
    ("Giày da", (100, 800), (0.7, 0.85)),
)
COMPANY_FORMS = ("TNHH", "Cổ phần", "TNHH", "Cổ phần Đầu tư")
BRANDS = (
    "Thăng Long",
    "Hồng Hà",
    "Sông Đà",
    "Hà Thành",
    "Phú Thịnh",
    "Minh Phát",
    "Hoàng Long",
    "An Phát",
    "Thành Công",
    "Việt Hưng",
    "Đại Việt",
    "Kim Long",
    "Tân Tiến",
    "Phương Đông",
    "Hòa Bình",
    "Trường Thịnh",
    "Bình Minh",
    "Hưng Thịnh",
    "Nam Việt",
    "Tiến Đạt",
)
FDI_TRADES = (
    ("Điện tử", (300, 3000), (0.65, 0.85)),
    ("May mặc", (300, 2500), (0.75, 0.9)),
    ("Cơ khí chính xác", (150, 1200), (0.2, 0.4)),
    ("Linh kiện ô tô", (200, 1500), (0.3, 0.5)),
    ("Bao bì", (100, 600), (0.4, 0.6)),
)
FOREIGN_BRANDS = (
    "Shinwa",
    "Daeyang",
    "Kyoei",
    "Samil",
    "Dongjin",
    "Kwangwoo",
    "Taiyo",
    "Nissei",
    "Hanil",
    "Seojin",
    "Jinwoo",
    "Kotobuki",
    "Matsuo",
    "Yamato",
    "Tohoku",
    "Hoshin",
)
HANDICO_COMPANIES = (
    ("Công ty Cổ phần Đầu tư và Xây dựng HANDICO {n}", NON_STATE, (60, 300), (0.15, 0.3)),
    ("Xí nghiệp Xây lắp số {n}", STATE, (40, 200), (0.1, 0.25)),
    ("Công ty Cổ phần Tư vấn Thiết kế HANDICO {n}", NON_STATE, (20, 80), (0.3, 0.45)),
    ("Ban Quản lý dự án số {n}", STATE, (15, 40), (0.3, 0.5)),
    ("Công ty TNHH MTV Quản lý và Kinh doanh nhà số {n}", STATE, (30, 150), (0.35, 0.55)),
    ("Công ty Cổ phần Vật liệu Xây dựng HANDICO {n}", NON_STATE, (50, 300), (0.15, 0.3)),
    ("Xí nghiệp Dịch vụ Đô thị số {n}", STATE, (40, 200), (0.4, 0.6)),
)


def _health_centre(parent: ParentSpec) -> Employer:
    if parent.rural:
        return Employer(f"Bệnh viện Đa khoa {parent.short_name}", PUBLIC, (250, 600), (0.6, 0.75))
    return Employer(f"Trung tâm Y tế quận {parent.short_name}", PUBLIC, (80, 200), (0.65, 0.8))


def _school(rng: random.Random, places: tuple[str, ...], level: tuple) -> Employer:
    kind, workforce, female = level
    return Employer(f"{kind} {rng.choice(places)}", PUBLIC, workforce, female)


def _district_employer(rng: random.Random, parent: ParentSpec) -> Employer:
    choice = rng.choices(["school", "office", "body", "company", "fdi"], [30, 10, 6, 40, 14])[0]
    if choice == "school":
        return _school(rng, parent.places, rng.choice(SCHOOLS))
    if choice == "office":
        pattern, workforce, female = rng.choice(LOCAL_OFFICES)
        commune = "xã" if parent.rural else "phường"
        name = pattern.format(commune=commune, place=rng.choice(parent.places))
        return Employer(name, PUBLIC, workforce, female)
    if choice == "body":
        pattern, sector, workforce, female = rng.choice(DISTRICT_BODIES)
        name = pattern.format(area=parent.area, short=parent.short_name)
        return Employer(name, sector, workforce, female)
    if choice == "company":
        trade, workforce, female = rng.choice(TRADES)
        brand = rng.choice((*BRANDS, parent.short_name, *parent.places))
        name = f"Công ty {rng.choice(COMPANY_FORMS)} {trade} {brand}"
        return Employer(name, NON_STATE, workforce, female)
    trade, workforce, female = rng.choice(FDI_TRADES)
    name = f"Công ty TNHH {trade} {rng.choice(FOREIGN_BRANDS)} Việt Nam"
    return Employer(name, FDI, workforce, female)


def _employers(parent: ParentSpec, rng: random.Random) -> Iterator[Employer]:
    """Endless candidate employers under `parent`; repeated names are the caller's to skip."""
    if parent.kind == UnitKind.DISTRICT_FEDERATION:
        yield _health_centre(parent)
        while True:
            yield _district_employer(rng, parent)
    if parent.kind == UnitKind.SECTOR_UNION:
        places = [place for district in DISTRICTS for place in district.places]
        while True:
            yield _school(rng, places, rng.choice((HIGH_SCHOOL, HIGH_SCHOOL, *SCHOOLS)))
    numbers: dict[str, int] = defaultdict(int)
    while True:
        pattern, sector, workforce, female = rng.choice(HANDICO_COMPANIES)
        numbers[pattern] += 1
        yield Employer(pattern.format(n=numbers[pattern]), sector, workforce, female)


# --- plan: everything the seed writes, computed before any write --------------------------------


@dataclass(frozen=True)
class UnionSpec:
    code: str
    name: str
    sector: str
    workforce_total: int
    workforce_female: int
    founded_on: datetime.date


@dataclass(frozen=True)
class MemberSpec:
    union_code: str
    card_number: str
    full_name: str
    gender: str
    birth_date: datetime.date
    joined_on: datetime.date
    left_on: datetime.date | None
    leave_reason: str


class PlannedEntry(NamedTuple):
    unit_code: str
    indicator: str
    year: int
    month: int
    value: int


class PlannedTarget(NamedTuple):
    unit_code: str
    indicator: str
    year: int
    period: str
    value: int


@dataclass(frozen=True)
class Flow:
    new: int
    left: int
    total: int


@dataclass
class Plan:
    unions: dict[str, list[UnionSpec]]
    members: list[MemberSpec]
    entries: list[PlannedEntry]
    targets: list[PlannedTarget]


FOUNDED_FROM, FOUNDED_UNTIL = datetime.date(1995, 1, 1), datetime.date(2022, 12, 31)


def _rng(*parts: object) -> random.Random:
    """A generator of its own per purpose and unit, so one unit's data never shifts another's."""
    return random.Random(":".join((SEED, *map(str, parts))))


def _random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _count(rng: random.Random, mean: float) -> int:
    """A whole number around `mean`, rounded up or down at random so small means still add up."""
    value = mean * rng.uniform(0.6, 1.4)
    return int(value) + (rng.random() < value - int(value))


def _month_end(year: int, month: int) -> datetime.date:
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def planned_months(today: datetime.date) -> list[Month]:
    """January of last year through December of this year; months after today are not saved."""
    return [(year, month) for year in (today.year - 1, today.year) for month in range(1, 13)]


def _unions_of(parent: ParentSpec) -> list[UnionSpec]:
    rng = _rng("units", parent.code)
    count = rng.randint(20, 60)
    unions: list[UnionSpec] = []
    names: set[str] = set()
    for employer in _employers(parent, rng):
        name = f"Công đoàn {employer.name}"
        if name in names:
            continue
        names.add(name)
        workforce = rng.randint(*employer.workforce)
        unions.append(
            UnionSpec(
                code=f"{parent.code}-{len(unions) + 1:03d}",
                name=name,
                sector=employer.sector,
                workforce_total=workforce,
                workforce_female=round(workforce * rng.uniform(*employer.female_share)),
                founded_on=_random_date(rng, FOUNDED_FROM, FOUNDED_UNTIL),
            )
        )
        if len(unions) == count:
            return unions
    raise AssertionError("unreachable: employers never run out")


def roster_unions(unions: dict[str, list[UnionSpec]]) -> list[UnionSpec]:
    """The small grassroots unions whose figures come from a member roster."""
    chosen = []
    for parent_code in ROSTER_PARENTS:
        small = [u for u in unions[parent_code] if u.workforce_total <= ROSTER_MAX_WORKFORCE]
        chosen.extend(small[:ROSTER_UNIONS_PER_PARENT])
    return chosen


ADMISSION_SEASON = {1: 0.6, 2: 0.35, 3: 1.2, 4: 1.35, 5: 1.3, 6: 1.0,
                    7: 0.8, 8: 0.8, 9: 1.2, 10: 1.3, 11: 1.25, 12: 0.85}  # fmt: skip
# Workers who do not come back after Tết leave their union in February and March.
LEAVING_SEASON = {1: 1.0, 2: 1.8, 3: 1.5, 4: 1.0, 5: 1.0, 6: 1.0,
                  7: 1.0, 8: 1.0, 9: 1.0, 10: 1.0, 11: 1.0, 12: 1.2}  # fmt: skip
TRAINING_SEASON = {1: 0.3, 2: 0.2, 3: 1.4, 4: 1.6, 5: 1.3, 6: 0.8,
                   7: 0.6, 8: 1.0, 9: 1.4, 10: 1.6, 11: 1.2, 12: 0.6}  # fmt: skip
# Visits peak before Tết and around 27/7 (Ngày Thương binh - Liệt sĩ).
SUPPORT_SEASON = {1: 3.0, 2: 2.0, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.0,
                  7: 1.5, 8: 1.0, 9: 1.0, 10: 1.0, 11: 1.0, 12: 1.2}  # fmt: skip
SUPPORT_GRANTS = (500_000, 1_000_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 5_000_000)


def _union_flows(union: UnionSpec, months: list[Month]) -> dict[Month, Flow]:
    rng = _rng("flows", union.code)
    workforce = union.workforce_total
    total = round(workforce * rng.uniform(0.7, 0.95))
    admission, leaving = rng.uniform(0.004, 0.012), rng.uniform(0.002, 0.008)
    flows = {}
    for year, month in months:
        left = min(total, _count(rng, total * leaving * LEAVING_SEASON[month]))
        new = min(
            workforce - total + left, _count(rng, workforce * admission * ADMISSION_SEASON[month])
        )
        total += new - left
        flows[(year, month)] = Flow(new, left, total)
    return flows


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


class _RosterBuilder:
    """Draws one union's members: those already in at the start, then monthly admissions."""

    def __init__(self, union: UnionSpec, card_prefix: str, year: int):
        self.union, self.card_prefix, self.year = union, card_prefix, year
        self.rng = _rng("members", union.code)
        self.members: list[MemberSpec] = []

    def build(self, months: list[Month]) -> list[MemberSpec]:
        before_start = datetime.date(*months[0], 1) - datetime.timedelta(days=1)
        rng, workforce = self.rng, self.union.workforce_total
        for _ in range(round(workforce * rng.uniform(0.75, 0.92))):
            self._add(rng.randint(24, 57), self.union.founded_on, before_start)
        admission = rng.uniform(0.006, 0.012)
        for year, month in months:
            first, last = datetime.date(year, month, 1), _month_end(year, month)
            admitted = _count(rng, workforce * admission * ADMISSION_SEASON[month])
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
        joined = _random_date(rng, max(joined_from, adult), joined_until)
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
        return (_random_date(rng, earliest, latest), reason) if earliest <= latest else (None, "")


def _as_of(member: MemberSpec, today: datetime.date) -> MemberSpec | None:
    """The member as the roster knows them today: not yet admitted, or not yet gone."""
    if member.joined_on > today:
        return None
    if member.left_on and member.left_on > today:
        return replace(member, left_on=None, leave_reason="")
    return member


def _in_month(day: datetime.date | None, year: int, month: int) -> bool:
    return day is not None and (day.year, day.month) == (year, month)


def _roster_flows(
    members: list[MemberSpec], months: list[Month], today: datetime.date
) -> dict[Month, Flow]:
    flows = {}
    for year, month in months:
        if datetime.date(year, month, 1) > today:
            break
        end = _month_end(year, month)
        flows[(year, month)] = Flow(
            new=sum(_in_month(m.joined_on, year, month) for m in members),
            left=sum(_in_month(m.left_on, year, month) for m in members),
            total=sum(m.joined_on <= end and not (m.left_on and m.left_on <= end) for m in members),
        )
    return flows


# --- monthly entries and targets ---------------------------------------------------------------


def _union_entries(union: UnionSpec, flows: dict[Month, Flow]) -> Iterator[PlannedEntry]:
    for (year, month), flow in flows.items():
        yield PlannedEntry(union.code, "total_members", year, month, flow.total)
        if flow.new:
            yield PlannedEntry(union.code, "new_members", year, month, flow.new)
        if flow.left:
            yield PlannedEntry(union.code, "members_left", year, month, flow.left)


def _parent_figures(
    rng: random.Random, size: int, workforce: int, members: int, month: int, wage: float
) -> dict[str, int]:
    classes = _count(rng, 0.7 * TRAINING_SEASON[month])
    visits = _count(rng, size * 0.25 * SUPPORT_SEASON[month])
    return {
        "new_grassroots_unions": _count(rng, size * 0.008 * ADMISSION_SEASON[month]),
        "training_classes": classes,
        "officials_trained": sum(rng.randint(35, 150) for _ in range(classes)),
        "support_visits": visits,
        "support_amount": sum(rng.choice(SUPPORT_GRANTS) for _ in range(visits)),
        # Kinh phí công đoàn is 2% of the payroll; not every employer pays on time.
        "union_fees_collected": round(workforce * wage * 0.02 * rng.uniform(0.55, 0.9), -3),
        "member_dues_collected": round(members * rng.uniform(40_000, 60_000), -3),
        "initiatives": _count(rng, size * 0.02),
        "party_candidates": _count(rng, size * 0.015),
        "new_party_members": _count(rng, size * 0.01),
        "grassroots_unions_consolidated": _count(rng, size * 0.02),
    }


def _parent_entries(
    parent: ParentSpec, unions: list[UnionSpec], members: int, months: list[Month]
) -> Iterator[PlannedEntry]:
    rng = _rng("entries", parent.code)
    workforce = sum(u.workforce_total for u in unions)
    wage = rng.uniform(6_500_000, 9_000_000)
    for year, month in months:
        figures = _parent_figures(rng, len(unions), workforce, members, month, wage)
        for indicator, value in figures.items():
            if value:
                yield PlannedEntry(parent.code, indicator, year, month, int(value))


TARGET_INDICATORS = (
    "new_members", "new_grassroots_unions", "training_classes", "officials_trained",
    "party_candidates", "new_party_members", "union_fees_collected", "member_dues_collected",
)  # fmt: skip
MONEY_INDICATORS = {"union_fees_collected", "member_dues_collected", "support_amount"}


def _plan_figure(value: float, indicator: str) -> int:
    """Rounds a target up the way a plan states it: whole millions of đồng, round tens of people."""
    if indicator in MONEY_INDICATORS:
        step = 1_000_000
    else:
        step = 1 if value < 20 else 5 if value < 200 else 10
    return max(step, math.ceil(value / step) * step)


def _targets(
    entries: list[PlannedEntry], top_of: dict[str, str], years: tuple[int, int]
) -> Iterator[PlannedTarget]:
    """Year and H1 targets the city sets its units, and the city's own, from the planned year.

    Each unit keeps, year after year, roughly the same pace against its plan (between about 45%
    and 115%), as real units tend to; the city's plan is a little under the sum of its units'.
    """
    planned: dict[tuple[str, str, int], int] = defaultdict(int)
    for entry in entries:
        if entry.indicator in TARGET_INDICATORS:
            planned[(top_of[entry.unit_code], entry.indicator, entry.year)] += entry.value
    city: dict[tuple[str, int], int] = defaultdict(int)
    for parent in PARENTS:
        for indicator in TARGET_INDICATORS:
            rng = _rng("targets", parent.code, indicator)
            pace = rng.uniform(0.5, 1.05)
            for year in years:
                value = planned[(parent.code, indicator, year)] / (pace * rng.uniform(0.9, 1.1))
                whole = _plan_figure(value, indicator)
                city[(indicator, year)] += whole
                yield from _year_and_h1(parent.code, indicator, year, whole, rng)
    for (indicator, year), total in city.items():
        rng = _rng("targets", CITY.code, indicator, year)
        whole = _plan_figure(total * rng.uniform(0.9, 1.0), indicator)
        yield from _year_and_h1(CITY.code, indicator, year, whole, rng)


def _year_and_h1(
    code: str, indicator: str, year: int, whole: int, rng: random.Random
) -> Iterator[PlannedTarget]:
    yield PlannedTarget(code, indicator, year, Period.YEAR, whole)
    half = _plan_figure(whole * rng.uniform(0.42, 0.5), indicator)
    yield PlannedTarget(code, indicator, year, Period.H1, half)


def build_plan(today: datetime.date) -> Plan:
    """Everything the seed writes, decided before any write; the same input, the same plan."""
    months = planned_months(today)
    unions = {parent.code: _unions_of(parent) for parent in PARENTS}
    flows: dict[str, dict[Month, Flow]] = {}
    members: list[MemberSpec] = []
    for union in roster_unions(unions):
        parent_no = 1 + [p.code for p in PARENTS].index(union.code.rsplit("-", 1)[0])
        card_prefix = f"HN{parent_no:02d}{union.code[-3:]}"
        drawn = _RosterBuilder(union, card_prefix, today.year).build(months)
        roster = [m for m in (_as_of(m, today) for m in drawn) if m]
        members.extend(roster)
        flows[union.code] = _roster_flows(roster, months, today)
    entries: list[PlannedEntry] = []
    top_of = {}
    for parent in PARENTS:
        top_of[parent.code] = parent.code
        for union in unions[parent.code]:
            top_of[union.code] = parent.code
            if union.code not in flows:
                flows[union.code] = _union_flows(union, months)
            entries.extend(_union_entries(union, flows[union.code]))
        opening = sum(flows[u.code][months[0]].total for u in unions[parent.code])
        entries.extend(_parent_entries(parent, unions[parent.code], opening, months))
    targets = list(_targets(entries, top_of, (today.year - 1, today.year)))
    return Plan(unions, members, entries, targets)


# --- writing the plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    unit_code: str
    last_name: str
    first_name: str
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", RoleKind.ADMIN, CITY.code, "Quản trị", "hệ thống", is_superuser=True),
    DemoUser("lanhdao_hn", RoleKind.LEADER, CITY.code, "Nguyễn Văn", "Thành"),
    DemoUser("lanhdao_hd", RoleKind.LEADER, "HN-HD", "Trần Thị", "Hạnh"),
    DemoUser("canbo_hd", RoleKind.STAFF, "HN-HD", "Lê Minh", "Tuấn"),
)
TARGET_SETTER = "lanhdao_hn"


def _unit_rows(plan: Plan) -> Iterator[tuple[str | None, str, dict]]:
    """(parent code, code, fields) for every unit, each parent before its children."""
    for spec, parent_code in ((CITY, None), *((p, CITY.code) for p in PARENTS)):
        fields = {"name": spec.name, "short_name": spec.short_name, "kind": spec.kind}
        yield parent_code, spec.code, fields
    for parent in PARENTS:
        for union in plan.unions[parent.code]:
            fields = {**asdict(union), "kind": UnitKind.GRASSROOTS_UNION}
            yield parent.code, fields.pop("code"), fields


def _ensure_units(plan: Plan, log: Log) -> dict[str, Unit]:
    rows = list(_unit_rows(plan))
    units = {u.code: u for u in Unit.objects.filter(code__in=[code for _, code, _ in rows])}
    found = len(units)
    for parent_code, code, fields in rows:
        if code not in units:
            parent = units[parent_code] if parent_code else None
            units[code] = services.unit_create(
                parent=parent, code=code, user=None, door=Door.SYSTEM, **fields
            )
    log(f"Đơn vị: {vn_number(len(units))} (tạo mới {vn_number(len(units) - found)}).")
    return units


def _ensure_members(plan: Plan, units: dict[str, Unit], log: Log) -> None:
    cards = [m.card_number for m in plan.members]
    existing = set(
        Member.objects.filter(card_number__in=cards).values_list("card_number", flat=True)
    )
    new = [_member(m, units) for m in plan.members if m.card_number not in existing]
    bulk_create_with_history(new, Member, batch_size=500, default_change_reason=Door.SYSTEM)
    unions = len({m.union_code for m in plan.members})
    total, added = vn_number(len(plan.members)), vn_number(len(new))
    log(f"Đoàn viên: {total} tại {unions} CĐCS (thêm mới {added}).")


def _member(spec: MemberSpec, units: dict[str, Unit]) -> Member:
    fields = asdict(spec)
    return Member(union=units[fields.pop("union_code")], **fields)


def _ensure_users(units: dict[str, Unit], log: Log) -> dict[str, AbstractBaseUser]:
    users = {}
    for spec in DEMO_USERS:
        user, _ = get_user_model().objects.get_or_create(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.is_superuser = user.is_staff = spec.is_superuser
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        unit = units[spec.unit_code]
        services.role_grant(user=user, unit=unit, role=spec.role)
        users[spec.username] = user
    log(f"Tài khoản dùng thử: {len(users)} (mật khẩu đặt lại thành {DEMO_PASSWORD}).")
    return users


def _save_targets(plan: Plan, units: dict[str, Unit], setter: AbstractBaseUser, log: Log) -> None:
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=TARGET_INDICATORS)}
    created = 0
    for t in plan.targets:
        _, is_new = services.target_set(
            unit=units[t.unit_code],
            indicator=indicators[t.indicator],
            year=t.year,
            period=t.period,
            value=t.value,
            user=None if t.unit_code == CITY.code else setter,
            door=Door.SYSTEM,
        )
        created += is_new
    log(f"Chỉ tiêu giao: {vn_number(len(plan.targets))} (tạo mới {vn_number(created)}).")


def saved_months(today: datetime.date, months_back: int | None) -> list[Month]:
    """The planned months up to the current one, or only the last `months_back` of them."""
    months = [m for m in planned_months(today) if m <= (today.year, today.month)]
    return months[-months_back:] if months_back else months


def _save_entries(plan: Plan, units: dict[str, Unit], months: list[Month], log: Log) -> None:
    indicators = {i.code: i for i in Indicator.objects.all()}
    rows: dict[Month, list[services.EntryRow]] = {month: [] for month in months}
    for e in plan.entries:
        if (e.year, e.month) in rows:
            unit, indicator = units[e.unit_code], indicators[e.indicator]
            rows[(e.year, e.month)].append(
                services.EntryRow(unit, indicator, e.year, e.month, e.value)
            )
    before = MonthlyEntry.objects.count()
    for year in sorted({year for year, _ in months}):
        saved = sum(
            services.entries_save(rows=batch, user=None, door=Door.SYSTEM)
            for (y, _), batch in rows.items()
            if y == year
        )
        count = sum(1 for y, _ in months if y == year)
        log(f"Số liệu tháng năm {year}: {count} tháng, {vn_number(saved)} dòng.")
    added = MonthlyEntry.objects.count() - before
    log(f"Số liệu tháng: thêm mới {vn_number(added)} dòng.")


def seed(
    *, today: datetime.date | None = None, months_back: int | None = None, log: Log = print
) -> None:
    """Builds the demo data; run again, it adds what is missing and changes nothing else.

    Units and members already there (by code, by card number) are left as they are; targets and
    monthly figures go through the services, which skip values that have not changed.
    """
    today = today or datetime.date.today()
    log("Đang lập kế hoạch dữ liệu mẫu…")
    plan = build_plan(today)
    with transaction.atomic():
        units = _ensure_units(plan, log)
        _ensure_members(plan, units, log)
        users = _ensure_users(units, log)
        _save_targets(plan, units, users[TARGET_SETTER], log)
        _save_entries(plan, units, saved_months(today, months_back), log)


def login_table() -> list[str]:
    """The demo logins as lines of a table, to print at the end of the seed."""
    codes = [spec.unit_code for spec in DEMO_USERS]
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [("Tên đăng nhập", "Mật khẩu", "Vai trò", "Đơn vị")]
    for spec in DEMO_USERS:
        role = RoleKind(spec.role).label + (", toàn hệ thống" if spec.is_superuser else "")
        rows.append((spec.username, DEMO_PASSWORD, role, names[spec.unit_code]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, [*widths, 0], strict=True)).rstrip()
        for row in rows
    ]
