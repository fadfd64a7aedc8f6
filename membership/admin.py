from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from federation.models import Door

from .models import Member


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
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
    search_fields = ["full_name", "card_number"]
    date_hierarchy = "joined_on"
    autocomplete_fields = ["union"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        obj._change_reason = Door.ADMIN
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._change_reason = Door.ADMIN
        super().delete_model(request, obj)
