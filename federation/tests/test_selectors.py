from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Sum
from django.http import Http404

from federation import selectors, services
from federation.entries.services import EntryRow, entries_save
from federation.models import MonthlyEntry, Unit
from federation.selectors import Permission
from federation.targets.services import target_set

from .factories import GrassrootsFactory, UnitFactory, UserFactory, indicator


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


class TestPermissions:
    def test_every_permission_is_its_own_member_with_the_weakest_role_allowed(self):
        assert [(p.name, p.rank) for p in Permission] == [
            ("VIEW", 1),
            ("ENTER_DATA", 1),
            ("SET_TARGETS", 2),
            ("MANAGE", 3),
        ]

    def test_acting_on_the_children_needs_a_role_on_the_unit_or_above(
        self, tree, district_staff, district_leader, city_leader
    ):
        hoai_duc = tree["hoai_duc"]
        assert selectors.scope_for(district_leader).allows_below(hoai_duc, Permission.SET_TARGETS)
        assert selectors.scope_for(city_leader).allows_below(hoai_duc, Permission.SET_TARGETS)
        assert not selectors.scope_for(district_staff).allows_below(
            hoai_duc, Permission.SET_TARGETS
        )
        assert not selectors.scope_for(district_leader).allows_below(
            tree["city"], Permission.SET_TARGETS
        )


class TestTree:
    def test_children_of_and_below_follow_the_tree_in_order(self, tree):
        assert codes(Unit.objects.children_of(tree["city"])) == {"HD", "ML", "GD"}
        assert [u.code for u in Unit.objects.below(tree["hoai_duc"])] == ["HD01", "HD02"]
        below_city = Unit.objects.below(tree["city"])
        assert codes(below_city) == set(
            Unit.objects.exclude(code="HN").values_list("code", flat=True)
        )

    def test_a_units_ancestor_paths_run_from_the_root_to_itself(self, tree):
        hd_1 = tree["hd_1"]
        assert hd_1.ancestor_paths == [tree["city"].path, tree["hoai_duc"].path, hd_1.path]

    def test_breadcrumbs_say_which_ancestors_the_user_may_open(self, tree, district_staff):
        crumbs = selectors.breadcrumbs(district_staff, tree["hd_1"])
        assert [(unit.code, may_open) for unit, may_open in crumbs] == [
            ("HN", False),
            ("HD", True),
        ]


