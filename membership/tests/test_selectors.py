import calendar
import datetime
import random

import pytest
from django.core.exceptions import ValidationError

from federation.tests.factories import UserFactory
from membership import selectors, services
from membership.models import Gender, LeaveReason, Member
from membership.selectors import RosterFilter, Status

from .factories import MemberFactory

UNIONS = ("hd_1", "hd_2", "ml_1", "edu_1")
START = datetime.date(2023, 1, 1)


def random_day(rng: random.Random, after: datetime.date, before: datetime.date) -> datetime.date:
    return after + datetime.timedelta(days=rng.randint(0, (before - after).days))


def play_series(tree, seed: int, steps: int = 60) -> None:
    """Admissions, departures and transfers in a random order, all through the services."""
    rng = random.Random(seed)
    end = datetime.date(2024, 12, 31)
    for step in range(steps):
        active = list(Member.objects.filter(left_on__isnull=True).select_related("union"))
        action = rng.choice(["admit", "admit", "leave", "transfer"]) if active else "admit"
        if action == "admit":
            services.member_create(
                union=tree[rng.choice(UNIONS)],
                full_name=f"Đoàn viên {seed}-{step}",
                gender=rng.choice(Gender.values),
                joined_on=random_day(rng, START, end),
                birth_date=datetime.date(1980, 1, 1),
                card_number=f"S{seed}N{step}",
                user=None,
            )
            continue
        member = rng.choice(active)
        on = random_day(rng, member.joined_on, end)
        if action == "leave":
            reason = rng.choice([r for r in LeaveReason.values if r != LeaveReason.TRANSFERRED])
            services.member_leave(member=member, left_on=on, reason=reason, user=None)
        else:
            target = rng.choice([u for u in UNIONS if tree[u].pk != member.union_id])
            services.member_transfer(member=member, to_union=tree[target], on=on, user=None)


def brute_force(unit, start, end) -> dict[str, int]:
    members = [
        m for m in Member.objects.select_related("union") if m.union.path.startswith(unit.path)
    ]

    def active(m):
        return m.joined_on <= end and (m.left_on is None or m.left_on > end)

    def between(day):
        return day is not None and start <= day <= end

    return {
        "active": sum(active(m) for m in members),
        "women": sum(active(m) and m.gender == Gender.FEMALE for m in members),
        "admitted": sum(between(m.joined_on) for m in members),
        "left": sum(between(m.left_on) for m in members),
        "transferred_in": sum(
            between(m.joined_on) and m.transferred_from_id is not None for m in members
        ),
        "transferred_out": sum(
            between(m.left_on) and m.leave_reason == LeaveReason.TRANSFERRED for m in members
        ),
        "on_record": sum(m.joined_on <= end for m in members),
    }


# --- counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_equal_brute_force_counts_after_admissions_departures_and_transfers(tree, seed):
    play_series(tree, seed)
    assert Member.objects.filter(transferred_from__isnull=False).exists()
    assert Member.objects.exclude(leave_reason__in=["", LeaveReason.TRANSFERRED]).exists()

    periods = [
        (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)),
        (datetime.date(2024, 1, 1), datetime.date(2024, 6, 30)),
        (datetime.date(2024, 3, 1), datetime.date(2024, 3, 31)),
        (datetime.date(2020, 1, 1), datetime.date(2024, 12, 31)),
    ]
    for name in ("city", "hoai_duc", "me_linh", "education", *UNIONS):
        for start, end in periods:
            counts = selectors.member_counts(tree[name], start, end)
            assert vars(counts) == brute_force(tree[name], start, end), (name, start, end)


@pytest.mark.parametrize("seed", [4, 5])
def test_registry_suggestions_match_the_roster_month_by_month(tree, seed):
    play_series(tree, seed)

    for name in ("hoai_duc", "hd_1", "ml_1"):
        for month in range(1, 13):
            start = datetime.date(2024, month, 1)
            end = start.replace(day=calendar.monthrange(2024, month)[1])
            expected = brute_force(tree[name], start, end)
            suggestions = selectors.registry_suggestions(tree[name], 2024, month)
            if not expected["on_record"]:
                assert suggestions == {}
                continue
            assert suggestions == {
                "new_members": expected["admitted"],
                "members_left": expected["left"],
                "total_members": expected["active"],
            }


def test_a_transfer_counts_as_a_departure_and_an_admission(tree):
    member = MemberFactory(union=tree["hd_1"], joined_on=datetime.date(2020, 1, 1))
    services.member_transfer(
        member=member, to_union=tree["ml_1"], on=datetime.date(2024, 5, 10), user=None
    )

    assert selectors.registry_suggestions(tree["hd_1"], 2024, 5) == {
        "new_members": 0,
        "members_left": 1,
        "total_members": 0,
    }
    assert selectors.registry_suggestions(tree["ml_1"], 2024, 5) == {
        "new_members": 1,
        "members_left": 0,
        "total_members": 1,
    }
    assert selectors.registry_suggestions(tree["city"], 2024, 5)["total_members"] == 1


