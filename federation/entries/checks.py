"""The checks every save applies to the values it writes, whichever door they came by.

- A plausible ceiling per indicator (Indicator.plausible_max): past it a value is refused.
- The validation rules kept as data (ValidationRule, DHIS2's): an expression over the unit's
  month, its last month and its registers; an error refuses the value, a warning asks a person
  to confirm it.
- Outliers by robust statistics: against the unit's own last months (a modified z-score on the
  median absolute deviation), or, with too little history, against its peers under the same
  parent per worker; never for a gap under the indicator's floor (Indicator.outlier_floor), so
  small counts are left alone.

Each finding says why in Vietnamese. services.entries_save runs them inside its transaction.
The Excel preview runs them before, to show what the confirmation will accept, and keeps what
they read (`check` returns it with the findings): its save reads that again and takes the
preview's findings when nothing changed (`unchanged_since`), instead of checking 150.000 values
twice.
"""

import functools
import operator
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from ..expressions import Expression, Operand, parse
from ..formatting import vn_number
from ..models import (
    Aggregation,
    FindingKind,
    Importance,
    Indicator,
    MonthlyEntry,
    Operator,
    RuleScope,
    Unit,
    ValidationRule,
)
from ..months import Month, previous_month
from .selectors import registry_suggestions

HISTORY_MONTHS = 12
MIN_HISTORY = 6  # months of the unit's own values before they are its yardstick
MIN_PEERS = 5
Z_LIMIT = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
CEILING = "ceiling"  # the kind of a finding past Indicator.plausible_max

Key = tuple[int, int, int, int]  # (unit id, indicator id, year, month)
# Where a rule's operand is read (_Context._source).
_THIS_MONTH, _LAST_MONTH, _ROSTER, _REGISTER, _NOWHERE = "this", "last", "roster", "unit", ""
# The unit's own registers of the rules' language, by the field that holds each.
_UNIT_REGISTERS = {"workforce": "workforce_total", "workforce_female": "workforce_female"}
# The roster's registers of the rules' language, each by the figure the roster suggests for it.
ROSTER = {
    "roster_members": "total_members",
    "roster_admitted": "new_members",
    "roster_left": "members_left",
}


@dataclass(frozen=True)
class Finding:
    row: int  # the index of the row it is about
    importance: str  # an Importance
    kind: str  # a FindingKind, or CEILING
    message: str
    rule: ValidationRule | None = None

    @property
    def is_error(self) -> bool:
        return self.importance == Importance.ERROR


@dataclass(frozen=True)
class Usual:
    """What a unit (or its peers) usually reports, when a value stands out from it."""

    median: float
    low: float
    high: float


def unusual(value: float, usual: Sequence[float], floor: float, both_ways: bool) -> Usual | None:
    """The usual range when `value` is an outlier of `usual`, else None.

    An outlier lies more than Z_LIMIT robust deviations from the median (modified z-score:
    0,6745 × gap / median absolute deviation), more than `floor` from it in absolute terms, and
    outside what the series already holds; a series that never varies makes any gap past the
    floor an outlier. Only above the usual unless `both_ways` (a stock may fall as suspiciously
    as it rises).
    """
    median = statistics.median(usual)
    gap = value - median
    if abs(gap) <= floor or (gap < 0 and not both_ways):
        return None
    if min(usual) <= value <= max(usual):  # reported before: not unusual for this unit
        return None
    spread = statistics.median(abs(other - median) for other in usual)
    if spread and 0.6745 * abs(gap) / spread <= Z_LIMIT:
        return None
    return Usual(median, min(usual), max(usual))


@dataclass(frozen=True)
class Checked:
    """The findings on a batch, with everything they were read from (`unchanged_since`)."""

    findings: list[Finding]
    rows: tuple  # the rows checked, as given
    read: "_Read | None"  # None: no value was left to look at past the ceilings


Rosters = Mapping[Month, Mapping[int, Mapping[str, int]]]


