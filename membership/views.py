"""Roster pages: the list of a CĐCS or of a federation's subtree, a member's page, the forms that
admit, correct, record leaving and transfer, Excel import and export.

Every view reaches its unit through federation.selectors.unit_for_user_or_404 (404 outside the
user's scope) and a member only through its unit; writes also need Permission.ENTER_DATA.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation import excel, uploads
from federation.entries.services import RowsInvalid
from federation.formatting import vn_number
from federation.models import Door, Unit, UploadKind
from federation.selectors import Permission, breadcrumbs, scope_for, unit_for_user_or_404

from . import selectors, services
from .forms import (
    ImportForm,
    LeaveForm,
    MemberEditForm,
    MemberForm,
    RosterFilterForm,
    TransferForm,
    show_errors,
)
from .importing import check_rows, read_member_rows, template_sheet
from .models import Member

PREVIEW_ROWS = 20
DOORS = dict(Door.choices)


# --- finding the unit and the member -----------------------------------------------------------


def _unit(request: HttpRequest, pk: int) -> Unit:
    return unit_for_user_or_404(request.user, pk)


def _union_to_write(request: HttpRequest, pk: int) -> Unit:
    """A CĐCS the user may change the roster of: 404 outside the scope, 403 without the right."""
    unit = _unit(request, pk)
    if not unit.is_grassroots:
        raise Http404("Chỉ công đoàn cơ sở mới có danh sách đoàn viên để cập nhật.")
    if not scope_for(request.user).allows(unit, Permission.ENTER_DATA):
        raise PermissionDenied("Bạn không có quyền cập nhật danh sách đoàn viên của đơn vị này.")
    return unit


def _member(unit: Unit, member_pk: int) -> Member:
    members = Member.objects.select_related("union", "transferred_from__union")
    return get_object_or_404(members, pk=member_pk, union=unit)


def _page(request: HttpRequest, template: str, unit: Unit, **context) -> HttpResponse:
    """Renders a roster page with the unit's breadcrumbs."""
    context["unit"] = unit
    context["ancestors"] = breadcrumbs(request.user, unit)
    context["can_write"] = unit.is_grassroots and scope_for(request.user).allows(
        unit, Permission.ENTER_DATA
    )
    return render(request, template, context)


def _roster_url(unit: Unit) -> str:
    return reverse("membership:roster", args=[unit.pk])


def _member_url(member: Member) -> str:
    return reverse("membership:member_detail", args=[member.union_id, member.pk])


# --- the list ----------------------------------------------------------------------------------


@require_GET
@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = RosterFilterForm(request.GET or None)
    roster_filter = form.roster_filter()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": selectors.roster_page(request.user, unit, roster_filter, request.GET.get("page")),
        "query": query.urlencode(),
        "searching": bool(roster_filter.q),
        # Filters other than the search box, which unfold on a phone when set.
        "filtered": roster_filter != selectors.RosterFilter(q=roster_filter.q),
    }
    if request.headers.get("HX-Request"):
        return render(request, "membership/_roster_results.html", {"unit": unit, **context})
    return _page(request, "membership/roster.html", unit, **context)


@require_GET
@login_required
def roster_counts(request: HttpRequest, pk: int) -> HttpResponse:
    """The figures above a roster, loaded on their own: over a district's subtree they cost as
    much as the list, and searching does not change them."""
    unit = _unit(request, pk)
    form = RosterFilterForm(request.GET or None)
    roster_filter = form.roster_filter()
    chosen = (roster_filter.joined_from, roster_filter.joined_to)
    counts = selectors.roster_counts(unit, *chosen)
    # The tally counts whole months: a chosen day inside a month widens to it, and says so.
    widened = chosen[0] not in (None, counts.start) or chosen[1] not in (None, counts.end)
    return render(
        request,
        "membership/_roster_counts.html",
        {"unit": unit, "counts": counts, "period_chosen": any(chosen), "widened": widened},
    )


