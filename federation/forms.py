"""Forms. Each validates what a user typed; a view or the admin's save_model hands it to a service.

The admin's forms come first, then the year and period every progress page is asked for.
"""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from .models import MAX_YEAR, MIN_YEAR, MonthlyEntry, Period, Role, Target, Unit, UnitKind
from .services import check_unit_placement


class UnitParentField(forms.ModelChoiceField):
    """The units a unit may hang under, indented by depth: a CĐCS has no children."""

    def label_from_instance(self, unit: Unit) -> str:
        return f"{'— ' * (unit.depth - 1)}{unit.name} ({unit.code})"


class UnitForm(forms.ModelForm):
    """A unit's own fields plus its parent; the tree fields are the services' business."""

    parent = UnitParentField(
        queryset=Unit.objects.none(),
        required=False,
        label="đơn vị cấp trên",
        empty_label="(không có: đơn vị gốc)",
    )
    move_reason = forms.CharField(
        label="lý do chuyển",
        max_length=255,
        required=False,
        help_text="Ghi vào lịch sử chuyển đơn vị khi đổi đơn vị cấp trên.",
    )

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "sector",
            "workforce_total",
            "workforce_female",
            "founded_on",
            "dissolved_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Unit.objects.exclude(kind=UnitKind.GRASSROOTS_UNION).order_by("path")
        # A version from the history pages has no path: it is shown, never moved.
        if self.instance.pk and self.instance.path:
            parents = parents.exclude(path__startswith=self.instance.path)
            parent = Unit.objects.get_parent(self.instance)
            self.initial["parent"] = parent.pk if parent else None
        self.fields["parent"].queryset = parents

    def clean(self):
        cleaned = super().clean()
        if "parent" in self.errors:
            return cleaned
        parent, kind = cleaned.get("parent"), cleaned.get("kind")
        try:
            check_unit_placement(parent, kind)
        except ValidationError as error:
            self.add_error(None, error)
        if parent is None and self.initial.get("parent") is not None:
            self.add_error("parent", "Đơn vị đang có cấp trên không thể trở thành đơn vị gốc.")
        if self.instance.numchild and kind == UnitKind.GRASSROOTS_UNION:
            self.add_error("kind", "Đơn vị đang có đơn vị trực thuộc, không thể là CĐCS.")
        return cleaned


class KeyLockedForm(forms.ModelForm):
    """Services save by key, so editing a row may change its figures but never its key."""

    key_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.key_fields:
                if name in self.fields:
                    self.fields[name].disabled = True


class TargetForm(KeyLockedForm):
    key_fields = ("unit", "indicator", "year", "period")

    class Meta:
        model = Target
        fields = ["unit", "indicator", "year", "period", "value"]
        labels = {"unit": "đơn vị", "indicator": "chỉ tiêu"}


class MonthlyEntryForm(KeyLockedForm):
    key_fields = ("unit", "indicator", "year", "month")

    class Meta:
        model = MonthlyEntry
        fields = ["unit", "indicator", "year", "month", "value"]
        labels = {"unit": "đơn vị", "indicator": "chỉ tiêu"}


class RoleForm(KeyLockedForm):
    key_fields = ("user", "unit")

    class Meta:
        model = Role
        fields = ["user", "unit", "role"]
        labels = {"user": "người dùng", "unit": "đơn vị"}


# --- the year, period and cut-off month of a progress page --------------------------------------


@dataclass(frozen=True)
class ProgressQuery:
    """The figures a progress page shows: a year, a period, and optionally a cut-off month."""

    year: int
    period: str
    through_month: int | None

    @property
    def period_label(self) -> str:
        return Period(self.period).label

    @property
    def last_month(self) -> int:
        """The last month the figures cover: the cut-off, else the period's end."""
        return self.through_month or Period(self.period).months[-1]

    def as_params(self) -> dict[str, int | str]:
        """The query string that asks for the same figures, for links to other pages."""
        params: dict[str, int | str] = {"year": self.year, "period": self.period}
        if self.through_month:
            params["through_month"] = self.through_month
        return params


def default_period(today: date) -> str:
    """The mid-year review until June is out, the whole year after."""
    return Period.H1 if today.month <= 6 else Period.YEAR


MONTH_CHOICES = [("", "Hết kỳ"), *((str(m), f"Hết tháng {m}") for m in range(1, 13))]


class ProgressQueryForm(forms.Form):
    """The year, period and cut-off month asked for in a query string.

    A progress page always renders: a bad value falls back to its default and `problems` says
    why, one sentence per field, so the page can show them as warnings.
    """

    year = forms.IntegerField(label="Năm", min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)
    period = forms.ChoiceField(label="Kỳ", choices=Period.choices, required=False)
    through_month = forms.TypedChoiceField(
        label="Số liệu đến", choices=MONTH_CHOICES, coerce=int, empty_value=None, required=False
    )

    def __init__(self, data: QueryDict, *, today: date, period: str | None = None):
        super().__init__(data)
        self.today = today
        self.default_period = period or default_period(today)

    def clean(self):
        cleaned = super().clean()
        month, period = cleaned.get("through_month"), self._period(cleaned)
        if month is not None and month not in Period(period).months:
            self.add_error("through_month", "Tháng cắt số liệu không thuộc kỳ.")
        return cleaned

    def _period(self, cleaned: dict) -> str:
        return cleaned.get("period") or self.default_period

    @property
    def query(self) -> ProgressQuery:
        self.is_valid()
        cleaned, errors = self.cleaned_data, self.errors
        year = self.today.year if "year" in errors else cleaned.get("year") or self.today.year
        period = self.default_period if "period" in errors else self._period(cleaned)
        month = None if "through_month" in errors else cleaned.get("through_month")
        return ProgressQuery(year, period, month)

    @property
    def problems(self) -> list[str]:
        query, errors = self.query, self.errors
        period_name = Period(query.period).label.lower()
        problems = []
        if "year" in errors:
            years = f"{MIN_YEAR} đến {MAX_YEAR}"
            problems.append(f"Năm phải là số từ {years}; đang xem năm {query.year}.")
        if "period" in errors:
            problems.append(f"Kỳ không hợp lệ; đang xem {period_name}.")
        if "through_month" in errors:
            problems.append(f"Tháng cắt số liệu phải thuộc {period_name}; đang xem cả kỳ.")
        return problems
