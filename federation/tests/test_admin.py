"""The admin is one more door: its writes must keep the roll-up and the audit trail right."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from federation import services
from federation.entries import rollup
from federation.entries.services import EntryRow, entries_save, entry_delete, entry_upsert
from federation.models import (
    Door,
    MonthlyEntry,
    MonthlyTotal,
    Role,
    Rollup,
    Target,
    Unit,
    UnitKind,
    UnitMove,
)

from .factories import UserFactory, indicator


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def rollup_total(unit, code, year, month):
    """The unit's total as pages read it (a CĐCS's own entry, any other unit's roll-up row)."""
    row = MonthlyTotal.objects.filter(
        unit=unit, indicator__code=code, year=year, month=month
    ).first()
    return row.total if row else 0


def unit_form(unit: Unit, **changes) -> dict:
    """The change form of `unit` as a browser would post it, with `changes` applied."""
    parent = Unit.objects.get_parent(unit)
    data = {
        "parent": parent.pk if parent else "",
        "move_reason": "",
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "sector": unit.sector,
        "workforce_total": unit.workforce_total or "",
        "workforce_female": unit.workforce_female or "",
        "founded_on": "",
        "dissolved_on": "",
    }
    return data | changes


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def entries(tree):
    """New members in March 2024: 5 in HD01, 7 in HD02, 11 in ML01."""
    new_members = indicator("new_members")
    entries_save(
        rows=[
            EntryRow(tree["hd_1"], new_members, 2024, 3, 5),
            EntryRow(tree["hd_2"], new_members, 2024, 3, 7),
            EntryRow(tree["ml_1"], new_members, 2024, 3, 11),
        ],
        user=None,
    )
    return MonthlyEntry.objects.order_by("unit__code")


class TestPages:
    def test_units_are_listed_in_tree_order_indented_by_depth(self, admin_client, tree):
        page = admin_client.get(url(Unit, "changelist")).content.decode()
        names = ["LĐLĐ Thành phố Hà Nội", "LĐLĐ huyện Hoài Đức", tree["hd_1"].name]
        positions = [page.index(name) for name in names]
        assert positions == sorted(positions)
        assert f'<span style="padding-left: 4em">{tree["hd_1"].name}</span>' in page

    def test_history_pages_open_and_offer_no_revert(self, admin_client, tree):
        services.unit_update(unit=tree["hd_1"], user=None, door=Door.PAGE, name="Đổi tên")
        version = tree["hd_1"].history.first()
        assert admin_client.get(url(Unit, "history", tree["hd_1"].pk)).status_code == 200
        version_url = url(Unit, "simple_history", tree["hd_1"].pk, version.history_id)
        assert admin_client.get(version_url).status_code == 200
        assert admin_client.post(version_url, {"name": "x"}).status_code == 403

    def test_only_superusers_get_into_the_admin(self, client, tree):
        """The admin sees the whole tree; a role on a unit, even admin, does not open it."""
        staff = UserFactory(is_staff=True, role_on=tree["hoai_duc"], role_on__role="admin")
        staff.user_permissions.set(Permission.objects.filter(codename__endswith="monthlyentry"))
        client.force_login(staff)
        response = client.get(url(MonthlyEntry, "changelist"))
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


