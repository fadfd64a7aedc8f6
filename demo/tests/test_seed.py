import datetime
import io
import os
import statistics
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.test import RequestFactory

from demo.plan import Plan, build_plan
from demo.seed import DEMO_PASSWORD, DEMO_USERS
from federation.entries import rollup
from federation.entries.locks import month_due
from federation.entries.selectors import month_completeness
from federation.models import (
    EmulationCluster,
    MonthCompletion,
    MonthlyEntry,
    Period,
    Role,
    Rollup,
    Sector,
    Target,
    Unit,
    UnitKind,
)
from federation.months import month_bounds, previous_month
from membership import selectors, tally
from membership.models import Member
from reports.models import ReportVersion, VersionStatus

pytestmark = pytest.mark.django_db

NAMED_DISTRICTS = [
    "Mê Linh", "Ứng Hòa", "Hoài Đức", "Hoàn Kiếm", "Ba Đình", "Long Biên", "Đống Đa",
    "Nam Từ Liêm", "Chương Mỹ", "Thanh Xuân",
]  # fmt: skip
DEMO_ROLES = {
    ("admin", "HN"): "admin",
    ("lanhdao_hn", "HN"): "leader",
    ("lanhdao_hd", "HN-HD"): "leader",
    ("canbo_hd", "HN-HD"): "staff",
}
TODAY = datetime.date.today()
LAST_ENDED = previous_month(TODAY.year, TODAY.month)
# django-axes counts logins by address: every authentication names its request.
REQUEST = RequestFactory().post("/login/")


def seed_demo(months_back: int = 2) -> str:
    out = io.StringIO()
    call_command("seed_demo", months_back=months_back, stdout=out)
    return out.getvalue()


def database_figures() -> dict[str, object]:
    entries = MonthlyEntry.objects.aggregate(n=Count("id"), total=Sum("value"))
    targets = Target.objects.aggregate(n=Count("id"), total=Sum("value"))
    rollups = Rollup.objects.aggregate(n=Count("id"), total=Sum("total"), entries=Sum("entries"))
    return {
        "units": Unit.objects.count(),
        "members": Member.objects.count(),
        "roles": Role.objects.count(),
        "users": get_user_model().objects.count(),
        "entries": entries,
        "targets": targets,
        "rollup": rollups,
        "history": (
            Unit.history.count(),
            Member.history.count(),
            Target.history.count(),
            MonthlyEntry.history.count(),
            Role.history.count(),
            MonthCompletion.history.count(),
            EmulationCluster.objects.count(),
            ReportVersion.objects.count(),
        ),
    }