@require_GET
@login_required
def roster_export(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    roster_filter = RosterFilterForm(request.GET or None).roster_filter()
    try:
        export = services.roster_export(user=request.user, unit=unit, roster_filter=roster_filter)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{_roster_url(unit)}?{request.GET.urlencode()}")
    response = HttpResponse(export.content, content_type=excel.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    return response


# --- one member --------------------------------------------------------------------------------


@require_GET
@login_required
def member_detail(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    member = _member(unit, member_pk)
    moved_to = Member.objects.select_related("union").filter(transferred_from=member).first()
    scope = scope_for(request.user)
    return _page(
        request,
        "membership/member_detail.html",
        unit,
        member=member,
        personal=selectors.personal_data_visible(request.user, member.union),
        moved_to=moved_to,
        first_joined=selectors.first_joined(member),
        moved_to_visible=bool(moved_to) and scope.allows(moved_to.union, Permission.VIEW),
        moved_from_visible=bool(member.transferred_from)
        and scope.allows(member.transferred_from.union, Permission.VIEW),
        history=[
            (record, DOORS.get(record.history_change_reason, "—"))
            for record in member.history.select_related("history_user")[:20]
        ],
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _union_to_write(request, pk)
    form = MemberForm(request.POST or None)
    if form.is_valid():
        try:
            member = services.member_create(
                union=unit, user=request.user, door=Door.PAGE, **form.cleaned_data
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Đã thêm đoàn viên {member.full_name}.")
            if "again" in request.POST:
                return redirect("membership:member_add", unit.pk)
            return redirect(_member_url(member))
    return _page(request, "membership/member_form.html", unit, form=form, member=None)


@require_http_methods(["GET", "POST"])
@login_required
def member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    unit = _union_to_write(request, pk)
    member = _member(unit, member_pk)
    initial = {name: getattr(member, name) for name in services.EDITABLE_FIELDS}
    form = MemberEditForm(request.POST or None, initial=initial, member=member)
    if form.is_valid():
        try:
            services.member_update(
                member=member, user=request.user, door=Door.PAGE, **form.cleaned_data
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Đã lưu thông tin đoàn viên.")
            return redirect(_member_url(member))
    return _page(request, "membership/member_form.html", unit, form=form, member=member)


@require_http_methods(["GET", "POST"])
@login_required
def member_leave(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    unit = _union_to_write(request, pk)
    member = _member(unit, member_pk)
    form = LeaveForm(request.POST or None)
    if form.is_valid():
        try:
            services.member_leave(
                member=member,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["leave_reason"],
                user=request.user,
                door=Door.PAGE,
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Đã ghi nhận {member.full_name} ra khỏi CĐCS.")
            return redirect(_member_url(member))
    return _page(
        request,
        "membership/member_action.html",
        unit,
        form=form,
        member=member,
        title="Ghi nhận ra khỏi CĐCS",
        button="Ghi nhận",
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_transfer(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    unit = _union_to_write(request, pk)
    member = _member(unit, member_pk)
    form = TransferForm(
        request.POST or None, choices=selectors.transfer_targets(request.user, member)
    )
    if form.is_valid():
        target = _union_to_write(request, form.cleaned_data["to_union"])
        try:
            moved = services.member_transfer(
                member=member,
                to_union=target,
                on=form.cleaned_data["on"],
                user=request.user,
                door=Door.PAGE,
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Đã chuyển {member.full_name} sang {target.name}.")
            return redirect(_member_url(moved))
    return _page(
        request,
        "membership/member_action.html",
        unit,
        form=form,
        member=member,
        title="Chuyển sinh hoạt sang CĐCS khác",
        button="Chuyển sinh hoạt",
    )


# --- Excel import ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _union_to_write(request, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_member_rows(upload)
        except excel.ExcelError as error:
            form.add_error("file", str(error))
        else:
            check = check_rows(unit, rows, user=request.user)
            token = ""
            if check.ok and check.new_members:
                kept = uploads.upload_keep(
                    upload=upload, user=request.user, unit=unit, kind=UploadKind.ROSTER
                )
                token = kept.token.hex
            return _preview(request, unit, check, token)
    return _page(request, "membership/import_upload.html", unit, form=form)


def _preview(request: HttpRequest, unit: Unit, check, token: str) -> HttpResponse:
    return _page(
        request,
        "membership/import_preview.html",
        unit,
        check=check,
        token=token,
        sample=check.new_members[:PREVIEW_ROWS],
    )


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _union_to_write(request, pk)
    token = request.POST.get("token", "")
    try:
        kept = uploads.upload_open(
            token=token, user=request.user, unit=unit, kind=UploadKind.ROSTER
        )
        rows = read_member_rows(kept)
    except excel.ExcelError as error:
        uploads.upload_discard(token=token, user=request.user)
        messages.error(request, str(error))
        return redirect("membership:import_upload", unit.pk)
    try:
        result = services.members_import(union=unit, rows=rows, user=request.user)
    except RowsInvalid:
        # The roster changed since the preview: show what is wrong now. The file must be fixed
        # and uploaded again, so the kept copy goes.
        uploads.upload_discard(token=token, user=request.user)
        return _preview(request, unit, check_rows(unit, rows, user=request.user), token="")
    uploads.upload_discard(token=token, user=request.user)
    text = f"Đã nhập {vn_number(result.created)} đoàn viên."
    if result.skipped:
        text += f" Bỏ qua {vn_number(result.skipped)} dòng trùng với đoàn viên đã có."
    messages.success(request, text)
    return redirect(_roster_url(unit))


@require_POST
@login_required
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drops the kept file of a preview the user does not want to import."""
    unit = _union_to_write(request, pk)
    uploads.upload_discard(token=request.POST.get("token", ""), user=request.user)
    messages.info(request, "Đã hủy nhập tệp. Chưa thêm đoàn viên nào.")
    return redirect("membership:import_upload", unit.pk)


@require_GET
@login_required
def import_template(request: HttpRequest, pk: int) -> HttpResponse:
    _union_to_write(request, pk)
    return excel.workbook_response("mau-danh-sach-doan-vien.xlsx", template_sheet())
