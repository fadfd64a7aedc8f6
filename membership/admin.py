"""The roster in the admin. Writes go through membership.services (door ADMIN)."""

from django import forms
from django.contrib import admin
from django.db import transaction

from federation.admin import HistoryAdmin, ReadOnlyAdmin, take_saved
from federation.models import Door

from . import selectors, services
from .models import Member, RosterExport


class MemberAdminForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "union",
            "full_name",
            "gender",
            "birth_date",
            "joined_on",
            "left_on",
            "leave_reason",
            "card_number",
        ]

    def clean(self):
        data = super().clean()
        if not self.errors:
            # The card number is checked by the model's unique constraint; a namesake born the
            # same day is the service's rule, checked here so the form can show it.
            probe = Member(
                pk=self.instance.pk,
                union=data.get("union") or self.instance.union,
                full_name=data.get("full_name", ""),
                birth_date=data.get("birth_date"),
                left_on=data.get("left_on"),
            )
            if message := selectors.duplicate_errors(probe).get("full_name"):
                self.add_error("full_name", message)
        return data


@admin.register(Member)
class MemberAdmin(HistoryAdmin):
    form = MemberAdminForm
    list_display = [
        "full_name",
        "union",
        "gender",
        "birth_date",
        "joined_on",
        "left_on",
        "leave_reason",
        "card_number",
    ]
    list_filter = ["gender", "leave_reason"]
    list_select_related = ["union"]
    search_fields = ["search_name", "card_number"]
    date_hierarchy = "joined_on"
    autocomplete_fields = ["union"]
    readonly_fields = ["transferred_from"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # A member changes CĐCS only by a transfer, which keeps both rows.
        return [*self.readonly_fields, "union"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        if change:
            saved = services.member_update(member=obj, user=request.user, door=Door.ADMIN, **fields)
        else:
            left_on, reason = fields.pop("left_on"), fields.pop("leave_reason")
            with transaction.atomic():
                saved = services.member_create(
                    union=form.cleaned_data["union"], user=request.user, door=Door.ADMIN, **fields
                )
                if left_on:
                    saved = services.member_leave(
                        member=saved,
                        left_on=left_on,
                        reason=reason,
                        user=request.user,
                        door=Door.ADMIN,
                    )
        take_saved(obj, saved)

    def delete_model(self, request, obj):
        services.member_delete(member=obj, user=request.user, door=Door.ADMIN)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        # One by one through the service, so the tally loses exactly what it counted.
        for member in queryset.order_by("pk"):
            services.member_delete(member=member, user=request.user, door=Door.ADMIN)


@admin.register(RosterExport)
class RosterExportAdmin(ReadOnlyAdmin):
    """Who exported which roster, when: written by the export service, only read here."""

    list_display = ["exported_at", "user", "unit", "row_count"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    date_hierarchy = "exported_at"
