"""What the demo plan is made of: the specs of grassroots unions and members, the planned
monthly entries and targets, the monthly flows of members, and the seeded random draws that every
planning module shares.

Every draw comes from `rng_for`, a generator seeded with its purpose and the unit's code, so one
unit's data never shifts another's.
"""

import datetime
import random
from dataclasses import dataclass
from typing import NamedTuple

SEED = "unionreport-demo"

Month = tuple[int, int]


# --- the parts of a plan (see plan.py) ----------------------------------------------------------


@dataclass(frozen=True)
class UnionSpec:
    code: str
    name: str
    sector: str
    workforce_total: int
    workforce_female: int
    founded_on: datetime.date


@dataclass(frozen=True)
class MemberSpec:
    union_code: str
    card_number: str
    full_name: str
    gender: str
    birth_date: datetime.date
    joined_on: datetime.date
    left_on: datetime.date | None
    leave_reason: str


class PlannedEntry(NamedTuple):
    unit_code: str
    indicator: str
    year: int
    month: int
    value: int


class PlannedTarget(NamedTuple):
    unit_code: str
    indicator: str
    year: int
    period: str
    value: int


@dataclass(frozen=True)
class Flow:
    new: int
    left: int
    total: int


# --- seeded random draws, shared by every planning module ---------------------------------------


def rng_for(*parts: object) -> random.Random:
    """A generator of its own per purpose and unit, so one unit's data never shifts another's."""
    return random.Random(":".join((SEED, *map(str, parts))))


def random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def random_count(rng: random.Random, mean: float) -> int:
    """A whole number around `mean`, rounded up or down at random so small means still add up."""
    value = mean * rng.uniform(0.6, 1.4)
    return int(value) + (rng.random() < value - int(value))


def month_end(year: int, month: int) -> datetime.date:
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)
