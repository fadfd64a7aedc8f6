"""The API's authentication, units, indicators, error shapes and schema (shared/API.md)."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from federation.models import Indicator, MonthlyEntry, Unit
from federation.tests.factories import GrassrootsFactory, UserFactory

from .api import api_as, errors_of

PASSWORD = "mat-khau-123"  # UserFactory's
UNITS = "/api/v1/units/"
TOKEN = "/api/v1/auth/token/"


def unit_url(unit) -> str:
    return f"{UNITS}{unit.pk}/"


def codes(response) -> list[str]:
    return [unit["code"] for unit in response.json()["results"]]


class TestToken:
    def test_right_credentials_get_the_users_token(self, district_staff):
        response = api_as().post(
            "/api/v1/auth/token/", {"username": "hd_staff", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200
        assert response.json() == {"token": Token.objects.get(user=district_staff).key}

    @pytest.mark.parametrize(
        "body",
        [
            {"username": "hd_staff", "password": "sai-mat-khau"},
            {"username": "nobody", "password": PASSWORD},
            {"username": "hd_staff"},
        ],
    )
    def test_wrong_or_missing_credentials_get_400_and_no_token(self, district_staff, body):
        response = api_as().post("/api/v1/auth/token/", body, format="json")
        assert response.status_code == 400
        assert "token" not in response.json()
        assert response.json()["errors"]
        assert not Token.objects.exists()

    def test_an_inactive_user_gets_no_token(self, tree):
        UserFactory(username="gone", is_active=False)
        response = api_as().post(
            "/api/v1/auth/token/", {"username": "gone", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 400

    def test_a_call_with_the_token_works_and_without_it_answers_401(self, district_staff):
        token = api_as().post(
            "/api/v1/auth/token/", {"username": "hd_staff", "password": PASSWORD}, format="json"
        )
        client = api_as()
        assert client.get(UNITS).status_code == 401
        assert client.get(UNITS).headers["WWW-Authenticate"] == "Token"
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
        assert client.get(UNITS).status_code == 200

    def test_a_wrong_token_answers_401(self, district_staff):
        client = api_as()
        client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
        response = client.get(UNITS)
        assert response.status_code == 401
        assert "detail" in response.json()

    def test_a_logged_in_browser_session_works_too(self, client, district_staff):
        client.force_login(district_staff)
        assert client.get(UNITS).status_code == 200

    @pytest.mark.parametrize(
        "path",
        [
            UNITS,
            f"{UNITS}1/",
            f"{UNITS}1/progress/?year=2022",
            "/api/v1/indicators/",
            "/api/v1/targets/?unit=1",
            "/api/v1/entries/?unit=1",
            "/api/v1/reports/1/",
            "/api/v1/reports/1/pdf/",
        ],
    )
    def test_every_endpoint_refuses_an_anonymous_caller_with_401(self, tree, path):
        assert api_as().get(path).status_code == 401

    @pytest.mark.parametrize(
        "path", [UNITS, "/api/v1/targets/", "/api/v1/entries/", "/api/v1/reports/"]
    )
    def test_every_write_refuses_an_anonymous_caller_with_401(self, tree, path):
        assert api_as().post(path, {}, format="json").status_code == 401


class TestUnitList:
    def test_staff_sees_its_district_and_below_with_parents_kinds_and_workforce(
        self, tree, district_staff
    ):
        response = api_as(district_staff).get(UNITS)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3
        assert codes(response) == ["HD", "HD01", "HD02"]
        district, first = body["results"][0], body["results"][1]
        assert district["parent"] == tree["city"].pk  # visible by id, even though not in scope
        assert district["kind"] == "district_federation"
        assert district["sector"] is None
        assert first == {
            "id": tree["hd_1"].pk,
            "code": "HD01",
            "name": tree["hd_1"].name,
            "short_name": "",
            "kind": "grassroots_union",
            "parent": tree["hoai_duc"].pk,
            "depth": 3,
            "sector": "non_state",
            "workforce": 120,
            "workforce_female": 70,
            "founded_on": None,
            "dissolved_on": None,
        }

    def test_a_root_has_no_parent(self, tree, superuser):
        response = api_as(superuser).get(UNITS, {"kind": "provincial_federation"})
        assert response.json()["results"][0]["parent"] is None

    def test_parent_filter_gives_the_direct_children(self, tree, city_leader):
        response = api_as(city_leader).get(UNITS, {"parent": tree["city"].pk})
        assert codes(response) == ["HD", "ML", "GD"]

    def test_parent_filter_of_an_unknown_unit_gives_nothing(self, tree, city_leader):
        assert api_as(city_leader).get(UNITS, {"parent": 999999}).json()["count"] == 0

    def test_parent_filter_never_reaches_outside_the_scope(self, tree, district_staff):
        response = api_as(district_staff).get(UNITS, {"parent": tree["me_linh"].pk})
        assert response.json()["count"] == 0

    def test_kind_and_search_filter(self, tree, city_leader):
        client = api_as(city_leader)
        assert codes(client.get(UNITS, {"kind": "sector_union"})) == ["GD"]
        assert codes(client.get(UNITS, {"search": "mê linh"})) == ["ML"]
        assert codes(client.get(UNITS, {"search": "hd0"})) == ["HD01", "HD02"]

    @pytest.mark.parametrize(
        "params", [{"kind": "district"}, {"parent": "abc"}, {"parent": "1.5"}, {"parent": "0"}]
    )
    def test_a_bad_filter_answers_400_naming_it(self, tree, city_leader, params):
        response = api_as(city_leader).get(UNITS, params)
        assert errors_of(response) == [(None, next(iter(params)))]

    def test_pages_of_100_and_a_page_size_up_to_1000(self, tree, city_leader):
        for n in range(150):
            # Fetched again each time: treebeard places a child by the parent's numchild.
            GrassrootsFactory(parent=Unit.objects.get(pk=tree["me_linh"].pk), code=f"ML{n:04d}")
        client = api_as(city_leader)
        first = client.get(UNITS).json()
        assert (first["count"], len(first["results"])) == (158, 100)
        assert first["next"].endswith("page=2")
        assert len(client.get(UNITS, {"page": 2}).json()["results"]) == 58
        assert len(client.get(UNITS, {"page_size": 5000}).json()["results"]) == 158
        assert client.get(UNITS, {"page": 9}).status_code == 404

    def test_a_page_costs_the_same_queries_whatever_its_size(
        self, tree, city_leader, django_assert_max_num_queries
    ):
        client = api_as(city_leader)
        # token + user, roles, count, page, parents
        with django_assert_max_num_queries(5):
            client.get(UNITS)


class TestUnitDetail:
    def test_a_unit_in_scope_is_served(self, tree, district_staff):
        response = api_as(district_staff).get(unit_url(tree["hd_2"]))
        assert response.status_code == 200
        assert response.json()["code"] == "HD02"
        assert response.json()["parent"] == tree["hoai_duc"].pk

    @pytest.mark.parametrize("name", ["me_linh", "ml_1", "city", "edu_1"])
    def test_another_districts_unit_answers_404_and_none_of_its_data(
        self, tree, district_staff, name
    ):
        response = api_as(district_staff).get(unit_url(tree[name]))
        assert response.status_code == 404
        assert tree[name].code not in response.content.decode()

    def test_an_unknown_unit_answers_404(self, tree, superuser):
        assert api_as(superuser).get(f"{UNITS}99999999999999999999999/").status_code == 404


class TestUnitCreate:
    def body(self, parent, **fields):
        return {"code": "HD03", "name": "Công đoàn Công ty Mới", "kind": "grassroots_union"} | {
            "parent": parent.pk if parent else None,
            **fields,
        }

    def test_an_admin_adds_a_grassroots_union_under_its_district(self, tree):
        admin = UserFactory(role_on=tree["hoai_duc"], role_on__role="admin")
        body = self.body(tree["hoai_duc"], sector="fdi", founded_on="2024-03-01", workforce=250)
        response = api_as(admin).post(UNITS, body, format="json")
        assert response.status_code == 201
        created = Unit.objects.get(code="HD03")
        assert response.json()["id"] == created.pk
        assert response.json()["parent"] == tree["hoai_duc"].pk
        assert response.json()["workforce"] == 250
        assert Unit.objects.get_parent(created) == tree["hoai_duc"]
        record = created.history.get()
        assert (record.history_user, record.history_change_reason) == (admin, "api")

    def test_staff_and_leaders_may_not_add_units(self, tree, district_staff, district_leader):
        for user in (district_staff, district_leader):
            response = api_as(user).post(UNITS, self.body(tree["hoai_duc"]), format="json")
            assert response.status_code == 403
        assert not Unit.objects.filter(code="HD03").exists()

    def test_a_parent_outside_the_scope_answers_404(self, tree):
        admin = UserFactory(role_on=tree["hoai_duc"], role_on__role="admin")
        response = api_as(admin).post(UNITS, self.body(tree["me_linh"]), format="json")
        assert response.status_code == 404

    def test_only_a_superuser_makes_a_new_root(self, tree, superuser):
        admin = UserFactory(role_on=tree["city"], role_on__role="admin")
        body = self.body(None, code="HP", kind="provincial_federation", name="LĐLĐ Hải Phòng")
        assert api_as(admin).post(UNITS, body, format="json").status_code == 403
        response = api_as(superuser).post(UNITS, body, format="json")
        assert response.status_code == 201
        assert response.json()["parent"] is None
        assert response.json()["depth"] == 1

    def test_a_duplicate_code_answers_400(self, tree, superuser):
        body = self.body(tree["hoai_duc"], code="HD01")
        response = api_as(superuser).post(UNITS, body, format="json")
        assert errors_of(response) == [(None, "code")]

    @pytest.mark.parametrize(
        "fields, field",
        [
            ({"kind": "district"}, "kind"),
            ({"parent": "12"}, "parent"),
            ({"workforce": "many"}, "workforce"),
            ({"founded_on": "01/03/2024"}, "founded_on"),
            ({"colour": "red"}, "colour"),
            ({"sector": "fdi", "kind": "district_federation"}, "sector"),  # the service's rule
            ({"workforce": 10, "workforce_female": 20}, "workforce_female"),
        ],
    )
    def test_bad_fields_answer_400_naming_the_field(self, tree, superuser, fields, field):
        body = self.body(tree["hoai_duc"]) | fields
        response = api_as(superuser).post(UNITS, body, format="json")
        assert errors_of(response) == [(None, field)]
        assert not Unit.objects.filter(code="HD03").exists()

    def test_a_grassroots_union_cannot_have_children(self, tree, superuser):
        response = api_as(superuser).post(UNITS, self.body(tree["hd_1"]), format="json")
        assert errors_of(response) == [(None, "parent")]


class TestIndicators:
    def test_lists_the_catalogue_in_use_with_its_units_and_aggregation(self, tree, district_staff):
        response = api_as(district_staff).get("/api/v1/indicators/")
        assert response.status_code == 200
        by_code = {row["code"]: row for row in response.json()}
        assert by_code["new_members"]["unit"] == "người"
        assert by_code["new_members"]["aggregation"] == "sum"
        assert by_code["new_grassroots_unions"]["aggregation"] == "sum"
        assert by_code["total_members"]["aggregation"] == "last"
        assert set(by_code["new_members"]) == {
            "code",
            "name",
            "unit",
            "aggregation",
            "higher_is_better",
            "position",
        }

    def test_retired_indicators_are_not_listed(self, tree, district_staff):
        Indicator.objects.filter(code="initiatives").update(is_active=False)
        response = api_as(district_staff).get("/api/v1/indicators/")
        assert "initiatives" not in {row["code"] for row in response.json()}


class TestErrors:
    def test_malformed_json_answers_400_with_a_message(self, tree, superuser):
        response = api_as(superuser).post(
            UNITS, data='{"code": "X",', content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json() == {"detail": "Nội dung gửi lên không phải JSON hợp lệ."}

    def test_a_body_that_is_not_an_object_answers_400(self, tree, superuser):
        response = api_as(superuser).post(UNITS, ["HD03"], format="json")
        assert response.status_code == 400

    def test_a_form_body_answers_415(self, tree, superuser):
        response = api_as(superuser).post(UNITS, {"code": "X"}, format="multipart")
        assert response.status_code == 415
        assert "detail" in response.json()

    def test_a_lone_surrogate_in_a_message_does_not_break_the_answer(self, tree, superuser):
        body = '{"code": "X", "name": "Y", "kind": "\\ud800", "parent": null}'
        response = api_as(superuser).post(UNITS, data=body, content_type="application/json")
        assert errors_of(response) == [(None, "kind")]

    def test_an_unknown_path_answers_a_json_404(self, tree, superuser):
        response = api_as(superuser).get("/api/v1/units")
        assert response.status_code == 404
        assert "/" in response.json()["detail"]

    def test_an_unknown_method_answers_405(self, tree, superuser):
        assert api_as(superuser).delete(unit_url(tree["hd_1"])).status_code == 405


class TestSchema:
    def test_the_schema_is_valid_openapi_without_warnings(self):
        out = io.StringIO()
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
        assert "openapi: 3" in out.getvalue()

    def test_the_schema_and_its_docs_are_for_signed_in_users(self, client):
        schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert schema.status_code == 401
        assert client.get("/api/v1/docs/").status_code in (401, 403)

    def test_the_schema_is_served_and_describes_every_endpoint(self, client, district_staff):
        client.force_login(district_staff)
        response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200
        schema = response.json()
        assert set(schema["paths"]) == {
            "/api/v1/auth/token/",
            "/api/v1/units/",
            "/api/v1/units/{id}/",
            "/api/v1/units/{id}/progress/",
            "/api/v1/indicators/",
            "/api/v1/targets/",
            "/api/v1/entries/",
            "/api/v1/reports/",
            "/api/v1/reports/{id}/",
            "/api/v1/reports/{id}/pdf/",
            "/api/v1/reports/{id}/docx/",
        }
        entries = schema["paths"]["/api/v1/entries/"]["post"]["responses"]
        assert set(entries) == {"200", "400", "401", "403", "404", "409", "413"}
        assert entries["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/BadRequest"
        }
        assert {"$ref": "#/components/schemas/Errors"} in schema["components"]["schemas"][
            "BadRequest"
        ]["oneOf"]

    def test_the_docs_page_serves_swagger_ui_from_this_site(self, client, district_staff):
        client.force_login(district_staff)
        response = client.get("/api/v1/docs/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
        assert "cdn" not in page.lower()


class TestHostileBodies:
    """shared/API.md: a body larger than the API accepts answers 413, over-nested JSON 400, both
    as JSON with a sentence, and nothing is read or saved."""

    def test_a_body_past_the_limit_answers_413_before_it_is_read(self, tree, settings):
        settings.API_MAX_BODY_BYTES = 1000
        body = json.dumps({"username": "x" * 2000, "password": "y"})
        response = api_as().post(TOKEN, body, content_type="application/json")
        assert response.status_code == 413
        assert "MB" in response.json()["detail"]

    def test_a_large_batch_of_entries_answers_413_and_saves_nothing(
        self, tree, district_staff, settings
    ):
        settings.API_MAX_BODY_BYTES = 100
        body = {"entries": [{"unit": tree["hd_1"].pk, "indicator": "new_members"}] * 10}
        response = api_as(district_staff).post("/api/v1/entries/", body, format="json")
        assert response.status_code == 413
        assert not MonthlyEntry.objects.exists()

    def test_json_nested_past_what_a_decoder_follows_answers_400(self, tree, district_staff):
        body = "[" * 100_000 + "]" * 100_000
        response = api_as(district_staff).post(
            "/api/v1/entries/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json() == {"detail": "JSON lồng nhau quá nhiều tầng."}

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_nan_and_infinity_are_not_json_numbers(self, tree, district_staff, constant):
        unit = tree["hd_1"].pk
        body = (
            f'{{"entries": [{{"unit": {unit}, "indicator": "new_members", "year": 2026, '
            f'"month": 1, "value": {constant}}}]}}'
        )
        response = api_as(district_staff).post(
            "/api/v1/entries/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert not MonthlyEntry.objects.exists()


class TestBruteForce:
    """Five wrong passwords in a row for one username from one address lock that pair out for a
    quarter of an hour, even for the right password (shared/API.md: 429 with Retry-After)."""

    def post_token(self, password):
        return api_as().post(TOKEN, {"username": "hd_staff", "password": password}, format="json")

    def test_the_token_endpoint_locks_out_after_five_wrong_passwords(self, district_staff):
        district_staff.set_password("mat-khau-dung-ca-10")
        district_staff.save()
        for _ in range(4):
            assert self.post_token("sai").status_code == 400
        locked = self.post_token("sai")
        assert locked.status_code == 429
        assert int(locked["Retry-After"]) == 15 * 60
        assert "15 phút" in locked.json()["detail"]
        assert self.post_token("mat-khau-dung-ca-10").status_code == 429

    def test_failed_logins_are_recorded_for_superusers_to_see(
        self, client, district_staff, superuser
    ):
        self.post_token("sai")
        client.force_login(superuser)
        page = client.get("/admin/axes/accessfailurelog/").content.decode()
        assert "hd_staff" in page

    def test_the_token_endpoint_limits_requests_by_address(self, tree, monkeypatch):
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "3/min")
        answers = [
            api_as().post(TOKEN, {"username": f"u{i}", "password": "p"}, format="json")
            for i in range(4)
        ]
        assert [a.status_code for a in answers] == [400, 400, 400, 429]
        assert "giây" in answers[-1].json()["detail"]
        assert int(answers[-1]["Retry-After"]) > 0


@pytest.mark.parametrize("code", ["HD\r\n01", 'HD"01', "../../x"])
def test_a_unit_code_with_other_characters_answers_400_naming_the_field(tree, superuser, code):
    body = {"code": code, "name": "CĐCS", "kind": "grassroots_union", "parent": tree["hoai_duc"].pk}
    response = api_as(superuser).post(UNITS, body, format="json")
    assert errors_of(response) == [(None, "code")]
    assert not Unit.objects.filter(name="CĐCS").exists()
