"""Admin forms. Each validates what a user typed; the admin's save_model hands it to a service."""

from django import forms
from django.core.exceptions import ValidationError

from .models import MonthlyEntry, Role, Target, Unit, UnitKind
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
