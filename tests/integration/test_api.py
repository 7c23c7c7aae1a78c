"""The /api/v1 base: tokens, JSON errors for every failure, the OpenAPI document."""

import pyotp
import pytest
from helpers import PASSWORD
from sqlalchemy import event, select, update

from lpse import clock
from lpse.agencies.models import Agency
from lpse.auth.models import ApiToken, User
from lpse.extensions import db


def error_of(response):
    body = response.get_json()
    assert set(body) == {'error'}, body
    assert set(body['error']) == {'code', 'message'}
    assert body['error']['message']
    return body['error']


def test_token_lifecycle(client, users):
    response = client.post(
        '/api/v1/auth/tokens',
        json={'email': users['ppk'].email, 'password': PASSWORD, 'name': 'ci'},
    )
    assert response.status_code == 201
    token = response.get_json()['token']
    stored = db.session.scalar(db.select(ApiToken))
    assert token not in stored.token_hash and stored.token_hash != token  # only its hash kept
    headers = {'Authorization': f'Bearer {token}'}
    me = client.get('/api/v1/me', headers=headers).get_json()
    assert me['email'] == users['ppk'].email
    assert me['roles'] == ['ppk']
    listed = client.get('/api/v1/auth/tokens', headers=headers).get_json()['tokens']
    assert listed[0]['name'] == 'ci'
    assert listed[0]['last_used_at'] is not None
    assert 'token' not in listed[0]
    assert client.delete(f'/api/v1/auth/tokens/{stored.id}', headers=headers).status_code == 200
    response = client.get('/api/v1/me', headers=headers)
    assert response.status_code == 401
    assert error_of(response)['code'] == 'unauthorized'


def test_token_needs_totp_when_enabled(client, users):
    secret = pyotp.random_base32()
    users['pokja'].totp_secret = secret
    db.session.commit()
    body = {'email': users['pokja'].email, 'password': PASSWORD}
    assert client.post('/api/v1/auth/tokens', json=body).status_code == 403
    body['totp'] = pyotp.TOTP(secret).at(clock.now())
    assert client.post('/api/v1/auth/tokens', json=body).status_code == 201
    assert client.post('/api/v1/auth/tokens', json=body).status_code == 403  # code used once


