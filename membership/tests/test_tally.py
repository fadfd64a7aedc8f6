"""The member tally against the members it counts: after any writes, and when it drifts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import transaction
from django.db.models import F, ProtectedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation import services as unit_services
from federation.models import Unit, UnitKind
from federation.tests.factories import GrassrootsFactory, UnitFactory
from membership import selectors, services, tally
from membership.importing import read_member_rows
from membership.models import Gender, LeaveReason, Member, MemberTally, UnionTally

from .factories import MemberFactory
from .sheets import member_list
from .test_selectors import brute_force

FIRST_DAY = datetime.date(2020, 1, 1)
DAYS = 5 * 365  # members join and leave from 2020 to 2024


def day(offset: int) -> datetime.date:
    return FIRST_DAY + datetime.timedelta(days=offset % DAYS)


def pick(items: list, index: int):
    return items[index % len(items)] if items else None


# --- the property: any writes, then the tally equals a count of the members ---------------------

indexes = st.integers(0, 50)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), indexes, st.booleans(), st.integers(0, DAYS)),
        st.tuples(
            st.just("update"),
            indexes,
            st.sampled_from(["gender", "joined_on", "left_on"]),
            st.integers(0, DAYS),
        ),
        st.tuples(st.just("leave"), indexes, st.integers(0, DAYS)),
        st.tuples(st.just("transfer"), indexes, indexes, st.integers(0, DAYS)),
        st.tuples(st.just("import"), indexes, st.integers(1, 3), st.integers(0, DAYS)),
        st.tuples(st.just("delete"), indexes),
        st.tuples(st.just("move"), indexes, indexes),
        st.tuples(st.just("add_unit"), indexes, st.booleans()),
        st.tuples(st.just("rekind"), indexes),
        st.tuples(st.just("workforce"), indexes, st.integers(0, 500)),
    ),
    max_size=20,
)
months = st.tuples(st.integers(2019, 2025), st.integers(1, 12))
periods = st.lists(st.tuples(months, months), min_size=1, max_size=3)


def unions() -> list[Unit]:
    return list(Unit.objects.filter(kind=UnitKind.GRASSROOTS_UNION).order_by("path"))


def run(operation, step: int) -> None:
    tag, *args = operation
    members = list(Member.objects.select_related("union").order_by("pk"))
    active = [m for m in members if m.is_active]
    units = list(Unit.objects.order_by("path"))
    if tag == "create" and unions():
        services.member_create(
            union=pick(unions(), args[0]),
            full_name=f"Đoàn viên {step}",
            gender=Gender.FEMALE if args[1] else Gender.MALE,
            joined_on=day(args[2]),
            birth_date=datetime.date(1980, 1, 1),
            user=None,
        )
    elif tag == "update" and members:
        member, field, offset = pick(members, args[0]), args[1], args[2]
        value = {
            "gender": Gender.MALE if member.gender == Gender.FEMALE else Gender.FEMALE,
            "joined_on": day(offset),
            "left_on": day(offset) if member.left_on else None,
        }[field]
        services.member_update(member=member, user=None, **{field: value})
    elif tag == "leave" and active:
        member = pick(active, args[0])
        services.member_leave(
            member=member, left_on=day(args[1]), reason=LeaveReason.RETIRED, user=None
        )
    elif tag == "transfer" and active:
        member = pick(active, args[0])
        to_union = pick([u for u in unions() if u.pk != member.union_id], args[1])
        if to_union:
            services.member_transfer(member=member, to_union=to_union, on=day(args[2]), user=None)
    elif tag == "import" and unions():
        joined = day(args[2]).strftime("%d/%m/%Y")
        people = [
            (f"Nhập {step} {n}", "Nữ" if n % 2 else "Nam", "01/01/1985", joined, f"N{step}X{n}")
            for n in range(args[1])
        ]
        rows = read_member_rows(member_list(*people))
        services.members_import(union=pick(unions(), args[0]), rows=rows, user=None)
    elif tag == "delete" and members:
        services.member_delete(member=pick(members, args[0]), user=None)
    elif tag == "move":
        unit = pick(units, args[0])
        parents = [p for p in units if not p.is_grassroots and not p.path.startswith(unit.path)]
        if unit.depth > 1 and parents:
            unit_services.unit_move(unit=unit, new_parent=pick(parents, args[1]), user=None)
    elif tag == "add_unit":
        parent = pick([p for p in units if not p.is_grassroots], args[0])
        (GrassrootsFactory if args[1] else UnitFactory)(parent=parent)
    elif tag == "rekind":
        # A leaf becomes a CĐCS, or a CĐCS (its roster kept) becomes a district federation.
        leaf = pick([u for u in units if not u.numchild and u.depth > 1], args[0])
        if leaf:
            kind = UnitKind.DISTRICT_FEDERATION if leaf.is_grassroots else UnitKind.GRASSROOTS_UNION
            unit_services.unit_update(unit=leaf, user=None, kind=kind, sector="")
    elif tag == "workforce" and unions():
        union = pick(unions(), args[0])
        unit_services.unit_update(
            unit=union, user=None, workforce_total=args[1], workforce_female=args[1] // 2
        )


def brute_force_unions(unit: Unit) -> tuple[int, int, int | None]:
    below = [u for u in unions() if u.path.startswith(unit.path)]
    rostered = [u for u in below if Member.objects.filter(union=u).exists()]
    return len(below), len(rostered), sum(u.workforce_total or 0 for u in rostered) or None


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, periods=periods)
def test_the_tally_counts_what_the_members_say_after_any_writes(write_path, ops, periods):
    with transaction.atomic():
        root = UnitFactory(kind=UnitKind.PROVINCIAL_FEDERATION)
        district = UnitFactory(parent=root)
        first, second = GrassrootsFactory(parent=district), GrassrootsFactory(parent=district)
        GrassrootsFactory(parent=UnitFactory(parent=root, kind=UnitKind.SECTOR_UNION))
        # Every CĐCS of the district starts with members, so that every move carries some.
        MemberFactory(union=first, joined_on=datetime.date(2019, 5, 2), gender=Gender.FEMALE)
        MemberFactory(union=second, joined_on=datetime.date(2021, 7, 9))

        for step, operation in enumerate(ops):
            try:
                with transaction.atomic():
                    run(operation, step)
            except (ValidationError, ProtectedError):
                pass  # a write refused; the property must hold all the same

        for unit in Unit.objects.order_by("path"):
            for (y1, m1), (y2, m2) in periods:
                start, end = sorted([datetime.date(y1, m1, 1), datetime.date(y2, m2, 1)])
                start, end = selectors.whole_months(start, end)
                counts = selectors.member_counts(unit, start, end)
                assert vars(counts) == brute_force(unit, start, end), (unit.path, start, end)
            counts = selectors.roster_counts(unit)
            found = (counts.unions, counts.unions_with_roster, counts.workforce)
            assert found == brute_force_unions(unit), unit.path
        assert tally.find_drift() == []
        transaction.set_rollback(True)


# --- each write keeps the tally in its own transaction -----------------------------------------


def stored_tally() -> tuple[list, list]:
    return (
        list(MemberTally.objects.order_by("unit", "month").values_list()),
        list(UnionTally.objects.order_by("unit").values_list()),
    )


def test_a_refused_write_leaves_the_tally_as_it_was(tree):
    member = MemberFactory(union=tree["hd_1"], joined_on=datetime.date(2020, 5, 1))
    before = stored_tally()

    with pytest.raises(ValidationError):
        services.member_update(member=member, left_on=datetime.date(2019, 1, 1), user=None)
    with pytest.raises(ValidationError):
        services.member_transfer(
            member=member, to_union=tree["hoai_duc"], on=datetime.date(2021, 1, 1), user=None
        )
    rows = read_member_rows(member_list(("Lê Văn Sai", "Nam", "01/01/1985", "bad", "X1")))
    with pytest.raises(Exception, match="Ngày"):
        services.members_import(union=tree["hd_2"], rows=rows, user=None)

    assert stored_tally() == before


def test_a_write_failing_after_the_tally_was_written_takes_it_back(tree, monkeypatch):
    member = MemberFactory(union=tree["hd_1"], joined_on=datetime.date(2020, 5, 1))
    before = stored_tally()

    def fail(unit_ids):
        raise RuntimeError("the database went away")

    # The transfer has counted the old row's departure by the time it reaches this.
    monkeypatch.setattr(tally, "refresh_unions", fail)
    with pytest.raises(RuntimeError):
        services.member_transfer(
            member=member, to_union=tree["ml_1"], on=datetime.date(2022, 3, 4), user=None
        )

    assert stored_tally() == before
    assert Member.objects.get(pk=member.pk).is_active


def test_every_write_moves_the_counts_of_the_cdcs_and_its_ancestors(tree):
    member = MemberFactory(union=tree["hd_1"], joined_on=datetime.date(2020, 5, 1))
    in_may = (datetime.date(2020, 5, 1), datetime.date(2020, 5, 31))

    def admitted(unit, period=in_may):
        return selectors.member_counts(tree[unit], *period).admitted

    assert (admitted("hd_1"), admitted("hoai_duc"), admitted("city")) == (1, 1, 1)
    services.member_update(member=member, joined_on=datetime.date(2020, 6, 1), user=None)
    assert (admitted("hd_1"), admitted("city")) == (0, 0)
    services.member_update(member=member, gender=Gender.FEMALE, user=None)
    assert selectors.member_counts(tree["city"], *in_may).women == 0
    june = (datetime.date(2020, 6, 1), datetime.date(2020, 6, 30))
    assert selectors.member_counts(tree["city"], *june).women == 1
    moved = services.member_transfer(
        member=member, to_union=tree["ml_1"], on=datetime.date(2021, 1, 5), user=None
    )
    in_2021 = (datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    assert selectors.member_counts(tree["hoai_duc"], *in_2021).transferred_out == 1
    assert selectors.member_counts(tree["me_linh"], *in_2021).transferred_in == 1
    assert selectors.member_counts(tree["city"], *in_2021).active == 1
    services.member_delete(member=moved, user=None)
    assert selectors.member_counts(tree["me_linh"], *in_2021).active == 0
    assert selectors.roster_counts(tree["me_linh"]).unions_with_roster == 0


def test_the_tree_changes_move_the_counts(tree):
    MemberFactory.create_batch(3, union=tree["hd_1"], joined_on=datetime.date(2020, 5, 1))
    year = (datetime.date(2020, 1, 1), datetime.date(2020, 12, 31))

    unit_services.unit_move(unit=tree["hd_1"], new_parent=tree["me_linh"], user=None)
    assert selectors.member_counts(tree["hoai_duc"], *year).admitted == 0
    assert selectors.member_counts(tree["me_linh"], *year).admitted == 3
    assert selectors.member_counts(tree["city"], *year).admitted == 3
    counts = selectors.roster_counts(tree["me_linh"])
    assert (counts.unions, counts.unions_with_roster) == (2, 1)
    assert selectors.roster_counts(tree["hoai_duc"]).unions == 1

    tree["hd_1"].refresh_from_db()  # its path changed with the move
    unit_services.unit_update(unit=tree["hd_1"], workforce_total=300, user=None)
    assert selectors.roster_counts(tree["city"]).workforce == 300
    tree["hd_2"].delete()  # as the admin deletes a CĐCS without a roster
    assert selectors.roster_counts(tree["city"]).unions == 3
    assert tally.find_drift() == []


# --- the check and the rebuild -----------------------------------------------------------------


def test_the_check_finds_an_injected_drift_and_the_rebuild_repairs_it(tree, capsys):
    MemberFactory.create_batch(2, union=tree["hd_1"], joined_on=datetime.date(2020, 5, 1))
    call_command("rebuild_member_tally", "--check")
    MemberTally.objects.filter(unit=tree["hoai_duc"]).update(admitted=F("admitted") + 5)
    UnionTally.objects.filter(unit=tree["city"]).update(with_roster=9)

    with pytest.raises(CommandError, match="2 dòng"):
        call_command("rebuild_member_tally", "--check")
    out = capsys.readouterr().out
    assert f"đơn vị {tree['hoai_duc'].pk}, tháng 05/2020: admitted đang lưu 7, đúng là 2" in out
    assert f"đơn vị {tree['city'].pk}: with_roster đang lưu 9, đúng là 1" in out

    call_command("rebuild_member_tally")
    call_command("rebuild_member_tally", "--check")
    assert selectors.member_counts(tree["hoai_duc"], *[datetime.date(2020, 5, 1)] * 2).admitted == 2


def test_the_check_exits_with_an_error_code_on_drift(tree):
    MemberFactory(union=tree["hd_1"])
    MemberTally.objects.filter(unit=tree["hd_1"]).delete()

    with pytest.raises(SystemExit) as stopped:
        execute_from_command_line(["manage.py", "rebuild_member_tally", "--check"])

    assert stopped.value.code == 1
