"""The target grid as a form: one text cell per child and indicator.

Cells are checked before anything is saved, each refusal said in Vietnamese beside its cell. A
blank cell leaves a target as it is; clearing one that exists is refused, as no service removes
a target (0 means "no target" to the progress figures).
"""

from collections.abc import Sequence

from django import forms

from ..formatting import parse_whole_number, vn_number
from ..models import Indicator, Unit
from ..validation import MAX_VALUE, TOO_BIG
from .selectors import Key, TargetGrid
from .services import TargetCell


def field_name(unit_id: int, indicator_id: int) -> str:
    return f"t-{unit_id}-{indicator_id}"


class TargetGridForm(forms.Form):
    """One text cell per child and indicator, read the way people type numbers (1.500.000)."""

    def __init__(
        self, data=None, *, grid: TargetGrid, units: Sequence[Unit], shown: dict[Key, int]
    ):
        super().__init__(data)
        self.grid, self.units = grid, list(units)
        for unit in self.units:
            for indicator in grid.indicators:
                value = shown.get((unit.pk, indicator.pk))
                self.fields[field_name(unit.pk, indicator.pk)] = forms.CharField(
                    required=False,
                    initial=vn_number(value) if value is not None else "",
                    label=f"{indicator.name} · {unit.display_name}",
                )

    def clean(self):
        cleaned = super().clean()
        self.changed_cells: list[TargetCell] = []
        for unit in self.units:
            for indicator in self.grid.indicators:
                name = field_name(unit.pk, indicator.pk)
                if name in self.errors:
                    continue
                cell = self._cell(unit, indicator, cleaned.get(name, ""))
                if isinstance(cell, str):
                    self.add_error(name, cell)
                elif cell is not None:
                    self.changed_cells.append(cell)
        return cleaned

    def _cell(self, unit: Unit, indicator: Indicator, raw: str) -> TargetCell | str | None:
        """The cell to save, None if there is nothing to save, or why it is refused."""
        saved = self.grid.values.get((unit.pk, indicator.pk))
        if not raw.strip():
            return CLEARED if saved is not None else None
        try:
            value = parse_whole_number(raw)
        except ValueError as error:
            return str(error)
        if value > MAX_VALUE:
            return TOO_BIG
        return None if value == saved else TargetCell(unit, indicator, value)

    def rows(self) -> list[tuple[Unit, list[tuple[Indicator, forms.BoundField]]]]:
        return [
            (unit, [(i, self[field_name(unit.pk, i.pk)]) for i in self.grid.indicators])
            for unit in self.units
        ]


CLEARED = "Không xóa được chỉ tiêu đã giao; nhập 0 nếu không giao chỉ tiêu này."
