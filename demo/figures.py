"""The demo figures: the seasons, each grassroots union's monthly flow of members, the monthly
entries of unions and of their parents, and the targets the city sets from the planned year.
"""

import math
import random
from collections import defaultdict
from collections.abc import Iterator

from federation.models import Period

from .specs import Flow, Month, PlannedEntry, PlannedTarget, UnionSpec, random_count, rng_for
from .tree import CITY, PARENTS, ParentSpec

# --- seasons and flows of members --------------------------------------------------------------

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


def union_flows(union: UnionSpec, months: list[Month]) -> dict[Month, Flow]:
    rng = rng_for("flows", union.code)
    workforce = union.workforce_total
    total = round(workforce * rng.uniform(0.7, 0.95))
    admission, leaving = rng.uniform(0.004, 0.012), rng.uniform(0.002, 0.008)
    flows = {}
    for year, month in months:
        left = min(total, random_count(rng, total * leaving * LEAVING_SEASON[month]))
        new = min(
            workforce - total + left,
            random_count(rng, workforce * admission * ADMISSION_SEASON[month]),
        )
        total += new - left
        flows[(year, month)] = Flow(new, left, total)
    return flows


# --- monthly entries and targets ---------------------------------------------------------------


def union_entries(union: UnionSpec, flows: dict[Month, Flow]) -> Iterator[PlannedEntry]:
    for (year, month), flow in flows.items():
        yield PlannedEntry(union.code, "total_members", year, month, flow.total)
        if flow.new:
            yield PlannedEntry(union.code, "new_members", year, month, flow.new)
        if flow.left:
            yield PlannedEntry(union.code, "members_left", year, month, flow.left)


def _parent_figures(
    rng: random.Random, size: int, workforce: int, members: int, month: int, wage: float
) -> dict[str, int]:
    classes = random_count(rng, 0.7 * TRAINING_SEASON[month])
    visits = random_count(rng, size * 0.25 * SUPPORT_SEASON[month])
    return {
        "new_grassroots_unions": random_count(rng, size * 0.008 * ADMISSION_SEASON[month]),
        "training_classes": classes,
        "officials_trained": sum(rng.randint(35, 150) for _ in range(classes)),
        "support_visits": visits,
        "support_amount": sum(rng.choice(SUPPORT_GRANTS) for _ in range(visits)),
        # Kinh phí công đoàn is 2% of the payroll; not every employer pays on time.
        "union_fees_collected": round(workforce * wage * 0.02 * rng.uniform(0.55, 0.9), -3),
        "member_dues_collected": round(members * rng.uniform(40_000, 60_000), -3),
        "initiatives": random_count(rng, size * 0.02),
        "party_candidates": random_count(rng, size * 0.015),
        "new_party_members": random_count(rng, size * 0.01),
        "grassroots_unions_consolidated": random_count(rng, size * 0.02),
    }


def parent_entries(
    parent: ParentSpec, unions: list[UnionSpec], members: int, months: list[Month]
) -> Iterator[PlannedEntry]:
    rng = rng_for("entries", parent.code)
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


def planned_targets(
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
            rng = rng_for("targets", parent.code, indicator)
            pace = rng.uniform(0.5, 1.05)
            for year in years:
                value = planned[(parent.code, indicator, year)] / (pace * rng.uniform(0.9, 1.1))
                whole = _plan_figure(value, indicator)
                city[(indicator, year)] += whole
                yield from _year_and_h1(parent.code, indicator, year, whole, rng)
    for (indicator, year), total in city.items():
        rng = rng_for("targets", CITY.code, indicator, year)
        whole = _plan_figure(total * rng.uniform(0.9, 1.0), indicator)
        yield from _year_and_h1(CITY.code, indicator, year, whole, rng)


def union_targets(
    entries: list[PlannedEntry], unions: set[str], year: int
) -> Iterator[PlannedTarget]:
    """Each CĐCS's plan of new members for the year and its first half, from its planned year
    at its own steady pace, so a leader's drill-down ends on a figure against a target."""
    planned: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry.unit_code in unions and entry.indicator == "new_members" and entry.year == year:
            planned[entry.unit_code] += entry.value
    for code in sorted(unions):
        rng = rng_for("targets", code, year)
        whole = _plan_figure(planned[code] / rng.uniform(0.6, 1.1), "new_members")
        yield from _year_and_h1(code, "new_members", year, whole, rng)


def _year_and_h1(
    code: str, indicator: str, year: int, whole: int, rng: random.Random
) -> Iterator[PlannedTarget]:
    yield PlannedTarget(code, indicator, year, Period.YEAR, whole)
    half = _plan_figure(whole * rng.uniform(0.42, 0.5), indicator)
    yield PlannedTarget(code, indicator, year, Period.H1, half)