def findings_for(rows: Sequence, *, rosters: Rosters | None = None) -> list[Finding]:
    """Every finding on the rows (services.EntryRow) that write a value: a constant number of
    queries whatever their number (one more a month when a rule reads the roster, unless
    `rosters` holds what the registers say of every unit of the batch in that month, by unit
    id, as the entry grid has read for its suggestions). Rules and outliers are not looked for
    on a value refused by its ceiling."""
    return check(rows, rosters=rosters).findings


def check(rows: Sequence, *, rosters: Rosters | None = None) -> Checked:
    """findings_for, keeping what the findings were read from."""
    over = [
        i
        for i, row in enumerate(rows)
        if row.value is not None
        and (ceiling := row.indicator.plausible_max) is not None
        and row.value > ceiling
    ]
    found = [_ceiling(i, rows[i]) for i in over]
    refused = set(over)
    valued = [(i, row) for i, row in enumerate(rows) if row.value is not None and i not in refused]
    rows = tuple(rows)
    if not valued:
        return Checked(found, rows, None)
    context = _Context(_batch(rows), valued, rosters or {})
    found += context.rule_findings()
    refused |= {f.row for f in found if f.is_error}
    found += context.outliers(refused)
    return Checked(sorted(found, key=lambda f: f.row), rows, context.read)


def unchanged_since(checked: Checked, rows: Sequence) -> bool:
    """Whether `checked` still holds for the rows: the same batch, and the same stored values,
    rosters, peers, rules, indicators and unit registers read again now (within the caller's
    transaction). Reading costs a fraction of checking: the values are compared, not judged."""
    if not _same_batch(checked.rows, rows):
        return False
    # No value past the ceilings: nothing else was read, and a ceiling's finding is an error,
    # which no save gets past.
    return checked.read is None or checked.read == checked.read.again()


def _same_batch(checked: Sequence, rows: Sequence) -> bool:
    """Whether two batches hold the same keys and values. A save is handed the very rows its
    preview checked, immutable tuples: told by identity, without making 150.000 keys again."""
    if len(checked) != len(rows):
        return False
    return all(map(operator.is_, checked, rows)) or _batch(checked) == _batch(rows)


def _batch(rows: Sequence) -> list[tuple[Key, int | None]]:
    return [(row.key, row.value) for row in rows]


@dataclass
class _Read:
    """What the checks of a batch read besides the batch itself, compared by value; `again`
    reads the same once more."""

    indicators: list[tuple]
    rules: list[tuple]
    registers: dict[int, tuple]  # unit id → the fields of the unit a check reads
    stored: dict[Key, int]
    rosters: dict[Month, dict[int, dict[str, int]]] = field(default_factory=dict)
    peers: dict[tuple, list[tuple[int, float]]] = field(default_factory=dict)
    # How the stored values, the peers and each month's rosters (of which units) were asked for.
    query: tuple = field(default=(), compare=False)
    lacking: list = field(default_factory=list, compare=False)
    asked: dict[Month, list[Unit]] = field(default_factory=dict, compare=False)

    def again(self) -> "_Read":
        units = list(self.registers)
        return _Read(
            _fields(Indicator.objects.all()),
            _fields(_active_rules()),
            {
                pk: tuple(fields)
                for pk, *fields in Unit.objects.filter(pk__in=units).values_list(
                    "pk", *_UNIT_FIELDS
                )
            },
            _stored(*self.query),
            {when: registry_suggestions(self.asked[when], *when) for when in self.rosters},
            _peer_rates(self.lacking) if self.lacking else {},
            self.query,
            self.lacking,
            self.asked,
        )


_UNIT_FIELDS = ("kind", "path", "depth", "workforce_total", "workforce_female")


def _fields(objects: Iterable) -> list[tuple]:
    """Every stored field of each object, in the order of their ids."""
    return sorted(tuple(getattr(o, f.attname) for f in o._meta.concrete_fields) for o in objects)


