"""What goes in and out of the API, field by field (shared/API.md).

Serializers check shape only: types, required fields, no unknown fields. Rules (unique codes,
ranges of years, locked months, ...) belong to federation.services, which every write calls.
"""

from collections.abc import Iterable, Mapping

from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from ..models import MAX_YEAR, MIN_YEAR, Indicator, Period, Sector, Unit, UnitKind
from ..validation import MAX_VALUE
from .errors import ErrorSerializer

# Ids are 64-bit; a number beyond that cannot name anything and would overflow the query.
MAX_ID = 2**63 - 1


class StrictFieldsMixin:
    """Refuses fields the serializer does not declare, instead of silently ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            if unknown := sorted(str(key) for key in data if key not in writable):
                raise serializers.ValidationError(
                    {name: ["Trường này không có trong API."] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not a string of digits, a float or a boolean."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class IndicatorCodeField(serializers.CharField):
    """An indicator of the catalogue, named by its code."""

    default_error_messages = {"unknown": "Không có chỉ tiêu mã này trong danh mục."}

    def to_internal_value(self, data) -> Indicator:
        code = super().to_internal_value(data)
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            self.fail("unknown")
        return indicator

    def to_representation(self, value) -> str:
        return value.code


# --- auth --------------------------------------------------------------------------------------


class LoginSerializer(StrictFieldsMixin, AuthTokenSerializer):
    """A user's username and password."""


class TokenSerializer(serializers.Serializer):
    """The user's API token, the same at every login."""

    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


# --- units -------------------------------------------------------------------------------------


def parent_ids(units: Iterable[Unit]) -> dict[str, int]:
    """Ids of the parents of these units by parent path: one query for a whole page."""
    paths = {unit.ancestor_paths[-2] for unit in units if unit.depth > 1}
    if not paths:
        return {}
    return dict(Unit.objects.filter(path__in=paths).values_list("path", "id"))


class UnitSerializer(serializers.ModelSerializer):
    """A body of the union, from the confederation down to a grassroots union (CĐCS)."""

    # The view puts parent_ids() of the units it answers with in the context.
    parent = serializers.SerializerMethodField(help_text="Id of the parent unit; null for a root.")
    sector = serializers.ChoiceField(
        choices=Sector.choices,
        allow_null=True,
        read_only=True,
        help_text="Khu vực of a grassroots union's employer; null for other units.",
    )
    workforce = serializers.IntegerField(
        source="workforce_total",
        allow_null=True,
        read_only=True,
        help_text="Tổng số lao động (CĐCS).",
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "depth",
            "sector",
            "workforce",
            "workforce_female",
            "founded_on",
            "dissolved_on",
        ]
        read_only_fields = fields

    def to_representation(self, unit: Unit) -> dict:
        data = super().to_representation(unit)
        data["sector"] = data["sector"] or None  # stored blank
        return data

    def get_parent(self, unit: Unit) -> int | None:
        if unit.depth == 1:
            return None
        return self.context["parent_ids"][unit.ancestor_paths[-2]]


class UnitCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A new unit: codes are unique; a grassroots union needs a parent and has no children."""

    code = serializers.CharField(max_length=Unit._meta.get_field("code").max_length)
    name = serializers.CharField(max_length=Unit._meta.get_field("name").max_length)
    short_name = serializers.CharField(
        max_length=Unit._meta.get_field("short_name").max_length, required=False, allow_blank=True
    )
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    parent = StrictIntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="Id of the parent unit; null makes a new root (superusers only).",
    )
    sector = serializers.ChoiceField(
        choices=Sector.choices, required=False, allow_blank=True, allow_null=True
    )
    founded_on = serializers.DateField(required=False, allow_null=True)
    workforce = StrictIntegerField(min_value=0, required=False, allow_null=True)
    workforce_female = StrictIntegerField(min_value=0, required=False, allow_null=True)

    def unit_fields(self) -> dict:
        """The validated fields as unit_create's keyword arguments, parent aside."""
        data = dict(self.validated_data)
        data.pop("parent")
        if data.get("sector") is None:
            data.pop("sector", None)
        if "workforce" in data:
            data["workforce_total"] = data.pop("workforce")
        return data


# --- indicators --------------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    """An indicator of the catalogue, and how its months add up (sum, or last month's value)."""

    unit = serializers.CharField(
        source="unit_of_measure", read_only=True, help_text="Đơn vị tính: người, CĐCS…"
    )

    class Meta:
        model = Indicator
        fields = ["code", "name", "unit", "aggregation", "higher_is_better", "position"]
        read_only_fields = fields


