import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from federation import services
from federation.entries import rollup
from federation.entries.services import (
    EntryRow,
    RowsInvalid,
    entries_save,
    entry_delete,
    entry_upsert,
)
from federation.models import Door, MonthlyEntry, MonthlyTotal, Role, Rollup, Target, Unit, UnitKind
from federation.targets.services import target_set

from .factories import GrassrootsFactory, UnitFactory, UserFactory, indicator


def rollup_total(unit, code, year, month):
    """The unit's total as pages read it (a CĐCS's own entry, any other unit's roll-up row)."""
    row = MonthlyTotal.objects.filter(
        unit=unit, indicator__code=code, year=year, month=month
    ).first()
    return row.total if row else 0


class TestUnits:
    def test_units_nest_to_any_depth_and_keep_their_fields(self, db):
        root = UnitFactory(kind=UnitKind.CONFEDERATION, code="TLD")
        province = UnitFactory(parent=root, kind=UnitKind.PROVINCIAL_FEDERATION, code="HN")
        # Since 2025 a CĐCS may hang directly under a provincial federation.
        cdcs = GrassrootsFactory(
            parent=province, code="HN-001", sector="fdi", workforce_total=500, workforce_female=320
        )
        cdcs.refresh_from_db()
        assert cdcs.depth == 3
        assert [u.code for u in Unit.objects.get_ancestors(cdcs)] == ["TLD", "HN"]
        assert cdcs.get_sector_display() == "Có vốn đầu tư nước ngoài (FDI)"

    def test_a_grassroots_union_cannot_have_children(self, tree):
        with pytest.raises(ValidationError) as error:
            GrassrootsFactory(parent=tree["hd_1"])
        assert "Công đoàn cơ sở không có đơn vị trực thuộc." in error.value.messages

    def test_duplicate_codes_are_refused(self, tree):
        with pytest.raises(ValidationError) as error:
            UnitFactory(parent=tree["city"], code="HD")
        assert "code" in error.value.message_dict

    def test_female_workforce_cannot_exceed_total(self, tree):
        with pytest.raises(ValidationError) as error:
            GrassrootsFactory(parent=tree["hoai_duc"], workforce_total=10, workforce_female=11)
        assert error.value.message_dict["workforce_female"] == [
            "Số lao động nữ không được lớn hơn tổng số lao động."
        ]

    def test_the_database_also_refuses_more_women_than_workers(self, tree):
        with pytest.raises(IntegrityError), transaction.atomic():
            Unit.objects.filter(pk=tree["hd_1"].pk).update(workforce_total=5, workforce_female=6)

    def test_unit_update_records_history_with_the_door(self, tree):
        user = UserFactory()
        services.unit_update(unit=tree["hd_1"], user=user, door=Door.PAGE, name="Công đoàn mới")
        last = tree["hd_1"].history.first()
        assert last.name == "Công đoàn mới"
        assert last.history_user == user
        assert last.history_change_reason == "page"

    def test_a_grassroots_union_changed_by_a_form_into_a_federation_keeps_its_totals(self, tree):
        entry_upsert(
            unit=tree["hd_1"], indicator=indicator("new_members"), year=2026, month=3, value=9,
            user=None,
        )  # fmt: skip
        unit = tree["hd_1"]
        # A model form sets the fields on the object before the service sees it.
        unit.kind, unit.sector = UnitKind.DISTRICT_FEDERATION, ""
        services.unit_update(unit=unit, user=None)
        assert Rollup.objects.filter(unit=unit).values_list("total", "entries").get() == (9, 1)
        assert rollup_total(unit, "new_members", 2026, 3) == 9
        assert rollup.find_drift() == []

        unit.kind, unit.sector = UnitKind.GRASSROOTS_UNION, "fdi"
        services.unit_update(unit=unit, user=None)
        assert not Rollup.objects.filter(unit=unit).exists()
        assert rollup_total(unit, "new_members", 2026, 3) == 9
        assert rollup.find_drift() == []

    def test_a_unit_cannot_move_into_its_own_subtree(self, tree):
        with pytest.raises(ValidationError):
            services.unit_move(unit=tree["city"], new_parent=tree["hoai_duc"], user=None)

    def test_a_unit_cannot_move_under_a_grassroots_union(self, tree):
        with pytest.raises(ValidationError):
            services.unit_move(unit=tree["me_linh"], new_parent=tree["hd_1"], user=None)

    def test_grassroots_unions_move_directly_under_the_city(self, tree):
        """The 2025 restructuring: a district is dissolved, its CĐCS go to the city."""
        code = "new_members"
        entry_upsert(
            unit=tree["hd_1"], indicator=indicator(code), year=2025, month=3, value=12, user=None
        )
        services.unit_move(unit=tree["hd_1"], new_parent=tree["city"], user=None)
        tree["hd_1"].refresh_from_db()
        assert tree["hd_1"].depth == 2
        assert rollup_total(tree["hoai_duc"], code, 2025, 3) == 0
        assert rollup_total(tree["city"], code, 2025, 3) == 12


