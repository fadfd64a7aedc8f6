"""Monthly entries through Excel: the page, the template and export downloads, the upload with
its preview, and the confirmation that saves it.

The upload is kept (federation.uploads) under a token bound to the user, the unit and this kind
of import, for an hour; confirming reads it again and checks it again, since scope, locks and
saved values may have changed. Cancelling, confirming and a refused confirmation drop it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from .. import excel, uploads
from ..formatting import vn_number
from ..models import Unit, UploadKind
from ..selectors import Permission, breadcrumbs, scope_for, unit_for_user_or_404
from .excel import export_sheets, template_sheets
from .forms import ConfirmForm, ExportForm, MonthRangeForm, UploadForm
from .importing import ImportRefused, read_import, save_import
from .services import StaleEntries

SHOWN_CELLS = 500  # bad cells, warnings and changes listed on the preview


def _unit(request: HttpRequest, pk: int) -> Unit:
    unit = unit_for_user_or_404(request.user, pk)
    if not scope_for(request.user).allows(unit, Permission.ENTER_DATA):
        raise PermissionDenied("Bạn không được nhập số liệu cho đơn vị này.")
    return unit


def _page(request: HttpRequest, unit: Unit, **context) -> HttpResponse:
    today = timezone.localdate()
    preview = context.get("preview")
    context = {
        "unit": unit,
        "ancestors": breadcrumbs(request.user, unit),
        "template_form": MonthRangeForm(initial=MonthRangeForm.initial_for(today), today=today),
        "upload_form": UploadForm(),
        "export_form": ExportForm(initial={"year": today.year}, today=today),
        "max_rows": excel.MAX_ROWS,
        "max_megabytes": excel.MAX_BYTES // (1024 * 1024),
        "shown_slice": f":{SHOWN_CELLS}",
        **context,
    }
    if preview is not None:
        changes = preview.changes
        context["changes"] = changes
        context["more"] = {
            name: max(len(cells) - SHOWN_CELLS, 0)
            for name, cells in [
                ("errors", preview.errors),
                ("warnings", preview.warnings),
                ("changes", changes),
            ]
        }
    return render(request, "federation/entry_import.html", context)


@require_GET
@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _unit(request, pk))


@require_GET
@login_required
def template(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = MonthRangeForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return _page(request, unit, template_form=form)
    first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    try:
        sheets = template_sheets(unit, request.user, first, last)
    except excel.ExcelError as refused:
        form.add_error(None, str(refused))
        return _page(request, unit, template_form=form)
    name = f"mau-so-lieu-{slugify(unit.code)}-{first[1]:02d}-{first[0]}-den-{last[1]:02d}-{last[0]}"
    return excel.workbook_response(f"{name}.xlsx", *sheets)


@require_GET
@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    today = timezone.localdate()
    form = ExportForm(request.GET, today=today)
    if not form.is_valid():
        return _page(request, unit, export_form=form)
    year = form.cleaned_data["year"]
    sheets = export_sheets(unit, request.user, year, today)
    return excel.workbook_response(f"so-lieu-{slugify(unit.code)}-{year}.xlsx", *sheets)


@require_POST
@login_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, unit, upload_form=form)
    upload = form.cleaned_data["file"]
    try:
        preview = read_import(upload, unit=unit, user=request.user)
    except excel.ExcelError as refused:
        form.add_error("file", str(refused))
        return _page(request, unit, upload_form=form)
    token = None
    if preview.can_save:
        kept = uploads.upload_keep(
            upload=upload, user=request.user, unit=unit, kind=UploadKind.ENTRIES
        )
        token = kept.token.hex
    return _page(request, unit, preview=preview, token=token, file_name=upload.name)


@require_POST
@login_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = ConfirmForm(request.POST)
    token = form.data.get("token", "")
    try:
        if not form.is_valid():
            raise excel.ExcelError(uploads.UPLOAD_GONE)
        kept = uploads.upload_open(
            token=token, user=request.user, unit=unit, kind=UploadKind.ENTRIES
        )
        preview = read_import(kept, unit=unit, user=request.user)
    except excel.ExcelError as refused:
        uploads.upload_discard(token=token, user=request.user)
        messages.error(request, str(refused))
        return redirect("entry_excel", pk=unit.pk)
    page = {"preview": preview, "token": token, "file_name": kept.name}
    if preview.errors or not preview.rows:
        uploads.upload_discard(token=token, user=request.user)
        messages.error(request, "Kiểm tra lại tệp trước khi lưu thấy lỗi mới. Chưa lưu gì.")
        return _page(request, unit, **{**page, "token": None})
    if preview.digest != form.cleaned_data["digest"]:
        messages.warning(request, CHANGED_SINCE_PREVIEW)
        return _page(request, unit, **page)
    try:
        saved = save_import(preview, user=request.user, reason=form.cleaned_data["reason"])
    except ImportRefused as refused:
        uploads.upload_discard(token=token, user=request.user)
        preview.errors = refused.errors
        messages.error(request, "Không lưu được tệp. Chưa lưu gì.")
        return _page(request, unit, **{**page, "token": None})
    except StaleEntries:
        messages.warning(request, CHANGED_SINCE_PREVIEW)
        kept.seek(0)
        return _page(
            request, unit, **{**page, "preview": read_import(kept, unit=unit, user=request.user)}
        )
    uploads.upload_discard(token=token, user=request.user)
    messages.success(
        request, f"Đã nhập {vn_number(saved)} giá trị từ tệp {kept.name} cho {unit.display_name}."
    )
    return redirect("entry_excel", pk=unit.pk)


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drops the kept file of a preview the user does not want to save."""
    unit = _unit(request, pk)
    uploads.upload_discard(token=request.POST.get("token", ""), user=request.user)
    messages.info(request, "Đã hủy nhập tệp. Chưa lưu gì.")
    return redirect("entry_excel", pk=unit.pk)


CHANGED_SINCE_PREVIEW = (
    "Số liệu trên hệ thống đã thay đổi từ lúc xem trước. Hãy xem lại bản xem trước dưới đây "
    "rồi xác nhận lại. Chưa lưu gì."
)