def test_the_first_joining_day_survives_transfers(tree):
    member = MemberFactory(union=tree["hd_1"], joined_on=datetime.date(2015, 3, 1))
    moved = services.member_transfer(
        member=member, to_union=tree["hd_2"], on=datetime.date(2020, 1, 1), user=None
    )
    moved = services.member_transfer(
        member=moved, to_union=tree["ml_1"], on=datetime.date(2023, 1, 1), user=None
    )

    assert selectors.first_joined(moved) == datetime.date(2015, 3, 1)
    assert selectors.first_joined(member) == datetime.date(2015, 3, 1)


def test_a_unit_without_a_roster_gets_no_suggestions(tree):
    assert selectors.registry_suggestions(tree["hoai_duc"], 2024, 5) == {}


def test_roster_counts_give_members_as_a_share_of_the_workforce(tree):
    # The factory gives each CĐCS 120 workers: Hoài Đức has 240.
    for _ in range(3):
        MemberFactory(union=tree["hd_1"], gender=Gender.FEMALE)
    MemberFactory(union=tree["hd_2"])

    counts = selectors.roster_counts(tree["hoai_duc"])

    assert (counts.members.active, counts.members.women, counts.workforce) == (4, 3, 240)
    assert (counts.unions, counts.unions_with_roster) == (2, 2)
    assert str(counts.share) == "1.7"
    assert str(counts.women_share) == "75.0"


def test_the_share_counts_only_the_workforce_of_unions_keeping_a_roster(tree):
    MemberFactory.create_batch(6, union=tree["hd_1"])  # hd_2 keeps no roster yet

    counts = selectors.roster_counts(tree["hoai_duc"])

    assert (counts.unions, counts.unions_with_roster, counts.workforce) == (2, 1, 120)
    assert str(counts.share) == "5.0"


def test_roster_counts_take_the_whole_year_so_far_by_default(tree):
    counts = selectors.roster_counts(tree["hd_1"])

    assert counts.start == datetime.date(counts.end.year, 1, 1)
    assert counts.members.active == 0
    assert counts.share is None  # no roster kept: no share to show


def test_the_count_queries_do_not_grow_with_the_tree(tree, django_assert_num_queries):
    for name in UNIONS:
        MemberFactory.create_batch(3, union=tree[name])

    with django_assert_num_queries(2):
        selectors.roster_counts(tree["city"])


# --- the list ----------------------------------------------------------------------------------


@pytest.fixture
def roster(tree):
    return {
        "an": MemberFactory(union=tree["hd_1"], full_name="Nguyễn Văn An", card_number="HD001"),
        "anh": MemberFactory(
            union=tree["hd_1"], full_name="Đặng Thị Ánh", gender=Gender.FEMALE, card_number="HD002"
        ),
        "binh": MemberFactory(
            union=tree["hd_2"],
            full_name="Trần Đức Bình",
            joined_on=datetime.date(2024, 2, 1),
            card_number="HD101",
        ),
        "gone": MemberFactory(
            union=tree["hd_1"],
            full_name="Lê Văn Cường",
            left_on=datetime.date(2023, 1, 1),
            leave_reason=LeaveReason.RETIRED,
            card_number="HD003",
        ),
        "elsewhere": MemberFactory(union=tree["ml_1"], full_name="Nguyễn Văn Anh"),
    }


def names(unit, **filters) -> list[str]:
    return [m.full_name for m in selectors.roster_members(unit, RosterFilter(**filters))]


@pytest.mark.parametrize("query", ["nguyen van a", "Nguyễn Văn A", "NGUYEN VAN", "văn an"])
def test_a_name_is_found_with_or_without_diacritics(tree, roster, query):
    assert names(tree["hd_1"], q=query) == ["Nguyễn Văn An"]


def test_d_with_stroke_is_searched_as_d(tree, roster):
    assert names(tree["hd_1"], q="dang thi") == ["Đặng Thị Ánh"]
    assert names(tree["hoai_duc"], q="đức") == ["Trần Đức Bình"]


def test_a_card_number_is_found_from_its_start(tree, roster):
    assert names(tree["hoai_duc"], q="hd00") == ["Đặng Thị Ánh", "Nguyễn Văn An"]
    assert names(tree["hoai_duc"], q="HD101") == ["Trần Đức Bình"]
    assert names(tree["hoai_duc"], q="D001") == []


def test_the_list_shows_current_members_in_name_order_by_default(tree, roster):
    assert names(tree["hd_1"]) == ["Đặng Thị Ánh", "Nguyễn Văn An"]


