"""Emulation clusters (cụm thi đua): a leader groups the units below into named clusters, and the
dashboard ranks the units within each.

A cluster belongs to the unit whose children it groups; each child is in at most one of that
unit's clusters, so a ranking by cluster shows every child once. The leaders who set the
children's targets group them: anyone else is refused (PermissionDenied) at every door.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import EmulationCluster, Unit
from ..selectors import Permission, ensure_allowed

REFUSED = "Chỉ lãnh đạo cấp trên mới lập, sửa hoặc xóa cụm thi đua."


@transaction.atomic
def cluster_save(
    *,
    owner: Unit,
    name: str,
    members: Iterable[Unit],
    user: AbstractBaseUser | None,
    cluster: EmulationCluster | None = None,
) -> EmulationCluster:
    """Creates a cluster of `owner`'s children, or renames and refills `cluster`.

    A member taken from another of the owner's clusters leaves that one.
    """
    ensure_allowed(user, owner, Permission.SET_TARGETS, REFUSED, below=True)
    members, name = list(members), name.strip()
    errors = {}
    if not name:
        errors["name"] = "Hãy đặt tên cho cụm."
    elif (
        EmulationCluster.objects.filter(owner=owner, name__iexact=name)
        .exclude(pk=cluster.pk if cluster else None)
        .exists()
    ):
        errors["name"] = f"Đơn vị đã có cụm tên “{name}”."
    if strangers := [u.name for u in members if not u.is_child_of(owner)]:
        errors["members"] = f"Không phải đơn vị trực thuộc {owner.name}: {', '.join(strangers)}."
    if errors:
        raise ValidationError(errors)

    if cluster is None:
        cluster = EmulationCluster.objects.create(owner=owner, name=name, created_by=user)
    elif cluster.name != name:
        cluster.name = name
        cluster.save(update_fields=["name", "updated_at"])
    EmulationCluster.members.through.objects.filter(
        emulationcluster__owner=owner, unit__in=members
    ).exclude(emulationcluster=cluster).delete()
    cluster.members.set(members)
    return cluster


@transaction.atomic
def cluster_delete(*, cluster: EmulationCluster, user: AbstractBaseUser | None) -> None:
    ensure_allowed(user, cluster.owner, Permission.SET_TARGETS, REFUSED, below=True)
    cluster.delete()
