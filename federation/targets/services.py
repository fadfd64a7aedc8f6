"""Every write of targets: one cell (`target_set`) or a page of the grid and an imported file
(`targets_save`, all or nothing). Pages, the Excel import, the API and the admin all come here.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Door, Indicator, Period, Target, Unit
from ..selectors import Permission, ensure_allowed
from ..validation import check_value, check_year

REFUSED = "Chỉ lãnh đạo cấp trên mới giao chỉ tiêu cho đơn vị này."


@dataclass(frozen=True)
class TargetCell:
    unit: Unit
    indicator: Indicator
    value: int


@transaction.atomic
def target_set(
    *,
    unit: Unit,
    indicator: Indicator,
    year: int,
    period: str,
    value: int,
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
) -> tuple[Target, bool]:
    """Sets the unit's target for the period, replacing an earlier one. Targets are assigned by
    the level above: only a leader of a unit above `unit` may (PermissionDenied otherwise)."""
    ensure_allowed(user, unit, Permission.SET_TARGETS, REFUSED)
    errors: dict[str, str] = {}
    check_year(year, errors)
    check_value(value, errors)
    if period not in Period.values:
        errors["period"] = "Kỳ phải là Y (cả năm), H1 hoặc H2."
    if errors:
        raise ValidationError(errors)
    target = (
        Target.objects.select_for_update()
        .filter(unit=unit, indicator=indicator, year=year, period=period)
        .first()
    )
    created = target is None
    if created:
        target = Target(unit=unit, indicator=indicator, year=year, period=period)
    elif target.value == value:
        return target, False
    target.value, target.set_by = value, user
    target._change_reason = door
    target._history_user = user
    target.save()
    return target, created


@transaction.atomic
def targets_save(
    *,
    parent: Unit,
    cells: Iterable[TargetCell],
    year: int,
    period: str,
    user: AbstractBaseUser | None,
    door: str,
) -> int:
    """Sets targets of `parent`'s children, all or nothing; returns how many cells were set.

    Refused as a whole (PermissionDenied) unless the user may set the targets of every child,
    and (ValidationError) if a cell is not about a child of `parent`. The grid form and the
    import pass only cells whose value differs from the saved one.
    """
    ensure_allowed(user, parent, Permission.SET_TARGETS, REFUSED, below=True)
    cells = list(cells)
    if strangers := [c.unit.name for c in cells if not c.unit.is_child_of(parent)]:
        names = ", ".join(strangers)
        raise ValidationError(f"Không phải đơn vị trực thuộc {parent.name}: {names}.")
    for cell in cells:
        target_set(
            unit=cell.unit,
            indicator=cell.indicator,
            year=year,
            period=period,
            value=cell.value,
            user=user,
            door=door,
        )
    return len(cells)