def _ceiling(index: int, row) -> Finding | None:
    ceiling = row.indicator.plausible_max
    if ceiling is None or row.value <= ceiling:
        return None
    unit = row.indicator.unit_of_measure
    return Finding(
        index,
        Importance.ERROR,
        CEILING,
        f"{vn_number(row.value)} {unit} vượt mức tối đa hợp lý của một đơn vị trong một tháng "
        f"({vn_number(ceiling)} {unit}).",
    )


@dataclass(frozen=True)
class _Parsed:
    """A rule with its sides read, and the indicators of its month a finding may be about."""

    rule: ValidationRule
    left: Expression
    right: Expression
    operands: tuple[Operand, ...]
    subjects: tuple[str, ...]

    @classmethod
    def of(cls, rule: ValidationRule) -> "_Parsed":
        left, right = parse(rule.left), parse(rule.right)
        operands = tuple(left.operands + right.operands)
        return cls(rule, left, right, operands, tuple(o.name for o in operands if not o.previous))


class _Context:
    """The values the checks need for the rows' units and months, read once."""

    def __init__(
        self,
        batch: list[tuple[Key, int | None]],
        valued: list[tuple[int, object]],
        rosters: Rosters,
    ):
        self.valued = valued
        self.known_rosters = rosters
        indicators, rules = list(Indicator.objects.all()), _active_rules()
        self.indicators = {i.code: i for i in indicators}
        self.rules = [_Parsed.of(rule) for rule in rules]
        self.sources = {o: self._source(o) for rule in self.rules for o in rule.operands}
        self.units: dict[int, Unit] = {}
        self.by_month: dict[tuple[int, int, int], dict[str, int]] = defaultdict(dict)
        self.watched = []
        units, by_month, watched, stock = self.units, self.by_month, self.watched, Aggregation.LAST
        for index, row in valued:  # one pass: the rows by unit month, and those to watch
            unit, indicator = row.unit, row.indicator
            units[unit.id] = unit
            by_month[(unit.id, row.year, row.month)].setdefault(indicator.code, index)
            # An outlier check could flag it. A flow is flagged only above its usual by more
            # than its floor, and its usual is never below nought: a value within the floor
            # never is (most of a CĐCS's monthly counts), and needs no history.
            if indicator.aggregation == stock or row.value > indicator.outlier_floor:
                watched.append((index, row))
        read = (self._read_by_rules(previous=False), self._read_by_rules(previous=True))
        months = {(year, month) for _, year, month in self.by_month}
        query = (set(self.units), months, read, [row for _, row in self.watched])
        stored = _stored(*query)
        self.read = _Read(
            _fields(indicators),
            _fields(rules),
            {pk: tuple(getattr(u, name) for name in _UNIT_FIELDS) for pk, u in self.units.items()},
            stored,
            query=query,
        )
        self.values = dict(stored)
        for key, value in batch:  # the values as they will stand once saved
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value
        self.rostered: dict[Month, dict[int, dict[str, int]]] = {}

    def _read_by_rules(self, *, previous: bool) -> set[int]:
        """The indicators the active rules read, of the rows' month or of the month before."""
        month = _LAST_MONTH if previous else _THIS_MONTH
        return {what for how, what in self.sources.values() if how is month}

    # --- rules ---------------------------------------------------------------------------------

    def rule_findings(self) -> list[Finding]:
        """Each rule over every unit month of the batch at once: a column of values per term
        of its sides, instead of evaluating the rule month by month."""
        found = []
        for parsed in self.rules:
            rule = parsed.rule
            applies = {pk for pk, unit in self.units.items() if _applies(rule, unit)}
            candidates = [
                (key, subject)
                for key, rows in self.by_month.items()
                if key[0] in applies and (subject := _subject(rows, parsed.subjects)) is not None
            ]
            keys = [key for key, _ in candidates]
            left, right = self._sums(parsed.left, keys), self._sums(parsed.right, keys)
            for (_, subject), low, high in zip(candidates, left, right, strict=True):
                if low is None or high is None or _holds(rule, low, high):
                    continue
                message = rule.message.format(left=vn_number(low), right=vn_number(high))
                found.append(Finding(subject, rule.importance, FindingKind.RULE, message, rule))
        return found

    def _sums(self, expression: Expression, keys: list[tuple[int, int, int]]) -> list[int | None]:
        """An expression's value for each (unit id, year, month), None where an operand has no
        value. As Expression.value, an operand is read only while the sum before it has a value
        (a roster is read for no month that needs none)."""
        totals: list[int | None] = [0] * len(keys)
        for term in expression.terms:
            factor = term.sign * term.factor
            if term.operand is None:
                totals = [None if total is None else total + factor for total in totals]
                continue
            live = [i for i, total in enumerate(totals) if total is not None]
            read = self._operand([keys[i] for i in live], *self.sources[term.operand])
            for i, value in zip(live, read, strict=True):
                totals[i] = None if value is None else totals[i] + factor * value
        return totals

    def _operand(self, keys: list[tuple[int, int, int]], how: str, what) -> list[int | None]:
        """An operand's value for each (unit id, year, month)."""
        values = self.values
        if how is _THIS_MONTH:
            return [values.get((unit_id, what, year, month)) for unit_id, year, month in keys]
        if how is _LAST_MONTH:
            last = {when: previous_month(*when) for when in {(y, m) for _, y, m in keys}}
            return [values.get((unit_id, what, *last[y, m])) for unit_id, y, m in keys]
        if how is _ROSTER:
            return [self._roster((y, m)).get(unit_id, {}).get(what) for unit_id, y, m in keys]
        if how is _REGISTER:
            return [getattr(self.units[unit_id], what) for unit_id, _, _ in keys]
        return [None] * len(keys)

    def _source(self, operand: Operand) -> tuple[str, object]:
        """Where an operand's value is read: an entry of this month or the last, the roster, a
        field of the unit, or nowhere (a code that names no indicator)."""
        if operand.name in ROSTER:
            return _ROSTER, ROSTER[operand.name]
        if operand.is_register:
            return _REGISTER, _UNIT_REGISTERS[operand.name]
        if (indicator := self.indicators.get(operand.name)) is None:
            return _NOWHERE, None
        return (_LAST_MONTH if operand.previous else _THIS_MONTH), indicator.pk

    def _roster(self, when: Month) -> dict[int, dict[str, int]]:
        """What the member rosters say of the batch's CĐCS in the month, read on the first rule
        that asks (one query a month); a unit that keeps no roster is absent."""
        if when not in self.rostered:
            unions = [
                self.units[unit_id]
                for unit_id, year, month in self.by_month
                if (year, month) == when and self.units[unit_id].is_grassroots
            ]
            known = self.known_rosters.get(when)
            self.rostered[when] = (
                registry_suggestions(unions, *when)
                if known is None
                else {u.id: dict(known[u.id]) for u in unions if u.id in known}
            )
            self.read.rosters[when], self.read.asked[when] = self.rostered[when], unions
        return self.rostered[when]

    # --- outliers ------------------------------------------------------------------------------

    def outliers(self, refused: set[int]) -> list[Finding]:
        found, lacking = [], []
        for index, row in self.watched:
            if index in refused:
                continue
            months = self._months_before(row)
            if row.indicator.aggregation == Aggregation.LAST:
                finding = _against_its_changes(index, row, months)
            elif len(reported := [v for v in months if v is not None]) >= MIN_HISTORY:
                finding = _against_history(index, row, reported)
            else:
                finding = None
                if row.unit.workforce_total:
                    lacking.append((index, row))
            if finding:
                found.append(finding)
        if not lacking:
            return found
        self.read.lacking, self.read.peers = lacking, _peer_rates(lacking)
        return found + _against_peers(lacking, self.read.peers)

    def _months_before(self, row) -> list[int | None]:
        """The unit's own values of the HISTORY_MONTHS before the row's, the latest first."""
        unit, indicator, year, month = row.key
        values = self.values
        return [values.get((unit, indicator, *when)) for when in _months_back(year, month)]


