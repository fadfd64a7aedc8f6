"""The admin. Its writes go through the services (door ADMIN), like every other door's.

The forms validate what was typed; save_model and the delete hooks call the service that owns the
rule, so the roll-up and the audit trail hold whichever way the data came in.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, Q
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .entries.services import entry_delete, entry_upsert
from .forms import MonthlyEntryForm, RoleForm, TargetForm, UnitForm
from .models import (
    Door,
    EntryFinding,
    Indicator,
    MonthlyEntry,
    PendingUpload,
    Role,
    Rollup,
    Target,
    Unit,
    UnitMove,
    ValidationRule,
)
from .targets.services import target_set

admin.site.site_header = "Quản trị Báo cáo Công đoàn"
admin.site.site_title = "Quản trị Báo cáo Công đoàn"
admin.site.index_title = "Quản trị hệ thống"


def superusers_only(request) -> bool:
    """The admin sees the whole tree, so only superusers get in; roles on units work in the app."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = superusers_only


def without_cascade_rows(deleted: tuple) -> tuple:
    """Lets a unit or indicator take its roll-up rows and move records with it.

    Those admins are read-only, so Django would otherwise count them as rows the user may not
    delete and refuse to delete anything that has them.
    """
    to_delete, model_count, perms_needed, protected = deleted
    cascading = {Rollup._meta.verbose_name, UnitMove._meta.verbose_name}
    return to_delete, model_count, perms_needed - cascading, protected


def take_saved(obj: Model, saved: Model) -> None:
    """Turns the admin's unsaved object into the row a service saved, for its log and redirect."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages without "revert": a revert would write past the services."""

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For inspection only: the services write these rows."""

    list_display_links = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DepthFilter(admin.SimpleListFilter):
    title = "cấp"
    parameter_name = "depth"

    def lookups(self, request, model_admin):
        depths = Unit.objects.order_by("depth").values_list("depth", flat=True).distinct()
        return [(depth, f"Cấp {depth}") for depth in depths]

    def queryset(self, request, queryset):
        return queryset.filter(depth=self.value()) if self.value() else queryset


class YearFilter(admin.SimpleListFilter):
    """Years that have data, read from the roots' roll-up rather than scanning every entry."""

    title = "năm"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = (
            Rollup.objects.filter(unit__depth=1)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(year, str(year)) for year in years]

    def queryset(self, request, queryset):
        return queryset.filter(year=self.value()) if self.value() else queryset


class MonthFilter(admin.SimpleListFilter):
    title = "tháng"
    parameter_name = "month"

    def lookups(self, request, model_admin):
        return [(month, f"Tháng {month}") for month in range(1, 13)]

    def queryset(self, request, queryset):
        return queryset.filter(month=self.value()) if self.value() else queryset


@admin.register(Unit)
class UnitAdmin(HistoryAdmin):
    form = UnitForm
    list_display = [
        "indented_name",
        "code",
        "kind",
        "sector",
        "workforce_total",
        "workforce_female",
        "children_count",
    ]
    list_filter = ["kind", "sector", DepthFilter]
    search_fields = ["code", "name", "short_name"]
    ordering = ["path"]
    fieldsets = [
        ("Vị trí trong cây đơn vị", {"fields": ["parent"]}),
        (None, {"fields": ["code", "name", "short_name", "kind", "founded_on", "dissolved_on"]}),
        ("Công đoàn cơ sở", {"fields": ["sector", "workforce_total", "workforce_female"]}),
    ]

    @admin.display(description="số đơn vị trực thuộc", ordering="numchild")
    def children_count(self, unit: Unit) -> int:
        return unit.numchild

    @admin.display(description="tên đơn vị", ordering="path")
    def indented_name(self, unit: Unit) -> str:
        return format_html(
            '<span style="padding-left: {}em">{}</span>', 2 * (unit.depth - 1), unit.name
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new unit has nowhere to move from
            return self.fieldsets
        (title, _), *rest = self.fieldsets
        return [(title, {"fields": ["parent", "move_reason"]}), *rest]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in UnitForm.Meta.fields}
        parent = form.cleaned_data["parent"]
        if not change:
            unit = services.unit_create(parent=parent, user=request.user, door=Door.ADMIN, **fields)
            take_saved(obj, unit)
            return
        # Own fields first: unit_update saves this in-memory object, whose path a move would stale.
        services.unit_update(unit=obj, user=request.user, door=Door.ADMIN, **fields)
        if "parent" in form.changed_data:
            services.unit_move(
                unit=obj,
                new_parent=parent,
                user=request.user,
                reason=form.cleaned_data["move_reason"],
            )
            obj.refresh_from_db()

    def get_deleted_objects(self, objs, request):
        # Deleting a unit deletes its subtree, so the confirmation lists (and protects) all of it.
        subtree = Q(pk__in=[])
        for unit in objs:
            subtree |= Q(path__startswith=unit.path)
        return without_cascade_rows(
            super().get_deleted_objects(Unit.objects.filter(subtree), request)
        )