class TestScope:
    def test_district_staff_sees_its_subtree_and_nothing_else(self, tree, district_staff):
        assert codes(selectors.units_visible_to(district_staff)) == {"HD", "HD01", "HD02"}

    def test_city_leader_sees_the_whole_city(self, tree, city_leader):
        assert codes(selectors.units_visible_to(city_leader)) == set(
            Unit.objects.values_list("code", flat=True)
        )

    def test_superuser_sees_everything_without_roles(self, tree, superuser):
        assert selectors.units_visible_to(superuser).count() == Unit.objects.count()

    def test_a_user_without_roles_or_logged_out_sees_nothing(self, tree):
        assert not selectors.units_visible_to(UserFactory()).exists()
        assert not selectors.units_visible_to(AnonymousUser()).exists()

    def test_an_inactive_user_sees_nothing(self, tree):
        user = UserFactory(role_on=tree["city"], is_active=False)
        assert not selectors.units_visible_to(user).exists()

    def test_roles_on_two_districts_add_up(self, tree):
        user = UserFactory(role_on=tree["hoai_duc"])
        services.role_grant(user=user, unit=tree["education"], role="staff")
        assert codes(selectors.units_visible_to(user)) == {"HD", "HD01", "HD02", "GD", "GD01"}
        assert [u.code for u in selectors.top_units_for(user)] == ["HD", "GD"]

    def test_units_added_later_inside_the_subtree_are_in_scope(self, tree, district_staff):
        new = GrassrootsFactory(parent=tree["hoai_duc"], code="HD03")
        assert selectors.scope_for(district_staff).allows(new, Permission.VIEW)

    def test_leaders_set_targets_only_strictly_below_their_unit(self, tree, district_leader):
        scope = selectors.scope_for(district_leader)
        assert scope.allows(tree["hd_1"], Permission.SET_TARGETS)
        assert not scope.allows(tree["hoai_duc"], Permission.SET_TARGETS)
        assert not scope.allows(tree["ml_1"], Permission.SET_TARGETS)
        assert codes(selectors.units_where(district_leader, Permission.SET_TARGETS)) == {
            "HD01",
            "HD02",
        }

    def test_a_role_on_a_unit_or_above_it_sets_the_targets_of_all_its_children(
        self, tree, district_leader, district_staff, city_leader, superuser
    ):
        union_leader = UserFactory(role_on=tree["hd_1"], role_on__role="leader")
        for user in (district_leader, district_staff, city_leader, superuser, union_leader):
            scope = selectors.scope_for(user)
            for parent in ("city", "hoai_duc", "me_linh"):
                children = Unit.objects.get_children(tree[parent])
                each = all(scope.allows(c, Permission.SET_TARGETS) for c in children)
                assert scope.allows_below(tree[parent], Permission.SET_TARGETS) == each
        assert selectors.scope_for(district_leader).allows_below(
            tree["hoai_duc"], Permission.SET_TARGETS
        )
        assert not selectors.scope_for(union_leader).allows_below(
            tree["hoai_duc"], Permission.SET_TARGETS
        )

    def test_staff_enter_data_but_set_no_targets_and_manage_nothing(self, tree, district_staff):
        scope = selectors.scope_for(district_staff)
        assert scope.allows(tree["hd_1"], Permission.ENTER_DATA)
        assert not scope.allows(tree["hd_1"], Permission.SET_TARGETS)
        assert not selectors.units_where(district_staff, Permission.MANAGE).exists()

    def test_admins_manage_their_own_unit_and_below(self, tree):
        admin = UserFactory(role_on=tree["hoai_duc"], role_on__role="admin")
        assert codes(selectors.units_where(admin, Permission.MANAGE)) == {"HD", "HD01", "HD02"}

    def test_a_unit_outside_scope_is_a_404(self, tree, district_staff):
        assert selectors.unit_for_user_or_404(district_staff, tree["hd_1"].pk) == tree["hd_1"]
        for pk in (tree["ml_1"].pk, tree["city"].pk, 999999, "abc"):
            with pytest.raises(Http404):
                selectors.unit_for_user_or_404(district_staff, pk)

    def test_a_district_whose_code_prefixes_another_is_not_in_its_scope(self, tree):
        """Paths, not codes, decide: HD and HD2 are siblings."""
        sibling = UnitFactory(parent=tree["city"], code="HD2")
        user = UserFactory(role_on=tree["hoai_duc"])
        assert not selectors.scope_for(user).allows(sibling, Permission.VIEW)


