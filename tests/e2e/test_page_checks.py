"""The page checks can fail: an unlabelled control (axe), a page wider than a phone, and a table
that scrolls without saying so are each reported; a wide table in a marked region passes."""

import pytest
from page_checks import check_page

WIDE_TABLE = '<table><tr>' + '<td>kolom&nbsp;yang&nbsp;cukup&nbsp;lebar</td>' * 8 + '</tr></table>'


def html(body):
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Uji</title>'
        f'</head><body><main><h1>Uji</h1>{body}</main></body></html>'
    )


@pytest.fixture
def blank(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def failure(page, name):
    with pytest.raises(pytest.fail.Exception) as raised:
        check_page(page, name)
    return str(raised.value)


def test_an_unlabelled_select_fails_axe(blank):
    blank.set_content(html('<select><option>a</option></select>'))
    assert '[select-name]' in failure(blank, 'checks-unlabelled')


def test_a_page_wider_than_a_phone_fails(blank):
    blank.set_content(html(WIDE_TABLE))
    message = failure(blank, 'checks-wide')
    assert 'at 360 px the page is' in message and 'table' in message


def test_an_unmarked_scrolling_table_fails(blank):
    blank.set_content(html(f'<div style="overflow-x: auto">{WIDE_TABLE}</div>'))
    assert 'scroll sideways without saying so' in failure(blank, 'checks-unmarked')


def test_a_wide_table_in_a_marked_region_passes(blank):
    region = (
        '<div class="table-scroll" role="region" aria-label="Daftar" tabindex="0"'
        f' style="overflow-x: auto">{WIDE_TABLE}</div>'
    )
    blank.set_content(html(region))
    check_page(blank, 'checks-marked')
