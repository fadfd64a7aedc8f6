"""A target above the ceiling every figure has is refused beside its cell, on the page and in an
imported file, before anything reaches the service (no 500, nothing saved)."""

from django.urls import reverse

from federation.models import Target
from federation.targets.forms import field_name
from federation.targets.tests.test_views import import_file, upload
from federation.tests.factories import indicator

TOO_BIG = "Số quá lớn: tối đa 1.000.000.000.000.000."


def test_a_target_above_the_ceiling_is_refused_beside_its_cell(client, tree, district_leader):
    client.force_login(district_leader)
    members = indicator("new_members")
    response = client.post(
        reverse("unit_targets", args=[tree["hoai_duc"].pk]),
        {"year": 2026, "period": "Y", field_name(tree["hd_1"].pk, members.pk): str(10**16)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field_name(tree["hd_1"].pk, members.pk)] == [TOO_BIG]
    assert not Target.objects.exists()


def test_an_imported_target_above_the_ceiling_is_named_by_its_cell(client, tree, district_leader):
    client.force_login(district_leader)
    response = import_file(client, tree["hoai_duc"], upload([["HD01", "", 10**16, 5]]))
    check = response.context["check"]
    assert [(e.row, e.column, e.message) for e in check.errors] == [(2, "C", TOO_BIG)]
    assert response.context["token"] is None
    assert not Target.objects.exists()
