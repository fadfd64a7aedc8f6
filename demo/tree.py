"""The demo unit tree: LĐLĐ Thành phố Hà Nội, its districts, a sector union and HANDICO, the
employers from which grassroots unions take their names, and the grassroots unions' specs.
"""

import datetime
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from federation.models import Sector, UnitKind

from .specs import UnionSpec, random_date, rng_for

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


# --- the grassroots unions under each parent ---------------------------------------------------

FOUNDED_FROM, FOUNDED_UNTIL = datetime.date(1995, 1, 1), datetime.date(2022, 12, 31)


def unions_of(parent: ParentSpec) -> list[UnionSpec]:
    rng = rng_for("units", parent.code)
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
                founded_on=random_date(rng, FOUNDED_FROM, FOUNDED_UNTIL),
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
