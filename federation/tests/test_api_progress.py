"""Progress through the API: the subtree's actual figure against the period's target, else the
year's, as API.md's formula says, checked against brute-force sums of the entries."""

import random

import pytest
from django.db.models import Sum
from django.utils import timezone

from federation.entries.services import EntryRow, entries_save
from federation.models import MonthlyEntry, Period, Unit
from federation.targets.services import target_set
from federation.tests.factories import UserFactory, indicator

from .api import api_as, errors_of


def progress_url(unit) -> str:
    return f"/api/v1/units/{unit.pk}/progress/"


def by_code(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["indicator"]: row for row in response.json()["indicators"]}


def target(unit, code, period, value, year=2022):
    target_set(
        unit=unit, indicator=indicator(code), year=year, period=period, value=value, user=None
    )


@pytest.fixture
def hoai_duc_2022(tree):
    """Hoài Đức's first half of 2022 (DESIGN.md): 310/512 new members, 11/20 new CĐCS."""
    new_members = indicator("new_members")
    entries_save(
        rows=[
            EntryRow(tree["hd_1"], new_members, 2022, 3, 200),
            EntryRow(tree["hd_2"], new_members, 2022, 5, 60),
            EntryRow(tree["hd_2"], new_members, 2022, 6, 50),
            EntryRow(tree["hd_2"], new_members, 2022, 8, 70),
            EntryRow(tree["hoai_duc"], indicator("new_grassroots_unions"), 2022, 4, 11),
        ],
        user=None,
    )
    target(tree["hoai_duc"], "new_members", Period.YEAR, 512)
    target(tree["hoai_duc"], "new_grassroots_unions", Period.H1, 20)
    target(tree["hoai_duc"], "new_grassroots_unions", Period.YEAR, 30)
    return tree["hoai_duc"]


class TestFormula:
    def test_the_answer_has_api_mds_shape(self, hoai_duc_2022, district_staff):
        response = api_as(district_staff).get(
            progress_url(hoai_duc_2022), {"year": 2022, "period": "H1"}
        )
        body = response.json()
        assert (body["unit"], body["year"], body["period"]) == (hoai_duc_2022.pk, 2022, "H1")
        assert by_code(response)["new_members"] == {
            "indicator": "new_members",
            "actual": 310,
            "target": 512,
            "target_period": "Y",
            "percent": 60.5,
            # No earlier year to give a profile: six months' 310 go on in a straight line.
            "forecast": 620,
            "forecast_low": None,
            "forecast_high": None,
        }

    def test_an_h1_target_wins_over_the_year_target(self, hoai_duc_2022, district_staff):
        response = api_as(district_staff).get(
            progress_url(hoai_duc_2022), {"year": 2022, "period": "H1"}
        )
        founded = by_code(response)["new_grassroots_unions"]
        assert (founded["actual"], founded["target"], founded["target_period"]) == (11, 20, "H1")
        assert founded["percent"] == 55.0
        assert '"percent":55.0' in response.content.decode()

    def test_without_a_target_there_is_no_percent(self, hoai_duc_2022, district_staff):
        response = api_as(district_staff).get(progress_url(hoai_duc_2022), {"year": 2022})
        left = by_code(response)["members_left"]
        assert left == {
            "indicator": "members_left",
            "actual": 0,
            "target": None,
            "target_period": None,
            "percent": None,
            "forecast": 0,  # 2022 is over: its forecast is its figure
            "forecast_low": None,
            "forecast_high": None,
        }

    def test_the_whole_year_is_the_default_period(self, hoai_duc_2022, district_staff):
        response = api_as(district_staff).get(progress_url(hoai_duc_2022), {"year": 2022})
        assert response.json()["period"] == "Y"
        assert by_code(response)["new_members"]["actual"] == 380
        assert by_code(response)["new_members"]["percent"] == 74.2  # 380/512 = 74.21875

    def test_a_cut_off_month_ends_the_period_early(self, hoai_duc_2022, district_staff):
        response = api_as(district_staff).get(
            progress_url(hoai_duc_2022), {"year": 2022, "period": "H1", "through_month": 5}
        )
        assert response.json()["through_month"] == 5
        assert by_code(response)["new_members"]["actual"] == 260
        assert by_code(response)["new_members"]["percent"] == 50.8  # 260/512 = 50.78…

    def test_the_city_adds_up_its_whole_subtree(self, hoai_duc_2022, city_leader, tree):
        response = api_as(city_leader).get(progress_url(tree["city"]), {"year": 2022})
        assert by_code(response)["new_members"]["actual"] == 380
        assert by_code(response)["new_members"]["target"] is None


