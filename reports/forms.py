"""Forms of the report pages. They check what was typed; the services hold the rules."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone

from federation.models import MAX_YEAR, MIN_YEAR

from . import signing
from .models import Report, ReportKind
from .services import EDITABLE_FIELDS

# A leader's PKCS#12 archive is a few kilobytes; anything much larger is not one.
MAX_CERTIFICATE_BYTES = 100 * 1024


def month_choices(kind: str, year: int) -> list[tuple[int, str]]:
    return [(m, f"Hết tháng {m:02d}/{year}") for m in ReportKind(kind).months]


class ReportForm(forms.ModelForm):
    """The header and text of a report, which the leader edits before each version."""

    through_month = forms.TypedChoiceField(label="Số liệu tính đến", coerce=int)

    class Meta:
        model = Report
        fields = list(EDITABLE_FIELDS)
        widgets = {
            # Typed as Vietnamese write dates; a browser's date picker shows its own locale's.
            "issued_on": forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
            "recipients": forms.Textarea(attrs={"rows": 4}),
            **{
                name: forms.Textarea(attrs={"rows": 5})
                for name in ("strengths", "shortcomings", "causes", "priorities", "proposals")
            },
        }
        help_texts = {
            "strengths": "Mỗi dòng là một đoạn văn.",
            "priorities": "Mỗi dòng là một nhiệm vụ.",
        }

    def __init__(self, *args, editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        report = self.instance
        self.fields["through_month"].choices = month_choices(report.kind, report.year)
        self.fields["issued_on"].input_formats = ["%d/%m/%Y", "%Y-%m-%d"]
        if not editable:
            for field in self.fields.values():
                field.disabled = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "Thông tin văn bản",
                Row(
                    Column("through_month", css_class="col-sm-6"),
                    Column("document_number", css_class="col-sm-6"),
                ),
                Row(
                    Column("place", css_class="col-sm-6"), Column("issued_on", css_class="col-sm-6")
                ),
                Row(
                    Column("signer_name", css_class="col-sm-6"),
                    Column("signer_title", css_class="col-sm-6"),
                ),
                "recipients",
            ),
            Fieldset("Đánh giá chung", "strengths", "shortcomings", "causes"),
            Fieldset("Phần II và kiến nghị", "priorities", "proposals"),
        )


class ReportStartForm(forms.Form):
    """Which report to open or start for a unit."""

    year = forms.IntegerField(label="Năm", min_value=MIN_YEAR, max_value=MAX_YEAR)
    kind = forms.ChoiceField(label="Loại báo cáo", choices=ReportKind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["kind"].initial = ReportKind.H1 if today.month <= 9 else ReportKind.H2
        self.fields["year"].widget.attrs["inputmode"] = "numeric"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("year", css_class="col-4 col-sm-3"),
                Column("kind", css_class="col-8 col-sm-6"),
                Div(
                    Submit("start", "Mở báo cáo", css_class="w-100"),
                    css_class="col-12 col-sm-3 d-flex align-items-end mb-3",
                ),
            )
        )


class BatchForm(ReportStartForm):
    """The reports of every child unit: which year and half, and where the figures stop."""

    through_month = forms.TypedChoiceField(
        label="Số liệu tính đến",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "Hết kỳ báo cáo")] + [(m, f"Hết tháng {m:02d}") for m in range(1, 13)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Row(
                Column("year", css_class="col-4 col-sm-3"),
                Column("kind", css_class="col-8 col-sm-5"),
                Column("through_month", css_class="col-12 col-sm-4"),
            ),
            Submit("start", "Tạo báo cáo cho tất cả đơn vị trực thuộc"),
        )

    def clean(self):
        cleaned = super().clean()
        month, kind = cleaned.get("through_month"), cleaned.get("kind")
        if month is not None and kind and month not in ReportKind(kind).months:
            months = ReportKind(kind).months
            self.add_error(
                "through_month",
                f"Với loại báo cáo này, số liệu chốt từ tháng {months.start} "
                f"đến tháng {months.stop - 1}.",
            )
        return cleaned


class SignForm(forms.Form):
    """The leader's certificate (.p12, .pfx) and its password, for this signing only: the form
    never shows the password again, and the archive is read into memory, not kept."""

    certificate = forms.FileField(
        label="Tệp chứng thư số (.p12, .pfx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )
    password = forms.CharField(
        label="Mật khẩu của tệp",
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_certificate(self) -> bytes:
        upload = self.cleaned_data["certificate"]
        if upload.size > MAX_CERTIFICATE_BYTES:
            raise forms.ValidationError("Tệp quá lớn: tệp chứng thư số chỉ vài KB (tối đa 100 KB).")
        content = upload.read()
        if not signing.is_pkcs12(content):
            raise forms.ValidationError(
                "Tệp không phải chứng thư số PKCS#12 (.p12, .pfx): hãy chọn tệp chứng thư số."
            )
        return content


class CompareForm(forms.Form):
    """Which two versions of a report to compare: an earlier one and a later one."""

    old = forms.TypedChoiceField(label="Phiên bản cũ", coerce=int)
    new = forms.TypedChoiceField(label="Phiên bản mới", coerce=int)

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(number, f"Phiên bản {number}") for number in numbers]
        self.fields["old"].choices = self.fields["new"].choices = choices
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Row(
                Column("old", css_class="col-6 col-sm-4"),
                Column("new", css_class="col-6 col-sm-4"),
                Div(
                    Submit("compare", "So sánh", css_class="w-100"),
                    css_class="col-12 col-sm-4 d-flex align-items-end mb-3",
                ),
            )
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("old") is not None and cleaned.get("old") == cleaned.get("new"):
            raise forms.ValidationError("Hãy chọn hai phiên bản khác nhau.")
        return cleaned
