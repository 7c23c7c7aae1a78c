"""Issue #12: ids out of the database's range, hostile JSON, NUL characters — a clear 4xx on
every route, never a 500 (walked over `app.url_map`, so a new route is covered too)."""

import pytest
from tenders.factories import login
from werkzeug.routing.converters import NumberConverter

from lpse import ids
from lpse.tenders.stages import Stage

HOSTILE_IDS = (2**31, 2**63, 10**30, 0)  # 2**31: past PostgreSQL's int4 id columns
ROLES = ('admin', 'pokja', 'ppk', 'vendor', 'auditor', 'verifier')
WRITES = {'POST', 'PUT', 'PATCH', 'DELETE'}


def _rules(app, *, with_int):
    for rule in app.url_map.iter_rules():
        ints = [k for k, c in rule._converters.items() if isinstance(c, ids.IdConverter)]
        if bool(ints) == with_int:
            yield rule, ints


def _url(rule, code, ints, value):
    values = {name: value if name in ints else code for name in rule.arguments}
    parts = rule.rule
    for name, filled in values.items():
        converter = type(rule._converters[name]).__name__
        token = f'<{name}>' if converter == 'UnicodeConverter' else None
        parts = parts.replace(token or f'<int:{name}>', str(filled))
    return parts


def test_every_route_converts_ids_with_one_converter(app):
    """`<int:…>` is the bounded converter; no route parses a number another way."""
    assert app.url_map.converters['int'] is ids.IdConverter
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, NumberConverter):
                assert type(converter) is ids.IdConverter, (rule.rule, name)


@pytest.mark.parametrize('role', ROLES)
def test_out_of_range_ids_in_paths_are_404(app, client, cast, create_tender, token, role):
    """As each role (session and token), every id route answers 404, API ones in JSON."""
    code = create_tender(Stage.bid_submission).code
    assert login(client, cast[role].email).status_code == 302
    headers = token(cast[role])
    seen = 0
    for rule, ints in _rules(app, with_int=True):
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            for value in HOSTILE_IDS:
                url = _url(rule, code, ints, value)
                body = {} if url.startswith('/api/') else None
                response = client.open(url, method=method, headers=headers, json=body)
                # 405 when the path matches a sibling rule of another method (werkzeug checks
                # the method before the converter): still no such resource, and no query.
                assert response.status_code in (404, 405), (method, url, response.status_code)
                if url.startswith('/api/'):
                    assert response.get_json()['error']['message'], url
                seen += 1
    assert seen > 100


@pytest.mark.parametrize(
    ('url', 'role'),
    [
        ('/audit/?before={n}', 'auditor'),
        ('/tenders/{code}/results?announcement={n}', 'pokja'),
        ('/api/v1/tenders/{code}/results?announcement={n}', 'pokja'),
    ],
)
@pytest.mark.parametrize('value', [*HOSTILE_IDS, -1, 'abc'])
def test_out_of_range_ids_in_queries_are_422(client, cast, create_tender, token, url, role, value):
    code = create_tender(Stage.bid_submission).code
    assert login(client, cast[role].email).status_code == 302
    response = client.get(url.format(code=code, n=value), headers=token(cast[role]))
    assert response.status_code == 422
    if url.startswith('/api/'):
        assert 'announcement' in response.get_json()['error']['message']


def test_id_bounds():
    assert ids.bounded_id(2**31 - 1) == 2**31 - 1
    assert [ids.bounded_id(v) for v in (2**31, 2**63, 0, -1, True, '1e3', '٣', ' 7 ')] == [
        None
    ] * 7 + [7]


DEEP = '[' * 3000 + ']' * 3000
HOSTILE_BODIES = {
    'deep array': DEEP,
    'deep object': '{"a":' * 200 + '1' + '}' * 200,
    'deep inside a field': '{"name": ' + '[' * 100 + ']' * 100 + '}',
    'top-level array': '[{"name": "x"}]',
    'top-level string': '"x"',
    'top-level number': '42',
    'NUL in a value': '{"name": "a\\u0000b", "email": "a\\u0000@b.id"}',
    'NUL in a key': '{"na\\u0000me": "x"}',
    'not JSON': '{"name": ',
}


@pytest.mark.parametrize('role', ['admin', 'pokja', 'vendor', None])
def test_hostile_json_is_a_400_on_every_api_write(app, client, cast, create_tender, token, role):
    code = create_tender(Stage.bid_submission).code
    headers = {'Content-Type': 'application/json', **(token(cast[role]) if role else {})}
    for with_int in (True, False):
        for rule, ints in _rules(app, with_int=with_int):
            if not rule.rule.startswith('/api/'):
                continue
            for method in sorted(rule.methods & WRITES):
                url = _url(rule, code, ints, 1)
                for name, body in HOSTILE_BODIES.items():
                    response = client.open(url, method=method, data=body, headers=headers)
                    assert response.status_code == 400, (name, method, url, response.status_code)
                    assert response.get_json()['error']['message'], (name, url)


def test_json_to_a_page_form_is_refused(client, cast, tender, bidder):
    """A page form never reads JSON (Flask-WTF would, and choke on an array)."""
    assert login(client, bidder.email).status_code == 302
    for body in ('[]', '[1, 2]', '{"kind": {"a": 1}}', DEEP):
        url = f'/tenders/{tender.code}/bid'
        response = client.post(url, data=body, content_type='application/json')
        assert response.status_code == 415, body


@pytest.mark.parametrize(
    ('method', 'url', 'data'),
    [
        ('GET', '/tenders/?q=a%00b', None),
        ('GET', '/api/v1/tenders?q=a%00b', None),
        ('GET', '/api/v1/tenders/AB%00C', None),
        ('POST', '/auth/login', {'email': 'a\x00@b.id', 'password': 'x'}),
        ('POST', '/vendors/register', {'company_name': 'PT \x00'}),
    ],
)
def test_nul_in_queries_paths_and_forms_is_a_400(client, cast, method, url, data):
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400, response.status_code
    if url.startswith('/api/'):
        assert 'NUL' in response.get_json()['error']['message']
