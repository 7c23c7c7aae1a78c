"""API tokens end: at their expiry, and all at once when the account's password changes or is
reset, or the account is disabled."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from helpers import PASSWORD, csrf_token, login

from lpse import clock
from lpse.audit import AuditEvent
from lpse.auth import operations
from lpse.auth.models import ApiToken
from lpse.config import from_environment
from lpse.extensions import db

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 10:00 WIB
NEW_PASSWORD = 'sandi-baru-panjang-1'


@pytest.fixture
def bearer(users):
    """Bearer headers of a new API token of the user with ``role``, made at T0."""
    clock.set_now(T0)

    def make(role):
        _row, value = operations.create_token(users[role], 'uji', now=T0)
        db.session.commit()
        return {'Authorization': f'Bearer {value}'}

    return make


def me(client, headers):
    return client.get('/api/v1/me', headers=headers)


def test_a_token_works_until_its_expiry_then_is_refused(client, bearer):
    headers = bearer('ppk')
    clock.set_now(T0 + timedelta(days=90) - timedelta(seconds=1))
    assert me(client, headers).status_code == 200
    clock.set_now(T0 + timedelta(days=90))
    response = me(client, headers)
    assert response.status_code == 401
    assert response.get_json() == {
        'error': {
            'code': 'token_expired',
            'message': 'Token API sudah kedaluwarsa. Buat token baru.',
        }
    }


def test_the_expiry_message_speaks_english_when_chosen(client, bearer):
    headers = bearer('ppk')
    clock.set_now(T0 + timedelta(days=91))
    client.get('/lang/en')
    error = me(client, headers).get_json()['error']
    assert error['code'] == 'token_expired'
    assert 'expired' in error['message']


def test_the_lifetime_is_configurable(app, client, users):
    app.config['LPSE_API_TOKEN_DAYS'] = 7
    row, value = operations.create_token(users['ppk'], 'uji', now=T0)
    db.session.commit()
    assert row.expires_at == T0 + timedelta(days=7)
    clock.set_now(T0 + timedelta(days=7))
    assert me(client, {'Authorization': f'Bearer {value}'}).status_code == 401


@pytest.mark.parametrize('value', ['0', '-3', 'ninety', '3651', '9' * 12])
def test_a_bad_lifetime_in_the_environment_stops_the_start(monkeypatch, value):
    monkeypatch.setenv('LPSE_API_TOKEN_DAYS', value)
    with pytest.raises(RuntimeError, match='LPSE_API_TOKEN_DAYS'):
        from_environment()


def test_the_api_shows_the_expiry_when_creating(client, users):
    clock.set_now(T0)
    response = client.post(
        '/api/v1/auth/tokens', json={'email': users['ppk'].email, 'password': PASSWORD}
    )
    assert response.status_code == 201
    assert response.get_json()['expires_at'] == '2027-01-31T03:00:00+00:00'


def test_the_page_shows_the_expiry_when_creating(client, users):
    clock.set_now(T0)
    login(client, users['ppk'].email)
    token = csrf_token(client, '/auth/profile')
    response = client.post('/auth/tokens', data={'name': 'skrip', 'csrf_token': token})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    # in the PPK's agency's zone (Kota Uji: WITA)
    assert 'id="new-token-expiry">Berlaku sampai 31 Januari 2027 11:00 WITA' in html


def test_the_profile_marks_an_expired_token(client, bearer, users):
    bearer('ppk')
    clock.set_now(T0 + timedelta(days=90))
    login(client, users['ppk'].email)
    html = client.get('/auth/profile').get_data(as_text=True)
    assert 'Kedaluwarsa' in html
    assert 'Cabut</button>' not in html


def revoked_events():
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == 'token.revoked').order_by(AuditEvent.seq)
    ).all()
    return [(e.object_id, json.loads(e.payload)) for e in events]


def assert_only_ppk_tokens_ended(client, ppk_headers, other_headers, reason):
    response = me(client, ppk_headers)
    assert response.status_code == 401
    assert response.get_json()['error']['code'] == 'unauthorized'
    assert me(client, other_headers).status_code == 200  # another account's token still works
    db.session.expire_all()
    revoked = db.session.scalars(
        db.select(ApiToken).where(ApiToken.revoked_at.is_not(None)).order_by(ApiToken.id)
    ).all()
    assert {t.user.email for t in revoked} == {'ppk@uji.go.id'}
    assert revoked_events() == [(str(t.id), {'reason': reason}) for t in revoked]
    secret = ppk_headers['Authorization'].removeprefix('Bearer ')
    payloads = db.session.scalars(db.select(AuditEvent.payload)).all()
    assert not any(secret in p or t.token_hash in p for p in payloads for t in revoked)


def test_changing_the_password_revokes_every_token_of_the_account(client, bearer, users):
    ppk, ppk_second, other = bearer('ppk'), bearer('ppk'), bearer('pokja')
    login(client, users['ppk'].email)
    token = csrf_token(client, '/auth/password')
    response = client.post(
        '/auth/password',
        data={
            'current_password': PASSWORD,
            'new_password': NEW_PASSWORD,
            'confirm': NEW_PASSWORD,
            'csrf_token': token,
        },
    )
    assert response.status_code == 302
    assert me(client, ppk_second).status_code == 401
    assert_only_ppk_tokens_ended(client, ppk, other, 'password_changed')


def test_an_admin_reset_revokes_every_token_of_the_account(client, bearer, users):
    ppk, other = bearer('ppk'), bearer('pokja')
    login(client, users['admin'].email)
    url = f'/admin/users/{users["ppk"].id}'
    response = client.post(f'{url}/reset-password', data={'csrf_token': csrf_token(client, url)})
    assert response.status_code == 200
    assert_only_ppk_tokens_ended(client, ppk, other, 'password_reset')


def test_disabling_an_account_revokes_its_tokens_for_good(client, bearer, users):
    ppk, other = bearer('ppk'), bearer('pokja')
    login(client, users['admin'].email)
    url = f'/admin/users/{users["ppk"].id}'
    client.post(f'{url}/active', data={'csrf_token': csrf_token(client, url)})
    assert_only_ppk_tokens_ended(client, ppk, other, 'account_disabled')
    client.post(f'{url}/active', data={'csrf_token': csrf_token(client, url)})  # enabled again
    db.session.expire_all()
    assert users['ppk'].active
    assert me(client, ppk).status_code == 401  # the old token stays dead