class TestUnits:
    def test_creating_a_unit_with_a_parent_places_it_under_that_parent(self, admin_client, tree):
        data = unit_form(Unit(), parent=tree["hoai_duc"].pk, code="HD03", name="CĐCS Mới")
        data |= {"kind": UnitKind.GRASSROOTS_UNION, "sector": "fdi"}

        response = admin_client.post(url(Unit, "add"), data)

        assert response.status_code == 302
        unit = Unit.objects.get(code="HD03")
        assert Unit.objects.get_parent(unit) == tree["hoai_duc"]
        assert Unit.objects.get(pk=tree["hoai_duc"].pk).numchild == 3
        assert unit.history.first().history_change_reason == Door.ADMIN

    def test_a_grassroots_union_without_parent_is_a_form_error(self, admin_client, tree):
        data = unit_form(Unit(), code="X1", name="CĐCS mồ côi", kind=UnitKind.GRASSROOTS_UNION)

        response = admin_client.post(url(Unit, "add"), data)

        assert response.status_code == 200
        assert "Công đoàn cơ sở phải thuộc một đơn vị cấp trên." in response.content.decode()
        assert not Unit.objects.filter(code="X1").exists()

    def test_editing_a_unit_records_the_admin_door(self, admin_client, tree):
        hd_1 = tree["hd_1"]

        response = admin_client.post(url(Unit, "change", hd_1.pk), unit_form(hd_1, name="Mới"))

        assert response.status_code == 302
        hd_1.refresh_from_db()
        assert hd_1.name == "Mới"
        assert Unit.objects.get_parent(hd_1) == tree["hoai_duc"]
        assert hd_1.history.first().history_change_reason == Door.ADMIN
        assert not UnitMove.objects.exists()

    def test_changing_the_parent_moves_the_subtree_and_keeps_the_rollup(
        self, admin_client, tree, entries
    ):
        hoai_duc, education = tree["hoai_duc"], tree["education"]
        data = unit_form(hoai_duc, parent=education.pk, move_reason="Sáp nhập")

        response = admin_client.post(url(Unit, "change", hoai_duc.pk), data)

        assert response.status_code == 302
        hoai_duc.refresh_from_db()
        assert Unit.objects.get_parent(hoai_duc) == education
        assert Unit.objects.get(pk=tree["hd_1"].pk).path.startswith(education.path)
        assert rollup.find_drift() == []
        assert rollup_total(education, "new_members", 2024, 3) == 12
        assert rollup_total(hoai_duc, "new_members", 2024, 3) == 12
        assert rollup_total(tree["city"], "new_members", 2024, 3) == 23
        move = UnitMove.objects.get()
        assert (move.old_parent, move.new_parent, move.reason) == (
            tree["city"],
            education,
            "Sáp nhập",
        )

    def test_a_unit_cannot_be_moved_into_its_own_subtree(self, admin_client, tree):
        city = tree["city"]
        data = unit_form(city, parent=tree["hoai_duc"].pk)

        response = admin_client.post(url(Unit, "change", city.pk), data)

        assert response.status_code == 200
        assert "parent" in response.context["adminform"].form.errors
        assert Unit.objects.get(pk=city.pk).is_root()

    def test_deleting_a_unit_with_entries_shows_the_protected_page(
        self, admin_client, tree, entries
    ):
        for unit in (tree["hd_1"], tree["hoai_duc"]):
            delete_url = url(Unit, "delete", unit.pk)
            for response in (
                admin_client.get(delete_url),
                admin_client.post(delete_url, {"post": "yes"}),
            ):
                assert response.status_code == 200
                assert "các đối tượng được bảo vệ" in response.content.decode()
        assert Unit.objects.count() == 8
        assert MonthlyEntry.objects.count() == 3

    def test_deleting_a_unit_without_entries_removes_its_subtree(self, admin_client, tree):
        """Its emptied roll-up rows and move records go with it."""
        hd_2 = tree["hd_2"]
        entry = entry_upsert(
            unit=hd_2, indicator=indicator("new_members"), year=2024, month=1, value=3, user=None
        )
        entry_delete(entry=entry, user=None)
        services.unit_move(unit=hd_2, new_parent=tree["me_linh"], user=None)
        services.unit_move(unit=hd_2, new_parent=tree["hoai_duc"], user=None)

        response = admin_client.post(url(Unit, "delete", tree["hoai_duc"].pk), {"post": "yes"})

        assert response.status_code == 302
        assert not Unit.objects.filter(code__in=["HD", "HD01", "HD02"]).exists()
        assert Unit.objects.get(pk=tree["city"].pk).numchild == 2
        assert not UnitMove.objects.exists()
        assert rollup.find_drift() == []


