"""Validation rules that read the member roster: the seeded "members-on-roster" at each door, and
the roster's registers in the rules' language."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from federation.entries.checks import findings_for
from federation.entries.services import EntryRow
from federation.entries.tests.test_rules_at_every_door import (  # run here with this case
    Case,
    test_the_api,  # noqa: F401
    test_the_excel_import,  # noqa: F401
    test_the_page,  # noqa: F401
)
from federation.models import ValidationRule
from federation.months import month_bounds
from federation.tests.factories import GrassrootsFactory, indicator

from .factories import MemberFactory


@pytest.fixture
def case(tree):
    """hd_1 keeps a roster of three members; its staff enter ten."""
    MemberFactory.create_batch(3, union=tree["hd_1"])
    return Case("members-on-roster", {}, {"total_members": 10})


def total(unit, when, value):
    return EntryRow(unit, indicator("total_members"), *when, value)


def test_a_total_that_matches_the_roster_passes(tree, this_month):
    MemberFactory.create_batch(3, union=tree["hd_1"])
    MemberFactory(union=tree["hd_1"], left_on=datetime.date(2016, 1, 1))  # gone long ago

    assert findings_for([total(tree["hd_1"], this_month, 3)]) == []
    [finding] = findings_for([total(tree["hd_1"], this_month, 4)])
    assert finding.rule.code == "members-on-roster"
    assert "(4)" in finding.message and "(3)" in finding.message


def test_a_cdcs_that_keeps_no_roster_is_not_held_to_one(tree, this_month):
    assert findings_for([total(tree["hd_1"], this_month, 250)]) == []


def test_the_roster_of_each_month_is_read_once_whatever_the_units(tree, this_month):
    unions = [GrassrootsFactory(parent=tree["hoai_duc"]) for _ in range(6)]
    for union in unions:
        MemberFactory.create_batch(2, union=union)

    def queries(units):
        rows = [total(unit, this_month, 5) for unit in units]
        with CaptureQueriesContext(connection) as captured:
            found = findings_for(rows)
        assert {f.rule.code for f in found} == {"members-on-roster"}
        return len(captured)

    assert queries(unions[:1]) == queries(unions)


def test_a_rule_may_read_admissions_and_departures_of_the_roster(tree, this_month):
    ValidationRule.objects.create(
        code="admissions-on-roster", name="Kết nạp có trong danh sách", left="new_members",
        operator=">=", right="roster_admitted - roster_left", importance="warning",
        applies_to="grassroots", message="Kết nạp {left}, danh sách tăng {right}.",
    )  # fmt: skip
    first, last = month_bounds(*this_month)
    MemberFactory.create_batch(4, union=tree["hd_1"], joined_on=first)
    MemberFactory(union=tree["hd_1"], left_on=last)
    members = indicator("new_members")

    assert findings_for([EntryRow(tree["hd_1"], members, *this_month, 3)]) == []
    [finding] = findings_for([EntryRow(tree["hd_1"], members, *this_month, 2)])
    assert finding.message == "Kết nạp 2, danh sách tăng 3."
