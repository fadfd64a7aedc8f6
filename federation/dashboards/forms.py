"""The form that names an emulation cluster and picks its units among the owner's children."""

from django import forms

from ..models import Unit


class UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.display_name} ({unit.code})"


class ClusterForm(forms.Form):
    name = forms.CharField(label="Tên cụm", max_length=255)
    members = UnitChoices(
        label="Đơn vị trong cụm",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, owner: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Unit.objects.children_of(owner)
