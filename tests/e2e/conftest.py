"""Playwright driving Debian's headless Chromium against the live server; a failing test leaves
a screenshot in test-artifacts/."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get('LPSE_CHROMIUM', '/usr/bin/chromium')
ARTIFACTS = Path(__file__).resolve().parents[2] / 'test-artifacts'
LAUNCH_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
]


def pytest_collection_modifyitems(items):
    # This hook sees every collected item of the session, not only this folder's.
    for item in items:
        if 'tests/e2e/' in item.nodeid.replace('\\', '/'):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f'rep_{report.when}', report)
    return report


@pytest.fixture(scope='session')
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f'Chromium not found at {CHROMIUM}: run `make system-deps` (browser tests '
            'are part of the suite and must not be skipped silently)'
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, locale='id-ID')
    page = context.new_page()
    page.set_default_timeout(30000)  # a loaded 2-core CI machine renders PDFs slowly
    yield page
    failed = getattr(request.node, 'rep_call', None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f'{name}.png'), full_page=True)
    context.close()