class TestProgress:
    @pytest.fixture
    def recorded(self, tree):
        new_members = indicator("new_members")
        entries_save(
            rows=[
                EntryRow(tree["hd_1"], new_members, 2022, 1, 100),
                EntryRow(tree["hd_2"], new_members, 2022, 3, 150),
                EntryRow(tree["hoai_duc"], new_members, 2022, 5, 60),
                EntryRow(tree["hd_1"], new_members, 2022, 6, 0),
                EntryRow(tree["hd_1"], new_members, 2022, 8, 70),
                EntryRow(tree["ml_1"], new_members, 2022, 2, 999),
            ],
            user=None,
        )
        return tree

    def progress(self, unit, period, code="new_members", **kwargs):
        rows = selectors.progress_for(unit, 2022, period, **kwargs)
        return next(p for p in rows if p.indicator.code == code)

    def test_h1_without_an_h1_target_is_compared_with_the_year_target(self, recorded):
        target_set(
            unit=recorded["hoai_duc"],
            indicator=indicator("new_members"),
            year=2022,
            period="Y",
            value=512,
            user=None,
        )
        row = self.progress(recorded["hoai_duc"], "H1")
        assert (row.actual, row.target, row.target_period, row.percent) == (
            310,
            512,
            "Y",
            Decimal("60.5"),
        )

    def test_an_h1_target_wins_over_the_year_target(self, recorded):
        for period, value in (("Y", 1000), ("H1", 400)):
            target_set(
                unit=recorded["hoai_duc"],
                indicator=indicator("new_members"),
                year=2022,
                period=period,
                value=value,
                user=None,
            )
        row = self.progress(recorded["hoai_duc"], "H1")
        assert (row.target, row.target_period, row.percent) == (400, "H1", Decimal("77.5"))

    def test_without_a_target_there_is_no_percent(self, recorded):
        row = self.progress(recorded["hoai_duc"], "Y")
        assert (row.actual, row.target, row.target_period, row.percent) == (380, None, None, None)

    def test_a_cut_off_month_ends_the_period_early(self, recorded):
        assert self.progress(recorded["hoai_duc"], "H1", through_month=5).actual == 310
        assert self.progress(recorded["hoai_duc"], "H1", through_month=4).actual == 250
        assert self.progress(recorded["hoai_duc"], "H2").actual == 70

    def test_a_cut_off_month_outside_the_period_is_refused(self, recorded):
        with pytest.raises(ValueError):
            selectors.progress_for(recorded["hoai_duc"], 2022, "H2", through_month=5)

    def test_percent_rounds_half_up_to_one_decimal(self):
        assert selectors.percent_of(11, 20) == Decimal("55.0")
        assert selectors.percent_of(1, 8) == Decimal("12.5")
        assert selectors.percent_of(1, 16) == Decimal("6.3")  # 6.25 rounds up
        assert selectors.percent_of(5, 0) is None

    def test_stocks_take_the_latest_reported_month_not_a_sum(self, tree):
        total = indicator("total_members")
        entries_save(
            rows=[
                EntryRow(tree["hd_1"], total, 2022, 1, 100),
                EntryRow(tree["hd_2"], total, 2022, 1, 50),
                EntryRow(tree["hd_1"], total, 2022, 4, 110),
                EntryRow(tree["hd_2"], total, 2022, 4, 55),
            ],
            user=None,
        )
        assert self.progress(tree["hoai_duc"], "H1", code="total_members").actual == 165
        assert self.progress(tree["hoai_duc"], "H2", code="total_members").actual == 0

    def test_every_unit_equals_a_brute_force_sum_of_its_subtree(self, recorded):
        for unit in Unit.objects.all():
            brute = (
                MonthlyEntry.objects.filter(
                    unit__path__startswith=unit.path, year=2022, month__lte=6
                ).aggregate(total=Sum("value"))["total"]
                or 0
            )
            assert self.progress(unit, "H1").actual == brute

    def test_many_units_are_read_by_their_ids_and_none_reads_nothing(self, recorded):
        """The ids travel as one array (sql.AmongIds): every unit asked for, only those, and no
        unit at all is no figure rather than an error."""
        units = [recorded["hd_1"], recorded["ml_1"], recorded["hoai_duc"]]
        found = selectors.progress_for_units(units, 2022, "H1")
        assert found.keys() == {unit.pk for unit in units}
        actual = {pk: next(p.actual for p in rows if p.indicator.code == "new_members")
                  for pk, rows in found.items()}  # fmt: skip
        assert actual == {recorded["hd_1"].pk: 100, recorded["ml_1"].pk: 999,
                          recorded["hoai_duc"].pk: 310}  # fmt: skip
        assert selectors.progress_for_units([], 2022, "H1") == {}

    def test_the_root_costs_the_same_queries_as_a_leaf(self, recorded, django_assert_num_queries):
        for unit in (recorded["city"], recorded["hd_1"]):
            with django_assert_num_queries(3):
                selectors.progress_for(unit, 2022, "H1")