class TestAgainstBruteForce:
    def test_every_units_actual_equals_the_sum_of_its_subtrees_entries(self, tree, superuser):
        chance = random.Random(2022)
        codes = ["new_members", "officials_trained", "training_classes"]
        rows = [
            EntryRow(unit, indicator(code), 2022, month, chance.randint(0, 500))
            for unit in tree.values()
            for code in codes
            for month in range(1, 13)
            if chance.random() < 0.5
        ]
        entries_save(rows=rows, user=None)
        client = api_as(superuser)
        for unit in Unit.objects.all():
            for period, months in [("Y", (1, 12)), ("H1", (1, 6)), ("H2", (7, 12))]:
                response = client.get(progress_url(unit), {"year": 2022, "period": period})
                for code in codes:
                    expected = MonthlyEntry.objects.filter(
                        unit__path__startswith=unit.path,
                        indicator__code=code,
                        year=2022,
                        month__range=months,
                    ).aggregate(total=Sum("value"))["total"]
                    assert by_code(response)[code]["actual"] == (expected or 0)


class TestRefusals:
    def test_another_districts_progress_answers_404(self, hoai_duc_2022, tree):
        other = UserFactory(role_on=tree["me_linh"])
        response = api_as(other).get(progress_url(hoai_duc_2022), {"year": 2022})
        assert response.status_code == 404
        assert "310" not in response.content.decode()

    @pytest.mark.parametrize(
        "params, field",
        [
            ({}, "year"),
            ({"year": "2022a"}, "year"),
            ({"year": 1800}, "year"),
            ({"year": 2022, "period": "Q3"}, "period"),
            ({"year": 2022, "period": "H1", "through_month": 9}, "through_month"),
            ({"year": 2022, "through_month": 13}, "through_month"),
        ],
    )
    def test_bad_parameters_answer_400_naming_them(
        self, hoai_duc_2022, district_staff, params, field
    ):
        response = api_as(district_staff).get(progress_url(hoai_duc_2022), params)
        assert errors_of(response) == [(None, field)]

    def test_progress_costs_a_handful_of_queries_whatever_the_subtree(
        self, hoai_duc_2022, city_leader, tree, django_assert_max_num_queries
    ):
        client = api_as(city_leader)
        # token + user, the unit (scope: roles), indicators, roll-up rows, targets, and the
        # forecast's roll-up rows (this year's, the past years')
        with django_assert_max_num_queries(8):
            client.get(progress_url(tree["city"]), {"year": 2022})


class TestForecast:
    """The added `forecast` fields (API.md allows added fields): the dashboard's forecast."""

    def test_the_forecast_follows_last_years_profile_with_a_range_from_older_years(
        self, hoai_duc_2022, district_staff
    ):
        new_members = indicator("new_members")
        profiles = {2021: (30, 20), 2020: (10, 40), 2019: (60, 10)}  # (each of Jan–Jun, Jul–Dec)
        entries_save(
            rows=[
                EntryRow(hoai_duc_2022, new_members, year, month, first if month <= 6 else second)
                for year, (first, second) in profiles.items()
                for month in range(1, 13)
            ],
            user=None,
        )
        response = api_as(district_staff).get(
            progress_url(hoai_duc_2022), {"year": 2022, "period": "H1"}
        )
        row = by_code(response)["new_members"]
        # 2021 had 180 of its 300 by June: smoothed, (180 + 6) / (300 + 12) of the year.
        assert row["forecast"] == round(310 * 312 / 186)
        assert row["forecast_low"] == round(310 * (420 + 12) / (360 + 6))  # 2019: early
        assert row["forecast_high"] == round(310 * (300 + 12) / (60 + 6))  # 2020: late
        assert row["forecast_low"] < row["forecast"] < row["forecast_high"]

    def test_a_cut_off_month_is_where_the_forecast_starts(self, hoai_duc_2022, district_staff):
        response = api_as(district_staff).get(
            progress_url(hoai_duc_2022), {"year": 2022, "period": "H1", "through_month": 3}
        )
        assert by_code(response)["new_members"]["forecast"] == 200 * 12 // 3

    def test_a_year_not_begun_has_no_forecast(self, hoai_duc_2022, district_staff):
        year = timezone.localdate().year + 1
        response = api_as(district_staff).get(progress_url(hoai_duc_2022), {"year": year})
        assert by_code(response)["new_members"]["forecast"] is None
        assert by_code(response)["new_members"]["forecast_high"] is None
