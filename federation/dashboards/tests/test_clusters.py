from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from federation.dashboards import selectors, services
from federation.entries.services import entry_upsert
from federation.models import EmulationCluster, Period
from federation.targets.services import target_set
from federation.tests.factories import GrassrootsFactory, UnitFactory, indicator

HTMX = {"HX-Request": "true"}


def clusters_url(unit):
    return reverse("unit_clusters", args=[unit.pk])


def cluster_names(owner):
    return {c.name: sorted(u.code for u in c.members.all()) for c in selectors.clusters_of(owner)}


@pytest.fixture
def five_districts(tree):
    """Hà Nội with five districts: Hoài Đức, Mê Linh and three more, each with new members."""
    extra = [
        UnitFactory(parent=tree["city"], code=code, name=f"LĐLĐ {code}")
        for code in ("BD", "TX", "CG")
    ]
    members = indicator("new_members")
    units = [tree["hoai_duc"], tree["me_linh"], *extra]
    for unit, actual in zip(units, [310, 40, 90, 60, 120], strict=True):
        entry_upsert(unit=unit, indicator=members, year=2022, month=3, value=actual, user=None)
        target_set(
            unit=unit, indicator=members, year=2022, period=Period.YEAR, value=100, user=None
        )
    tree["city"].refresh_from_db()
    return {u.code: u for u in units}


# --- the service -------------------------------------------------------------------------------


def test_a_cluster_groups_children_of_its_owner(tree, city_leader):
    cluster = services.cluster_save(
        owner=tree["city"],
        name="Cụm 1",
        members=[tree["hoai_duc"], tree["me_linh"]],
        user=city_leader,
    )
    assert cluster.created_by == city_leader
    assert cluster_names(tree["city"]) == {"Cụm 1": ["HD", "ML"]}


def test_a_unit_moved_into_a_cluster_leaves_its_former_one(tree, city_leader):
    first = services.cluster_save(
        owner=tree["city"], name="Cụm 1", members=[tree["hoai_duc"]], user=None
    )
    services.cluster_save(
        owner=tree["city"], name="Cụm 2", members=[tree["hoai_duc"], tree["me_linh"]], user=None
    )
    assert cluster_names(tree["city"]) == {"Cụm 1": [], "Cụm 2": ["HD", "ML"]}
    services.cluster_save(
        owner=tree["city"], name="Cụm Một", members=[tree["education"]], user=None, cluster=first
    )
    assert cluster_names(tree["city"]) == {"Cụm 2": ["HD", "ML"], "Cụm Một": ["GD"]}


def test_a_cluster_needs_a_new_name_and_only_children_of_its_owner(tree):
    services.cluster_save(owner=tree["city"], name="Cụm 1", members=[], user=None)
    with pytest.raises(ValidationError) as error:
        services.cluster_save(owner=tree["city"], name=" cụm 1 ", members=[tree["hd_1"]], user=None)
    assert error.value.message_dict == {
        "name": ["Đơn vị đã có cụm tên “cụm 1”."],
        "members": [f"Không phải đơn vị trực thuộc LĐLĐ Thành phố Hà Nội: {tree['hd_1'].name}."],
    }
    with pytest.raises(ValidationError, match="Hãy đặt tên"):
        services.cluster_save(owner=tree["city"], name="  ", members=[], user=None)


# --- the pages ---------------------------------------------------------------------------------


def test_a_leader_makes_a_cluster_from_the_page(client, tree, city_leader):
    client.force_login(city_leader)

    response = client.post(
        clusters_url(tree["city"]),
        {"name": "Cụm phía Tây", "members": [tree["hoai_duc"].pk, tree["me_linh"].pk]},
    )

    assert response.status_code == 302
    assert cluster_names(tree["city"]) == {"Cụm phía Tây": ["HD", "ML"]}
    assert (
        "Đã lưu cụm “Cụm phía Tây” (2 đơn vị)." in client.get(response["Location"]).content.decode()
    )


def test_a_cluster_is_edited_and_deleted_from_the_page(client, tree, city_leader):
    cluster = services.cluster_save(
        owner=tree["city"], name="Cụm 1", members=[tree["hoai_duc"]], user=None
    )
    client.force_login(city_leader)
    edit_url = reverse("unit_cluster_edit", args=[tree["city"].pk, cluster.pk])

    assert 'value="Cụm 1"' in client.get(edit_url).content.decode()
    client.post(edit_url, {"name": "Cụm A", "members": [tree["me_linh"].pk]})
    assert cluster_names(tree["city"]) == {"Cụm A": ["ML"]}

    client.post(reverse("unit_cluster_delete", args=[tree["city"].pk, cluster.pk]))
    assert not EmulationCluster.objects.exists()


def test_the_page_refuses_a_duplicate_name_beside_the_field(client, tree, city_leader):
    services.cluster_save(owner=tree["city"], name="Cụm 1", members=[], user=None)
    client.force_login(city_leader)

    response = client.post(clusters_url(tree["city"]), {"name": "Cụm 1"})

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Đơn vị đã có cụm tên “Cụm 1”."]


def test_a_grandchild_cannot_be_put_in_a_cluster(client, tree, city_leader):
    client.force_login(city_leader)

    response = client.post(clusters_url(tree["city"]), {"name": "X", "members": [tree["hd_1"].pk]})

    assert response.status_code == 200
    assert not EmulationCluster.objects.exists()