def _subject(rows: dict[str, int], names: tuple[str, ...]) -> int | None:
    """The row a rule's finding is about: its first operand of the month among the rows."""
    for name in names:
        if name in rows:
            return rows[name]
    return None


@functools.cache
def _months_back(year: int, month: int) -> tuple[Month, ...]:
    """The HISTORY_MONTHS months before the month, the latest first."""
    months, when = [], (year, month)
    for _ in range(HISTORY_MONTHS):
        when = previous_month(*when)
        months.append(when)
    return tuple(months)


def _active_rules() -> list[ValidationRule]:
    return list(ValidationRule.objects.filter(is_active=True))


def _applies(rule: ValidationRule, unit: Unit) -> bool:
    if rule.applies_to == RuleScope.GRASSROOTS:
        return unit.is_grassroots
    if rule.applies_to == RuleScope.FEDERATIONS:
        return not unit.is_grassroots
    return True


def _holds(rule: ValidationRule, left: int, right: int) -> bool:
    slack = rule.tolerance
    match rule.operator:
        case Operator.LE:
            return left <= right + slack
        case Operator.LT:
            return left < right + slack
        case Operator.EQ:
            return abs(left - right) <= slack
        case Operator.GE:
            return left >= right - slack
        case _:  # Operator.GT
            return left > right - slack


