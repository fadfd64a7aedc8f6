"""Forms of the roster pages. They read what was typed; the rules live in Member.clean and the
services, whose errors views put back on the form (see `show_errors`)."""

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from .models import Gender, LeaveReason
from .selectors import RosterFilter, Status

DATE_HINT = "dd/mm/yyyy"
DATE_ERRORS = {"invalid": "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 17/05/1990."}


def date_field(label: str, *, required: bool = True, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": DATE_HINT, "inputmode": "numeric", "autocomplete": "off"},
        ),
        error_messages=DATE_ERRORS,
        **kwargs,
    )


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """Puts a service's errors on the form: on their field when the form has it, else on top."""
    for field, messages in getattr(
        error, "message_dict", {NON_FIELD_ERRORS: error.messages}
    ).items():
        form.add_error(field if field in form.fields else None, messages)


class RosterFilterForm(forms.Form):
    q = forms.CharField(label="Tìm theo tên hoặc số thẻ", required=False, max_length=100)
    gender = forms.ChoiceField(
        label="Giới tính", required=False, choices=[("", "Tất cả"), *Gender.choices]
    )
    status = forms.ChoiceField(
        label="Tình trạng", required=False, choices=Status.choices, initial=Status.ACTIVE
    )
    joined_from = date_field("Vào công đoàn từ ngày", required=False)
    joined_to = date_field("đến ngày", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("gender", "status"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("joined_from", "joined_to"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        start, end = data.get("joined_from"), data.get("joined_to")
        if start and end and start > end:
            self.add_error("joined_to", "Ngày cuối phải sau ngày đầu.")
        return data

    def roster_filter(self) -> RosterFilter:
        """What was asked; a field typed wrong is left out (the form shows why)."""
        if not self.is_bound:
            return RosterFilter()
        self.is_valid()  # cleaned_data then holds the fields that were typed right
        data = self.cleaned_data
        return RosterFilter(
            q=data.get("q") or "",
            gender=data.get("gender") or "",
            status=data.get("status") or Status.ACTIVE,
            joined_from=data.get("joined_from"),
            joined_to=data.get("joined_to"),
        )


class MemberForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=255)
    gender = forms.ChoiceField(label="Giới tính", choices=Gender.choices, widget=forms.RadioSelect)
    birth_date = date_field("Ngày sinh", required=False)
    joined_on = date_field("Ngày vào công đoàn")
    card_number = forms.CharField(label="Số thẻ đoàn viên", max_length=32, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "full_name",
            InlineRadios("gender"),
            Row(
                Column("birth_date", css_class="col-sm-6"),
                Column("joined_on", css_class="col-sm-6"),
            ),
            "card_number",
        )


class MemberEditForm(MemberForm):
    """Also corrects the leaving of a member who left for a reason other than a transfer."""

    left_on = date_field("Ngày ra khỏi CĐCS", required=False)
    leave_reason = forms.ChoiceField(
        label="Lý do", required=False, choices=[("", "—"), *LeaveReason.choices]
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        if member.is_active or member.was_transferred:
            del self.fields["left_on"]
            del self.fields["leave_reason"]
        else:
            self.helper.layout.append(
                Row(
                    Column("left_on", css_class="col-sm-6"),
                    Column("leave_reason", css_class="col-sm-6"),
                )
            )


class LeaveForm(forms.Form):
    left_on = date_field("Ngày ra khỏi CĐCS", initial=timezone.localdate)
    leave_reason = forms.ChoiceField(
        label="Lý do",
        choices=LeaveReason.choices,
        help_text="Chuyển sang một CĐCS khác trong hệ thống: dùng “Chuyển sinh hoạt” để giữ "
        "lịch sử ở cả hai nơi.",
    )


class TransferForm(forms.Form):
    # The target is checked by the view against the user's scope (404 outside it), so this field
    # only reads a number; the choices are what the user may pick.
    to_union = forms.IntegerField(label="Chuyển đến công đoàn cơ sở", widget=forms.Select)
    on = date_field("Ngày chuyển", initial=timezone.localdate)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_union"].widget.choices = [("", "— Chọn CĐCS —"), *choices]
        self.fields["to_union"].error_messages["required"] = "Hãy chọn CĐCS chuyển đến."


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel (.xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text="Tệp .xlsx, tối đa 10.000 dòng đoàn viên.",
    )