@pytest.mark.parametrize(
    'header', ['Bearer lpse_unknown', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer x' * 200]
)
def test_unknown_tokens_are_401(client, header):
    response = client.get('/api/v1/me', headers={'Authorization': header})
    assert response.status_code == 401
    error_of(response)


def test_admin_creates_agency_and_user(client, api_token):
    headers = api_token('admin')
    response = client.post(
        '/api/v1/agencies',
        headers=headers,
        json={
            'code': 'prov-papua',
            'name': 'Pemerintah Provinsi Papua',
            'timezone': 'Asia/Jayapura',
            'work_units': [{'code': 'DINKES', 'name': 'Dinas Kesehatan'}],
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()['zone'] == 'WIT'
    response = client.post(
        '/api/v1/users',
        headers=headers,
        json={
            'email': 'Pokja.Papua@Papua.go.id',
            'name': 'Pokja Papua',
            'roles': ['pokja'],
            'agency': 'PROV-PAPUA',
        },
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created['email'] == 'pokja.papua@papua.go.id'
    assert len(created['password']) >= 10
    user = db.session.scalar(db.select(User).where(User.email == created['email']))
    assert user.must_change_password


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize(
    ('kwargs', 'status', 'code'),
    [
        ({'data': '{"code": ', 'content_type': 'application/json'}, 400, 'bad_request'),
        ({'json': ['a', 'list']}, 400, 'bad_request'),
        (
            {'data': 'code=X', 'content_type': 'application/x-www-form-urlencoded'},
            415,
            'unsupported_media_type',
        ),
        ({'json': {'code': 'X1', 'name': 'N'}}, 422, 'validation_failed'),
        (
            {'json': {'code': 'X1', 'name': 'N', 'timezone': 'Europe/Paris'}},
            422,
            'validation_failed',
        ),
        ({'json': {'code': 7, 'name': 'N', 'timezone': 'Asia/Jakarta'}}, 422, 'validation_failed'),
        (
            {'json': {'code': 'bad code!', 'name': 'N', 'timezone': 'Asia/Jakarta'}},
            422,
            'validation_failed',
        ),
        ({'json': {'code': 'KOTAUJI', 'name': 'N', 'timezone': 'Asia/Jakarta'}}, 409, 'conflict'),
        (
            {
                'json': {
                    'code': 'X2',
                    'name': 'N',
                    'timezone': 'Asia/Jakarta',
                    'work_units': [{'code': 'A', 'name': 'a'}, {'code': 'A', 'name': 'b'}],
                }
            },
            409,
            'conflict',
        ),
    ],
)
def test_bad_agency_input_is_refused_and_nothing_written(client, api_token, kwargs, status, code):
    headers = api_token('admin')
    before = _count(Agency)
    response = client.post('/api/v1/agencies', headers=headers, **kwargs)
    assert response.status_code == status
    assert error_of(response)['code'] == code
    db.session.expire_all()
    assert _count(Agency) == before


def test_bad_user_input(client, api_token):
    headers = api_token('admin')
    before = _count(User)
    for body, status in [
        ({'email': 'x@y.id', 'name': 'X', 'roles': ['emperor']}, 422),
        ({'email': 'x@y.id', 'name': 'X', 'roles': 'admin'}, 422),
        ({'email': 'x@y.id', 'name': 'X', 'roles': ['pokja']}, 422),  # officer without agency
        ({'email': 'x@y.id', 'name': 'X', 'roles': ['pokja'], 'agency': 'NOPE'}, 404),
        ({'email': 'admin@uji.go.id', 'name': 'X', 'roles': ['vendor']}, 409),
        ({'email': 'not-an-email', 'name': 'X', 'roles': ['vendor']}, 422),
    ]:
        response = client.post('/api/v1/users', headers=headers, json=body)
        assert response.status_code == status, body
        error_of(response)
    db.session.expire_all()
    assert _count(User) == before


def test_statuses_for_routing_errors(client, api_token):
    assert error_of(response := client.get('/api/v1/nope'))['code'] == 'not_found'
    assert response.status_code == 404
    response = client.put('/api/v1/me', headers=api_token('vendor'))
    assert response.status_code == 405
    error_of(response)
    response = client.post('/api/v1/users', headers=api_token('vendor'), json={})
    assert response.status_code == 403
    error_of(response)


def test_oversized_body_is_413(app, client, api_token):
    app.config['MAX_CONTENT_LENGTH'] = 1024
    response = client.post(
        '/api/v1/agencies',
        headers=api_token('admin'),
        json={'code': 'X', 'name': 'n' * 5000, 'timezone': 'Asia/Jakarta'},
    )
    assert response.status_code == 413
    error_of(response)


def test_login_throttling_is_429_with_retry_after(app, client, users):
    for _ in range(app.config['LPSE_LOGIN_ACCOUNT_FAILURES']):
        client.post('/api/v1/auth/tokens', json={'email': users['ppk'].email, 'password': 'x'})
    response = client.post(
        '/api/v1/auth/tokens', json={'email': users['ppk'].email, 'password': PASSWORD}
    )
    assert response.status_code == 429
    assert int(response.headers['Retry-After']) > 0
    error_of(response)


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get('/api/v1/openapi.json').get_json()
    assert spec['openapi'].startswith('3.')
    documented = {(path, method.upper()) for path, ops in spec['paths'].items() for method in ops}
    registered = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith('/api/v1/'):
            path = rule.rule.removeprefix('/api/v1')
            for converter in ('int:', 'path:', 'string:'):
                path = path.replace('<' + converter, '<')
            path = path.replace('<', '{').replace('>', '}')
            registered |= {(path, m) for m in rule.methods - {'HEAD', 'OPTIONS'}}
    assert registered - documented == set(), 'API routes missing from openapi.json'
    assert documented - registered == set(), 'documented routes that do not exist'


def test_a_busy_database_when_noting_a_tokens_use_does_not_fail_the_request(app, client, api_token):
    """Recording a token's last use is best effort: SQLite busy under a burst gives no 500."""
    from sqlalchemy.exc import OperationalError

    headers = api_token('admin')
    with app.app_context():
        db.session.execute(update(ApiToken).values(last_used_at=None))
        db.session.commit()
    calls = []

    def busy_once(conn, cursor, statement, *_args):
        if statement.startswith('UPDATE api_token') and not calls:
            calls.append(1)
            raise OperationalError(statement, {}, Exception('database is locked'))

    with app.app_context():
        engine = db.engine
    event.listen(engine, 'before_cursor_execute', busy_once)
    try:
        response = client.get('/api/v1/agencies', headers=headers)
    finally:
        event.remove(engine, 'before_cursor_execute', busy_once)
    assert calls == [1]
    assert response.status_code == 200, response.get_json()
    with app.app_context():  # not noted this time; the next use notes it
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
    assert client.get('/api/v1/agencies', headers=headers).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