def _stored(
    units: Iterable[int], months: set[Month], read: tuple[set[int], set[int]], watched: list
) -> dict[Key, int]:
    """The stored values the checks read, in one query: of the units' indicators the rules
    `read` (of the `months`, and of the months before), and of the `watched` rows' units and
    indicators from a year before (the history of the outliers)."""
    if not months:
        return {}
    units = set(units)
    first, last = min(months), max(months)
    this_month, last_month = read
    span = _between(first, last) & Q(indicator__in=this_month)
    span |= _between(previous_month(*first), previous_month(*last)) & Q(indicator__in=last_month)
    if watched:
        first = min((row.year, row.month) for row in watched)
        span |= _between((first[0] - 1, first[1]), last) & _pairs(watched, units)
    rows = MonthlyEntry.objects.filter(span, unit__in=units)
    return {
        (u, i, y, m): v
        for u, i, y, m, v in rows.values_list("unit_id", "indicator_id", "year", "month", "value")
    }


def _pairs(rows: list, units: set[int]) -> Q:
    """The rows' indicators, each for the units of its rows: no unit list for an indicator
    watched in all `units` (a stock always is), so that the query stays short."""
    units_of = defaultdict(set)
    for row in rows:
        units_of[row.indicator.pk].add(row.unit.pk)
    everywhere = [i for i, some in units_of.items() if some == units]
    return functools.reduce(
        operator.or_,
        (Q(indicator=i, unit__in=some) for i, some in units_of.items() if some != units),
        Q(indicator__in=everywhere),
    )


def _between(first: Month, last: Month) -> Q:
    """The months from `first` to `last`, both included."""
    if first[0] == last[0]:
        return Q(year=first[0], month__gte=first[1], month__lte=last[1])
    return (
        Q(year=first[0], month__gte=first[1])
        | Q(year__gt=first[0], year__lt=last[0])
        | Q(year=last[0], month__lte=last[1])
    )


def _against_history(index: int, row, history: list[int]) -> Finding | None:
    """A flow against its own last months: only a value above the usual is suspect."""
    indicator = row.indicator
    found = unusual(row.value, history, indicator.outlier_floor, both_ways=False)
    if found is None:
        return None
    unit, usual = indicator.unit_of_measure, f"{_n(found.low)}–{_n(found.high)}"
    message = (
        f"{vn_number(row.value)} {unit} cao gấp {_times(row.value, found.median)} lần mức "
        f"thường của đơn vị (thường {usual} {unit}/tháng)."
    )
    return Finding(index, Importance.WARNING, FindingKind.OUTLIER, message)


