"""The demo plan: everything the seed writes, computed before any write, and the months it covers.

The same day gives the same plan; a series planned from January two years ago keeps its past
months when a later run adds new ones.
"""

import datetime
from dataclasses import dataclass

from .figures import parent_entries, planned_targets, union_entries, union_flows, union_targets
from .roster import RosterBuilder, as_of, roster_flows
from .specs import Flow, MemberSpec, Month, PlannedEntry, PlannedTarget, UnionSpec
from .tree import PARENTS, roster_unions, unions_of

# --- plan: everything the seed writes, computed before any write --------------------------------


@dataclass
class Plan:
    unions: dict[str, list[UnionSpec]]
    members: list[MemberSpec]
    entries: list[PlannedEntry]
    targets: list[PlannedTarget]


# Years of figures before this one: two, so that the dashboards forecast this year from last
# year's seasons with a range from the year before, and the forecast's back-test
# (bench/bench_forecast.py) can forecast last year from the year before it.
PAST_YEARS = 2


def planned_months(today: datetime.date) -> list[Month]:
    """January two years ago through December of this year; months not yet ended are not
    saved."""
    years = range(today.year - PAST_YEARS, today.year + 1)
    return [(year, month) for year in years for month in range(1, 13)]


def build_plan(today: datetime.date) -> Plan:
    """Everything the seed writes, decided before any write; the same input, the same plan."""
    months = planned_months(today)
    unions = {parent.code: unions_of(parent) for parent in PARENTS}
    flows: dict[str, dict[Month, Flow]] = {}
    members: list[MemberSpec] = []
    for union in roster_unions(unions):
        parent_no = 1 + [p.code for p in PARENTS].index(union.code.rsplit("-", 1)[0])
        card_prefix = f"HN{parent_no:02d}{union.code[-3:]}"
        drawn = RosterBuilder(union, card_prefix, today.year).build(months)
        roster = [m for m in (as_of(m, today) for m in drawn) if m]
        members.extend(roster)
        flows[union.code] = roster_flows(roster, months, today)
    entries: list[PlannedEntry] = []
    top_of = {}
    for parent in PARENTS:
        top_of[parent.code] = parent.code
        for union in unions[parent.code]:
            top_of[union.code] = parent.code
            if union.code not in flows:
                flows[union.code] = union_flows(union, months)
            entries.extend(union_entries(union, flows[union.code]))
        opening = sum(flows[u.code][months[0]].total for u in unions[parent.code])
        entries.extend(parent_entries(parent, unions[parent.code], opening, months))
    targets = list(planned_targets(entries, top_of, (today.year - 1, today.year)))
    union_codes = {union.code for specs in unions.values() for union in specs}
    targets.extend(union_targets(entries, union_codes, today.year))
    return Plan(unions, members, entries, targets)
