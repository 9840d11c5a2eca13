"""Inline SVG charts for report sections (no JavaScript needed; hover text via ``data-tip``).

Every chart is a :class:`markupsafe.Markup` fragment; all text passed in is
escaped. Sections of later capabilities should reuse these for a consistent look.

>>> svg = stacked_bars([Bar("G1", (Segment("usmca", 0.75, "#2b8a3e"), Segment("adversary", 0.25, "#c92a2a")))])
>>> svg.count("<rect"), "75.0%" in svg
(3, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from reportlab.pdfbase.pdfmetrics import stringWidth

from allyshore.report.formatting import percent, usd, usd_tick

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


#: The report's fonts (Inter, Segoe UI, the system sans-serif) run up to about 10% wider than Helvetica, whose
#: metrics reportlab ships; label room is measured in Helvetica and widened by this much.
_FONT_ALLOWANCE = 1.1


def _text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """A generous width of ``text`` as rendered: Helvetica's glyph widths (Adobe's font metrics, as reportlab
    ships them) plus :data:`_FONT_ALLOWANCE`, so capitals and wide glyphs get their room ("MECH" is wider than
    "pump").

    >>> _text_width("MECH") > _text_width("pump") > _text_width("iiii")
    True
    """
    return _FONT_ALLOWANCE * stringWidth(text, "Helvetica-Bold" if bold else "Helvetica", size)


def ink(color: str) -> str:
    """Black or white, whichever contrasts more with ``color`` (a #rrggbb colour), by the WCAG 2 relative
    luminance and contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance): the better of the two
    is at least 4.58:1 on any colour, above the 4.5:1 that small text needs.

    #2c7fb8: relative luminance 0.2126*0.0252 + 0.7152*0.2122 + 0.0722*0.4793 = 0.1917; black 0.2417/0.05 = 4.83,
    white 1.05/0.2417 = 4.34, so black:

    >>> ink("#2c7fb8"), ink("#1f4e79"), ink("#fdae61"), ink("#d7301f")
    ('#000000', '#ffffff', '#000000', '#ffffff')
    """
    value = color.lstrip("#")
    if len(value) != 6:
        return "#000000"

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(value[i : i + 2], 16) / 255) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    black = (luminance + 0.05) / 0.05
    white = 1.05 / (luminance + 0.05)
    return "#000000" if black >= white else "#ffffff"


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
    if total is not None:
        scale_total, ticks = total, [total * t for t in (0, 0.25, 0.5, 0.75, 1.0)]
    else:
        scale_total, ticks = _nice_axis(max([sum(s.value for s in b.segments) for b in bars] + [0.0]))
    has_sub = any(b.sublabel for b in bars)
    row = bar_height + gap + (10 if has_sub else 0)
    height = len(bars) * row + 24
    parts: list[str] = []
    ident = f' id="{escape(chart_id)}"' if chart_id else ""
    parts.append(
        f'<svg class="chart"{ident} viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">'
    )
    for tick in ticks:
        x = label_width + plot * tick / scale_total
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 18:.1f}" stroke="#e5e9ef" stroke-width="1"/>'
        )
        if value_format == "percent":
            tick_text = percent(tick, 0)
        elif value_format == "usd":
            tick_text = usd_tick(tick)
        else:
            tick_text = f"{tick:,.6g}"
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
            value_text = (
                percent(segment.value)
                if value_format == "percent"
                else usd(segment.value)
                if value_format == "usd"
                else f"{segment.value:,.2f}"
            )
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
                    f'<text x="{x + w / 2:.1f}" y="{text_y:.1f}" font-size="11" fill="{ink(segment.color)}" '
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


@dataclass(frozen=True)
class Point:
    """A mark of a scatter chart."""

    x: float
    y: float
    color: str
    tip: str = ""
    label: str = ""
    radius: float = 5.0


def _nice_axis(largest: float, intervals: int = 4) -> tuple[float, list[float]]:
    """An axis end and round ticks covering ``largest`` in about ``intervals`` steps of 1, 2, 2.5 or 5 x 10^k.

    >>> _nice_axis(4.38)
    (5.0, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    >>> _nice_axis(1_238_150.0)[1]
    [0.0, 250000.0, 500000.0, 750000.0, 1000000.0, 1250000.0]
    """
    if largest <= 0:
        return 1.0, [0.0, 0.25, 0.5, 0.75, 1.0]
    power = 10 ** math.floor(math.log10(largest / intervals))
    candidates = [m * power * 10**k for k in (-1, 0, 1) for m in (1.0, 2.0, 2.5, 5.0)]
    # the round step whose axis is filled best with three to six intervals
    step = max(
        (c for c in candidates if 3 <= math.ceil(largest / c - 1e-9) <= 6),
        key=lambda c: largest / (c * math.ceil(largest / c - 1e-9)),
    )
    count = math.ceil(largest / step - 1e-9)
    ticks = [float(f"{step * i:.12g}") for i in range(count + 1)]
    return ticks[-1], ticks


def _nice_range(low: float, high: float) -> tuple[float, float, list[float]]:
    """Round axis ends and ticks covering ``low``..``high`` (not from zero), the steps of :func:`_nice_axis`.

    >>> _nice_range(0.62, 0.97)
    (0.6, 1.0, [0.6, 0.7, 0.8, 0.9, 1.0])
    >>> low, high, ticks = _nice_range(26.4e6, 26.4e6)  # one value: a span of 1% around it
    >>> low < 26.4e6 < high, len(ticks) <= 7
    (True, True)
    """
    span = high - low
    if span <= abs(high) * 1e-9:
        span = abs(high) * 0.01 or 1.0
        low, high = low - span / 2, high + span / 2
    _, ticks = _nice_axis(span)
    step = ticks[1] - ticks[0]
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    out = [float(f"{step * i:.12g}") for i in range(first, last + 1)]
    return out[0], out[-1], out


def _tick_text(value: float, fmt: str, ticks: Sequence[float]) -> str:
    """A tick's text: ``number`` (``%g``), ``percent`` (whole percents unless the ticks need a decimal) or
    ``usd``."""
    if fmt == "percent":
        whole = all(abs(t * 100 - round(t * 100)) < 1e-6 for t in ticks)
        return percent(value, 0 if whole else 1)
    if fmt == "usd":
        return usd_tick(value)
    return f"{value:g}"


def scatter(
    points: Sequence[Point],
    x_label: str,
    y_label: str,
    width: float = 1150.0,
    height: float = 420.0,
    diagonal: bool = False,
    chart_id: str = "",
    label: str = "Scatter chart",
    from_zero: bool = True,
    x_format: str = "number",
    y_format: str = "number",
    line: Sequence[tuple[float, float]] = (),
) -> Markup:
    """A scatter chart, from zero on both axes unless ``from_zero`` is False (then the axes span the marks);
    ``diagonal`` draws y = x (for example TTS against TTR); ``line`` joins points (x, y) in order under the marks
    (a frontier); ``x_format`` and ``y_format`` write the ticks (``number``, ``percent`` or ``usd``).

    >>> svg = scatter([Point(1, 2, "#333"), Point(3, 1, "#333", label="A")], "TTR (weeks)", "TTS (weeks)", diagonal=True)
    >>> svg.count("<circle"), "TTS (weeks)" in svg
    (2, True)
    >>> svg = scatter([Point(0.7, 2.6e6, "#333"), Point(0.9, 2.7e6, "#333")], "share", "cost", from_zero=False,
    ...               x_format="percent", y_format="usd", line=[(0.7, 2.6e6), (0.9, 2.7e6)])
    >>> ">70%<" in svg, ">$2.7M<" in svg, svg.count("<polyline")
    (True, True, 1)
    """
    right, top, bottom = 20.0, 14.0, 46.0
    xs = [p.x for p in points] + [x for x, _ in line] or [0.0]
    ys = [p.y for p in points] + [y for _, y in line] or [0.0]
    if from_zero:
        largest_x = max([*xs, 0.0])
        largest_y = max([*ys, 0.0])
        if diagonal:
            largest_x = largest_y = max(largest_x, largest_y)
        x_min, y_min = 0.0, 0.0
        x_max, x_ticks = _nice_axis(largest_x)
        y_max, y_ticks = _nice_axis(largest_y)
    else:
        x_min, x_max, x_ticks = _nice_range(min(xs), max(xs))
        y_min, y_max, y_ticks = _nice_range(min(ys), max(ys))
    # room left of the plot for the y ticks and, beside them, the y axis label
    left = max([64.0] + [_text_width(_tick_text(v, y_format, y_ticks), 10.5) + 36 for v in y_ticks])
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + plot_w * (v - x_min) / (x_max - x_min)

    def sy(v: float) -> float:
        return top + plot_h * (1 - (v - y_min) / (y_max - y_min))

    ident = f' id="{escape(chart_id)}"' if chart_id else ""
    parts = [
        f'<svg class="chart"{ident} viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">'
    ]
    for xv in x_ticks:
        parts.append(f'<line x1="{sx(xv):.1f}" y1="{top}" x2="{sx(xv):.1f}" y2="{top + plot_h}" stroke="#eef1f5"/>')
        parts.append(
            f'<text x="{sx(xv):.1f}" y="{top + plot_h + 16:.1f}" font-size="10.5" fill="#7b8794" '
            f'text-anchor="middle">{escape(_tick_text(xv, x_format, x_ticks))}</text>'
        )
    for yv in y_ticks:
        parts.append(f'<line x1="{left}" y1="{sy(yv):.1f}" x2="{left + plot_w}" y2="{sy(yv):.1f}" stroke="#eef1f5"/>')
        parts.append(
            f'<text x="{left - 8:.1f}" y="{sy(yv) + 4:.1f}" font-size="10.5" fill="#7b8794" text-anchor="end">'
            f"{escape(_tick_text(yv, y_format, y_ticks))}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#9aa5b1"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#9aa5b1"/>'
    )
    if diagonal:
        parts.append(
            f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(x_max):.1f}" y2="{sy(y_max):.1f}" '
            'stroke="#9aa5b1" stroke-dasharray="5 4"/>'
        )
    if len(line) > 1:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in line)
        parts.append(f'<polyline class="frontier" points="{path}" fill="none" stroke="#4e79a7" stroke-width="2"/>')
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8:.1f}" font-size="12" fill="#34495e" '
        f'text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" font-size="12" fill="#34495e" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    # boxes labels must not cover: every mark, then each label placed (x0, y0, x1, y1)
    taken = [(sx(p.x) - p.radius, sy(p.y) - p.radius, sx(p.x) + p.radius, sy(p.y) + p.radius) for p in points]
    for index, p in enumerate(points):
        tip = p.tip or f"{p.label}\n{x_label}: {p.x:g}\n{y_label}: {p.y:g}"
        parts.append(
            f'<circle class="point" cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" r="{p.radius:.1f}" fill="{escape(p.color)}" '
            f'fill-opacity="0.85" stroke="#ffffff" data-tip="{escape(tip)}"/>'
        )
        if p.label:
            others = taken[:index] + taken[index + 1 :]
            x, anchor, box = _label_place(p, sx(p.x), sy(p.y), width - right, others)
            taken.append(box)
            parts.append(
                f'<text x="{x:.1f}" y="{box[3] - 3:.1f}" font-size="11" fill="#1f2933" text-anchor="{anchor}" '
                f'pointer-events="none">{escape(p.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _label_place(
    point: Point, cx: float, cy: float, x_limit: float, taken: Sequence[tuple[float, float, float, float]]
) -> tuple[float, str, tuple[float, float, float, float]]:
    """Where a point's label goes: beside the mark (right first, left near the right edge), moved up
    or down a line at a time until it covers no label or other mark in ``taken``."""
    text_w, line, pad = _text_width(point.label, 11), 13.0, point.radius + 3
    sides = [("start", cx + pad), ("end", cx - pad - text_w)]
    if cx + pad + text_w > x_limit:
        sides.reverse()
    first: tuple[float, str, tuple[float, float, float, float]] | None = None
    for shift in (0, -1, 1, -2, 2, -3, 3):
        for anchor, x0 in sides:
            y0 = cy - 7 + shift * line
            box = (x0, y0, x0 + text_w, y0 + line)
            choice = (x0 if anchor == "start" else x0 + text_w, anchor, box)
            first = first or choice
            if not any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in taken):
                return choice
    assert first is not None
    return first


@dataclass(frozen=True)
class TornadoBar:
    """One row of a tornado chart: the outcome at the low and at the high value of a factor."""

    label: str
    low: float
    high: float
    tip: str = ""


def tornado(
    swings: Sequence[TornadoBar],
    base: float,
    value_format: str = "usd",
    width: float = 1150.0,
    low_color: str = "#4e79a7",
    high_color: str = "#e15759",
    chart_id: str = "",
    label: str = "Tornado chart",
) -> Markup:
    """A tornado chart: bars from ``base`` to each factor's low and high outcome, widest first.

    >>> svg = tornado([TornadoBar("Freight", 9.0, 12.0), TornadoBar("Tariff", 8.0, 15.0)], base=10.0)
    >>> svg.index("Tariff") < svg.index("Freight"), svg.count('class="swing"')
    (True, 4)
    """
    from allyshore.report.formatting import number, usd

    fmt = usd if value_format == "usd" else number
    rows = sorted(swings, key=lambda s: -abs(s.high - s.low))
    label_width = min(max([_text_width(s.label, FONT, bold=True) for s in rows] + [40.0]) + 14, 300.0)
    plot = width - label_width - 90
    lo = min([s.low for s in rows] + [s.high for s in rows] + [base])
    hi = max([s.low for s in rows] + [s.high for s in rows] + [base])
    span = (hi - lo) or 1.0
    lo, hi = lo - span * 0.05, hi + span * 0.05

    def sx(v: float) -> float:
        return label_width + plot * (v - lo) / (hi - lo)

    row_h = 30.0
    height = len(rows) * row_h + 40
    ident = f' id="{escape(chart_id)}"' if chart_id else ""
    parts = [
        f'<svg class="chart"{ident} viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">'
    ]
    for i, s in enumerate(rows):
        y = 8 + i * row_h
        parts.append(
            f'<text x="{label_width - 10:.1f}" y="{y + 15:.1f}" font-size="{FONT}" font-weight="600" fill="#1f2933" '
            f'text-anchor="end">{escape(s.label)}</text>'
        )
        for value, color, which in ((s.low, low_color, "low"), (s.high, high_color, "high")):
            x0, x1 = sorted((sx(base), sx(value)))
            tip = s.tip or f"{s.label}\n{which} value: {fmt(value)} (base {fmt(base)})"
            parts.append(
                f'<rect class="swing" x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="{row_h - 10:.1f}" '
                f'fill="{escape(color)}" data-tip="{escape(tip)}"/>'
            )
        parts.append(
            f'<text x="{sx(max(s.low, s.high, base)) + 6:.1f}" y="{y + 15:.1f}" font-size="11" fill="#5f6b7a">'
            f"{escape(fmt(min(s.low, s.high)))} – {escape(fmt(max(s.low, s.high)))}</text>"
        )
    parts.append(
        f'<line x1="{sx(base):.1f}" y1="2" x2="{sx(base):.1f}" y2="{height - 26:.1f}" stroke="#1f2933" stroke-width="1.2"/>'
        f'<text x="{sx(base):.1f}" y="{height - 10:.1f}" font-size="11" fill="#1f2933" text-anchor="middle">'
        f"base {escape(fmt(base))}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))