class TestEntries:
    def test_saving_rolls_the_value_up_to_every_ancestor(self, tree):
        entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=2026,
            month=3,
            value=40,
            user=None,
        )
        for key in ("hd_1", "hoai_duc", "city"):
            assert rollup_total(tree[key], "new_members", 2026, 3) == 40
        assert rollup_total(tree["me_linh"], "new_members", 2026, 3) == 0

    def test_replacing_a_value_adds_only_the_difference(self, tree):
        for value in (40, 25):
            entry_upsert(
                unit=tree["hd_1"],
                indicator=indicator("new_members"),
                year=2026,
                month=3,
                value=value,
                user=None,
            )
        assert MonthlyEntry.objects.get().value == 25
        assert rollup_total(tree["city"], "new_members", 2026, 3) == 25

    def test_a_unit_own_entries_and_its_childrens_add_up(self, tree):
        new_members = indicator("new_members")
        entries_save(
            rows=[
                EntryRow(tree["hoai_duc"], new_members, 2026, 3, 5),
                EntryRow(tree["hd_1"], new_members, 2026, 3, 10),
                EntryRow(tree["hd_2"], new_members, 2026, 3, 20),
            ],
            user=None,
        )
        assert rollup_total(tree["hoai_duc"], "new_members", 2026, 3) == 35

    def test_a_batch_with_one_invalid_row_saves_nothing(self, tree):
        new_members = indicator("new_members")
        with pytest.raises(RowsInvalid) as invalid:
            entries_save(
                rows=[
                    EntryRow(tree["hd_1"], new_members, 2026, 3, 10),
                    EntryRow(tree["hd_2"], new_members, 2026, 13, 10),
                    EntryRow(tree["hd_2"], new_members, 2026, 4, -1),
                    EntryRow(tree["hd_2"], new_members, 2026, 5, 2.5),
                ],
                user=None,
            )
        assert [(e.row, e.field) for e in invalid.value.errors] == [
            (1, "month"),
            (2, "value"),
            (3, "value"),
        ]
        assert invalid.value.errors[0].message == "Tháng phải từ 1 đến 12."
        assert MonthlyEntry.objects.count() == 0
        assert Rollup.objects.count() == 0

    def test_the_same_key_twice_in_one_batch_is_refused(self, tree):
        new_members = indicator("new_members")
        with pytest.raises(RowsInvalid) as invalid:
            entries_save(
                rows=[
                    EntryRow(tree["hd_1"], new_members, 2026, 3, 10),
                    EntryRow(tree["hd_1"], new_members, 2026, 3, 11),
                ],
                user=None,
            )
        assert invalid.value.errors[0].row == 1
        assert MonthlyEntry.objects.count() == 0

    def test_money_in_dong_fits(self, tree):
        amount = 8_558_063_000_000
        entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("union_fees_collected"),
            year=2026,
            month=3,
            value=amount,
            user=None,
        )
        assert rollup_total(tree["city"], "union_fees_collected", 2026, 3) == amount

    def test_every_change_is_audited_with_user_old_and_new_value_and_door(self, tree, this_month):
        user = UserFactory(role_on=tree["hoai_duc"])
        year, month = this_month
        for value, door in ((40, Door.PAGE), (45, Door.API)):
            entry_upsert(
                unit=tree["hd_1"],
                indicator=indicator("new_members"),
                year=year,
                month=month,
                value=value,
                user=user,
                door=door,
            )
        history = list(MonthlyEntry.history.order_by("history_date"))
        assert [(h.value, h.history_change_reason, h.history_user) for h in history] == [
            (40, "page", user),
            (45, "api", user),
        ]
        assert history[1].prev_record.value == 40

    def test_an_unchanged_value_writes_no_history(self, tree):
        for _ in range(2):
            entry_upsert(
                unit=tree["hd_1"],
                indicator=indicator("new_members"),
                year=2026,
                month=3,
                value=40,
                user=None,
            )
        assert MonthlyEntry.history.count() == 1

    def test_deleting_takes_the_value_out_of_every_ancestor(self, tree):
        entry = entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=2026,
            month=3,
            value=40,
            user=None,
        )
        entry_delete(entry=entry, user=None)
        assert rollup_total(tree["city"], "new_members", 2026, 3) == 0
        assert MonthlyEntry.history.first().history_type == "-"

    def test_the_database_refuses_negative_values(self, tree):
        with pytest.raises(IntegrityError), transaction.atomic():
            MonthlyEntry.objects.create(
                unit=tree["hd_1"], indicator=indicator("new_members"), year=2026, month=3, value=-5
            )


