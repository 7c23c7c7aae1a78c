"""Logging in and out: generic failures, safe redirects, throttling, revocable sessions, TOTP."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from helpers import PASSWORD, csrf_token, login

from lpse import clock, statelog
from lpse.audit import AuditEvent
from lpse.auth.models import User
from lpse.extensions import db

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


STATE = statelog.ACTION  # the rows each change set: not the actions these tests name


def actions():
    return [
        e.action
        for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action != STATE).order_by(AuditEvent.seq)
        )
    ]


def test_login_success_redirects_and_is_audited(client, users):
    response = login(client, users['pokja'].email)
    assert response.status_code == 302
    assert response.headers['Location'] == '/beranda'
    profile = client.get('/auth/profile')
    assert profile.status_code == 200 and 'Pokja Pemilihan' in profile.get_data(as_text=True)
    assert actions()[-1] == 'auth.login'


@pytest.mark.parametrize('email', ['pokja@uji.go.id', 'nobody@uji.go.id'])
def test_failure_message_is_generic(client, users, email):
    response = login(client, email, 'wrong-password-123')
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert 'Email atau kata sandi salah.' in page
    assert 'tidak terdaftar' not in page
    assert actions()[-1] == 'auth.login_failed'


def test_disabled_account_cannot_log_in(client, users):
    users['ppk'].active = False
    db.session.commit()
    assert login(client, users['ppk'].email).status_code == 403


@pytest.mark.parametrize(
    ('target', 'expected'),
    [
        ('/admin/users', '/admin/users'),
        ('https://evil.example/', '/beranda'),
        ('//evil.example/', '/beranda'),
        ('/\\evil.example', '/beranda'),
        ('javascript:alert(1)', '/beranda'),
        ('/%0d%0aSet-Cookie:x', '/%0d%0aSet-Cookie:x'),
    ],
)
def test_next_redirect_stays_on_site(client, users, target, expected):
    token = csrf_token(client)
    response = client.post(
        '/auth/login',
        data={
            'email': users['admin'].email,
            'password': PASSWORD,
            'next': target,
            'csrf_token': token,
        },
    )
    assert response.status_code == 302
    assert response.headers['Location'] == expected


def test_protected_page_sends_anonymous_to_login_with_next(client):
    response = client.get('/admin/users')
    assert response.status_code == 302
    assert response.headers['Location'].startswith('/auth/login?next=')


def test_account_throttled_after_failures_then_released(client, users, app):
    clock.set_now(T0)
    limit = app.config['LPSE_LOGIN_ACCOUNT_FAILURES']
    for _ in range(limit):
        assert login(client, users['pokja'].email, 'wrong-password-123').status_code == 403
    # Even the right password is refused while the account is in its delay window …
    response = login(client, users['pokja'].email)
    assert response.status_code == 429
    assert 'Terlalu banyak percobaan' in response.get_data(as_text=True)
    # … which is short and capped: the real user gets in afterwards.
    clock.set_now(T0 + timedelta(seconds=app.config['LPSE_LOGIN_BASE_DELAY'] + 1))
    assert login(client, users['pokja'].email).status_code == 302


def test_lockout_delay_is_capped(client, users, app):
    clock.set_now(T0)
    for i in range(40):
        clock.set_now(T0 + timedelta(seconds=i))
        login(client, users['pokja'].email, 'wrong-password-123')
    cap = app.config['LPSE_LOGIN_MAX_DELAY']
    clock.set_now(T0 + timedelta(seconds=40 + cap + 1))
    assert login(client, users['pokja'].email).status_code == 302


def test_ip_throttled_across_accounts(app, client, make_user):
    app.config['LPSE_LOGIN_IP_FAILURES'] = 3
    clock.set_now(T0)
    for n in range(3):
        login(client, f'nobody{n}@uji.go.id', 'wrong-password-123')
    victim = make_user('victim@uji.go.id', 'vendor')
    assert login(client, victim.email).status_code == 429
    other_ip = app.test_client()
    token = csrf_token(other_ip)
    response = other_ip.post(
        '/auth/login',
        environ_base={'REMOTE_ADDR': '10.9.9.9'},
        data={'email': victim.email, 'password': PASSWORD, 'csrf_token': token},
    )
    assert response.status_code == 302


def test_logout_invalidates_a_copied_cookie(app, client, users):
    login(client, users['auditor'].email)
    stolen = client.get_cookie('lpse_session').value
    token = csrf_token(client, '/auth/profile')
    assert client.post('/auth/logout', data={'csrf_token': token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie('lpse_session', stolen)
    assert replay.get('/auth/profile').status_code == 302


def test_password_change_logs_out_other_sessions(app, client, users):
    other = app.test_client()
    login(other, users['ppk'].email)
    login(client, users['ppk'].email)
    token = csrf_token(client, '/auth/password')
    response = client.post(
        '/auth/password',
        data={
            'current_password': PASSWORD,
            'new_password': 'sandi-baru-panjang-1',
            'confirm': 'sandi-baru-panjang-1',
            'csrf_token': token,
        },
    )
    assert response.status_code == 302
    assert client.get('/auth/profile').status_code == 200  # this browser stays in
    assert other.get('/auth/profile').status_code == 302  # the other is out
    assert login(app.test_client(), users['ppk'].email, 'sandi-baru-panjang-1').status_code == 302


def test_wrong_current_password_changes_nothing(client, users):
    login(client, users['ppk'].email)
    token = csrf_token(client, '/auth/password')
    response = client.post(
        '/auth/password',
        data={
            'current_password': 'not-it-at-all',
            'new_password': 'sandi-baru-panjang-1',
            'confirm': 'sandi-baru-panjang-1',
            'csrf_token': token,
        },
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert PasswordHasher().verify(db.session.get(User, users['ppk'].id).password_hash, PASSWORD)


def test_disabling_an_account_ends_its_sessions(app, client, users):
    victim = app.test_client()
    login(victim, users['vendor'].email)
    login(client, users['admin'].email)
    token = csrf_token(client, f'/admin/users/{users["vendor"].id}')
    client.post(f'/admin/users/{users["vendor"].id}/active', data={'csrf_token': token})
    assert victim.get('/auth/profile').status_code == 302


def test_admin_reset_forces_a_new_password(app, client, users):
    login(client, users['admin'].email)
    token = csrf_token(client, f'/admin/users/{users["verifier"].id}')
    page = client.post(
        f'/admin/users/{users["verifier"].id}/reset-password', data={'csrf_token': token}
    ).get_data(as_text=True)
    temporary = page.split('id="one-time-password">')[1].split('<')[0]
    fresh = app.test_client()
    assert login(fresh, users['verifier'].email, PASSWORD).status_code == 403
    assert login(fresh, users['verifier'].email, temporary).status_code == 302
    response = fresh.get('/admin/users')
    assert response.status_code == 302
    assert response.headers['Location'] == '/auth/password'


def test_passwords_are_argon2id_at_library_defaults(users):
    stored = users['admin'].password_hash
    assert stored.startswith('$argon2id$')
    defaults = PasswordHasher()
    params = dict(p.split('=') for p in stored.split('$')[3].split(','))
    assert int(params['m']) >= defaults.memory_cost
    assert int(params['t']) >= defaults.time_cost
    assert int(params['p']) >= defaults.parallelism


def test_session_cookie_flags(client, users):
    response = login(client, users['admin'].email)
    cookie = response.headers['Set-Cookie']
    assert 'HttpOnly' in cookie
    assert 'SameSite=Lax' in cookie


def _enable_totp(user):
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    return pyotp.TOTP(secret)


def test_totp_login_accepts_a_code_once(app, client, users):
    totp = _enable_totp(users['pokja'])
    clock.set_now(T0)
    assert login(client, users['pokja'].email).headers['Location'] == '/auth/login/totp'
    code = totp.at(T0)
    token = csrf_token(client, '/auth/login/totp')
    response = client.post('/auth/login/totp', data={'code': code, 'csrf_token': token})
    assert response.status_code == 302
    assert client.get('/auth/profile').status_code == 200
    # The same code, from another browser, inside its 30 s window: refused.
    other = app.test_client()
    login(other, users['pokja'].email)
    token = csrf_token(other, '/auth/login/totp')
    response = other.post('/auth/login/totp', data={'code': code, 'csrf_token': token})
    assert response.status_code == 422
    assert other.get('/auth/profile').status_code == 302


def test_totp_wrong_code_refused(client, users):
    _enable_totp(users['pokja'])
    clock.set_now(T0)
    login(client, users['pokja'].email)
    token = csrf_token(client, '/auth/login/totp')
    response = client.post('/auth/login/totp', data={'code': '000000', 'csrf_token': token})
    assert response.status_code == 422
    assert client.get('/auth/profile').status_code == 302


def test_configuration_can_require_totp_for_officers(app, client, users):
    app.config['LPSE_REQUIRE_TOTP_ROLES'] = ('pokja', 'admin')
    login(client, users['pokja'].email)
    response = client.get('/auth/profile')
    assert response.status_code == 302
    assert response.headers['Location'] == '/auth/totp'
    page = client.get('/auth/totp').get_data(as_text=True)
    secret = page.split('<code class="secret">')[1].split('<')[0]
    token = csrf_token(client, '/auth/totp')
    code = pyotp.TOTP(secret).now()
    assert client.post('/auth/totp', data={'code': code, 'csrf_token': token}).status_code == 302
    assert client.get('/auth/profile').status_code == 200
    # Vendors are not officers: no second factor forced on them.
    vendor = app.test_client()
    login(vendor, users['vendor'].email)
    assert vendor.get('/auth/profile').status_code == 200
