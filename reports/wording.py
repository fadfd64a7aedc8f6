"""Figures turned into the language of published union reports.

"kết nạp được 310/512 đoàn viên, đạt 60,5% kế hoạch năm Thành phố giao, tăng 12,5% so với cùng
kỳ". Everything here works on a snapshot's plain rows (see selectors.figures_snapshot), so an old
version's sentences come out of the figures it was built from.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from federation.forecasts import Basis
from federation.formatting import vn_about, vn_number, vn_percent
from federation.models import UnitKind
from federation.selectors import percent_of


@dataclass(frozen=True)
class Phrase:
    """How one indicator reads with a target ("kết nạp được 310/512 đoàn viên") and without
    ("kết nạp mới 60 đoàn viên"). {a} is the actual figure, {t} the target, {m} the cut-off month
    ("tháng 05/2022", for stocks). Money and stocks leave the target to "đạt X% kế hoạch"."""

    with_target: str
    without_target: str = ""

    def text(self, has_target: bool) -> str:
        return self.with_target if has_target else self.without_target or self.with_target


PHRASES: dict[str, Phrase] = {
    "new_members": Phrase("kết nạp được {a}/{t} đoàn viên", "kết nạp mới {a} đoàn viên"),
    "new_grassroots_unions": Phrase("thành lập được {a}/{t} CĐCS", "thành lập mới {a} CĐCS"),
    "total_members": Phrase("tổng số đoàn viên đến hết {m} là {a} người"),
    "members_left": Phrase("số đoàn viên giảm {a} người"),
    "dissolved_grassroots_unions": Phrase("giải thể {a} CĐCS"),
    "training_classes": Phrase(
        "tổ chức được {a}/{t} lớp tập huấn nghiệp vụ công đoàn",
        "tổ chức {a} lớp tập huấn nghiệp vụ công đoàn",
    ),
    "officials_trained": Phrase(
        "tập huấn cho {a}/{t} lượt cán bộ công đoàn", "tập huấn cho {a} lượt cán bộ công đoàn"
    ),
    "party_candidates": Phrase(
        "giới thiệu được {a}/{t} đoàn viên ưu tú cho Đảng xem xét kết nạp",
        "giới thiệu {a} đoàn viên ưu tú cho Đảng xem xét kết nạp",
    ),
    "new_party_members": Phrase(
        "có {a}/{t} đoàn viên được kết nạp vào Đảng", "có {a} đoàn viên được kết nạp vào Đảng"
    ),
    "support_visits": Phrase(
        "thăm hỏi, hỗ trợ được {a}/{t} lượt đoàn viên", "thăm hỏi, hỗ trợ {a} lượt đoàn viên"
    ),
    "support_amount": Phrase("hỗ trợ đoàn viên với tổng số tiền {a} đồng"),
    "union_fees_collected": Phrase("thu kinh phí công đoàn được {a} đồng"),
    "member_dues_collected": Phrase("thu đoàn phí công đoàn được {a} đồng"),
    "initiatives": Phrase("có {a}/{t} sáng kiến được công nhận", "có {a} sáng kiến được công nhận"),
    "grassroots_unions_consolidated": Phrase(
        "chỉ đạo {a}/{t} công đoàn cơ sở thực hiện kiện toàn công tác cán bộ",
        "chỉ đạo {a} công đoàn cơ sở thực hiện kiện toàn công tác cán bộ",
    ),
}

# An indicator that reads as the continuation of another when both have figures:
# "tổ chức 4 lớp tập huấn nghiệp vụ công đoàn cho 700 lượt cán bộ công đoàn".
FOLLOWS: dict[str, tuple[str, Phrase]] = {
    "officials_trained": (
        "training_classes",
        Phrase("cho {a}/{t} lượt cán bộ công đoàn", "cho {a} lượt cán bộ công đoàn"),
    ),
    "support_amount": ("support_visits", Phrase("với tổng số tiền {a} đồng")),
}


@dataclass(frozen=True)
class Topic:
    title: str
    codes: tuple[str, ...]


# Phần I groups the indicators by area of work, as the published reports do.
TOPICS = (
    Topic(
        "Công tác phát triển đoàn viên, thành lập công đoàn cơ sở",
        (
            "new_grassroots_unions",
            "new_members",
            "total_members",
            "members_left",
            "dissolved_grassroots_unions",
        ),
    ),
    Topic("Công tác xây dựng tổ chức công đoàn", ("grassroots_unions_consolidated",)),
    Topic(
        "Công tác tuyên truyền, đào tạo, bồi dưỡng cán bộ",
        ("training_classes", "officials_trained"),
    ),
    Topic(
        "Công tác chăm lo đời sống, bảo vệ quyền lợi đoàn viên",
        ("support_visits", "support_amount"),
    ),
    Topic("Công tác tham gia xây dựng Đảng", ("party_candidates", "new_party_members")),
    Topic("Phong trào thi đua lao động sáng tạo", ("initiatives",)),
    Topic("Công tác tài chính công đoàn", ("union_fees_collected", "member_dues_collected")),
)
OTHER_TOPIC = "Các chỉ tiêu khác"


# --- who gave the target ----------------------------------------------------------------------

_FEDERATION_PREFIX = re.compile(r"^(LĐLĐ|Liên đoàn Lao động)\s+", re.IGNORECASE)
_AREA = re.compile(r"^(thành phố|tỉnh|quận|huyện|thị xã)\b", re.IGNORECASE)


def superior_label(name: str, kind: str) -> str:
    """How a report names the level above that gave its targets: "Thành phố", "Tỉnh",
    "Tổng Liên đoàn", "Liên đoàn Lao động huyện", "Công đoàn ngành"..."""
    if kind == UnitKind.CONFEDERATION:
        return "Tổng Liên đoàn"
    if kind in (UnitKind.PROVINCIAL_FEDERATION, UnitKind.DISTRICT_FEDERATION):
        area = _AREA.match(_FEDERATION_PREFIX.sub("", name))
        if area is None:
            return "Liên đoàn Lao động cấp trên"
        if kind == UnitKind.PROVINCIAL_FEDERATION:
            return area.group(1).capitalize()
        return f"Liên đoàn Lao động {area.group(1).lower()}"
    return {
        UnitKind.SECTOR_UNION: "Công đoàn ngành",
        UnitKind.CORPORATION_UNION: "Công đoàn Tổng công ty",
        UnitKind.INDUSTRIAL_ZONE_UNION: "Công đoàn Khu công nghiệp",
    }.get(kind, "cấp trên")


def place_name(name: str) -> str:
    """The place a federation is named after: "LĐLĐ huyện Hoài Đức" → "Hoài Đức"."""
    stripped = _FEDERATION_PREFIX.sub("", name)
    return _AREA.sub("", stripped).strip() if _AREA.match(stripped) else ""


# --- sentences --------------------------------------------------------------------------------


def as_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def comparison(actual: int, previous: int | None) -> str:
    """ "tăng 12,5% so với cùng kỳ", "giảm 3% so với cùng kỳ", "bằng cùng kỳ"; "" with nothing
    to compare with (no figure for last year)."""
    if not previous:
        return ""
    if actual == previous:
        return "bằng cùng kỳ"
    change = vn_percent(percent_of(abs(actual - previous), previous))
    return f"{'tăng' if actual > previous else 'giảm'} {change} so với cùng kỳ"


def change_short(actual: int, previous: int | None) -> str:
    """The same for a table cell: "+12,5%", "−3%", "bằng"; "—" with nothing to compare with."""
    if not previous:
        return "—"
    if actual == previous:
        return "bằng"
    change = vn_percent(percent_of(abs(actual - previous), previous))
    return f"{'+' if actual > previous else '−'}{change}"


def achievement(row: dict, report_period: str, superior: str | None) -> str:
    """ ", đạt 60,5% kế hoạch năm Thành phố giao" — the year's plan named when a half-year
    report has only the year's target to compare with."""
    if row["percent"] is None:
        return ""
    plan = "kế hoạch năm" if row["target_period"] != report_period else "kế hoạch"
    giver = f" {superior} giao" if superior else ""
    return f", đạt {vn_percent(as_decimal(row['percent']))} {plan}{giver}"


