"""The small language of validation rules: a sum of terms over one unit's month.

    members_left <= total_members[-1] + new_members
    support_amount <= 5000000 * support_visits

A term is a whole number, an operand, or a whole number times an operand. An operand is an
indicator's code (the unit's own value this month), the same with `[-1]` (last month's), or a
register of the unit (REGISTERS): its workforce, and what the member roster of a CĐCS that
keeps one says of the month. Nothing is evaluated by Python's own parser: rules are data an
administrator types.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

REGISTERS = {
    "workforce": "tổng số lao động",
    "workforce_female": "lao động nữ",
    "roster_members": "đoàn viên trong danh sách cuối tháng",
    "roster_admitted": "đoàn viên vào danh sách trong tháng",
    "roster_left": "đoàn viên ra khỏi danh sách trong tháng",
}
_TOKEN = re.compile(r"\s*(?:(\d+)|([a-z][a-z0-9_]*)(\[-1\])?|([+\-*]))")


class ExpressionError(ValueError):
    """An expression that cannot be read, with the reason in Vietnamese."""


@dataclass(frozen=True)
class Operand:
    name: str  # an indicator code, or one of REGISTERS
    previous: bool = False  # last month's value of the indicator

    @property
    def is_register(self) -> bool:
        return self.name in REGISTERS


@dataclass(frozen=True)
class Term:
    sign: int
    factor: int
    operand: Operand | None  # None: the term is the number `factor` alone


@dataclass(frozen=True)
class Expression:
    terms: tuple[Term, ...]

    @property
    def operands(self) -> list[Operand]:
        return [term.operand for term in self.terms if term.operand is not None]

    def value(self, lookup: Callable[[Operand], int | None]) -> int | None:
        """The sum, or None when an operand has no value (the rule is then not checked)."""
        total = 0
        for term in self.terms:
            found = 1 if term.operand is None else lookup(term.operand)
            if found is None:
                return None
            total += term.sign * term.factor * found
        return total


def parse(text: str) -> Expression:
    """Reads an expression; ExpressionError says what is wrong in it."""
    tokens = _tokens(text)
    terms, sign, position = [], 1, 0
    while position < len(tokens):
        term, position = _term(tokens, position, sign)
        terms.append(term)
        if position == len(tokens):
            break
        if tokens[position] not in ("+", "-"):
            raise ExpressionError(f"Thiếu dấu + hoặc - trước “{_shown(tokens[position])}”.")
        sign = 1 if tokens[position] == "+" else -1
        position += 1
        if position == len(tokens):
            raise ExpressionError("Biểu thức kết thúc bằng một dấu.")
    if not terms:
        raise ExpressionError("Biểu thức trống.")
    return Expression(tuple(terms))


def _tokens(text: str) -> list[str | int | Operand]:
    tokens: list[str | int | Operand] = []
    position, text = 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"Không đọc được “{text[position : position + 12]}”.")
        number, name, previous, sign = match.groups()
        if number is not None:
            tokens.append(int(number))
        elif name is not None:
            if previous and name in REGISTERS:
                raise ExpressionError(f"“{name}” không có số liệu tháng trước.")
            tokens.append(Operand(name, previous=bool(previous)))
        else:
            tokens.append(sign)
        position = match.end()
    return tokens


def _term(tokens: list, position: int, sign: int) -> tuple[Term, int]:
    first = tokens[position]
    if isinstance(first, Operand):
        return Term(sign, 1, first), position + 1
    if not isinstance(first, int):
        raise ExpressionError(f"Cần một số hoặc một chỉ tiêu, không phải “{_shown(first)}”.")
    if position + 1 < len(tokens) and tokens[position + 1] == "*":
        operand = tokens[position + 2] if position + 2 < len(tokens) else None
        if not isinstance(operand, Operand):
            raise ExpressionError("Sau dấu * cần một chỉ tiêu.")
        return Term(sign, first, operand), position + 3
    return Term(sign, first, None), position + 1


def _shown(token: str | int | Operand) -> str:
    if isinstance(token, Operand):
        return f"{token.name}[-1]" if token.previous else token.name
    return str(token)
