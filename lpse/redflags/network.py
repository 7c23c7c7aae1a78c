"""The vendor network as an SVG picture: vendors as nodes on a circle, co-bidding (grey, width by
the number of tenders shared) and the flags' shared attributes (red, labelled by rule) as edges.
Drawn here without a plotting library: plain SVG text, every label escaped."""

import math
from collections import Counter
from itertools import combinations
from xml.sax.saxutils import escape, quoteattr

SIZE = 640
RADIUS = 230
MAX_NODES = 60


def edges_from_flags(flags) -> list[tuple[int, int, str]]:
    """One (a, b, rule) per vendor pair named together in a flag's evidence."""
    found = set()
    for flag in flags:
        for evidence in flag.evidence:
            for a, b in combinations(sorted(evidence.vendors), 2):
                found.add((a, b, flag.rule))
    return sorted(found)


def co_bidding(groups) -> Counter:
    """(a, b) -> number of tenders both bid in, from each tender's set of bidders."""
    counts = Counter()
    for group in groups:
        for pair in combinations(sorted(group), 2):
            counts[pair] += 1
    return counts


def render(names: dict[int, str], co_bids: Counter, flagged) -> str:
    """The SVG document (UTF-8 text)."""
    ids = sorted(names)[:MAX_NODES]
    shown = set(ids)
    centre = SIZE / 2
    at = {}
    for i, vendor in enumerate(ids):
        angle = 2 * math.pi * i / max(len(ids), 1) - math.pi / 2
        at[vendor] = (centre + RADIUS * math.cos(angle), centre + RADIUS * math.sin(angle))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" font-family="sans-serif" font-size="11">',
        f'<rect width="{SIZE}" height="{SIZE}" fill="#fff"/>',
    ]
    for (a, b), count in sorted(co_bids.items()):
        if a in shown and b in shown:
            (x1, y1), (x2, y2) = at[a], at[b]
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'stroke="#bbb" stroke-width="{min(1 + count, 8)}"/>'
            )
    for a, b, rule in flagged:
        if a in shown and b in shown:
            (x1, y1), (x2, y2) = at[a], at[b]
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'stroke="#c0392b" stroke-width="2"><title>{escape(rule)}</title></line>'
            )
            parts.append(
                f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2:.1f}" fill="#c0392b" '
                f'text-anchor="middle">{escape(rule)}</text>'
            )
    for vendor in ids:
        x, y = at[vendor]
        label = names[vendor][:40]
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#2c3e50"><title>{escape(label)}'
            f'</title></circle>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y + 22:.1f}" text-anchor="middle" '
            f'aria-label={quoteattr(label)}>{escape(label)}</text>'
        )
    parts.append('</svg>')
    return '\n'.join(parts)
