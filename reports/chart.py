"""The report's chart, drawn as SVG markup the PDF embeds: vector lines and real text."""

import textwrap
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from federation.formatting import vn_percent

WIDTH = 640
LABEL_WIDTH = 250
BAR_LEFT = LABEL_WIDTH + 10
BAR_RIGHT = WIDTH - 60
ROW = 36
TOP = 26
BOTTOM = 14
LABEL_CHARS = 32
BAR_COLOUR = "#1f4e79"
REACHED_COLOUR = "#2e7d32"
GRID_COLOUR = "#bfbfbf"
PLAN_COLOUR = "#c00000"


@dataclass(frozen=True)
class Bar:
    label: str
    percent: Decimal


def _scale_top(bars: list[Bar]) -> int:
    """The axis end: 100% at least, then the next multiple of 25 above the longest bar."""
    longest = max((bar.percent for bar in bars), default=Decimal(100))
    return max(100, int((longest + 24) // 25 * 25))


def _x(percent: Decimal | int, top: int) -> float:
    return BAR_LEFT + float(percent) / top * (BAR_RIGHT - BAR_LEFT)


def _grid(top: int, height: int) -> list[str]:
    lines = []
    for tick in range(0, top + 1, 25 if top <= 200 else 50):
        x = _x(tick, top)
        colour, dash = (
            (PLAN_COLOUR, ' stroke-dasharray="4 3"') if tick == 100 else (GRID_COLOUR, "")
        )
        lines.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - BOTTOM}" '
            f'stroke="{colour}" stroke-width="0.8"{dash}/>'
            f'<text x="{x:.1f}" y="{TOP - 10}" font-size="11" text-anchor="middle">{tick}%</text>'
        )
    return lines


def _bar(index: int, bar: Bar, top: int) -> str:
    y = TOP + index * ROW
    lines = textwrap.wrap(bar.label, LABEL_CHARS)[:2]
    first_y = y + ROW / 2 + 4 - (len(lines) - 1) * 7.5
    label = "".join(
        f'<tspan x="{LABEL_WIDTH}" y="{first_y + i * 15:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    end = _x(min(bar.percent, Decimal(top)), top)
    colour = REACHED_COLOUR if bar.percent >= 100 else BAR_COLOUR
    return (
        f'<text font-size="14" text-anchor="end">{label}</text>'
        f'<rect x="{BAR_LEFT}" y="{y + 8}" width="{end - BAR_LEFT:.1f}" height="{ROW - 16}" '
        f'fill="{colour}"/>'
        f'<text x="{end + 4:.1f}" y="{y + ROW / 2 + 4:.1f}" font-size="13">'
        f"{vn_percent(bar.percent)}</text>"
    )


def achievement_chart(bars: list[Bar]) -> str:
    """Horizontal bars of the percent of plan achieved, with the plan (100%) marked."""
    if not bars:
        return ""
    top = _scale_top(bars)
    height = TOP + len(bars) * ROW + BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" font-family="Tinos" fill="#000">',
        *_grid(top, height),
        *(_bar(index, bar, top) for index, bar in enumerate(bars)),
        "</svg>",
    ]
    return "".join(parts)
