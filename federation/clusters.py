"""Emulation clusters (cụm thi đua): a leader groups the units below into named clusters, and the
dashboard ranks the units within each.

A cluster belongs to the unit whose children it groups; each child is in at most one of that
unit's clusters, so a ranking by cluster shows every child once.
"""

from collections.abc import Iterable

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import EmulationCluster, Unit


def is_child(owner: Unit, unit: Unit) -> bool:
    return unit.path.startswith(owner.path) and unit.depth == owner.depth + 1


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
    if strangers := [u.name for u in members if not is_child(owner, u)]:
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
    cluster.delete()


def clusters_of(owner: Unit) -> list[EmulationCluster]:
    """The owner's clusters with their members: two queries."""
    return list(EmulationCluster.objects.filter(owner=owner).prefetch_related("members"))


def cluster_names(owner: Unit) -> dict[int, str]:
    """Child id → the name of its cluster, for the owner's children in one: one query."""
    return dict(
        EmulationCluster.members.through.objects.filter(emulationcluster__owner=owner).values_list(
            "unit_id", "emulationcluster__name"
        )
    )


class UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.display_name} ({unit.code})"


class ClusterForm(forms.Form):
    name = forms.CharField(label="Tên cụm", max_length=255)
    members = UnitChoices(
        label="Đơn vị trong cụm",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, owner: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Unit.objects.filter(
            path__startswith=owner.path, depth=owner.depth + 1
        ).order_by("path")
