"""Pages a newcomer met (issue #16, point 6): times in the agency's zone (profile, keys,
verifier and audit pages said WIB for everyone), a favicon, size limits before uploads."""

import re

import pytest

from lpse import clock
from lpse.auth import operations
from lpse.extensions import db


@pytest.fixture
def app_config(app_config):
    return {**app_config, 'WTF_CSRF_ENABLED': False}


def zones_on(page: str) -> set[str]:
    return set(re.findall(r'\d{2}:\d{2} (WIB|WITA|WIT)\b', page))


@pytest.mark.parametrize('role', ['auditor', 'verifier', 'pokja'])
def test_officers_see_times_in_their_agencys_zone(client, users, login_as, role):
    operations.create_token(users[role], 'uji', now=clock.now())
    db.session.commit()
    login_as(role)
    pages = ['/auth/profile'] + (['/audit/'] if role == 'auditor' else [])
    for url in pages:
        page = client.get(url).get_data(as_text=True)
        assert zones_on(page) == {'WITA'}, url  # Kota Uji is in Asia/Makassar


def test_a_vendor_sees_the_instances_zone(app, client, users, login_as):
    app.config['BABEL_DEFAULT_TIMEZONE'] = 'Asia/Jayapura'
    operations.create_token(users['vendor'], 'uji', now=clock.now())
    db.session.commit()
    login_as('vendor')
    assert zones_on(client.get('/auth/profile').get_data(as_text=True)) == {'WIT'}


def test_every_page_links_the_favicon(client):
    page = client.get('/').get_data(as_text=True)
    href = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page).group(1)
    icon = client.get(href)
    assert icon.status_code == 200 and b'<svg' in icon.data


def test_the_vendor_document_limit_is_shown_before_the_upload(app, client, users, login_as):
    from vendor_helpers import verify_vendor

    from lpse.vendors.models import VendorStatus

    verify_vendor(users['vendor'], company='PT Uji', status=VendorStatus.submitted)
    app.config['LPSE_VENDOR_DOCUMENT_MAX_SIZE'] = 5 * 1024 * 1024
    login_as('vendor')
    page = client.get('/vendors/me').get_data(as_text=True)
    assert 'paling besar 5 MB' in page
