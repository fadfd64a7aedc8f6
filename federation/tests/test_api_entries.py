"""Monthly entries through the API: all or nothing, every bad row named, the same locks, scope
and audit as the entry page."""

import json

import pytest

from federation.entries import services
from federation.entries.services import EntryRow, StaleEntries, entries_save
from federation.entries.tests.test_locks import months_ago
from federation.models import MonthlyEntry, Rollup
from federation.tests.factories import UserFactory, indicator

from .api import api_as, errors_of

ENTRIES = "/api/v1/entries/"


def row(unit, year, month, value=40, code="new_members", **extra):
    return {
        "unit": unit.pk,
        "indicator": code,
        "year": year,
        "month": month,
        "value": value,
    } | extra


def post(user, rows):
    return api_as(user).post(ENTRIES, {"entries": rows}, format="json")


class TestSaving:
    def test_staff_saves_a_batch_for_its_units_and_it_rolls_up(
        self, tree, district_staff, this_month
    ):
        rows = [
            row(tree["hd_1"], *this_month, 40),
            row(tree["hd_2"], *this_month, 25),
            row(tree["hoai_duc"], *this_month, 3, code="new_grassroots_unions"),
        ]
        response = post(district_staff, rows)
        assert response.status_code == 200
        assert response.json() == {"saved": 3}
        assert MonthlyEntry.objects.count() == 3
        new_members = indicator("new_members")
        district = Rollup.objects.get(unit=tree["hoai_duc"], indicator=new_members)
        city = Rollup.objects.get(unit=tree["city"], indicator=new_members)
        assert district.total == city.total == 65

    def test_every_write_is_audited_with_the_user_and_the_api_door(
        self, tree, district_staff, this_month
    ):
        post(district_staff, [row(tree["hd_1"], *this_month, 40)])
        record = MonthlyEntry.history.get()
        assert (record.value, record.history_user, record.history_change_reason) == (
            40,
            district_staff,
            "api",
        )

    def test_a_row_replaces_the_value_for_its_unit_indicator_and_month(
        self, tree, district_staff, this_month
    ):
        post(district_staff, [row(tree["hd_1"], *this_month, 40)])
        response = post(district_staff, [row(tree["hd_1"], *this_month, 45)])
        assert response.json() == {"saved": 1}
        assert MonthlyEntry.objects.get().value == 45
        assert Rollup.objects.get(unit=tree["city"]).total == 45

    def test_an_empty_batch_saves_nothing_and_says_so(self, tree, district_staff):
        assert post(district_staff, []).json() == {"saved": 0}


class TestAllOrNothing:
    def test_one_invalid_row_saves_nothing_and_names_the_row(
        self, tree, district_staff, this_month
    ):
        rows = [
            row(tree["hd_1"], *this_month, 40),
            row(tree["hd_2"], *this_month, -5),
            row(tree["hoai_duc"], this_month[0], 13),
        ]
        response = post(district_staff, rows)
        assert errors_of(response) == [(1, "value"), (2, "month")]
        assert all(e["message"] for e in response.json()["errors"])
        assert not MonthlyEntry.objects.exists()
        assert not Rollup.objects.exists()

    def test_every_row_of_the_wrong_shape_is_named(self, tree, district_staff, this_month):
        good = row(tree["hd_1"], *this_month)
        rows = [
            good,
            good | {"unit": str(tree["hd_2"].pk)},  # a string of digits is not an integer
            good | {"value": "40"},
            good | {"value": 40.0},
            good | {"value": True},
            good | {"value": None},
            good | {"indicator": 5},
            {k: v for k, v in good.items() if k != "year"},
            good | {"note": "x"},
            [1, 2, 3],
            good | {"unit": 0},
        ]
        response = post(district_staff, rows)
        assert errors_of(response) == [
            (1, "unit"),
            (2, "value"),
            (3, "value"),
            (4, "value"),
            (5, "value"),
            (6, "indicator"),
            (7, "year"),
            (8, "note"),
            (9, None),
            (10, "unit"),
        ]
        assert not MonthlyEntry.objects.exists()

    def test_unknown_indicators_are_row_errors(self, tree, district_staff, this_month):
        rows = [
            row(tree["hd_1"], *this_month),
            row(tree["hd_2"], *this_month, code="no_such_indicator"),
        ]
        response = post(district_staff, rows)
        assert errors_of(response) == [(1, "indicator")]
        assert not MonthlyEntry.objects.exists()

    def test_a_duplicate_row_is_refused(self, tree, district_staff, this_month):
        rows = [row(tree["hd_1"], *this_month, 4), row(tree["hd_1"], *this_month, 5)]
        assert errors_of(post(district_staff, rows)) == [(1, None)]

    def test_a_year_outside_the_range_is_refused(self, tree, superuser):
        assert errors_of(post(superuser, [row(tree["hd_1"], 1999, 5)])) == [(0, "year")]

    def test_a_value_too_large_to_be_a_figure_is_refused(self, tree, district_staff, this_month):
        response = post(district_staff, [row(tree["hd_1"], *this_month, 10**20)])
        assert errors_of(response) == [(0, "value")]


