"""The data-quality page's filter, and resolving a finding with a comment."""

from datetime import date

from django import forms

from ..models import MAX_YEAR, MIN_YEAR
from .selectors import QualityQuery, Showing

MONTHS = [(m, f"Tháng {m}") for m in range(1, 13)]
SHOWING = [
    (Showing.PENDING, "Chưa xử lý"),
    (Showing.RESOLVED, "Đã xử lý"),
    (Showing.ALL, "Tất cả"),
]


class QualityFilterForm(forms.Form):
    """The year, months and state of the findings listed; a bad value falls back to its default
    (this year, January to this month, not yet resolved)."""

    year = forms.IntegerField(label="Năm", min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)
    first_month = forms.TypedChoiceField(
        label="Từ tháng", choices=MONTHS, coerce=int, required=False, empty_value=None
    )
    last_month = forms.TypedChoiceField(
        label="Đến tháng", choices=MONTHS, coerce=int, required=False, empty_value=None
    )
    showing = forms.ChoiceField(label="Tình trạng", choices=SHOWING, required=False)

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today

    @property
    def query(self) -> QualityQuery:
        self.is_valid()
        cleaned = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        year = cleaned.get("year") or self.today.year
        last_default = self.today.month if year == self.today.year else 12
        first = cleaned.get("first_month") or 1
        last = cleaned.get("last_month") or last_default
        return QualityQuery(
            year, min(first, last), max(first, last), cleaned.get("showing") or Showing.PENDING
        )


class ResolveForm(forms.Form):
    comment = forms.CharField(
        label="Đã kiểm tra và kết luận",
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "Ví dụ: đã gọi CĐCS, số liệu đúng."}),
    )
