"""The client address behind proxies, end to end: login throttling and audit events see the
real client behind configured proxies, and the peer itself when no proxy is trusted — a
forwarded header from an untrusted hop, or spoofed entries before the trusted ones, are never
believed (docs/OPERATIONS.md, Trusted proxies)."""

import pytest
from sqlalchemy import select

from lpse import audit
from lpse.auth.models import LoginThrottle
from lpse.extensions import db

BALANCER = '10.0.0.1'
ALICE, BOB = '203.0.113.5', '198.51.100.7'
# (LPSE_TRUSTED_PROXIES, what Alice's request carries when it reaches the node)
BEHIND_ONE_HOP = {'REMOTE_ADDR': BALANCER, 'X-Forwarded-For': f'6.6.6.6, {ALICE}'}


@pytest.fixture(params=[0, 1, '10.0.0.0/8'], ids=['untrusted', 'one-hop', 'networks'])
def trusted(request):
    return request.param


@pytest.fixture
def app_config(app_config, trusted):
    return {
        **app_config,
        'WTF_CSRF_ENABLED': False,
        'LPSE_TRUSTED_PROXIES': trusted,
        'LPSE_LOGIN_IP_FAILURES': 2,
        'LPSE_LOGIN_ACCOUNT_FAILURES': 100,
    }


def through_balancer(client, path, client_addr, data=None, spoof='6.6.6.6'):
    """A request the balancer forwards for `client_addr`; the client itself sent `spoof`."""
    return client.post(
        path,
        data=data or {},
        environ_base={'REMOTE_ADDR': BALANCER},
        headers={'X-Forwarded-For': f'{spoof}, {client_addr}', 'X-Forwarded-Proto': 'https'},
    )


def fail_login(client, addr, email='nobody@uji.go.id'):
    data = {'email': email, 'password': 'salah-sekali-123'}
    return through_balancer(client, '/auth/login', addr, data)


def test_login_throttling_counts_the_real_client(client, trusted):
    for _ in range(2):
        fail_login(client, ALICE)
    keys = set(db.session.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like('ip:%'))))
    bob = fail_login(client, BOB)
    if trusted:
        assert keys == {f'ip:{ALICE}'}  # never the spoofed entry, never the balancer
        assert bob.status_code != 429  # Bob is not locked out by Alice's failures
        assert fail_login(client, ALICE).status_code == 429
    else:
        assert keys == {f'ip:{BALANCER}'}  # the header of an untrusted hop is ignored
        assert bob.status_code == 429  # behind an unconfigured balancer, one address for all


def test_audit_events_carry_the_real_client(client, users, trusted):
    data = {'email': users['vendor'].email, 'password': 'kata-sandi-uji-123'}
    assert through_balancer(client, '/auth/login', ALICE, data).status_code == 302
    event = db.session.scalar(
        select(audit.AuditEvent).order_by(audit.AuditEvent.seq.desc()).limit(1)
    )
    assert event.action == 'auth.login'
    assert event.actor_ip == (ALICE if trusted else BALANCER)


def test_a_client_talking_to_the_node_directly_cannot_claim_an_address(client, trusted):
    """Alice bypasses the balancer and sends the header herself: it is not believed."""
    client.post(
        '/auth/login',
        data={'email': 'nobody@uji.go.id', 'password': 'salah-sekali-123'},
        environ_base={'REMOTE_ADDR': ALICE},
        headers={'X-Forwarded-For': BOB},
    )
    keys = set(db.session.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like('ip:%'))))
    expected = BOB if trusted == 1 else ALICE
    assert keys == {f'ip:{expected}'}