def test_staff_see_the_clusters_and_get_403_on_changing_them(client, tree, district_staff):
    cluster = services.cluster_save(
        owner=tree["hoai_duc"], name="Cụm 1", members=[tree["hd_1"]], user=None
    )
    client.force_login(district_staff)

    page = client.get(clusters_url(tree["hoai_duc"]))
    assert page.status_code == 200 and "Cụm 1" in page.content.decode()
    assert "Lưu cụm" not in page.content.decode()
    assert client.post(clusters_url(tree["hoai_duc"]), {"name": "X"}).status_code == 403
    edit_url = reverse("unit_cluster_edit", args=[tree["hoai_duc"].pk, cluster.pk])
    assert client.post(edit_url, {"name": "X"}).status_code == 403
    delete_url = reverse("unit_cluster_delete", args=[tree["hoai_duc"].pk, cluster.pk])
    assert client.post(delete_url).status_code == 403
    assert EmulationCluster.objects.get().name == "Cụm 1"


def test_staff_of_one_district_get_404_on_another_districts_clusters(client, tree, district_staff):
    cluster = services.cluster_save(
        owner=tree["me_linh"], name="Cụm 1", members=[tree["ml_1"]], user=None
    )
    client.force_login(district_staff)

    assert client.get(clusters_url(tree["me_linh"])).status_code == 404
    edit_url = reverse("unit_cluster_edit", args=[tree["me_linh"].pk, cluster.pk])
    assert client.get(edit_url).status_code == 404
    delete_url = reverse("unit_cluster_delete", args=[tree["me_linh"].pk, cluster.pk])
    assert client.post(delete_url).status_code == 404


def test_a_cluster_is_only_reached_through_its_owner(client, tree, city_leader):
    cluster = services.cluster_save(
        owner=tree["me_linh"], name="Cụm 1", members=[tree["ml_1"]], user=None
    )
    client.force_login(city_leader)
    edit_url = reverse("unit_cluster_edit", args=[tree["hoai_duc"].pk, cluster.pk])
    assert client.get(edit_url).status_code == 404


# --- ranking by cluster ------------------------------------------------------------------------


def test_the_dashboard_ranks_units_within_each_cluster(client, tree, five_districts, city_leader):
    d = five_districts
    services.cluster_save(owner=tree["city"], name="Cụm 1", members=[d["HD"], d["BD"]], user=None)
    services.cluster_save(
        owner=tree["city"], name="Cụm 2", members=[d["ML"], d["TX"], d["CG"]], user=None
    )
    client.force_login(city_leader)
    url = reverse("unit_dashboard_children", args=[tree["city"].pk])

    overall = client.get(url, {"year": 2022, "period": "Y"}, headers=HTMX)
    by_cluster = client.get(url, {"year": 2022, "period": "Y", "group": "cluster"}, headers=HTMX)

    ranks = [(r.unit.code, r.rank) for r in overall.context["children"].page.object_list]
    assert ranks[:5] == [("HD", 1), ("CG", 2), ("BD", 3), ("TX", 4), ("ML", 5)]
    grouped = [
        (r.cluster, r.unit.code, r.rank) for r in by_cluster.context["children"].page.object_list
    ]
    assert grouped == [
        ("Cụm 1", "HD", 1),
        ("Cụm 1", "BD", 2),
        ("Cụm 2", "CG", 1),
        ("Cụm 2", "TX", 2),
        ("Cụm 2", "ML", 3),
        (None, "GD", None),
    ]
    page = by_cluster.content.decode()
    assert "Cụm Cụm 1" not in page and "Chưa xếp cụm" in page


def test_the_cluster_export_carries_the_cluster_and_the_rank_in_it(
    client, tree, five_districts, city_leader
):
    d = five_districts
    services.cluster_save(owner=tree["city"], name="Cụm 1", members=[d["HD"], d["BD"]], user=None)
    client.force_login(city_leader)

    response = client.get(
        reverse("unit_dashboard_export", args=[tree["city"].pk, "children"]),
        {"year": 2022, "period": "Y", "group": "cluster"},
    )

    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Hạng", "Cụm thi đua", "Mã đơn vị")
    assert [r[:3] for r in rows[1:3]] == [(1, "Cụm 1", "HD"), (2, "Cụm 1", "BD")]


def test_without_clusters_the_grouping_is_not_offered(client, tree, five_districts, city_leader):
    client.force_login(city_leader)
    response = client.get(
        reverse("unit_dashboard_children", args=[tree["city"].pk]),
        {"year": 2022, "group": "cluster"},
        headers=HTMX,
    )
    assert not response.context["children"].by_cluster
    assert 'name="group"' not in response.content.decode()


def test_a_new_child_joins_no_cluster_until_a_leader_puts_it_in_one(tree):
    services.cluster_save(owner=tree["hoai_duc"], name="Cụm 1", members=[tree["hd_1"]], user=None)
    GrassrootsFactory(parent=tree["hoai_duc"], code="HD03")
    assert selectors.cluster_names(tree["hoai_duc"]) == {tree["hd_1"].pk: "Cụm 1"}