class TestScope:
    def test_a_unit_of_another_district_answers_404_and_nothing_is_saved(
        self, tree, district_staff, this_month
    ):
        rows = [row(tree["hd_1"], *this_month), row(tree["ml_1"], *this_month)]
        response = post(district_staff, rows)
        assert response.status_code == 404
        assert tree["ml_1"].name not in response.content.decode()
        assert not MonthlyEntry.objects.exists()

    def test_a_unit_that_does_not_exist_answers_as_one_outside_the_scope(
        self, tree, district_staff, this_month
    ):
        outside = post(district_staff, [row(tree["ml_1"], *this_month)])
        missing = post(district_staff, [{**row(tree["hd_1"], *this_month), "unit": 987654321}])
        assert (missing.status_code, missing.json()) == (outside.status_code, outside.json())
        assert missing.status_code == 404
        assert not MonthlyEntry.objects.exists()

    def test_scope_comes_before_the_shape_of_other_rows(self, tree, district_staff, this_month):
        rows = [row(tree["ml_1"], *this_month), row(tree["hd_1"], *this_month, "x")]
        assert post(district_staff, rows).status_code == 404


class TestLockedMonths:
    def test_a_locked_month_is_refused_for_staff(self, tree, district_staff, this_month):
        year, month = months_ago(3)
        rows = [row(tree["hd_1"], *this_month), row(tree["hd_1"], year, month)]
        response = post(district_staff, rows)
        assert errors_of(response) == [(1, "month")]
        assert "đã khóa sổ" in response.json()["errors"][0]["message"]
        assert not MonthlyEntry.objects.exists()

    def test_a_month_still_to_come_is_refused(self, tree, district_staff):
        response = post(district_staff, [row(tree["hd_1"], *months_ago(-1))])
        assert errors_of(response) == [(0, "month")]

    def test_a_superuser_writes_a_locked_month_and_it_is_audited(self, tree, superuser):
        year, month = months_ago(3)
        response = post(superuser, [row(tree["hd_1"], year, month, 7)])
        assert response.json() == {"saved": 1}
        record = MonthlyEntry.history.get()
        assert (record.value, record.history_user, record.history_change_reason) == (
            7,
            superuser,
            "api",
        )


class TestBatchShape:
    def test_a_batch_over_the_limit_is_refused_whole(self, tree, district_staff, this_month):
        rows = [row(tree["hd_1"], *this_month)] * 10_001
        response = post(district_staff, rows)
        assert errors_of(response) == [(None, "entries")]
        assert "10.000" in response.json()["errors"][0]["message"]
        assert not MonthlyEntry.objects.exists()

    @pytest.mark.parametrize(
        "body, field",
        [
            ([], None),
            ({"entries": {"unit": 1}}, "entries"),
            ({}, "entries"),
            ({"entries": [], "dry_run": True}, "dry_run"),
        ],
    )
    def test_a_body_of_the_wrong_shape_answers_400(self, tree, district_staff, body, field):
        response = api_as(district_staff).post(ENTRIES, body, format="json")
        assert errors_of(response) == [(None, field)]

    def test_malformed_json_answers_400(self, tree, district_staff, this_month):
        text = json.dumps({"entries": [row(tree["hd_1"], *this_month)]})[:-3]
        response = api_as(district_staff).post(ENTRIES, text, content_type="application/json")
        assert response.status_code == 400
        assert "JSON" in response.json()["detail"]

    def test_a_colleagues_save_at_the_same_moment_answers_409(
        self, tree, district_staff, this_month, monkeypatch
    ):
        def clash(**kwargs):
            raise StaleEntries([])

        monkeypatch.setattr(services, "entries_save", clash)
        response = post(district_staff, [row(tree["hd_1"], *this_month)])
        assert response.status_code == 409
        assert response.json()["detail"]


class TestListing:
    @pytest.fixture
    def entries(self, tree):
        entries_save(
            rows=[
                EntryRow(tree["hoai_duc"], indicator("new_members"), 2022, 4, 10),
                EntryRow(tree["hoai_duc"], indicator("new_members"), 2022, 2, 30),
                EntryRow(tree["hoai_duc"], indicator("new_members"), 2021, 2, 5),
                EntryRow(tree["hd_1"], indicator("new_members"), 2022, 2, 200),
            ],
            user=None,
        )

    def test_lists_the_units_own_entries_not_its_childrens(self, tree, district_staff, entries):
        response = api_as(district_staff).get(ENTRIES, {"unit": tree["hoai_duc"].pk, "year": 2022})
        assert response.status_code == 200
        assert response.json() == [
            row(tree["hoai_duc"], 2022, 2, 30),
            row(tree["hoai_duc"], 2022, 4, 10),
        ]

    def test_without_a_year_lists_every_year(self, tree, district_staff, entries):
        response = api_as(district_staff).get(ENTRIES, {"unit": tree["hoai_duc"].pk})
        assert [(e["year"], e["month"]) for e in response.json()] == [
            (2021, 2),
            (2022, 2),
            (2022, 4),
        ]

    def test_another_districts_entries_answer_404(self, tree, entries):
        other = UserFactory(role_on=tree["me_linh"])
        assert api_as(other).get(ENTRIES, {"unit": tree["hd_1"].pk}).status_code == 404

    @pytest.mark.parametrize("params", [{}, {"unit": ""}, {"unit": 1, "year": 20221}])
    def test_a_missing_or_bad_unit_or_year_answers_400(self, tree, district_staff, params):
        assert api_as(district_staff).get(ENTRIES, params).status_code == 400
