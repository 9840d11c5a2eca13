"""Inline SVG charts for report sections (no JavaScript needed; hover text via ``data-tip``).

Every chart is a :class:`markupsafe.Markup` fragment; all text passed in is
escaped. Sections of later capabilities should reuse these for a consistent look.

>>> svg = stacked_bars([Bar("G1", (Segment("usmca", 0.75, "#2b8a3e"), Segment("adversary", 0.25, "#c92a2a")))])
>>> svg.count("<rect"), "75.0%" in svg
(3, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from allyshore.report.formatting import percent

FONT = 12.0


@dataclass(frozen=True)
class Segment:
    """A part of a bar: a label, a value (a share for 100% bars), a colour, and optional hover text."""

    label: str
    value: float
    color: str
    tip: str = ""


@dataclass(frozen=True)
class Bar:
    """One bar: a row label, its segments in order, and an optional note shown at the right end."""

    label: str
    segments: tuple[Segment, ...]
    note: str = ""
    sublabel: str = ""


def _text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """A generous estimate of the rendered width of ``text`` in a sans-serif font."""
    return (0.64 if bold else 0.58) * size * len(text)


def _ink(color: str) -> str:
    """Black or white, whichever reads better on ``color`` (a #rrggbb colour)."""
    value = color.lstrip("#")
    if len(value) != 6:
        return "#111111"
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#111111" if luminance > 0.55 else "#ffffff"


def stacked_bars(
    bars: Sequence[Bar],
    width: float = 1150.0,
    bar_height: float = 24.0,
    gap: float = 14.0,
    total: float | None = 1.0,
    value_format: str = "percent",
    chart_id: str = "",
    label: str = "Stacked bar chart",
    note_width: float | None = None,
) -> Markup:
    """Horizontal stacked bars; ``total=1`` draws 100% bars of shares, ``None`` scales to the longest bar.

    Segments wide enough carry their value as text; every segment has hover text. Give
    several charts the same ``note_width`` (room for the notes at the right) to align their axes.
    """
    label_width = max([_text_width(b.label, FONT, bold=True) for b in bars] + [40.0]) + 14
    label_width = min(label_width, 300.0)
    if note_width is None:
        note_width = max([_text_width(b.note, 11) for b in bars] + [0.0]) + (12 if any(b.note for b in bars) else 0)
    plot = width - label_width - note_width - 8
    scale_total = total if total is not None else max([sum(s.value for s in b.segments) for b in bars] + [1e-12])
    has_sub = any(b.sublabel for b in bars)
    row = bar_height + gap + (10 if has_sub else 0)
    height = len(bars) * row + 24
    parts: list[str] = []
    ident = f' id="{escape(chart_id)}"' if chart_id else ""
    parts.append(
        f'<svg class="chart"{ident} viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">'
    )
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_width + plot * tick
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 18:.1f}" stroke="#e5e9ef" stroke-width="1"/>'
        )
        tick_text = percent(tick * scale_total, 0) if value_format == "percent" else f"{tick * scale_total:,.2f}"
        parts.append(
            f'<text x="{x:.1f}" y="{height - 4:.1f}" font-size="10.5" fill="#7b8794" text-anchor="middle">'
            f"{escape(tick_text)}</text>"
        )
    for index, bar in enumerate(bars):
        y = 6 + index * row
        text_y = y + bar_height / 2 + 4
        shown = (
            bar.label
            if _text_width(bar.label, bold=True) <= label_width - 12
            else bar.label[: int((label_width - 12) / (0.64 * FONT)) - 1] + "…"
        )
        parts.append(
            f'<text x="{label_width - 10:.1f}" y="{text_y:.1f}" font-size="{FONT}" font-weight="600" fill="#1f2933" '
            f'text-anchor="end"><title>{escape(bar.label)}</title>{escape(shown)}</text>'
        )
        if bar.sublabel:
            parts.append(
                f'<text x="{label_width - 10:.1f}" y="{text_y + 13:.1f}" font-size="10.5" fill="#5f6b7a" '
                f'text-anchor="end">{escape(bar.sublabel)}</text>'
            )
        x = label_width
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{plot:.1f}" height="{bar_height:.1f}" fill="#f3f5f8" rx="2"/>'
        )
        for segment in bar.segments:
            if segment.value <= 0:
                continue
            w = plot * segment.value / scale_total
            value_text = percent(segment.value) if value_format == "percent" else f"{segment.value:,.2f}"
            tip = segment.tip or f"{bar.label}\n{segment.label}: {value_text}"
            parts.append(
                f'<rect class="segment" x="{x:.2f}" y="{y:.1f}" width="{w:.2f}" height="{bar_height:.1f}" '
                f'fill="{escape(segment.color)}" stroke="#ffffff" stroke-width="0.8" data-tip="{escape(tip)}" '
                f'data-segment="{escape(segment.label)}"/>'
            )
            inside = f"{segment.label} {value_text}"
            if _text_width(inside, 11) + 8 < w:
                text = inside
            elif _text_width(value_text, 11) + 6 < w:
                text = value_text
            else:
                text = ""
            if text:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{text_y:.1f}" font-size="11" fill="{_ink(segment.color)}" '
                    f'text-anchor="middle" pointer-events="none">{escape(text)}</text>'
                )
            x += w
        if bar.note:
            parts.append(
                f'<text x="{label_width + plot + 8:.1f}" y="{text_y:.1f}" font-size="11" fill="#5f6b7a">'
                f"{escape(bar.note)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(entries: Sequence[tuple[str, str]]) -> Markup:
    """An HTML legend of ``(label, colour)`` swatches."""
    keys = "".join(
        f'<span class="key"><span class="swatch" style="background: {escape(color)}"></span>{escape(text)}</span>'
        for text, color in entries
    )
    return Markup(f'<div class="legend">{keys}</div>')


#: Categorical colours for charts: the "Tableau 10" scheme as published in d3-scale-chromatic (schemeTableau10), extended.
PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#8cd17d", "#d4a6c8",
)  # fmt: skip
OTHER_COLOR = "#bab0ac"
