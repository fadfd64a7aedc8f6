"""Who below a unit has reported a month (DHIS2's reporting rate), to chase the missing ones."""

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import MonthCompletion, MonthlyTotal, Unit


class Status:
    COMPLETE = "complete"
    ENTERING = "entering"
    MISSING = "missing"


STATUS_LABELS = {
    Status.COMPLETE: "Đã hoàn thành",
    Status.ENTERING: "Đang nhập",
    Status.MISSING: "Chưa nhập",
}


@dataclass(frozen=True)
class ChildStatus:
    unit: Unit
    status: str
    completion: MonthCompletion | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Completeness:
    children: list[ChildStatus]

    def count(self, status: str) -> int:
        return sum(1 for child in self.children if child.status == status)

    @property
    def complete(self) -> int:
        return self.count(Status.COMPLETE)

    @property
    def entering(self) -> int:
        return self.count(Status.ENTERING)

    @property
    def missing(self) -> list[ChildStatus]:
        return [child for child in self.children if child.status == Status.MISSING]

    @property
    def total(self) -> int:
        return len(self.children)


def children_of(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")


def month_completeness(unit: Unit, year: int, month: int) -> Completeness:
    """Each child's state for the month: marked complete, has some figures, or nothing yet.

    Three queries whatever the number of children: the children, their roll-up rows that have
    entries (a child's subtree reported something), and the completion marks.
    """
    children = list(children_of(unit))
    with_data = set(
        MonthlyTotal.objects.filter(
            unit__in=children, year=year, month=month, entries__gt=0
        ).values_list("unit_id", flat=True)
    )
    marks = {
        c.unit_id: c
        for c in MonthCompletion.objects.filter(
            unit__in=children, year=year, month=month
        ).select_related("completed_by")
    }
    return Completeness(
        [
            ChildStatus(child, _status(child.pk, marks, with_data), marks.get(child.pk))
            for child in children
        ]
    )


def _status(pk: int, marks: dict, with_data: set[int]) -> str:
    if pk in marks:
        return Status.COMPLETE
    return Status.ENTERING if pk in with_data else Status.MISSING
