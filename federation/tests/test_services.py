import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from federation import services
from federation.entries import rollup
from federation.entries.services import entry_upsert
from federation.models import Door, MonthlyTotal, Role, Rollup, Unit, UnitKind

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


class TestWhoMayAddUnits:
    def add(self, parent, user, code="HD09"):
        return services.unit_create(
            parent=parent, code=code, name="CĐCS mới", kind=UnitKind.GRASSROOTS_UNION, user=user
        )

    def test_an_admin_adds_units_below_its_own(self, tree):
        admin = UserFactory(role_on=tree["hoai_duc"], role_on__role="admin")
        assert self.add(tree["hoai_duc"], admin).is_child_of(tree["hoai_duc"])

    def test_staff_leaders_and_admins_elsewhere_cannot(self, tree, district_staff, district_leader):
        admin_elsewhere = UserFactory(role_on=tree["me_linh"], role_on__role="admin")
        for user in (district_staff, district_leader, admin_elsewhere):
            with pytest.raises(PermissionDenied):
                self.add(tree["hoai_duc"], user)
        assert not Unit.objects.filter(code="HD09").exists()

    def test_only_a_superuser_adds_a_root(self, tree, superuser):
        city_admin = UserFactory(role_on=tree["city"], role_on__role="admin")
        with pytest.raises(PermissionDenied):
            services.unit_create(
                parent=None, code="HP", name="LĐLĐ Hải Phòng", kind="provincial_federation",
                user=city_admin,
            )  # fmt: skip
        root = services.unit_create(
            parent=None, code="HP", name="LĐLĐ Hải Phòng", kind="provincial_federation",
            user=superuser,
        )  # fmt: skip
        assert root.is_root()


class TestUnitCodes:
    """A code names the unit in file names and downloads: letters, digits, "-", "_", "." only."""

    @pytest.mark.parametrize("code", ["HD\r\nX", 'HD"01', "../../x", "..", "HD 01", "Hà-01", ""])
    def test_a_code_with_other_characters_is_refused(self, tree, code):
        with pytest.raises(ValidationError) as refused:
            services.unit_create(
                parent=tree["hoai_duc"], code=code, name="CĐCS", kind="grassroots_union", user=None
            )
        assert "code" in refused.value.message_dict
        assert not Unit.objects.filter(name="CĐCS").exists()

    @pytest.mark.parametrize("code", ["HD-01", "HD_01.a", "0123", "hn.hd.001"])
    def test_letters_digits_dashes_underscores_and_dots_are_accepted(self, tree, code):
        unit = services.unit_create(
            parent=tree["hoai_duc"], code=code, name="CĐCS", kind="grassroots_union", user=None
        )
        assert unit.code == code

    def test_the_migration_names_the_codes_it_would_now_refuse(self, tree, capsys):
        migration = importlib.import_module("federation.migrations.0008_unit_code_characters")
        Unit.objects.filter(pk=tree["hd_1"].pk).update(code="HD 01")
        migration.report_codes_now_refused(django_apps, None)
        printed = capsys.readouterr().out
        assert "Cần đổi 1 mã đơn vị" in printed
        assert "'HD 01'" in printed

    @pytest.mark.parametrize(
        ("stored", "in_files"),
        [("HD-01", "HD-01"), ("HD\r\n01", "HD--01"), ('H"D', "H-D"), ("../../x", "-..-x")],
    )
    def test_a_code_stored_before_the_rule_is_made_safe_in_file_names(self, tree, stored, in_files):
        Unit.objects.filter(pk=tree["hd_1"].pk).update(code=stored)
        tree["hd_1"].refresh_from_db()
        assert tree["hd_1"].file_code == in_files
