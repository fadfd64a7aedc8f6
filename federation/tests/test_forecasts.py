"""The year-end forecast: its arithmetic pinned on hand-made series, and the two-query read of
many units agreeing with the forecast taken from monthly figures a page has read."""

import random
from decimal import Decimal

import pytest

from federation.entries.services import EntryRow, entries_save
from federation.forecasts import (
    Basis,
    PastYear,
    forecast,
    forecast_from_months,
    forecasts_for_units,
    profile_path,
)
from federation.models import Aggregation, Indicator, MonthlyTotal, Unit
from federation.tests.factories import indicator

FLOW = Indicator(code="new_members", aggregation=Aggregation.SUM)
STOCK = Indicator(code="total_members", aggregation=Aggregation.LAST)

# Admissions as a federation sees them: almost none around Tết, a push before 1/5 and at the
# year's end.
SEASONAL = [0, 0, 40, 60, 50, 20, 10, 10, 30, 40, 60, 80]  # 400 in the year, 150 by May


def past_year(months: list[int], through_month: int) -> PastYear:
    return PastYear(sum(months[:through_month]), sum(months))


class TestArithmetic:
    def test_a_flat_year_goes_on_flat(self):
        result = forecast(FLOW, 60, 6, [past_year([10] * 12, 6)])
        assert (result.value, result.basis) == (120, Basis.PROFILE)
        assert (result.low, result.high) == (None, None)

    def test_a_seasonal_year_follows_last_years_profile(self):
        # Twice last year's pace so far: the year heads for about twice last year's 400.
        result = forecast(FLOW, 300, 5, [past_year(SEASONAL, 5)])
        # 300 / ((150 + 12 × 5/12) / (400 + 12)) = 797,4
        assert result.value == 797
        straight_line = 300 * 12 // 5
        assert abs(result.value - 800) < abs(straight_line - 800)

    def test_a_unit_without_history_goes_on_in_a_straight_line(self):
        result = forecast(FLOW, 310, 5)
        assert (result.value, result.basis) == (744, Basis.STRAIGHT_LINE)
        assert not result.has_range

    def test_a_last_year_without_figures_is_no_profile_even_with_older_years(self):
        older = past_year(SEASONAL, 5)
        result = forecast(FLOW, 100, 5, [PastYear(0, 0), older])
        assert (result.value, result.basis) == (240, Basis.STRAIGHT_LINE)

    def test_small_counts_lean_on_an_even_year(self):
        # Last year's only admission came in January: a raw profile would say the year is
        # over by then; smoothed, two admissions by May make about six in the year, not two.
        result = forecast(FLOW, 2, 5, [PastYear(1, 1)])
        assert 4 <= result.value <= 6

    def test_a_stock_keeps_its_latest_value(self):
        result = forecast(STOCK, 11_794, 5, [past_year([11_000] * 12, 5)])
        assert (result.value, result.basis) == (11_794, Basis.LATEST)

    def test_several_past_years_give_a_range_around_last_years_projection(self):
        early = [40, 40, 40, 40, 40, 20, 20, 20, 20, 20, 10, 10]
        late = [5, 5, 5, 5, 5, 30, 40, 50, 60, 60, 60, 60]
        result = forecast(
            FLOW, 200, 5, [past_year(SEASONAL, 5), past_year(early, 5), past_year(late, 5)]
        )
        assert result.value == forecast(FLOW, 200, 5, [past_year(SEASONAL, 5)]).value
        assert result.low == forecast(FLOW, 200, 5, [past_year(early, 5)]).value
        assert result.high == forecast(FLOW, 200, 5, [past_year(late, 5)]).value
        assert result.low < result.value < result.high

    def test_a_year_that_is_over_is_its_figure_and_one_not_begun_has_none(self):
        assert forecast(FLOW, 512, 12, [past_year(SEASONAL, 12)]).basis == Basis.FINAL
        assert forecast(FLOW, 512, 12, [past_year(SEASONAL, 12)]).value == 512
        assert forecast(FLOW, 0, 0, [past_year(SEASONAL, 1)]) is None

    def test_percent_of_the_year_target_is_rounded_to_one_decimal(self):
        result = forecast(FLOW, 300, 5, [past_year(SEASONAL, 5)])
        assert result.percent_of(850) == Decimal("93.8")
        assert result.percent_of(None) is None


