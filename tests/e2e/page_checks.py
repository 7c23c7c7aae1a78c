"""What every page of a browser journey must pass: axe-core finds no serious or critical
accessibility violation, the page fits a 360 px phone without horizontal scrolling (wide content
scrolls only inside a marked scroll region), and a screenshot is kept under test-artifacts/.

axe-core comes from npm (`make axe-core`, scripts/fetch-axe-core.sh) into .cache/axe-core/ and is
injected by the harness through the DevTools protocol — the app never serves it and its Content
Security Policy is unchanged."""

import itertools
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / 'test-artifacts'
AXE = Path(os.environ.get('AXE_CORE_DIR', ROOT / '.cache' / 'axe-core')) / 'axe.min.js'
PHONE_WIDTH = 360
FAILING_IMPACTS = ('serious', 'critical')
# A scroll region the page says it has: `<div class="table-scroll" role="region" aria-label=…
# tabindex="0">` (templates/_tables.html). Wide content inside one may scroll; nothing else may.
SCROLL_REGION = '.table-scroll[role="region"][aria-label][tabindex="0"]'

_axe_source = None


def _axe():
    global _axe_source
    if _axe_source is None:
        if not AXE.exists():
            pytest.fail(
                f'axe-core not found at {AXE}: run `make axe-core` (accessibility checks are part '
                'of the browser tests and must not be skipped silently)'
            )
        _axe_source = AXE.read_text(encoding='utf-8')
    return _axe_source


def axe_violations(page):
    """The serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the app's CSP does not apply to it.
        page.evaluate('() => {\n' + _axe() + '\n}')
    results = page.evaluate(
        """async (impacts) => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => impacts.includes(v.impact)).map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({
                    target: n.target.join(' '), summary: n.failureSummary})),
                more: Math.max(0, v.nodes.length - 5)}));
        }""",
        list(FAILING_IMPACTS),
    )
    return results


def overflow_at_phone_width(page):
    """With the viewport at 360 px: (document width, what sticks out past the right edge,
    elements that scroll sideways without being a marked scroll region)."""
    return page.evaluate(
        """([width, region]) => {
            const name = (el) => {
                let n = el.tagName.toLowerCase();
                if (el.id) n += '#' + el.id;
                if (el.classList.length) n += '.' + [...el.classList].join('.');
                return n;
            };
            const clips = (el) => getComputedStyle(el).overflowX !== 'visible';
            const out = [], unmarked = [];
            for (const el of document.body.querySelectorAll('*')) {
                const style = getComputedStyle(el);
                const scrolls = ['auto', 'scroll'].includes(style.overflowX);
                if (scrolls && el.scrollWidth > el.clientWidth + 1
                        && !el.matches(region) && !el.matches('textarea'))
                    unmarked.push(name(el));
                const box = el.getBoundingClientRect();
                let clipped = false;  // inside something that clips or scrolls: not the cause
                for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
                    if (clips(a)) { clipped = true; break; }
                // Text too wide for its box (a long word, a <pre> line) overflows the page too.
                if (!clipped && !scrolls && style.overflowX === 'visible' && el.clientWidth
                        && el.scrollWidth > el.clientWidth + 1 && box.left + el.scrollWidth > width
                        && out.length < 8
                        && ![...el.children].some((c) => c.scrollWidth > c.clientWidth))
                    out.push(name(el) + ' (content wider than its box)');
                if (box.width === 0 || box.right <= width + 0.5) continue;
                if (style.position === 'fixed' || style.visibility === 'hidden') continue;
                // Name the outermost element that sticks out, not each of its children.
                const parent = el.parentElement;
                const parentOut = parent.getBoundingClientRect().right > width + 0.5;
                if (clipped || (parent !== document.body && parentOut)) continue;
                if (out.length < 8) out.push(name(el));
            }
            return [document.scrollingElement.scrollWidth, out, unmarked.slice(0, 8)];
        }""",
        [PHONE_WIDTH, SCROLL_REGION],
    )


def _artifact_name(name):
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', name)


def check_page(page, name):
    """Run axe, check the page at 360 px and save screenshots test-artifacts/<name>.png (desktop)
    and <name>-360.png (phone). Fails the test with a readable list of what is wrong."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_load_state()
    file = _artifact_name(name)
    page.screenshot(path=str(ARTIFACTS / f'{file}.png'), full_page=True)
    problems = []
    for v in axe_violations(page):
        problems.append(f'axe {v["impact"]} [{v["id"]}] {v["help"]}')
        for node in v['nodes']:
            summary = ' '.join((node['summary'] or '').split())
            problems.append(f'    at {node["target"]}: {summary[:300]}')
        if v['more']:
            problems.append(f'    … and {v["more"]} more')

    desktop = page.viewport_size
    page.set_viewport_size({'width': PHONE_WIDTH, 'height': 740})
    try:
        width, sticking_out, unmarked = overflow_at_phone_width(page)
        page.screenshot(path=str(ARTIFACTS / f'{file}-360.png'), full_page=False)
    finally:
        page.set_viewport_size(desktop)
    if width > PHONE_WIDTH:
        problems.append(
            f'at {PHONE_WIDTH} px the page is {width} px wide (horizontal scrolling); '
            f'sticking out: {", ".join(sticking_out) or "?"}'
        )
    if unmarked:
        problems.append(
            f'at {PHONE_WIDTH} px these scroll sideways without saying so (wrap them in the '
            f'scroll-region macro of templates/_tables.html): {", ".join(unmarked)}'
        )
    if problems:
        pytest.fail(f'page {name!r} ({page.url}):\n' + '\n'.join(problems), pytrace=False)


def on_phone_screen(page, *targets):
    """At PHONE_WIDTH each target lies within the screen's width (not off to the side of a
    scroll region)."""
    desktop = page.viewport_size
    page.set_viewport_size({'width': PHONE_WIDTH, 'height': 740})
    try:
        for target in targets:
            box = target.bounding_box()
            assert box is not None, target
            assert box['x'] >= 0 and box['x'] + box['width'] <= PHONE_WIDTH, (target, box)
    finally:
        page.set_viewport_size(desktop)


def a_card_on_phone(page, row):
    """At PHONE_WIDTH the table row `row` is a card (table.stack): its cells one under another,
    each within the screen's width — not columns side by side, however narrow."""
    desktop = page.viewport_size
    page.set_viewport_size({'width': PHONE_WIDTH, 'height': 740})
    try:
        boxes = [cell.bounding_box() for cell in row.locator('td').all()]
        assert len(boxes) > 1 and None not in boxes, (row, boxes)
        for above, below in itertools.pairwise(boxes):
            assert below['y'] >= above['y'] + above['height'] - 1, (row, above, below)
        for box in boxes:
            assert box['x'] >= 0 and box['x'] + box['width'] <= PHONE_WIDTH, (row, box)
    finally:
        page.set_viewport_size(desktop)
