"""Charts as inline SVG: no script, no external service, readable by screen readers."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from .formatting import money


def bar_chart(bars: list[tuple[str, Decimal]], *, title: str, width: int = 640) -> str:
    """Horizontal bars, one per (label, amount), longest first; amounts printed at the end."""
    row, label_width, value_width = 28, 150, 150
    top = max((amount for _, amount in bars), default=Decimal(1)) or Decimal(1)
    span = width - label_width - value_width
    height = row * len(bars) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><title>{escape(title)}</title>'
    ]
    for i, (label, amount) in enumerate(bars):
        y = 5 + i * row
        length = max(1, int(span * amount / top))
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 10}" rx="2"></rect>'
            f'<text x="{label_width + length + 6}" y="{y + 17}">{escape(money(amount))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