class TestPath:
    def test_the_path_starts_at_the_figure_and_ends_at_the_forecast(self):
        result = forecast(FLOW, 300, 5, [past_year(SEASONAL, 5)], SEASONAL)
        path = result.path(300)
        assert path[:4] == [None] * 4
        assert path[4] == 300
        assert path[11] == result.value
        assert path[4:] == sorted(path[4:])

    def test_the_path_follows_last_years_months(self):
        # Last year added nothing in July and August beyond its prior: the path barely moves
        # then, and climbs in the year-end push.
        result = forecast(FLOW, 300, 6, [past_year(SEASONAL, 6)], SEASONAL)
        path = result.path(300)
        assert path[7] - path[5] < path[11] - path[9]

    def test_a_straight_line_and_a_stock_draw_as_they_say(self):
        assert forecast(FLOW, 100, 5).path(100)[11] == 240
        assert forecast(FLOW, 100, 5).path(100)[9] == 200
        assert forecast(STOCK, 900, 5).path(900)[4:] == [900] * 8


def _save_history(units, code: str, years: range, seed: int) -> None:
    rng = random.Random(seed)
    rows = [
        EntryRow(unit, indicator(code), year, month, rng.choice([0, 0, 1, 3, 7, 20]))
        for unit in units
        for year in years
        for month in range(1, 13)
        if rng.random() < 0.8
    ]
    entries_save(rows=rows, user=None)


@pytest.mark.django_db
class TestReadingTheRollup:
    @pytest.mark.parametrize("through_month", [1, 5, 6, 11])
    def test_many_units_in_two_queries_agree_with_their_monthly_figures(
        self, tree, through_month, django_assert_num_queries
    ):
        leaves = [tree[code] for code in ("hd_1", "hd_2", "ml_1", "edu_1")]
        _save_history(leaves, "new_members", range(2021, 2026), seed=through_month)
        _save_history(leaves[:2], "total_members", range(2024, 2026), seed=7)
        units = [*leaves, tree["hoai_duc"], tree["city"]]
        indicators = [indicator("new_members"), indicator("total_members")]

        parents = [tree["me_linh"], tree["education"]]
        with django_assert_num_queries(2):
            found = forecasts_for_units(units, 2025, through_month, indicators, around=parents)
        # Without the profile units at hand, their ids cost one more query.
        with django_assert_num_queries(3):
            assert forecasts_for_units(units, 2025, through_month, indicators) == found

        for unit in units:
            own, profile = _months_of(unit), _months_of(Unit.objects.get(path=profile_path(unit)))
            for i in indicators:
                this_year = own.get((i.pk, 2025), {})
                past = {y: m for (pk, y), m in profile.items() if pk == i.pk}
                expected = forecast_from_months(i, this_year, past, 2025, through_month)
                assert _figures(found[(unit.pk, i.pk)]) == _figures(expected), (unit.code, i.code)

    def test_a_cdcs_follows_its_parents_seasons_and_a_federation_its_own(self, tree):
        new_members = indicator("new_members")
        rows = [EntryRow(tree["hd_1"], new_members, 2025, m, v) for m, v in enumerate(SEASONAL, 1)]
        rows += [EntryRow(tree["hd_2"], new_members, 2025, m, 1) for m in range(1, 13)]
        rows += [EntryRow(tree["hd_2"], new_members, 2026, m, 4) for m in range(1, 6)]
        entries_save(rows=rows, user=None)
        found = forecasts_for_units([tree["hd_2"], tree["hoai_duc"]], 2026, 5, [new_members])

        # Hoài Đức's 2025, 155 of 412 by May, smoothed: (155 + 5) / (412 + 12). hd_2's own
        # even year, which would give 20 × 24 / 10 = 48, is not its profile.
        assert found[(tree["hd_2"].pk, new_members.pk)].value == round(20 * 424 / 160)
        assert found[(tree["hoai_duc"].pk, new_members.pk)].value == round(20 * 424 / 160)
        assert profile_path(tree["hd_2"]) == tree["hoai_duc"].path
        assert profile_path(tree["hoai_duc"]) == tree["hoai_duc"].path

    def test_a_unit_with_nothing_recorded_has_a_forecast_of_nothing(self, tree):
        found = forecasts_for_units([tree["hd_1"]], 2025, 5, [indicator("new_members")])

        result = found[(tree["hd_1"].pk, indicator("new_members").pk)]
        assert (result.value, result.basis) == (0, Basis.STRAIGHT_LINE)


def _figures(result):
    """What a forecast says; only the path's shares depend on having last year's months."""
    return (result.value, result.low, result.high, result.basis, result.through_month)


def _months_of(unit) -> dict[tuple[int, int], dict[int, tuple[int, int]]]:
    found: dict = {}
    for indicator_id, year, month, total, entries in MonthlyTotal.objects.filter(
        unit=unit
    ).values_list("indicator_id", "year", "month", "total", "entries"):
        found.setdefault((indicator_id, year), {})[month] = (total, entries)
    return found
