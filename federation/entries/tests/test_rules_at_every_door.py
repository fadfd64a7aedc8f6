"""Each seeded validation rule, at each door: the page, the Excel import and the API. An error is
refused and saves nothing; a warning asks a person to confirm (page, Excel) or is saved and
answered beside "saved" (API), and the value is kept for follow-up."""

import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from federation import excel
from federation.entries import importing
from federation.entries.excel import CODE, MONTH, NAME, YEAR
from federation.entries.services import EntryRow, entries_save
from federation.excel import indicator_header
from federation.models import EntryFinding, Importance, MonthlyEntry, ValidationRule
from federation.months import previous_month
from federation.tests.api import api_as
from federation.tests.factories import indicator

from .test_views import entry_url, field, form_values, text


@dataclass(frozen=True)
class Case:
    rule: str
    before: dict[str, int]  # hd_1's values last month
    typed: dict[str, int]  # hd_1's values this month, the last one the rule is about

    @property
    def subject(self) -> str:
        return list(self.typed)[-1]


# hd_1 is a CĐCS of 120 workers (GrassrootsFactory).
CASES = [
    Case("leavers-within-members", {"total_members": 10}, {"new_members": 0, "members_left": 50}),
    Case(
        "members-balance",
        {"total_members": 100},
        {"new_members": 5, "members_left": 2, "total_members": 120},
    ),
    Case("admissions-within-workforce", {}, {"new_members": 500}),
    Case("one-union-founded", {}, {"new_grassroots_unions": 2}),
    Case("dues-per-member", {}, {"total_members": 10, "member_dues_collected": 10_000_000}),
    Case("fees-per-worker", {}, {"union_fees_collected": 300_000_000}),
    Case("support-per-visit", {}, {"support_visits": 1, "support_amount": 30_000_000}),
]


@pytest.fixture(params=CASES, ids=lambda case: case.rule)
def case(request, tree, this_month):
    """The rule's case, with last month's values already saved (by the system)."""
    case = request.param
    prior = previous_month(*this_month)
    rows = [EntryRow(tree["hd_1"], indicator(c), *prior, v) for c, v in case.before.items()]
    entries_save(rows=rows, user=None)
    return case


def rule_of(case) -> ValidationRule:
    return ValidationRule.objects.get(code=case.rule)


def typed_now(tree, case, this_month) -> dict[str, int | None]:
    found = MonthlyEntry.objects.filter(unit=tree["hd_1"], year=this_month[0], month=this_month[1])
    return dict(found.values_list("indicator__code", "value"))


def message_start(case) -> str:
    """The rule's message up to its first figure."""
    return re.split(r"[({]", rule_of(case).message)[0].strip()


# --- the page ----------------------------------------------------------------------------------


def test_the_page(client, tree, district_staff, this_month, case):
    client.force_login(district_staff)
    year, month = this_month
    data = form_values(client.get(entry_url(tree["hoai_duc"], year, month)))
    data.update({field(tree["hd_1"], code): str(value) for code, value in case.typed.items()})

    answer = client.post(entry_url(tree["hoai_duc"], year, month), data)

    assert answer.status_code == 400
    assert message_start(case) in text(answer)
    assert typed_now(tree, case, this_month) == {}
    if rule_of(case).importance == Importance.ERROR:
        return
    confirmed = client.post(
        entry_url(tree["hoai_duc"], year, month),
        {**data, "confirm_unusual": "on", "reason": "Đã xác minh"},
    )
    assert confirmed.status_code == 302
    assert typed_now(tree, case, this_month) == case.typed
    finding = EntryFinding.objects.get(rule__code=case.rule)
    assert (finding.indicator.code, finding.reason) == (case.subject, "Đã xác minh")


# --- the Excel import --------------------------------------------------------------------------


def workbook(tree, case, this_month) -> SimpleUploadedFile:
    codes = list(case.typed)
    header = [CODE, NAME, YEAR, MONTH, *(indicator_header(indicator(c)) for c in codes)]
    row = [tree["hd_1"].code, "", *this_month, *case.typed.values()]
    data = excel.workbook_bytes(excel.Sheet("Số liệu", header, [row]))
    return SimpleUploadedFile("so-lieu.xlsx", data, content_type=excel.XLSX_TYPE)


def test_the_excel_import(tree, district_staff, this_month, case):
    preview = importing.read_import(
        workbook(tree, case, this_month), unit=tree["hoai_duc"], user=district_staff
    )

    said = preview.errors if rule_of(case).importance == Importance.ERROR else preview.warnings
    assert any(message_start(case) in item.message for item in said)
    if rule_of(case).importance == Importance.ERROR:
        assert not preview.can_save
        return
    assert preview.can_save
    importing.save_import(preview, user=district_staff, reason="Theo công văn")
    assert typed_now(tree, case, this_month) == case.typed
    assert EntryFinding.objects.get(rule__code=case.rule).reason == "Theo công văn"


# --- the API -----------------------------------------------------------------------------------


def test_the_api(tree, district_staff, this_month, case):
    rows = [
        {"unit": tree["hd_1"].pk, "indicator": code, "year": this_month[0], "month": this_month[1],
         "value": value}
        for code, value in case.typed.items()
    ]  # fmt: skip

    answer = api_as(district_staff).post("/api/v1/entries/", {"entries": rows}, format="json")

    body = answer.json()
    if rule_of(case).importance == Importance.ERROR:
        assert answer.status_code == 400
        assert any(message_start(case) in e["message"] for e in body["errors"])
        assert typed_now(tree, case, this_month) == {}
        return
    assert answer.status_code == 200
    assert body["saved"] == len(rows)
    warned = [w for w in body["warnings"] if message_start(case) in w["message"]]
    assert [(w["row"], w["field"]) for w in warned] == [(len(rows) - 1, "value")]
    assert typed_now(tree, case, this_month) == case.typed
    assert EntryFinding.objects.filter(rule__code=case.rule).count() == 1
