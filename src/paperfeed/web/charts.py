"""Charts drawn on the server as SVG: they show without script and obey the strict CSP
(presentation attributes and stylesheet classes, no inline style). Each chart carries a
sentence for screen readers; the pages put the numbers in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = 6  # series classes s0..s5 (map.css colours them)


def _points(values: Sequence[float], width: float, height: float, top: float,
            peak: float) -> str:
    step = width / max(1, len(values) - 1)
    scale = (height - top) / peak if peak > 0 else 0.0
    return " ".join(f"{i * step:.1f},{height - v * scale:.1f}" for i, v in enumerate(values))


def sparkline(values: Sequence[int], sentence: str, *, width: int = 120,
              height: int = 28) -> Markup:
    """A small line of values (oldest first) with no axes; sentence says what it shows."""
    peak = max(values, default=0)
    line = _points(values, width, height - 2, 2, peak)
    return Markup(  # noqa: S704 - every piece is a number or escaped
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(sentence)}"><title>{escape(sentence)}</title>'
        f'<polyline class="s0" fill="none" stroke="currentColor" stroke-width="1.5" '
        f'points="{line}"/></svg>')


def line_chart(lines: Sequence[tuple[str, Sequence[int]]], ticks: Sequence[str],
               sentence: str, *, width: int = 640, height: int = 220) -> Markup:
    """Several named lines over the same periods (ticks: each period's label, oldest
    first), a y axis from 0 to the peak, and a legend; sentence says what it shows."""
    left, bottom, top = 36, 22, 8
    plot_w, plot_h = width - left - 8, height - bottom
    peak = max((max(v, default=0) for _, v in lines), default=0)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height + 18 * len(lines)}" '
             f'role="img" aria-label="{escape(sentence)}"><title>{escape(sentence)}</title>',
             f'<g transform="translate({left},0)">',
             f'<line class="axis" x1="0" y1="{plot_h}" x2="{plot_w}" y2="{plot_h}"/>',
             f'<line class="axis" x1="0" y1="{top}" x2="0" y2="{plot_h}"/>',
             f'<text class="tick" x="-4" y="{top + 4}" text-anchor="end">{peak}</text>',
             f'<text class="tick" x="-4" y="{plot_h}" text-anchor="end">0</text>']
    n = len(ticks)
    every = max(1, n // 6)
    step = plot_w / max(1, n - 1)
    parts.extend(f'<text class="tick" x="{i * step:.1f}" y="{plot_h + 15}" '
                 f'text-anchor="middle">{escape(ticks[i])}</text>' for i in range(0, n, every))
    for number, (_, values) in enumerate(lines):
        parts.append(f'<polyline class="s{number % PALETTE}" fill="none" stroke="currentColor" '
                     f'stroke-width="2" points="{_points(values, plot_w, plot_h, top, peak)}"/>')
    parts.append("</g>")
    for number, (name, _) in enumerate(lines):
        y = height + 14 + 18 * number
        parts.append(f'<rect class="s{number % PALETTE} key" x="{left}" y="{y - 9}" '
                     f'width="12" height="10"/><text class="legend" x="{left + 18}" '
                     f'y="{y}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece is a number or escaped