class TestTargets:
    def test_setting_twice_replaces_and_says_so(self, tree, city_leader):
        first, created = target_set(
            unit=tree["hoai_duc"],
            indicator=indicator("new_members"),
            year=2026,
            period="H1",
            value=512,
            user=city_leader,
        )
        again, created_again = target_set(
            unit=tree["hoai_duc"],
            indicator=indicator("new_members"),
            year=2026,
            period="H1",
            value=600,
            user=city_leader,
        )
        assert (created, created_again) == (True, False)
        assert Target.objects.get().value == 600
        assert again.set_by == city_leader

    def test_a_new_target_writes_one_history_record_with_its_door(self, tree, city_leader):
        target_set(
            unit=tree["hoai_duc"],
            indicator=indicator("new_members"),
            year=2026,
            period="Y",
            value=512,
            user=city_leader,
            door=Door.PAGE,
        )
        record = Target.history.get()
        assert (record.value, record.history_change_reason, record.history_user) == (
            512,
            "page",
            city_leader,
        )

    @pytest.mark.parametrize(
        "field, value",
        [("period", "Q1"), ("value", -1), ("value", 10**15 + 1), ("year", 1999)],
    )
    def test_invalid_targets_are_refused(self, tree, field, value):
        values = {"year": 2026, "period": "Y", "value": 10} | {field: value}
        with pytest.raises(ValidationError) as error:
            target_set(
                unit=tree["hoai_duc"], indicator=indicator("new_members"), user=None, **values
            )
        assert field in error.value.message_dict
        assert Target.objects.count() == 0


class TestRoles:
    def test_granting_again_replaces_the_role_on_that_unit(self, tree):
        user = UserFactory(role_on=tree["hoai_duc"])
        services.role_grant(user=user, unit=tree["hoai_duc"], role="leader")
        assert list(user.roles.values_list("role", flat=True)) == ["leader"]

    def test_granting_the_same_role_again_writes_no_history(self, tree):
        user = UserFactory(role_on=tree["hoai_duc"])
        services.role_grant(user=user, unit=tree["hoai_duc"], role="staff")
        assert Role.history.count() == 1

    def test_an_unknown_role_is_refused(self, tree):
        with pytest.raises(ValidationError):
            services.role_grant(user=UserFactory(), unit=tree["hoai_duc"], role="boss")