def test_the_filters_narrow_the_list(tree, roster):
    assert names(tree["hd_1"], status=Status.LEFT) == ["Lê Văn Cường"]
    assert len(names(tree["hd_1"], status=Status.ALL)) == 3
    assert names(tree["hd_1"], gender=Gender.FEMALE) == ["Đặng Thị Ánh"]
    assert names(tree["hoai_duc"], joined_from=datetime.date(2024, 1, 1)) == ["Trần Đức Bình"]
    assert names(tree["hoai_duc"], joined_to=datetime.date(2023, 12, 31)) == [
        "Đặng Thị Ánh",
        "Nguyễn Văn An",
    ]


def test_a_districts_list_covers_its_grassroots_unions_only(tree, roster):
    assert names(tree["hoai_duc"]) == ["Đặng Thị Ánh", "Nguyễn Văn An", "Trần Đức Bình"]
    assert names(tree["city"], q="nguyen van an") == ["Nguyễn Văn An", "Nguyễn Văn Anh"]


def test_a_page_holds_fifty_members_and_says_whether_personal_data_shows(
    tree, district_staff, roster
):
    MemberFactory.create_batch(60, union=tree["hd_1"])

    page = selectors.roster_page(district_staff, tree["hd_1"], RosterFilter(), 2)

    assert (page.count, page.num_pages, page.number) == (62, 2, 2)
    assert len(page.rows) == 12
    assert page.has_previous and not page.has_next
    assert all(row.shows_personal_data for row in page.rows)


@pytest.mark.parametrize(("asked", "given"), [("9", 2), ("0", 1), ("-1", 1), ("abc", 1), (None, 1)])
def test_a_page_number_out_of_range_falls_back(tree, district_staff, asked, given):
    MemberFactory.create_batch(51, union=tree["hd_1"])

    assert (
        selectors.roster_page(district_staff, tree["hd_1"], RosterFilter(), asked).number == given
    )


def test_a_long_list_is_counted_only_up_to_the_cap(tree, district_staff, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 60)
    MemberFactory.create_batch(75, union=tree["hd_1"])

    page = selectors.roster_page(district_staff, tree["hoai_duc"], RosterFilter(), 2)

    assert not page.count_is_exact and page.num_pages is None
    assert (page.shown_count, len(page.rows), page.has_next) == (60, 25, False)


# --- personal data -----------------------------------------------------------------------------


def test_personal_data_shows_only_to_users_whose_scope_covers_the_union(
    tree, district_staff, city_leader, superuser
):
    stranger = UserFactory(role_on=tree["me_linh"])

    assert selectors.personal_data_visible(district_staff, tree["hd_1"])
    assert selectors.personal_data_visible(city_leader, tree["hd_1"])
    assert selectors.personal_data_visible(superuser, tree["hd_1"])
    assert not selectors.personal_data_visible(stranger, tree["hd_1"])


def test_a_page_hides_personal_data_outside_the_users_scope(tree, roster):
    stranger = UserFactory(role_on=tree["me_linh"])

    rows = selectors.roster_page(stranger, tree["hd_1"], RosterFilter(), 1).rows

    assert rows and not any(row.shows_personal_data for row in rows)


def test_an_export_sheet_leaves_out_personal_data_outside_the_users_scope(tree, roster):
    stranger = UserFactory(role_on=tree["me_linh"])

    sheet, count = selectors.roster_sheet(stranger, tree["hd_1"], RosterFilter())
    rows = list(sheet.rows)

    assert count == 2
    assert [row[3] for row in rows] == ["", ""]  # birth date
    assert [row[5] for row in rows] == ["", ""]  # card number


def test_a_districts_export_sheet_names_each_members_union(tree, district_staff, roster):
    sheet, _ = selectors.roster_sheet(district_staff, tree["hoai_duc"], RosterFilter())
    rows = list(sheet.rows)

    assert sheet.headers[-1] == "Công đoàn cơ sở"
    assert rows[0][1:6] == ["Đặng Thị Ánh", "Nữ", "17/05/1990", "01/03/2015", "HD002"]
    assert rows[0][-1] == tree["hd_1"].name


def test_an_export_too_long_for_one_file_is_refused(tree, district_staff, roster, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_EXPORT_ROWS", 2)

    with pytest.raises(ValidationError, match="quá 2 dòng"):
        selectors.roster_sheet(district_staff, tree["hoai_duc"], RosterFilter())


# --- transfer targets --------------------------------------------------------------------------


def test_transfer_targets_are_the_other_grassroots_unions_in_scope(tree, district_staff):
    member = MemberFactory(union=tree["hd_1"])

    groups = selectors.transfer_targets(district_staff, member)

    assert [(group, [pk for pk, _ in options]) for group, options in groups] == [
        (tree["hoai_duc"].name, [tree["hd_2"].pk])
    ]