def _against_its_changes(index: int, row, months: list[int | None]) -> Finding | None:
    """A stock (the members' total) grows or falls month by month: its change from last month
    is held to its usual changes, not its level to its past levels."""
    changes = [
        later - earlier
        for later, earlier in zip(months, months[1:], strict=False)
        if later is not None and earlier is not None
    ]
    if months[0] is None or len(changes) < MIN_HISTORY - 1:
        return None
    change = row.value - months[0]
    found = unusual(change, changes, row.indicator.outlier_floor, both_ways=True)
    if found is None:
        return None
    unit = row.indicator.unit_of_measure
    moved = f"tăng {vn_number(change)}" if change >= 0 else f"giảm {vn_number(-change)}"
    message = (
        f"{vn_number(row.value)} {unit}: {moved} so với tháng trước, khác xa mức thay đổi "
        f"thường của đơn vị (từ {_signed(found.low)} đến {_signed(found.high)} {unit}/tháng)."
    )
    return Finding(index, Importance.WARNING, FindingKind.OUTLIER, message)


def _against_peers(rows: list[tuple[int, object]], rates: dict) -> list[Finding]:
    """Per worker against the other units under the same parent (their `rates`, _peer_rates),
    for units with little history of their own."""
    found = []
    for index, row in rows:
        peers = [r for unit_id, r in rates.get(_peer_key(row), []) if unit_id != row.unit.pk]
        if len(peers) < MIN_PEERS:
            continue
        workforce = row.unit.workforce_total
        floor = row.indicator.outlier_floor / workforce
        found_usual = unusual(row.value / workforce, peers, floor, both_ways=False)
        if found_usual:
            found.append(_peer_finding(index, row, found_usual, peers))
    return found


def _peer_key(row) -> tuple[str, int, int, int]:
    parent_path = row.unit.path[: -row.unit.steplen]
    return (parent_path, row.indicator.pk, row.year, row.month)


def _peer_rates(lacking: list[tuple[int, object]]) -> dict[tuple, list[tuple[int, float]]]:
    """What each lacking row's peers report per worker: one query for all of them."""
    rows = [row for _, row in lacking]
    wanted = {_peer_key(row) for row in rows}
    parents = {parent for parent, *_ in wanted}
    entries = (
        MonthlyEntry.objects.filter(
            unit__depth__in={row.unit.depth for row in rows},
            unit__workforce_total__gt=0,
            indicator__in={row.indicator.pk for row in rows},
            year__in={row.year for row in rows},
            month__in={row.month for row in rows},
        )
        .filter(_under_any(parents))
        .values_list(
            "unit_id",
            "unit__path",
            "unit__workforce_total",
            "indicator_id",
            "year",
            "month",
            "value",
        )
    )
    rates: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
    steplen = Unit.steplen
    for unit_id, path, workforce, indicator_id, year, month, value in entries:
        key = (path[:-steplen], indicator_id, year, month)
        if key in wanted:
            rates[key].append((unit_id, value / workforce))
    for peers in rates.values():  # in one order, whatever the query's: unchanged_since compares
        peers.sort()
    return rates


def _under_any(paths: set[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return condition


def _peer_finding(index: int, row, usual: Usual, peers: list[float]) -> Finding:
    quartiles = statistics.quantiles([rate * 100 for rate in peers], n=4)
    low, high = quartiles[0], quartiles[2]
    unit = row.indicator.unit_of_measure
    rate = row.value * 100 / row.unit.workforce_total
    message = (
        f"{vn_number(row.value)} {unit} là {_n(rate)} trên 100 lao động, cao gấp "
        f"{_times(rate, usual.median * 100)} lần các đơn vị cùng cấp "
        f"(thường {_n(low)}–{_n(high)} trên 100 lao động)."
    )
    return Finding(index, Importance.WARNING, FindingKind.PEERS, message)


def _n(number: float) -> str:
    """A figure the way a person says it: whole where it is, else one decimal."""
    rounded = round(Decimal(str(number)), 1)
    return vn_number(int(rounded) if rounded == int(rounded) else rounded)


def _signed(number: float) -> str:
    return f"+{_n(number)}" if number > 0 else _n(number)


def _times(value: float, usual: float) -> str:
    ratio = value / max(usual, 1)
    return vn_number(round(ratio)) if ratio >= 10 else _n(ratio)
