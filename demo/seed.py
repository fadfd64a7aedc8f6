"""Demo data for a first run: LĐLĐ Thành phố Hà Nội with its districts, a sector union and
HANDICO, their grassroots unions, a member roster, targets, monthly entries and demo logins.

Every figure comes from a random generator seeded with the unit's code, so two runs on the same
day plan exactly the same data, and a series planned from January of last year keeps its past
months when a later run adds new ones. Writes go through the services, which leave unchanged
rows alone: running the seed again changes nothing.

This module writes the plan (see plan.py) and lists the demo logins; the unit tree is in tree.py,
the member roster in roster.py, the monthly figures and targets in figures.py.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from federation.entries.services import EntryRow, entries_save
from federation.formatting import vn_number
from federation.models import Door, Indicator, MonthlyEntry, RoleKind, Unit, UnitKind
from federation.services import role_grant, unit_create
from federation.targets.services import target_set
from membership.models import Member

from . import cycle
from .figures import TARGET_INDICATORS
from .plan import Plan, build_plan, planned_months
from .specs import MemberSpec, Month
from .tree import CITY, PARENTS

DEMO_PASSWORD = "demo12345"

Log = Callable[[str], None]


# --- writing the plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    unit_code: str
    last_name: str
    first_name: str
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", RoleKind.ADMIN, CITY.code, "Quản trị", "hệ thống", is_superuser=True),
    DemoUser("lanhdao_hn", RoleKind.LEADER, CITY.code, "Nguyễn Văn", "Thành"),
    DemoUser("lanhdao_hd", RoleKind.LEADER, "HN-HD", "Trần Thị", "Hạnh"),
    DemoUser("canbo_hd", RoleKind.STAFF, "HN-HD", "Lê Minh", "Tuấn"),
)
TARGET_SETTER = "lanhdao_hn"


def _unit_rows(plan: Plan) -> Iterator[tuple[str | None, str, dict]]:
    """(parent code, code, fields) for every unit, each parent before its children."""
    for spec, parent_code in ((CITY, None), *((p, CITY.code) for p in PARENTS)):
        fields = {"name": spec.name, "short_name": spec.short_name, "kind": spec.kind}
        yield parent_code, spec.code, fields
    for parent in PARENTS:
        for union in plan.unions[parent.code]:
            fields = {**asdict(union), "kind": UnitKind.GRASSROOTS_UNION}
            yield parent.code, fields.pop("code"), fields


def _ensure_units(plan: Plan, log: Log) -> dict[str, Unit]:
    rows = list(_unit_rows(plan))
    units = {u.code: u for u in Unit.objects.filter(code__in=[code for _, code, _ in rows])}
    found = len(units)
    for parent_code, code, fields in rows:
        if code not in units:
            parent = units[parent_code] if parent_code else None
            units[code] = unit_create(
                parent=parent, code=code, user=None, door=Door.SYSTEM, **fields
            )
    log(f"Đơn vị: {vn_number(len(units))} (tạo mới {vn_number(len(units) - found)}).")
    return units


def _ensure_members(plan: Plan, units: dict[str, Unit], log: Log) -> None:
    cards = [m.card_number for m in plan.members]
    existing = set(
        Member.objects.filter(card_number__in=cards).values_list("card_number", flat=True)
    )
    new = [_member(m, units) for m in plan.members if m.card_number not in existing]
    bulk_create_with_history(new, Member, batch_size=500, default_change_reason=Door.SYSTEM)
    unions = len({m.union_code for m in plan.members})
    total, added = vn_number(len(plan.members)), vn_number(len(new))
    log(f"Đoàn viên: {total} tại {unions} CĐCS (thêm mới {added}).")


def _member(spec: MemberSpec, units: dict[str, Unit]) -> Member:
    fields = asdict(spec)
    return Member(union=units[fields.pop("union_code")], **fields)


def _ensure_users(units: dict[str, Unit], log: Log) -> dict[str, AbstractBaseUser]:
    users = {}
    for spec in DEMO_USERS:
        user, _ = get_user_model().objects.get_or_create(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.is_superuser = user.is_staff = spec.is_superuser
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        unit = units[spec.unit_code]
        role_grant(user=user, unit=unit, role=spec.role)
        users[spec.username] = user
    log(f"Tài khoản dùng thử: {len(users)} (mật khẩu đặt lại thành {DEMO_PASSWORD}).")
    return users


def _save_targets(plan: Plan, units: dict[str, Unit], setter: AbstractBaseUser, log: Log) -> None:
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=TARGET_INDICATORS)}
    created = 0
    for t in plan.targets:
        _, is_new = target_set(
            unit=units[t.unit_code],
            indicator=indicators[t.indicator],
            year=t.year,
            period=t.period,
            value=t.value,
            user=None if t.unit_code == CITY.code else setter,
            door=Door.SYSTEM,
        )
        created += is_new
    log(f"Chỉ tiêu giao: {vn_number(len(plan.targets))} (tạo mới {vn_number(created)}).")


def saved_months(today: datetime.date, months_back: int | None) -> list[Month]:
    """The planned months that have ended, or only the last `months_back` of them: figures are
    entered after their month, never during it."""
    months = [m for m in planned_months(today) if m < (today.year, today.month)]
    return months[-months_back:] if months_back else months


def _save_entries(
    plan: Plan, units: dict[str, Unit], months: list[Month], today: datetime.date, log: Log
) -> None:
    indicators = {i.code: i for i in Indicator.objects.all()}
    rows: dict[Month, list[EntryRow]] = {month: [] for month in months}
    left = cycle.held_back(units, months[-1], today) if months else set()
    for e in plan.entries:
        if (e.year, e.month) in rows and (e.unit_code, (e.year, e.month)) not in left:
            unit, indicator = units[e.unit_code], indicators[e.indicator]
            rows[(e.year, e.month)].append(EntryRow(unit, indicator, e.year, e.month, e.value))
    before = MonthlyEntry.objects.count()
    for year in sorted({year for year, _ in months}):
        saved = sum(
            entries_save(rows=batch, user=None, door=Door.SYSTEM).count
            for (y, _), batch in rows.items()
            if y == year
        )
        count = sum(1 for y, _ in months if y == year)
        log(f"Số liệu tháng năm {year}: {count} tháng, {vn_number(saved)} dòng.")
    added = MonthlyEntry.objects.count() - before
    log(f"Số liệu tháng: thêm mới {vn_number(added)} dòng.")


def seed(
    *, today: datetime.date | None = None, months_back: int | None = None, log: Log = print
) -> None:
    """Builds the demo data; run again, it adds what is missing and changes nothing else.

    Units and members already there (by code, by card number) are left as they are; targets and
    monthly figures go through the services, which skip values that have not changed.
    """
    today = today or datetime.date.today()
    log("Đang lập kế hoạch dữ liệu mẫu…")
    plan = build_plan(today)
    with transaction.atomic():
        units = _ensure_units(plan, log)
        _ensure_members(plan, units, log)
        users = _ensure_users(units, log)
        _save_targets(plan, units, users[TARGET_SETTER], log)
        months = saved_months(today, months_back)
        _save_entries(plan, units, months, today, log)
        cycle.complete_months(units, months, today, log)
        cycle.ensure_cluster(units, users[TARGET_SETTER], log)
        cycle.ensure_report_versions(units, users["canbo_hd"], today, log)


def login_table() -> list[str]:
    """The demo logins as lines of a table, to print at the end of the seed."""
    codes = [spec.unit_code for spec in DEMO_USERS]
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [("Tên đăng nhập", "Mật khẩu", "Vai trò", "Đơn vị")]
    for spec in DEMO_USERS:
        role = RoleKind(spec.role).label + (", toàn hệ thống" if spec.is_superuser else "")
        rows.append((spec.username, DEMO_PASSWORD, role, names[spec.unit_code]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, [*widths, 0], strict=True)).rstrip()
        for row in rows
    ]
