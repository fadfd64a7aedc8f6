"""Reports through the API: asked for with 202, followed by status, downloaded once built."""

import io

import pytest
from docx import Document

from federation.tests.api import api_as, errors_of
from federation.tests.factories import UserFactory
from reports.models import Report, ReportVersion

REPORTS = "/api/v1/reports/"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def eager_tasks(celery_eager):
    """The PDF is built in-process, whatever CELERY_BROKER_URL says."""


def ask(user, unit, **fields):
    body = {"unit": unit.pk, "year": 2022, "kind": "H1"} | fields
    return api_as(user).post(REPORTS, body, format="json")


@pytest.fixture
def queued(tree, district_staff):
    """A version asked for; its build, queued on commit, never runs in the test transaction."""
    response = ask(district_staff, tree["hoai_duc"])
    assert response.status_code == 202
    return response.json()


def test_staff_asks_for_a_report_and_gets_202_with_its_status(tree, district_staff, queued):
    version = ReportVersion.objects.get()
    assert queued == {
        "id": version.pk,
        "report": version.report_id,
        "number": 1,
        "unit": tree["hoai_duc"].pk,
        "year": 2022,
        "kind": "H1",
        "through_month": 6,
        "status": "queued",
        "progress": 0,
        "error": None,
        "pdf_url": None,
        "docx_url": None,
        "signed": False,
    }


def test_the_pdf_answers_409_until_it_is_built(district_staff, queued):
    response = api_as(district_staff).get(f"{REPORTS}{queued['id']}/pdf/")
    assert response.status_code == 409
    assert response.json()["detail"]


def test_a_built_report_has_a_pdf_url_and_serves_the_pdf(
    tree, district_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(district_staff, tree["hoai_duc"], through_month=5).json()
    client = api_as(district_staff)
    status = client.get(f"{REPORTS}{asked['id']}/").json()
    assert (status["status"], status["error"], status["through_month"]) == ("done", None, 5)
    assert status["pdf_url"] == f"http://testserver{REPORTS}{asked['id']}/pdf/"
    response = client.get(status["pdf_url"], HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_word_copy_answers_409_until_it_is_built(district_staff, queued):
    response = api_as(district_staff).get(f"{REPORTS}{queued['id']}/docx/")
    assert response.status_code == 409
    assert response.json()["detail"]


def test_a_built_report_serves_its_word_copy(
    tree, district_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(district_staff, tree["hoai_duc"]).json()
    client = api_as(district_staff)
    status = client.get(f"{REPORTS}{asked['id']}/").json()
    assert status["docx_url"] == f"http://testserver{REPORTS}{asked['id']}/docx/"
    response = client.get(status["docx_url"], HTTP_ACCEPT=DOCX)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    word = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert "BÁO CÁO" in [paragraph.text for paragraph in word.paragraphs]


def test_asking_again_queues_a_new_version_of_the_same_report(tree, district_staff, queued):
    again = ask(district_staff, tree["hoai_duc"]).json()
    assert (again["report"], again["number"]) == (queued["report"], 2)
    assert Report.objects.count() == 1


def test_a_city_leader_follows_a_districts_report(city_leader, queued):
    assert api_as(city_leader).get(f"{REPORTS}{queued['id']}/").status_code == 200


def test_another_district_gets_404_for_the_report_its_pdf_and_asking(tree, queued):
    other = UserFactory(role_on=tree["me_linh"])
    client = api_as(other)
    assert client.get(f"{REPORTS}{queued['id']}/").status_code == 404
    assert client.get(f"{REPORTS}{queued['id']}/pdf/").status_code == 404
    assert client.get(f"{REPORTS}{queued['id']}/docx/").status_code == 404
    assert ask(other, tree["hoai_duc"]).status_code == 404
    assert ReportVersion.objects.count() == 1


def test_an_unknown_report_answers_404(superuser):
    assert api_as(superuser).get(f"{REPORTS}123456/").status_code == 404


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "Y"}, "kind"),
        ({"year": "2022"}, "year"),
        ({"year": 1990}, "year"),
        ({"through_month": 9}, "through_month"),
        ({"language": "en"}, "language"),
    ],
)
def test_bad_fields_answer_400(tree, district_staff, fields, field):
    assert errors_of(ask(district_staff, tree["hoai_duc"], **fields)) == [(None, field)]
    assert not ReportVersion.objects.exists()


def test_a_grassroots_union_writes_no_such_report(tree, district_staff):
    assert errors_of(ask(district_staff, tree["hd_1"])) == [(None, "unit")]