def clause(
    row: dict, report_period: str, superior: str | None, month_label: str, follows: bool = False
) -> str:
    """One indicator in report language, with its achievement and its change on last year.

    `follows` when it continues the clause of the indicator it belongs with (FOLLOWS).
    """
    figures = {"a": vn_number(row["actual"]), "t": vn_number(row["target"]), "m": month_label}
    phrase = FOLLOWS[row["code"]][1] if follows else PHRASES.get(row["code"])
    if phrase is None:
        text = f"{row['name'].lower()}: {figures['a']} {row['unit_of_measure']}"
    else:
        text = phrase.text(row["target"] is not None).format(**figures)
    text += achievement(row, report_period, superior)
    if compared := comparison(row["actual"], row["previous"]):
        text += f", {compared}"
    return text


def has_data(row: dict) -> bool:
    return row["actual"] > 0 or row["target"] is not None


@dataclass(frozen=True)
class Paragraph:
    title: str
    text: str


def result_paragraphs(
    rows: list[dict], report_period: str, superior: str | None, month_label: str
) -> list[Paragraph]:
    """Phần I's paragraphs: one per area of work that has figures, each clause one indicator."""
    by_code = {row["code"]: row for row in rows if has_data(row)}
    groups = [(t.title, [by_code[c] for c in t.codes if c in by_code]) for t in TOPICS]
    placed = {code for topic in TOPICS for code in topic.codes}
    groups.append((OTHER_TOPIC, [row for code, row in by_code.items() if code not in placed]))
    return [
        Paragraph(title, _sentence(found, report_period, superior, month_label))
        for title, found in groups
        if found
    ]


