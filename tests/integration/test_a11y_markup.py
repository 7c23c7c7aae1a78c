"""Accessibility in the markup itself (the browser tests run axe on the journeys' pages): field
errors are announced once with links to the fields, wide tables scroll inside a labelled region,
and evaluation verdicts carry a mark and a word, not colour alone."""

import re

from helpers import csrf_token


def test_field_errors_are_announced_with_links_to_the_fields(client):
    token = csrf_token(client, '/vendors/register')
    response = client.post('/vendors/register', data={'csrf_token': token, 'company_name': ''})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = re.search(
        r'<div class="flash flash-error error-summary" role="alert">(.*?)</div>', page, re.S
    )
    assert summary, 'no announced error summary'
    links = re.findall(r'<a href="#([\w-]+)">', summary.group(1))
    assert 'company_name' in links and 'csrf_token' not in links
    count = int(re.search(r'(\d+) isian perlu diperbaiki', summary.group(1)).group(1))
    assert count == len(links)
    for field_id in links:  # every link lands on a field that is marked invalid
        assert re.search(rf'id="{field_id}"', page)
        assert f'id="{field_id}-error"' in page


def test_no_error_summary_on_a_fresh_form(client):
    page = client.get('/vendors/register').get_data(as_text=True)
    assert 'error-summary' not in page


def test_scroll_region_is_a_labelled_focusable_region(app):
    with app.test_request_context('/'):
        html = app.jinja_env.from_string(
            "{% from '_tables.html' import scroll_region %}"
            '{% call scroll_region(label) %}<table><tr><td>x</td></tr></table>{% endcall %}'
        ).render(label='Daftar <tender>')
    assert html.startswith(
        '<div class="table-scroll" role="region" aria-label="Daftar &lt;tender&gt;" tabindex="0">'
    )
    assert html.endswith('<table><tr><td>x</td></tr></table></div>')


def text(html):
    return re.sub(r'<[^>]+>', '', html)


def test_verdicts_differ_by_more_than_colour(app):
    class Stage:
        def __init__(self, status, reason=''):
            self.status, self.reason = status, reason

    with app.test_request_context('/'):
        render = app.jinja_env.from_string(
            "{% from 'evaluation/_verdict.html' import verdict %}{{ verdict(stage, 'nanti') }}"
        ).render
        passed = render(stage=Stage('passed'))
        failed = render(stage=Stage('failed', 'tidak lengkap'))
    assert text(passed).split() == ['✓', 'Lulus']
    assert text(failed).split()[:2] == ['✗', 'Gugur'] and 'tidak lengkap' in text(failed)
    assert 'verdict-passed' in passed and 'verdict-failed' in failed
