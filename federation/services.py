"""Writes on the tree and its roles. Pages, the API, commands and the admin all come here.

Each service is one transaction: the change, its audit record (django-simple-history, with the
door it came through as the change reason) and the roll-up update commit together or not at all.
The writes of each concern live beside it: `entries.services` (monthly figures, month locks and
completion), `targets.services`, `dashboards.services` (emulation clusters).
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import signals
from .entries import rollup
from .models import Door, MonthlyTotal, Role, RoleKind, Unit, UnitKind, UnitMove
from .selectors import Permission, ensure_allowed

ADD_REFUSED = "Vai trò của bạn không được thêm đơn vị vào đơn vị này."


# --- units -------------------------------------------------------------------------------------


def check_unit_placement(parent: Unit | None, kind: str) -> None:
    """Refuses a place in the tree that a unit of this kind cannot take."""
    if parent is not None and parent.is_grassroots:
        raise ValidationError({"parent": "Công đoàn cơ sở không có đơn vị trực thuộc."})
    if parent is None and kind == UnitKind.GRASSROOTS_UNION:
        raise ValidationError({"parent": "Công đoàn cơ sở phải thuộc một đơn vị cấp trên."})


@transaction.atomic
def unit_create(
    *,
    parent: Unit | None,
    code: str,
    name: str,
    kind: str,
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
    **attrs: Any,
) -> Unit:
    """Adds a unit under `parent` (or a new root when `parent` is None). An admin of the parent
    or above may; only a superuser adds a root (PermissionDenied otherwise)."""
    _ensure_may_add(user, parent)
    check_unit_placement(parent, kind)
    unit = Unit(code=code, name=name, kind=kind, **attrs)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit._change_reason = door
    unit._history_user = user
    if parent is None:
        unit = Unit.objects.add_root(instance=unit)
    else:
        parent.refresh_from_db()
        unit = Unit.objects.add_child(parent, instance=unit)
    signals.unit_changed.send(sender=Unit, unit=unit)
    return unit


def _ensure_may_add(user: AbstractBaseUser | None, parent: Unit | None) -> None:
    if parent is not None:
        ensure_allowed(user, parent, Permission.MANAGE, ADD_REFUSED)
    elif user is not None and not user.is_superuser:
        raise PermissionDenied("Chỉ quản trị hệ thống mới tạo được đơn vị gốc.")


@transaction.atomic
def unit_update(
    *, unit: Unit, user: AbstractBaseUser | None, door: str = Door.SYSTEM, **fields: Any
) -> Unit:
    """Changes a unit's own fields; its place in the tree changes only through unit_move."""
    # From the database: a form may have changed the object already.
    stored_kind = Unit.objects.select_for_update().values_list("kind", flat=True).get(pk=unit.pk)
    for name, value in fields.items():
        setattr(unit, name, value)
    if unit.numchild and unit.is_grassroots:
        raise ValidationError({"kind": "Đơn vị đang có đơn vị trực thuộc, không thể là CĐCS."})
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit._change_reason = door
    unit._history_user = user
    unit.save()
    if unit.is_grassroots != (stored_kind == UnitKind.GRASSROOTS_UNION):
        rollup.unit_kind_changed(unit)
    signals.unit_changed.send(sender=Unit, unit=unit)
    return unit


@transaction.atomic
def unit_move(
    *, unit: Unit, new_parent: Unit, user: AbstractBaseUser | None, reason: str = ""
) -> Unit:
    """Moves a unit and its whole subtree under `new_parent`, keeping every figure correct.

    The subtree's own roll-up rows do not change; its totals leave the old ancestors and join
    the new ones. Ancestors common to both chains see no net change and are skipped.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    check_unit_placement(new_parent, unit.kind)
    if new_parent.path.startswith(unit.path):
        raise ValidationError(
            {"parent": "Không thể chuyển đơn vị vào chính nó hoặc đơn vị trực thuộc nó."}
        )
    old_parent = Unit.objects.get_parent(unit)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        return unit

    subtree_rows = MonthlyTotal.objects.filter(unit=unit).values_list(
        "indicator_id", "year", "month", "total", "entries"
    )
    old_chain = set(rollup.ancestor_ids([old_parent])[old_parent.pk]) if old_parent else set()
    new_chain = set(rollup.ancestor_ids([new_parent])[new_parent.pk])
    deltas: dict[rollup.RollupKey, rollup.Delta] = {}
    for indicator_id, year, month, total, entries in subtree_rows:
        for ancestor_id in old_chain - new_chain:
            deltas[(ancestor_id, indicator_id, year, month)] = rollup.Delta(-total, -entries)
        for ancestor_id in new_chain - old_chain:
            deltas[(ancestor_id, indicator_id, year, month)] = rollup.Delta(total, entries)

    Unit.objects.move(unit, new_parent, "last-child")
    rollup.apply(deltas)
    signals.unit_moved.send(sender=Unit, unit=unit, old_parent=old_parent, new_parent=new_parent)
    UnitMove.objects.create(
        unit=unit, old_parent=old_parent, new_parent=new_parent, reason=reason, moved_by=user
    )
    unit.refresh_from_db()
    return unit


# --- roles -------------------------------------------------------------------------------------


@transaction.atomic
def role_grant(*, user: AbstractBaseUser, unit: Unit, role: str) -> Role:
    """Gives `user` the role on `unit` (and so on its subtree), replacing a role it held there."""
    if role not in RoleKind.values:
        raise ValidationError(
            {"role": f"Vai trò không hợp lệ: {role}. Chọn một trong {', '.join(RoleKind.values)}."}
        )
    granted, created = Role.objects.select_for_update().get_or_create(
        user=user, unit=unit, defaults={"role": role}
    )
    if not created and granted.role != role:
        granted.role = role
        granted.save()
    return granted