# --- targets -----------------------------------------------------------------------------------


class TargetSerializer(StrictFieldsMixin, serializers.Serializer):
    """A unit's target for a year (Y) or half-year (H1, H2), set by a leader above it."""

    # Year, period and value are checked by targets.services.target_set, as for every door.
    unit = StrictIntegerField(source="unit_id", min_value=1, max_value=MAX_ID)
    indicator = IndicatorCodeField(help_text="Indicator code, e.g. new_members.")
    year = StrictIntegerField(help_text=f"{MIN_YEAR} to {MAX_YEAR}.")
    period = serializers.ChoiceField(choices=Period.choices)
    value = StrictIntegerField(max_value=MAX_VALUE, help_text="A whole number, 0 or more.")


class UnitYearQuerySerializer(serializers.Serializer):
    """The query of the target and entry lists."""

    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of the unit.")
    year = serializers.IntegerField(
        min_value=MIN_YEAR, max_value=MAX_YEAR, required=False, help_text="Only this year."
    )


# --- monthly entries ---------------------------------------------------------------------------


class EntrySerializer(serializers.Serializer):
    """A unit's own value for one indicator and month (not its subtree's)."""

    # A batch is parsed by federation.api.entries, row by row; this describes a row.
    unit = serializers.IntegerField(source="unit_id", help_text="Id of the unit.")
    indicator = IndicatorCodeField(help_text="Indicator code, e.g. new_members.")
    year = serializers.IntegerField(help_text=f"{MIN_YEAR} to {MAX_YEAR}.")
    month = serializers.IntegerField(help_text="1 to 12.")
    value = serializers.IntegerField(help_text=f"A whole number from 0 to {MAX_VALUE:,}.")


class EntryBatchSerializer(serializers.Serializer):
    """Monthly values to save, all or nothing."""

    entries = EntrySerializer(many=True, help_text="At most 10,000 rows; all or nothing.")


class SavedSerializer(serializers.Serializer):
    """The batch was saved."""

    saved = serializers.IntegerField(help_text="How many rows were saved.")
    warnings = ErrorSerializer(
        many=True,
        required=False,
        help_text=(
            "Values saved that a check warns about (a validation rule of importance warning, an "
            "outlier), flagged for follow-up; absent when there are none."
        ),
    )


# --- progress ----------------------------------------------------------------------------------


class ProgressQuerySerializer(serializers.Serializer):
    """The query of a progress request."""

    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    period = serializers.ChoiceField(choices=Period.choices, default=Period.YEAR)
    through_month = serializers.IntegerField(
        min_value=1,
        max_value=12,
        required=False,
        help_text="Cuts the period off after this month, which must lie inside it.",
    )


class IndicatorProgressSerializer(serializers.Serializer):
    """One indicator's actual figure against its target."""

    indicator = serializers.CharField(source="indicator.code")
    actual = serializers.IntegerField(
        help_text="The unit's own entries plus its whole subtree's, over the period's months."
    )
    target = serializers.IntegerField(
        allow_null=True, help_text="The period's target, else the year's, else null."
    )
    target_period = serializers.ChoiceField(
        choices=Period.choices, allow_null=True, help_text="Which target `target` is."
    )
    percent = serializers.FloatField(
        allow_null=True, help_text="actual / target × 100, rounded half up to one decimal."
    )
    forecast = serializers.IntegerField(
        source="forecast.value",
        allow_null=True,
        help_text=(
            "The projected year-end value from the figures through the period's last month that "
            "is over (or `through_month`) and last year's monthly profile; a straight line "
            "without history; a stock's latest value. Null before any month of the year is over."
        ),
    )
    forecast_low = serializers.IntegerField(
        source="forecast.low",
        allow_null=True,
        help_text="The lowest projection of the last years' profiles; null with fewer than two.",
    )
    forecast_high = serializers.IntegerField(
        source="forecast.high",
        allow_null=True,
        help_text="The highest projection of the last years' profiles; null with fewer than two.",
    )

    def to_representation(self, row):
        data = super().to_representation(row)
        data["percent"] = None if row.percent is None else float(row.percent)
        return data


class ProgressSerializer(serializers.Serializer):
    """A unit's progress over a year or half-year, optionally cut off after a month."""

    unit = serializers.IntegerField()
    year = serializers.IntegerField()
    period = serializers.ChoiceField(choices=Period.choices)
    through_month = serializers.IntegerField(allow_null=True)
    indicators = IndicatorProgressSerializer(many=True)