class TestSeededDemo:
    """These tests share one seeding, which takes seconds, rolled back after the last of them.

    Each test's own writes (a second seeding, a changed password) are rolled back after it.
    """

    @pytest.fixture(scope="class")
    def seeded(self, django_db_setup, django_db_blocker) -> Iterator[str]:
        with django_db_blocker.unblock(), transaction.atomic():
            yield seed_demo()
            transaction.set_rollback(True)

    def test_seeding_again_changes_nothing_not_even_the_audit_trail(self, seeded):
        first = database_figures()

        seed_demo()

        assert database_figures() == first
        assert first["units"] > 500
        assert first["entries"]["n"] > 1000
        assert rollup.find_drift() == []

    def test_rollup_matches_the_entries_after_seeding(self, seeded):
        assert Rollup.objects.exists()
        assert rollup.find_drift() == []

    def test_city_has_the_named_districts_the_sector_union_and_handico(self, seeded):
        city = Unit.objects.get(code="HN")
        children = {child.short_name: child for child in Unit.objects.get_children(city)}

        assert city.name == "LĐLĐ Thành phố Hà Nội"
        assert city.kind == UnitKind.PROVINCIAL_FEDERATION
        assert sum(c.kind == UnitKind.DISTRICT_FEDERATION for c in children.values()) >= 12
        for name in NAMED_DISTRICTS:
            assert children[name].kind == UnitKind.DISTRICT_FEDERATION
        assert children["Hoài Đức"].name == "LĐLĐ huyện Hoài Đức"
        assert children["Hoài Đức"].code == "HN-HD"
        assert children["Ba Đình"].name == "LĐLĐ quận Ba Đình"
        assert children["Ba Đình"].code == "HN-BD"
        handico = children["Công đoàn HANDICO"]
        assert handico.name == "Công đoàn Tổng công ty Đầu tư và Phát triển nhà Hà Nội"
        assert handico.kind == UnitKind.CORPORATION_UNION
        education = Unit.objects.get(name="Công đoàn ngành Giáo dục Hà Nội")
        assert education.kind == UnitKind.SECTOR_UNION
        assert Unit.objects.get_parent(education) == city

    def test_every_federation_under_the_city_has_20_to_60_grassroots_unions(self, seeded):
        for parent in Unit.objects.get_children(Unit.objects.get(code="HN")):
            unions = list(Unit.objects.get_children(parent))
            assert 20 <= len(unions) <= 60, parent.name
            assert {u.kind for u in unions} == {UnitKind.GRASSROOTS_UNION}
            assert all(u.code.startswith(f"{parent.code}-") for u in unions)
            assert len({u.name for u in unions}) == len(unions)

    def test_grassroots_unions_have_sector_workforce_and_founding_date(self, seeded):
        unions = Unit.objects.filter(kind=UnitKind.GRASSROOTS_UNION)

        for union in unions:
            assert union.name.startswith("Công đoàn ")
            assert union.sector in Sector.values
            assert 0 <= union.workforce_female <= union.workforce_total
            assert union.founded_on < TODAY
        for kind in ("Trường", "Bệnh viện", "Trạm Y tế"):
            named = unions.filter(name__startswith=f"Công đoàn {kind} ")
            assert set(named.values_list("sector", flat=True)) == {Sector.PUBLIC_SERVICE}
        assert set(unions.values_list("sector", flat=True)) == set(Sector.values)
        assert unions.filter(name="Công đoàn Bệnh viện Đa khoa Hoài Đức", code="HN-HD-001").exists()

    def test_members_have_full_names_cards_and_plausible_dates(self, seeded):
        members = list(Member.objects.select_related("union"))

        assert 200 <= len(members) <= 1000
        assert len({m.card_number for m in members}) == len(members)
        assert len({m.union_id for m in members}) >= 5
        for m in members:
            assert m.card_number.startswith("HN") and m.card_number[2:].isdigit()
            assert len(m.full_name.split()) >= 3
            assert 20 <= (TODAY - m.birth_date).days // 365 <= 58
            assert m.joined_on <= TODAY
            assert m.union.is_grassroots
            assert (m.left_on is None) == (m.leave_reason == "")
            if m.left_on:
                assert m.joined_on <= m.left_on <= TODAY
        assert any(m.left_on for m in members)

    def test_the_member_tally_counts_the_seeded_roster(self, seeded):
        assert tally.find_drift() == []
        roots = Unit.objects.filter(depth=1)
        assert sum(selectors.roster_counts(root).members.active for root in roots) == (
            Member.objects.filter(left_on__isnull=True).count()
        )

    def test_roster_unions_report_as_many_members_as_their_roster_holds(self, seeded):
        for union in Unit.objects.filter(members__isnull=False).distinct():
            reported = (
                MonthlyEntry.objects.filter(unit=union, indicator__code="total_members")
                .order_by("-year", "-month")
                .first()
            )
            end = month_bounds(reported.year, reported.month)[1]
            members = union.members.filter(joined_on__lte=end).exclude(left_on__lte=end)
            assert reported.value == members.count()

    def test_targets_cover_year_and_first_half_of_the_last_two_years(self, seeded):
        city_leader = get_user_model().objects.get(username="lanhdao_hn")
        city = Unit.objects.get(code="HN")
        target_units = [city, *Unit.objects.get_children(city)]

        for unit in target_units:
            periods = set(Target.objects.filter(unit=unit).values_list("year", "period"))
            assert periods == {
                (year, period) for year in (TODAY.year - 1, TODAY.year) for period in ("Y", "H1")
            }
        children_targets = Target.objects.filter(unit__depth=2)
        assert set(children_targets.values_list("set_by", flat=True)) == {city_leader.pk}
        for target in Target.objects.filter(period=Period.H1):
            year_target = Target.objects.get(
                unit=target.unit, indicator=target.indicator, year=target.year, period=Period.YEAR
            )
            assert target.value <= year_target.value

    def test_months_back_saves_only_the_most_recent_months_that_have_ended(self, seeded):
        months = set(MonthlyEntry.objects.values_list("year", "month"))
        assert months == {LAST_ENDED, previous_month(*LAST_ENDED)}

    def test_past_months_are_complete_but_the_month_due_is_half_done(self, seeded):
        earlier = previous_month(*LAST_ENDED)
        entering = Unit.objects.filter(depth__gt=1).exclude(completions__year=earlier[0])
        assert not entering.exists()
        district = Unit.objects.get(code="HN-HD")
        assert month_due(district) in (LAST_ENDED, (TODAY.year, TODAY.month))
        assert not MonthlyEntry.objects.filter(
            unit__path__startswith=district.path, year=LAST_ENDED[0], month=LAST_ENDED[1]
        ).exists()
        due = month_completeness(Unit.objects.get(code="HN"), *LAST_ENDED)
        assert 0 < due.complete < due.total

    def test_grassroots_unions_have_targets_for_new_members(self, seeded):
        unions = Unit.objects.filter(kind=UnitKind.GRASSROOTS_UNION)
        targeted = unions.filter(
            targets__indicator__code="new_members", targets__year=TODAY.year
        ).distinct()
        assert targeted.count() == unions.count()

    def test_one_emulation_cluster_and_two_report_versions_built(self, seeded):
        cluster = EmulationCluster.objects.get()
        assert cluster.owner.code == "HN" and cluster.members.count() == 5
        done = ReportVersion.objects.filter(status=VersionStatus.DONE)
        assert done.count() == 2
        assert all(version.pdf for version in done)

    def test_demo_users_have_their_roles_and_can_log_in(self, seeded, client):
        roles = {
            (r.user.username, r.unit.code): r.role
            for r in Role.objects.select_related("user", "unit")
        }
        admin = get_user_model().objects.get(username="admin")

        assert roles == DEMO_ROLES
        assert admin.is_superuser and admin.is_staff
        for username, _ in DEMO_ROLES:
            assert client.login(request=REQUEST, username=username, password=DEMO_PASSWORD)

    @pytest.mark.parametrize(
        "username, sees, does_not_see",
        [
            ("admin", ["LĐLĐ Thành phố Hà Nội"], []),
            ("lanhdao_hn", ["LĐLĐ Thành phố Hà Nội", "LĐLĐ huyện Mê Linh"], []),
            ("lanhdao_hd", ["LĐLĐ huyện Hoài Đức", "HN-HD-001"], ["LĐLĐ huyện Mê Linh"]),
            ("canbo_hd", ["LĐLĐ huyện Hoài Đức", "HN-HD-001"], ["LĐLĐ huyện Mê Linh", "HN-ML"]),
        ],
    )
    def test_home_page_shows_each_demo_role_its_own_tree(
        self, seeded, client, username, sees, does_not_see
    ):
        client.force_login(get_user_model().objects.get(username=username))
        page = client.get("/").content.decode()
        for text in sees:
            assert text in page
        for text in does_not_see:
            assert text not in page

    def test_seeding_again_resets_a_changed_demo_password(self, seeded, client):
        user = get_user_model().objects.get(username="canbo_hd")
        user.set_password("mat-khau-khac")
        user.save()

        seed_demo()

        assert client.login(request=REQUEST, username="canbo_hd", password=DEMO_PASSWORD)

    def test_output_lists_every_demo_login(self, seeded):
        lines = seeded.splitlines()
        for spec in DEMO_USERS:
            unit = Unit.objects.get(code=spec.unit_code)
            assert any(
                spec.username in line and DEMO_PASSWORD in line and unit.name in line
                for line in lines
            ), spec.username


