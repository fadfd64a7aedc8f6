"""Reads of the data-quality page: what the checks found below a unit, and how much is left.

Findings are stored when a warned value is saved (entries/services.py), so listing a city's
subtree over six months is one indexed query a page, not a recomputation of every check.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from ..models import EntryFinding, FindingStatus, Unit
from ..selectors import units_visible_to

PER_PAGE = 50


class Showing:
    """Which findings a list shows."""

    PENDING = "pending"  # not resolved yet: to check, or being followed up
    RESOLVED = "resolved"
    ALL = "all"


@dataclass(frozen=True)
class QualityQuery:
    year: int
    first_month: int
    last_month: int
    showing: str = Showing.PENDING


def findings_below(unit: Unit, query: QualityQuery) -> QuerySet[EntryFinding]:
    """The findings of the unit and its whole subtree for the months asked, by unit, month and
    indicator."""
    found = EntryFinding.objects.filter(
        unit__path__startswith=unit.path,
        year=query.year,
        month__gte=query.first_month,
        month__lte=query.last_month,
    )
    if query.showing == Showing.PENDING:
        found = found.exclude(status=FindingStatus.RESOLVED)
    elif query.showing == Showing.RESOLVED:
        found = found.filter(status=FindingStatus.RESOLVED)
    return found.select_related("unit", "indicator", "rule", "confirmed_by").order_by(
        "unit__path", "month", "indicator__position", "pk"
    )


def findings_page(unit: Unit, query: QualityQuery, number: str | int | None) -> Page:
    return Paginator(findings_below(unit, query), PER_PAGE).get_page(number)


def pending_count(unit: Unit) -> int:
    """How many findings below the unit no one has resolved yet, any month: one query."""
    return (
        EntryFinding.objects.filter(unit__path__startswith=unit.path)
        .exclude(status=FindingStatus.RESOLVED)
        .count()
    )


def finding_for_user_or_404(user: AbstractBaseUser, pk: int) -> EntryFinding:
    """A finding of a unit the user may see; 404 for any other, as for a unit."""
    finding = (
        EntryFinding.objects.filter(pk=pk, unit__in=units_visible_to(user))
        .select_related("unit", "indicator")
        .first()
    )
    if finding is None:
        raise Http404("Không tìm thấy số liệu cần kiểm tra này.")
    return finding
