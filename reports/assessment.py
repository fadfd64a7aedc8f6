"""The "đánh giá chung" drafted from the figures: what went well (indicators reached or on pace)
and what did not (indicators behind pace, the child units furthest behind), in the words an
office would write by hand. A pure function of a snapshot (selectors.figures_snapshot), so the
draft can be tested on hand-made figures and redrafted whenever the figures move.

Pace: by the cut-off month a target should be met in proportion to the months of its period
that have passed (a year's target by June: half of it). Only indicators where more is better
are judged; the rest are left to the person who edits the text.
"""

from dataclasses import dataclass
from decimal import Decimal

from federation.formatting import vn_number, vn_percent

LOW_SHARE = Decimal(50)
# How many of the units furthest behind a sentence names; the count says how many there are.
NAMED_CHILDREN = 5
# How a target is named after "kế hoạch": "kế hoạch phát triển đoàn viên".
PLAN_NAMES = {
    "new_members": "phát triển đoàn viên",
    "new_grassroots_unions": "thành lập CĐCS mới",
}
NOTHING_REACHED = "Chưa có chỉ tiêu nào đạt tiến độ kế hoạch đề ra tính đến hết {month}."
NOTHING_BEHIND = "Các chỉ tiêu có kế hoạch đều đạt tiến độ đề ra tính đến hết {month}."


@dataclass(frozen=True)
class Assessment:
    strengths: str
    shortcomings: str


def draft(snapshot: dict) -> Assessment:
    """Ưu điểm and Tồn tại, hạn chế from the snapshot, one paragraph a line."""
    month = f"tháng {snapshot['through_month']:02d}/{snapshot['year']}"
    reached, on_pace, behind = _judged(snapshot)
    strengths = [
        *_listed("Đã hoàn thành và vượt {n} chỉ tiêu", reached, snapshot),
        *_listed("Có {n} chỉ tiêu đạt tiến độ đề ra", on_pace, snapshot),
    ]
    shortcomings = [*_listed("Còn {n} chỉ tiêu chưa đạt tiến độ", behind, snapshot, pace=True)]
    shortcomings += _children_behind(snapshot)
    gains, losses = _halves(snapshot)
    strengths += gains
    shortcomings += losses
    return Assessment(
        strengths="\n".join(strengths or [NOTHING_REACHED.format(month=month)]),
        shortcomings="\n".join(shortcomings or [NOTHING_BEHIND.format(month=month)]),
    )


def _in_sentence(name: str) -> str:
    """An indicator's name inside a sentence: "Đoàn viên kết nạp mới" → "đoàn viên kết nạp
    mới", but "CĐCS thành lập mới" keeps its abbreviation."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


# --- the indicators -----------------------------------------------------------------------------


def expected_percent(snapshot: dict, row: dict) -> Decimal:
    """Where the target should stand by the cut-off month, in percent: the share of its
    period's months passed (H1 ends in June, H2 and the year in December)."""
    month = snapshot["through_month"]
    period = row["target_period"]
    if period == "H1":
        passed, months = min(month, 6), 6
    elif period == "H2":
        passed, months = max(month - 6, 0), 6
    else:
        passed, months = month, 12
    return Decimal(100 * passed) / months


def _judged(snapshot: dict) -> tuple[list[dict], list[dict], list[dict]]:
    reached, on_pace, behind = [], [], []
    for row in snapshot["indicators"]:
        if row["percent"] is None or not row.get("higher_is_better", True):
            continue
        percent = Decimal(row["percent"])
        if percent >= 100:
            reached.append(row)
        elif percent >= expected_percent(snapshot, row):
            on_pace.append(row)
        else:
            behind.append(row)
    return reached, on_pace, behind


def _figure(row: dict, snapshot: dict, pace: bool) -> str:
    """ "kết nạp đoàn viên mới đạt 60,5% kế hoạch (310/512 người)", and with `pace` what the
    month called for: "…, theo tiến độ cần đạt 50%"."""
    text = (
        f"{_in_sentence(row['name'])} đạt {vn_percent(Decimal(row['percent']))} kế hoạch "
        f"({vn_number(row['actual'])}/{vn_number(row['target'])} {row['unit_of_measure']})"
    )
    if pace:
        needed = expected_percent(snapshot, row).quantize(Decimal("0.1"))
        text += f", theo tiến độ cần đạt {vn_percent(needed)}"
    return text


def _listed(opening: str, rows: list[dict], snapshot: dict, pace: bool = False) -> list[str]:
    if not rows:
        return []
    figures = "; ".join(_figure(row, snapshot, pace) for row in rows)
    return [f"{opening.format(n=len(rows))}: {figures}."]


# --- the child units ----------------------------------------------------------------------------


def _children_behind(snapshot: dict) -> list[str]:
    """For each target in the children's table, the units under half of theirs, lowest first:
    "Còn 4 đơn vị đạt dưới 50% kế hoạch phát triển đoàn viên: A (12,5%), B (48,5%)…"."""
    table = snapshot["children"]
    lines = []
    for column in table["columns"]:
        if not column["has_target"]:
            continue
        low = sorted(
            (
                (Decimal(child["figures"][column["code"]]["percent"]), child["name"])
                for child in table["rows"]
                if _percent_of(child, column["code"]) is not None
                and _percent_of(child, column["code"]) < LOW_SHARE
            ),
        )
        if low:
            lines.append(_low_sentence(column, low))
    return lines


def _percent_of(child: dict, code: str) -> Decimal | None:
    figure = child["figures"].get(code)
    return None if figure is None or figure["percent"] is None else Decimal(figure["percent"])


def _low_sentence(column: dict, low: list[tuple[Decimal, str]]) -> str:
    plan = PLAN_NAMES.get(column["code"], _in_sentence(column["name"]))
    named = ", ".join(f"{name} ({vn_percent(percent)})" for percent, name in low[:NAMED_CHILDREN])
    more = f" và {len(low) - NAMED_CHILDREN} đơn vị khác" if len(low) > NAMED_CHILDREN else ""
    return f"Còn {len(low)} đơn vị đạt dưới 50% kế hoạch {plan}: {named}{more}."


# --- the year against its first half (H2, year-end) ---------------------------------------------


def _halves(snapshot: dict) -> tuple[list[str], list[str]]:
    """The year-end report's second half against its first, from the H1 figures of the flows
    the snapshot keeps (`first_half`): kept up or faster is a strength, slower a shortcoming."""
    first_half = snapshot.get("first_half")
    if not first_half:
        return [], []
    faster, slower = [], []
    for row in snapshot["indicators"]:
        if row["code"] not in first_half or not row.get("higher_is_better", True):
            continue
        first = first_half[row["code"]]
        second = row["actual"] - first
        if first == 0 and second == 0:
            continue
        year = f"{vn_number(row['actual'])} {row['unit_of_measure']}"
        text = (
            f"{_in_sentence(row['name'])} cả năm {year} "
            f"(6 tháng đầu năm {vn_number(first)}, 6 tháng cuối năm {vn_number(second)})"
        )
        (faster if second >= first else slower).append(text)
    gains = f"So với 6 tháng đầu năm, 6 tháng cuối năm bằng hoặc cao hơn: {'; '.join(faster)}."
    losses = f"6 tháng cuối năm thấp hơn 6 tháng đầu năm: {'; '.join(slower)}."
    return ([gains] if faster else []), ([losses] if slower else [])