@admin.register(UnitMove)
class UnitMoveAdmin(ReadOnlyAdmin):
    list_display = [
        "unit",
        "old_parent",
        "new_parent",
        "reason",
        "moved_by",
        "moved_at",
    ]
    list_select_related = ["unit", "old_parent", "new_parent", "moved_by"]
    search_fields = ["unit__code", "unit__name"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "unit_of_measure",
        "aggregation",
        "higher_is_better",
        "plausible_max",
        "outlier_floor",
        "position",
        "is_active",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["aggregation", "is_active"]
    search_fields = ["code", "name"]

    def get_deleted_objects(self, objs, request):
        return without_cascade_rows(super().get_deleted_objects(objs, request))


@admin.register(Target)
class TargetAdmin(HistoryAdmin):
    form = TargetForm
    list_display = [
        "unit",
        "indicator",
        "year",
        "period",
        "value",
        "set_by",
        "updated_at",
    ]
    list_filter = ["year", "period", "indicator"]
    list_select_related = ["unit", "indicator", "set_by"]
    search_fields = ["unit__code", "unit__name"]
    autocomplete_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        target, _ = target_set(
            unit=obj.unit,
            indicator=obj.indicator,
            year=obj.year,
            period=obj.period,
            value=obj.value,
            user=request.user,
            door=Door.ADMIN,
        )
        take_saved(obj, target)


@admin.register(MonthlyEntry)
class MonthlyEntryAdmin(HistoryAdmin):
    form = MonthlyEntryForm
    list_display = [
        "unit",
        "indicator",
        "year",
        "month",
        "value",
        "entered_by",
        "updated_at",
    ]
    list_filter = [YearFilter, MonthFilter, "indicator"]
    list_select_related = ["unit", "indicator", "entered_by"]
    search_fields = ["unit__code", "unit__name"]
    autocomplete_fields = ["unit"]
    show_full_result_count = False

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # An entry's records are indexed by its unit and month, not its id (EntryHistory), and
        # a removed entry's history is the month's history page: none here.
        records = super().get_history_queryset(request, history_manager, pk_name, object_id)
        key = MonthlyEntry.objects.filter(pk=object_id).values("unit", "year", "month").first()
        return records.filter(**key) if key else records.none()

    def save_model(self, request, obj, form, change):
        entry = entry_upsert(
            unit=obj.unit,
            indicator=obj.indicator,
            year=obj.year,
            month=obj.month,
            value=obj.value,
            user=request.user,
            door=Door.ADMIN,
        )
        take_saved(obj, entry)

    def delete_model(self, request, obj):
        entry_delete(entry=obj, user=request.user, door=Door.ADMIN)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for entry in queryset:
                entry_delete(entry=entry, user=request.user, door=Door.ADMIN)


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdmin):
    list_display = [
        "unit",
        "indicator",
        "year",
        "month",
        "total",
        "entries",
    ]
    list_filter = [YearFilter, MonthFilter, "indicator"]
    list_select_related = ["unit", "indicator"]
    search_fields = ["unit__code", "unit__name"]
    show_full_result_count = False


@admin.register(Role)
class RoleAdmin(HistoryAdmin):
    form = RoleForm
    list_display = [
        "user",
        "unit",
        "role",
        "created_at",
    ]
    list_filter = ["role", "unit__kind"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__code"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request, obj, form, change):
        role = services.role_grant(user=obj.user, unit=obj.unit, role=obj.role)
        take_saved(obj, role)


class RoleInline(admin.TabularInline):
    model = Role
    form = RoleForm
    fields = ["unit", "role"]
    autocomplete_fields = ["unit"]
    extra = 0
    verbose_name_plural = "vai trò trên các đơn vị"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    def get_inlines(self, request, obj):
        # Django's two-step user creation asks for a password first; roles come after.
        return [RoleInline] if obj else []

    def save_formset(self, request, form, formset, change):
        if formset.model is not Role:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for role in formset.deleted_objects:
            role.delete()
        changed = [role for role, _ in formset.changed_objects]
        for role in [*formset.new_objects, *changed]:
            services.role_grant(user=form.instance, unit=role.unit, role=role.role)


@admin.register(PendingUpload)
class PendingUploadAdmin(ReadOnlyAdmin):
    """Uploads waiting for their confirmation; the periodic sweep removes them after an hour."""

    list_display = ["file_name", "kind", "unit", "user", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["unit", "user"]
    search_fields = ["file_name", "unit__code", "unit__name", "user__username"]
    fields = ["file_name", "kind", "unit", "user", "created_at"]


@admin.register(ValidationRule)
class ValidationRuleAdmin(HistoryAdmin):
    """The checks every save applies; an expression that cannot be read is refused by the
    model's clean(), in Vietnamese, beside its field."""

    list_display = ["code", "name", "importance", "applies_to", "is_active"]
    list_filter = ["importance", "applies_to", "is_active"]
    search_fields = ["code", "name", "left", "right"]
    fields = [
        "code",
        "name",
        ("left", "operator", "right"),
        "tolerance",
        "importance",
        "applies_to",
        "message",
        "is_active",
    ]


@admin.register(EntryFinding)
class EntryFindingAdmin(ReadOnlyAdmin):
    """What the checks found: followed up on the data-quality page, where scope applies."""

    list_display = ["unit", "indicator", "year", "month", "value", "kind", "status", "created_at"]
    list_filter = ["status", "kind", "year"]
    list_select_related = ["unit", "indicator"]
    search_fields = ["unit__code", "unit__name", "message"]