class TestMonthlyEntries:
    def entry_form(self, unit, **changes):
        data = {
            "unit": unit.pk,
            "indicator": indicator("new_members").pk,
            "year": 2024,
            "month": 4,
            "value": 9,
        }
        return data | changes

    def test_saving_an_entry_updates_the_rollup_of_every_ancestor(
        self, admin_client, tree, superuser
    ):
        response = admin_client.post(url(MonthlyEntry, "add"), self.entry_form(tree["hd_1"]))

        assert response.status_code == 302
        for unit in (tree["hd_1"], tree["hoai_duc"], tree["city"]):
            assert rollup_total(unit, "new_members", 2024, 4) == 9
        entry = MonthlyEntry.objects.get()
        assert entry.entered_by == superuser
        record = entry.history.first()
        assert (record.history_change_reason, record.history_user) == ("admin", superuser)

    def test_changing_an_entry_changes_the_rollup_by_the_difference(
        self, admin_client, tree, entries
    ):
        entry = entries.get(unit=tree["hd_1"])
        data = self.entry_form(tree["hd_1"], month=3, value=20)

        response = admin_client.post(url(MonthlyEntry, "change", entry.pk), data)

        assert response.status_code == 302
        assert rollup_total(tree["hoai_duc"], "new_members", 2024, 3) == 27
        assert rollup_total(tree["city"], "new_members", 2024, 3) == 38
        assert entry.history.first().history_change_reason == "admin"

    def test_editing_an_entry_cannot_change_its_key(self, admin_client, tree, entries):
        entry = entries.get(unit=tree["hd_1"])
        data = self.entry_form(tree["ml_1"], month=8, value=5)

        admin_client.post(url(MonthlyEntry, "change", entry.pk), data)

        entry.refresh_from_db()
        assert (entry.unit, entry.month, entry.value) == (tree["hd_1"], 3, 5)
        assert rollup.find_drift() == []

    @pytest.mark.parametrize(
        ("field", "changes"), [("value", {"value": -1}), ("month", {"month": 13})]
    )
    def test_an_invalid_entry_is_a_form_error_and_saves_nothing(
        self, admin_client, tree, field, changes
    ):
        response = admin_client.post(
            url(MonthlyEntry, "add"), self.entry_form(tree["hd_1"], **changes)
        )

        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
        assert not MonthlyEntry.objects.exists()
        assert not Rollup.objects.exists()

    def test_a_second_entry_for_the_same_month_is_a_form_error(self, admin_client, tree, entries):
        data = self.entry_form(tree["hd_1"], month=3, value=1)

        response = admin_client.post(url(MonthlyEntry, "add"), data)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors
        assert entries.get(unit=tree["hd_1"]).value == 5

    def test_bulk_deleting_entries_updates_the_rollup(self, admin_client, tree, entries, superuser):
        doomed = [entries.get(unit=tree["hd_1"]).pk, entries.get(unit=tree["ml_1"]).pk]
        data = {"action": "delete_selected", "_selected_action": doomed, "post": "yes"}

        response = admin_client.post(url(MonthlyEntry, "changelist"), data)

        assert response.status_code == 302
        assert list(entries.values_list("unit__code", flat=True)) == ["HD02"]
        assert rollup_total(tree["hoai_duc"], "new_members", 2024, 3) == 7
        assert rollup_total(tree["me_linh"], "new_members", 2024, 3) == 0
        assert rollup_total(tree["city"], "new_members", 2024, 3) == 7
        assert rollup.find_drift() == []
        deleted = MonthlyEntry.history.filter(history_type="-")
        assert {(r.history_change_reason, r.history_user) for r in deleted} == {
            ("admin", superuser)
        }

    def test_deleting_one_entry_updates_the_rollup(self, admin_client, tree, entries):
        entry = entries.get(unit=tree["hd_2"])

        response = admin_client.post(url(MonthlyEntry, "delete", entry.pk), {"post": "yes"})

        assert response.status_code == 302
        assert rollup_total(tree["city"], "new_members", 2024, 3) == 16
        assert rollup.find_drift() == []

    def test_an_entrys_history_page_lists_its_own_records(self, admin_client, tree, entries):
        entry = entries.get(unit=tree["hd_1"])
        entry_upsert(unit=tree["hd_1"], indicator=entry.indicator, year=2024, month=3, value=6,
                     user=None)  # fmt: skip
        # Another entry of the same unit and month, whose records must not show.
        entry_upsert(unit=tree["hd_1"], indicator=indicator("members_left"), year=2024, month=3,
                     value=1, user=None)  # fmt: skip

        response = admin_client.get(url(MonthlyEntry, "history", entry.pk))

        assert response.status_code == 200
        records = list(response.context["page_obj"].object_list)
        assert [(r.id, r.value) for r in records] == [(entry.pk, 6), (entry.pk, 5)]

    def test_a_removed_entry_has_no_history_page_in_the_admin(self, admin_client, tree, entries):
        # Deliberately: its records are on the month's history page, where it can be restored.
        entry = entries.get(unit=tree["hd_1"])
        entry_delete(entry=entry, user=None)

        assert admin_client.get(url(MonthlyEntry, "history", entry.pk)).status_code == 404

    def test_the_entry_list_stays_within_a_fixed_number_of_queries(
        self, admin_client, entries, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(12):
            assert admin_client.get(url(MonthlyEntry, "changelist")).status_code == 200


class TestTargetsAndRoles:
    def test_saving_a_target_goes_through_the_service(self, admin_client, tree, superuser):
        data = {
            "unit": tree["hd_1"].pk,
            "indicator": indicator("new_members").pk,
            "year": 2024,
            "period": "H1",
            "value": 40,
        }

        response = admin_client.post(url(Target, "add"), data)

        assert response.status_code == 302
        target = Target.objects.get()
        assert (target.value, target.set_by) == (40, superuser)
        assert target.history.first().history_change_reason == "admin"

    def test_granting_a_role_in_the_role_admin(self, admin_client, tree):
        user = UserFactory()
        data = {"user": user.pk, "unit": tree["me_linh"].pk, "role": "staff"}

        response = admin_client.post(url(Role, "add"), data)

        assert response.status_code == 302
        assert Role.objects.get(user=user).unit == tree["me_linh"]

    def test_user_admin_shows_the_users_roles(self, admin_client, district_leader):
        user_url = url(get_user_model(), "change", district_leader.pk)

        page = admin_client.get(user_url).content.decode()

        assert "Vai trò trên các đơn vị" in page
        assert "LĐLĐ huyện Hoài Đức" in page

    def test_user_admin_inline_changes_and_grants_roles(self, admin_client, tree, district_leader):
        role = Role.objects.get(user=district_leader)
        data = {
            "username": district_leader.username,
            "is_active": "on",
            "date_joined_0": "01/01/2024",
            "date_joined_1": "08:00",
            "roles-TOTAL_FORMS": 2,
            "roles-INITIAL_FORMS": 1,
            "roles-MIN_NUM_FORMS": 0,
            "roles-MAX_NUM_FORMS": 1000,
            "roles-0-id": role.pk,
            "roles-0-user": district_leader.pk,
            "roles-0-unit": tree["me_linh"].pk,
            "roles-0-role": "admin",
            "roles-1-user": district_leader.pk,
            "roles-1-unit": tree["education"].pk,
            "roles-1-role": "staff",
        }

        response = admin_client.post(url(get_user_model(), "change", district_leader.pk), data)

        assert response.status_code == 302
        roles = Role.objects.filter(user=district_leader).order_by("unit__code")
        # The first row keeps its unit: editing changes the role, not where it holds.
        assert [(r.unit.code, r.role) for r in roles] == [("GD", "staff"), ("HD", "admin")]