def _sentence(rows: list[dict], report_period: str, superior: str | None, month_label: str) -> str:
    present = {row["code"] for row in rows}
    parts: list[str] = []
    for row in rows:
        follows = row["code"] in FOLLOWS and FOLLOWS[row["code"]][0] in present
        text = clause(row, report_period, superior, month_label, follows)
        if follows and parts:
            joiner = ", " if "," in parts[-1] else " "
            parts[-1] = f"{parts[-1]}{joiner}{text}"
        else:
            parts.append(text)
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


# --- where the year is heading (Phần II of a mid-year report) ----------------------------------


def outlook_sentences(rows: list[dict]) -> list[str]:
    """One sentence per main indicator, an indicator with a year target where more is better:
    "Nếu giữ nhịp độ như 6 tháng đầu năm, cả năm dự kiến kết nạp mới khoảng 14.200 đoàn viên,
    đạt 93,5% kế hoạch." A stock stays where it is, so it is not forecast in words."""
    sentences = []
    for row in rows:
        forecast = row.get("forecast")  # snapshots from before the forecast have none
        if not forecast or forecast["percent"] is None or not row["higher_is_better"]:
            continue
        if forecast["basis"] not in (Basis.PROFILE, Basis.STRAIGHT_LINE):
            continue
        about = f"khoảng {vn_about(forecast['value'])}"
        phrase = PHRASES.get(row["code"])
        if phrase is None:
            text = f"{row['name'].lower()} {about} {row['unit_of_measure']}"
        else:
            text = phrase.text(has_target=False).format(a=about, t="", m="")
        percent = vn_percent(as_decimal(forecast["percent"]))
        sentences.append(
            f"Nếu giữ nhịp độ như {forecast['through_month']} tháng đầu năm, cả năm dự kiến "
            f"{text}, đạt {percent} kế hoạch."
        )
    return sentences
