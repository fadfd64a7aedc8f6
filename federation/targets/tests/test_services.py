import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from federation.models import Door, Target
from federation.targets.services import TargetCell, target_set, targets_save
from federation.tests.factories import UserFactory, indicator


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


class TestWhoMaySetTargets:
    """Targets are assigned by the level above: the services refuse anyone else, whatever door
    the request came by."""

    def set_by(self, user, unit):
        return target_set(
            unit=unit, indicator=indicator("new_members"), year=2026, period="Y", value=9, user=user
        )

    def test_staff_cannot_set_the_targets_of_their_grassroots_unions(self, tree, district_staff):
        with pytest.raises(PermissionDenied):
            self.set_by(district_staff, tree["hd_1"])
        assert not Target.objects.exists()

    def test_a_leader_cannot_set_the_target_of_its_own_unit(self, tree, district_leader):
        with pytest.raises(PermissionDenied):
            self.set_by(district_leader, tree["hoai_duc"])
        assert not Target.objects.exists()

    def test_a_leader_cannot_set_the_targets_of_another_district(self, tree, district_leader):
        with pytest.raises(PermissionDenied):
            self.set_by(district_leader, tree["ml_1"])
        assert not Target.objects.exists()

    def test_a_leader_above_sets_them(self, tree, district_leader, city_leader):
        self.set_by(district_leader, tree["hd_1"])
        self.set_by(city_leader, tree["hoai_duc"])
        assert Target.objects.count() == 2

    def test_a_page_is_refused_whole_even_with_nothing_to_change(self, tree, district_staff):
        with pytest.raises(PermissionDenied):
            targets_save(
                parent=tree["hoai_duc"], cells=[], year=2026, period="Y", user=district_staff,
                door=Door.PAGE,
            )  # fmt: skip

    def test_a_page_only_sets_targets_of_the_parents_children(self, tree, city_leader):
        stranger = TargetCell(tree["ml_1"], indicator("new_members"), 5)
        with pytest.raises(ValidationError, match="Không phải đơn vị trực thuộc"):
            targets_save(
                parent=tree["hoai_duc"], cells=[stranger], year=2026, period="Y",
                user=city_leader, door=Door.IMPORT,
            )  # fmt: skip
        assert not Target.objects.exists()

    def test_a_role_elsewhere_does_not_reach_a_page(self, tree):
        leader_elsewhere = UserFactory(role_on=tree["me_linh"], role_on__role="leader")
        cell = TargetCell(tree["hd_1"], indicator("new_members"), 5)
        with pytest.raises(PermissionDenied):
            targets_save(
                parent=tree["hoai_duc"], cells=[cell], year=2026, period="Y",
                user=leader_elsewhere, door=Door.PAGE,
            )  # fmt: skip
        assert not Target.objects.exists()