# --- the plan, without the database ------------------------------------------------------------


def city_monthly(plan: Plan, indicator: str) -> dict[tuple[int, int], int]:
    figures: dict[tuple[int, int], int] = defaultdict(int)
    for entry in plan.entries:
        if entry.indicator == indicator:
            figures[(entry.year, entry.month)] += entry.value
    return figures


def test_the_plan_is_the_same_every_time():
    assert build_plan(TODAY) == build_plan(TODAY)


def test_admissions_dip_around_tet_and_rise_in_spring_and_autumn():
    admitted = city_monthly(build_plan(datetime.date(2025, 12, 31)), "new_members")
    for year in (2024, 2025):
        tet = admitted[(year, 1)] + admitted[(year, 2)]
        assert tet < admitted[(year, 3)] + admitted[(year, 4)]
        assert tet < admitted[(year, 9)] + admitted[(year, 10)]


def test_members_in_stock_follow_admissions_and_departures():
    plan = build_plan(TODAY)
    by_union: dict[str, dict[tuple[int, int], dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"new_members": 0, "members_left": 0})
    )
    for entry in plan.entries:
        if entry.indicator in ("new_members", "members_left", "total_members"):
            by_union[entry.unit_code][(entry.year, entry.month)][entry.indicator] = entry.value
    for months in by_union.values():
        keys = sorted(months)
        for before, after in zip(keys, keys[1:], strict=False):
            flow = months[after]
            expected = months[before]["total_members"] + flow["new_members"] - flow["members_left"]
            assert flow["total_members"] == expected


def test_last_years_targets_put_progress_between_40_and_120_percent():
    plan = build_plan(TODAY)
    last_year = TODAY.year - 1
    year_targets = {
        (t.unit_code, t.indicator): t.value
        for t in plan.targets
        if t.year == last_year and t.period == Period.YEAR and t.unit_code != "HN"
    }
    top_of = {
        union.code: parent_code for parent_code, unions in plan.unions.items() for union in unions
    }
    actual: dict[tuple[str, str], int] = defaultdict(int)
    for entry in plan.entries:
        if entry.year == last_year:
            actual[(top_of.get(entry.unit_code, entry.unit_code), entry.indicator)] += entry.value
    percents = [actual[key] * 100 / value for key, value in year_targets.items()]

    assert 55 <= statistics.median(percents) <= 95
    assert sum(40 <= p <= 120 for p in percents) >= 0.85 * len(percents)


def test_the_demo_is_refused_when_debug_is_off(tmp_path):
    """Run as a deployment would: DEBUG=0 in the environment, a database of its own."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-production-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Không tạo dữ liệu mẫu khi DEBUG=0" in result.stderr
    assert "demo12345" not in result.stdout
