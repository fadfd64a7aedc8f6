"""Targets through the API: set by a leader above the unit, listed by anyone who sees it."""

import pytest

from federation.models import Target
from federation.targets.services import target_set
from federation.tests.factories import UserFactory, indicator

from .api import api_as, errors_of

TARGETS = "/api/v1/targets/"


def body(unit, **fields):
    return {"unit": unit.pk, "indicator": "new_members", "year": 2022, "period": "Y"} | {
        "value": 512,
        **fields,
    }


class TestSetting:
    def test_a_leader_sets_a_new_target_for_a_unit_below_with_201(self, tree, district_leader):
        response = api_as(district_leader).post(TARGETS, body(tree["hd_1"]), format="json")
        assert response.status_code == 201
        assert response.json() == body(tree["hd_1"])
        target = Target.objects.get()
        assert (target.unit, target.value, target.set_by) == (tree["hd_1"], 512, district_leader)
        record = target.history.first()  # the latest
        assert (record.history_user, record.history_change_reason) == (district_leader, "api")

    def test_setting_it_again_replaces_it_with_200(self, tree, district_leader):
        client = api_as(district_leader)
        client.post(TARGETS, body(tree["hd_1"]), format="json")
        response = client.post(TARGETS, body(tree["hd_1"], value=600), format="json")
        assert response.status_code == 200
        assert response.json()["value"] == 600
        assert Target.objects.get().value == 600

    def test_a_city_leader_sets_a_districts_half_year_target(self, tree, city_leader):
        response = api_as(city_leader).post(
            TARGETS, body(tree["hoai_duc"], period="H1", value=300), format="json"
        )
        assert response.status_code == 201
        assert Target.objects.get().period == "H1"

    def test_staff_may_not_set_targets_403(self, tree, district_staff):
        response = api_as(district_staff).post(TARGETS, body(tree["hd_1"]), format="json")
        assert response.status_code == 403
        assert not Target.objects.exists()

    def test_a_leader_may_not_set_its_own_units_target_403(self, tree, district_leader):
        response = api_as(district_leader).post(TARGETS, body(tree["hoai_duc"]), format="json")
        assert response.status_code == 403

    def test_a_unit_of_another_district_answers_404(self, tree, district_leader):
        response = api_as(district_leader).post(TARGETS, body(tree["ml_1"]), format="json")
        assert response.status_code == 404
        assert not Target.objects.exists()

    @pytest.mark.parametrize(
        "fields, field",
        [
            ({"indicator": "no_such_indicator"}, "indicator"),
            ({"year": 1999}, "year"),
            ({"year": "2022"}, "year"),
            ({"period": "Q1"}, "period"),
            ({"value": -1}, "value"),
            ({"value": 1.5}, "value"),
            ({"value": True}, "value"),
            ({"value": 10**30}, "value"),
            ({"unit": "x"}, "unit"),
            ({"approved": True}, "approved"),
        ],
    )
    def test_bad_fields_answer_400_and_save_nothing(self, tree, superuser, fields, field):
        response = api_as(superuser).post(TARGETS, body(tree["hd_1"]) | fields, format="json")
        assert errors_of(response) == [(None, field)]
        assert not Target.objects.exists()


class TestListing:
    @pytest.fixture
    def targets(self, tree):
        for year, period, value in [(2022, "Y", 512), (2022, "H1", 300), (2023, "Y", 600)]:
            target_set(
                unit=tree["hoai_duc"],
                indicator=indicator("new_members"),
                year=year,
                period=period,
                value=value,
                user=None,
            )

    def test_staff_reads_its_districts_targets_for_a_year(self, tree, district_staff, targets):
        response = api_as(district_staff).get(TARGETS, {"unit": tree["hoai_duc"].pk, "year": 2022})
        assert response.status_code == 200
        assert response.json() == [
            body(tree["hoai_duc"], period="Y", value=512),
            body(tree["hoai_duc"], period="H1", value=300),
        ]

    def test_without_a_year_every_year_is_listed(self, tree, district_staff, targets):
        response = api_as(district_staff).get(TARGETS, {"unit": tree["hoai_duc"].pk})
        assert [t["year"] for t in response.json()] == [2022, 2022, 2023]

    def test_another_districts_targets_answer_404(self, tree, targets):
        other = UserFactory(role_on=tree["me_linh"])
        response = api_as(other).get(TARGETS, {"unit": tree["hoai_duc"].pk})
        assert response.status_code == 404

    @pytest.mark.parametrize("params", [{}, {"unit": "x"}, {"unit": 1, "year": "last"}])
    def test_a_missing_or_bad_unit_or_year_answers_400(self, tree, district_staff, params):
        assert api_as(district_staff).get(TARGETS, params).status_code == 400
