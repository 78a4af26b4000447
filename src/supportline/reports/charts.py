"""Small server-rendered SVG charts (issue 16 §2): bars and lines drawn from a report table.

Every chart is a picture of one table that the page prints beside it (the table is the
accessible form); the SVG carries a <title> and <desc>, draws in the page's text colour and
prints on paper. Text is escaped; no script, no external resources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 220
LEFT = 40
BOTTOM = 40
TOP = 16
RIGHT = 12


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``position`` (in bars, from the left edge), e.g. a level's target."""

    position: float
    label: str


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _frame(title: str, desc: str, body: list[str]) -> SafeString:
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="currentColor"/>',
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _label_step(count: int) -> int:
    return max(1, -(-count // 16))


def bar_chart(
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[object],
    *,
    markers: Sequence[Marker] = (),
    maximum: float | None = None,
) -> SafeString:
    numbers = [_number(v) for v in values]
    top = maximum or max(numbers, default=0) or 1
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - BOTTOM - TOP
    n = max(len(numbers), 1)
    slot = plot_w / n
    body = [
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(_fmt(top))}</text>',
        f'<text x="{LEFT - 4}" y="{HEIGHT - BOTTOM}" text-anchor="end">0</text>',
    ]
    step = _label_step(n)
    for i, (label, value) in enumerate(zip(labels, numbers, strict=False)):
        h = plot_h * value / top
        x = LEFT + i * slot
        body.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
            f'width="{slot * 0.8:.1f}" height="{h:.1f}" fill="#4a78b5">'
            f"<title>{escape(label)}: {escape(_fmt(value))}</title></rect>"
        )
        if i % step == 0:
            body.append(
                f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for k, marker in enumerate(markers):
        x = LEFT + marker.position * slot
        body.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="#c0392b" stroke-dasharray="4 3"/>'
            f'<text x="{x + 3:.1f}" y="{TOP + 10 + 12 * k}" fill="#c0392b">'
            f"{escape(marker.label)}</text>"
        )
    return _frame(title, desc, body)


def line_chart(
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[object]]],
    *,
    maximum: float = 100,
) -> SafeString:
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - BOTTOM - TOP
    n = max(len(labels), 1)
    slot = plot_w / n
    colours = ("#4a78b5", "#2e8b57", "#c0392b")
    body = [
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(_fmt(maximum))}</text>',
        f'<text x="{LEFT - 4}" y="{HEIGHT - BOTTOM}" text-anchor="end">0</text>',
    ]
    step = _label_step(n)
    for i, label in enumerate(labels):
        if i % step == 0:
            body.append(
                f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for k, (name, values) in enumerate(series):
        colour = colours[k % len(colours)]
        points = [
            (LEFT + i * slot + slot / 2, HEIGHT - BOTTOM - plot_h * _number(v) / maximum)
            for i, v in enumerate(values)
            if v is not None
        ]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            body.extend(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points
            )
        body.append(
            f'<text x="{LEFT + 8 + 200 * k}" y="{HEIGHT - 6}" fill="{colour}">{escape(name)}</text>'
        )
    return _frame(title, desc, body)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
