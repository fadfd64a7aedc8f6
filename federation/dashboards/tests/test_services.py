"""Emulation clusters are made, changed and deleted by the leaders who set the children's targets:
the services refuse anyone else at every door."""

import pytest
from django.core.exceptions import PermissionDenied

from federation.dashboards.services import cluster_delete, cluster_save
from federation.models import EmulationCluster


@pytest.fixture
def cluster(tree, city_leader):
    return cluster_save(
        owner=tree["city"], name="Cụm 1", members=[tree["me_linh"]], user=city_leader
    )


def test_a_leader_of_the_owner_makes_changes_and_deletes_a_cluster(tree, city_leader, cluster):
    cluster_save(
        owner=tree["city"],
        name="Cụm A",
        members=[tree["hoai_duc"]],
        user=city_leader,
        cluster=cluster,
    )
    assert list(EmulationCluster.objects.values_list("name", flat=True)) == ["Cụm A"]
    cluster_delete(cluster=cluster, user=city_leader)
    assert not EmulationCluster.objects.exists()


def test_staff_and_leaders_of_a_child_cannot_touch_the_owners_clusters(
    tree, district_staff, district_leader, cluster
):
    for user in (district_staff, district_leader):
        with pytest.raises(PermissionDenied):
            cluster_save(owner=tree["city"], name="Cụm 2", members=[], user=user)
        with pytest.raises(PermissionDenied):
            cluster_save(owner=tree["city"], name="Đổi tên", members=[], user=user, cluster=cluster)
        with pytest.raises(PermissionDenied):
            cluster_delete(cluster=cluster, user=user)
    cluster.refresh_from_db()
    assert (cluster.name, list(cluster.members.all())) == ("Cụm 1", [tree["me_linh"]])
    assert EmulationCluster.objects.count() == 1
