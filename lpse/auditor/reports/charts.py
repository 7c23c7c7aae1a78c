"""A figure's chart as a standalone SVG (horizontal bars, one per row, the value written at the
bar's end): served from its own URL under the strict CSP, and inlined into the PDF report."""

from decimal import Decimal
from xml.sax.saxutils import escape

from lpse import i18n

WIDTH = 560
BAR = 22
GAP = 8
LABEL_WIDTH = 220
MARGIN = 10


def _value(value) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def bar_chart(title: str, points: list[tuple[str, object]]) -> str:
    """Bars for ``points`` ``(label, value)``; an empty chart says so."""
    height = MARGIN * 2 + 24 + max(len(points), 1) * (BAR + GAP)
    top = max((_value(v) for _, v in points), default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="sans-serif" font-size="12">',
        f'<title>{escape(title)}</title>',
        f'<text x="{MARGIN}" y="{MARGIN + 12}" font-weight="bold">{escape(title)}</text>',
    ]
    if not points:
        parts.append(f'<text x="{MARGIN}" y="{MARGIN + 40}">–</text>')
    for n, (label, value) in enumerate(points):
        y = MARGIN + 24 + n * (BAR + GAP)
        length = max(_value(value) / top * span, 0)
        text = label if len(label) <= 34 else label[:33] + '…'
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR / 2 + 4}" text-anchor="end">'
            f'{escape(text)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" fill="#2b6cb0"/>'
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + BAR / 2 + 4}">'
            f'{escape(i18n.number(value))}</text>'
        )
    parts.append('</svg>')
    return ''.join(parts)


def chart_of(table) -> str | None:
    """The chart beside ``table``: its chart columns, or for the savings the two sums."""
    if table.key == 'savings':
        points = [
            (str(table.columns[2].label), table.totals['hps']),
            (str(table.columns[3].label), table.totals['winning_price']),
            (str(table.columns[4].label), table.totals['savings']),
        ]
    elif table.key == 'ended':
        points = [(str(r['label']), r['tenders']) for r in table.totals['chart']]
    elif table.chart is None:
        return None
    else:
        label, value = table.chart
        points = [(str(r[label]), r[value]) for r in table.rows]
    return bar_chart(str(table.title), points)
