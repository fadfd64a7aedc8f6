"""Two versions of a report side by side: which figures moved and which sentences changed.

Works on the versions' frozen `document` and `snapshot` alone, as the PDF does: the generated
sentences of Phần I are written again from each snapshot (wording.py) and cut at their clauses,
the edited sections at their paragraphs, and difflib says what was added and removed.
"""

import difflib
from dataclasses import dataclass
from decimal import Decimal

from federation.formatting import vn_number, vn_percent

from . import wording

SECTION_TITLES = {
    "strengths": "Ưu điểm",
    "shortcomings": "Tồn tại, hạn chế",
    "causes": "Nguyên nhân",
    "priorities": "Nhiệm vụ trọng tâm",
    "proposals": "Kiến nghị, đề xuất",
}


@dataclass(frozen=True)
class FigureChange:
    name: str
    measure: str  # "thực hiện", "kế hoạch", "đạt %"
    old: str
    new: str


@dataclass(frozen=True)
class SectionChanges:
    title: str
    removed: list[str]
    added: list[str]


@dataclass(frozen=True)
class Comparison:
    figures: list[FigureChange]
    children: list[FigureChange]
    sections: list[SectionChanges]

    @property
    def is_empty(self) -> bool:
        return not (self.figures or self.children or self.sections)


def compare(old: tuple[dict, dict], new: tuple[dict, dict]) -> Comparison:
    """What changed from `old` to `new`, each a version's (document, snapshot)."""
    (old_document, old_snapshot), (new_document, new_snapshot) = old, new
    sections = [
        _section("Phần I: kết quả (câu viết từ số liệu)", _clauses(old_document, old_snapshot),
                 _clauses(new_document, new_snapshot)),
        *(
            _section(title, _lines(old_document.get(key, "")), _lines(new_document.get(key, "")))
            for key, title in SECTION_TITLES.items()
        ),
    ]  # fmt: skip
    return Comparison(
        figures=indicator_changes(old_snapshot, new_snapshot),
        children=children_changes(old_snapshot, new_snapshot),
        sections=[section for section in sections if section.removed or section.added],
    )


# --- figures ------------------------------------------------------------------------------------


def _percent(value: str | None) -> str:
    return vn_percent(None if value is None else Decimal(value))


def _changes(name: str, old: dict, new: dict) -> list[FigureChange]:
    measures = (
        ("thực hiện", "actual", vn_number),
        ("kế hoạch", "target", vn_number),
        ("đạt %", "percent", _percent),
    )
    return [
        FigureChange(name, label, written(old.get(key)), written(new.get(key)))
        for label, key, written in measures
        if key in old or key in new
        if old.get(key) != new.get(key)
    ]


def indicator_changes(old: dict, new: dict) -> list[FigureChange]:
    """Each indicator's actual, target and percent that differ, in the newer version's order
    (an indicator only one version has shows "—" on the other side)."""
    before = {row["code"]: row for row in old["indicators"]}
    after = {row["code"]: row for row in new["indicators"]}
    codes = list(after) + [code for code in before if code not in after]
    changes = []
    for code in codes:
        row = after.get(code) or before[code]
        changes += _changes(row["name"], before.get(code, {}), after.get(code, {}))
    return changes


def children_changes(old: dict, new: dict) -> list[FigureChange]:
    """The child units' figures that differ, by unit and indicator column."""
    before = {row["id"]: row for row in old["children"]["rows"]}
    names = {column["code"]: column["name"] for column in new["children"]["columns"]}
    changes = []
    for row in new["children"]["rows"]:
        earlier = before.get(row["id"], {"figures": {}})["figures"]
        for code, figure in row["figures"].items():
            for change in _changes(row["name"], earlier.get(code, {}), figure):
                label = f"{names.get(code, code)}: {change.measure}"
                changes.append(FigureChange(change.name, label, change.old, change.new))
    return changes


# --- sentences ----------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _clauses(document: dict, snapshot: dict) -> list[str]:
    """Phần I's generated sentences as the PDF words them, one clause each, so that a figure
    that moved shows as its own clause rather than its whole paragraph."""
    month = f"tháng {snapshot['through_month']:02d}/{snapshot['year']}"
    paragraphs = wording.result_paragraphs(
        snapshot["indicators"], snapshot["period"], document.get("superior"), month
    )
    return [
        f"{paragraph.title}: {clause.strip().rstrip('.')}"
        for paragraph in paragraphs
        for clause in paragraph.text.split("; ")
    ]


def _section(title: str, old: list[str], new: list[str]) -> SectionChanges:
    removed, added = [], []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag != "equal":
            removed += old[old_start:old_end]
            added += new[new_start:new_end]
    return SectionChanges(title, removed, added)
