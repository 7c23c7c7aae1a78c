"""The bid row's IP (what the red flags compare) is the real client behind the configured
proxies, never a header from an untrusted hop; links built behind TLS termination are https."""

import pytest
from sqlalchemy import select

from lpse.bids.models import Bid
from lpse.extensions import db

from .conftest import P7M, VENDOR_KEY, seal, sig_header

BALANCER, VENDOR_ADDR, SPOOF = '10.0.0.1', '203.0.113.5', '6.6.6.6'


@pytest.fixture(params=[0, 1, '10.0.0.0/8'], ids=['untrusted', 'one-hop', 'networks'])
def trusted(request):
    return request.param


@pytest.fixture
def app_config(app_config, trusted):
    return {**app_config, 'LPSE_TRUSTED_PROXIES': trusted}


def forwarded():
    return {
        'environ_base': {'REMOTE_ADDR': BALANCER},
        'headers': {'X-Forwarded-For': f'{SPOOF}, {VENDOR_ADDR}', 'X-Forwarded-Proto': 'https'},
    }


def test_the_bid_ip_is_the_real_client(client, tender, bidder, token, trusted):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    request = forwarded()
    request['headers'] |= {
        **token(bidder),
        'Content-Type': P7M,
        'X-LPSE-Submission-Signature': sig_header(sig),
    }
    response = client.post(f'/api/v1/tenders/{tender.code}/bids', data=p7m, **request)
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Bid.ip)) == (VENDOR_ADDR if trusted else BALANCER)


def test_links_behind_tls_termination_are_https(client, tender, trusted):
    url = client.get(f'/api/v1/tenders/{tender.code}', **forwarded()).get_json()['url']
    assert url.startswith('https://' if trusted else 'http://')
