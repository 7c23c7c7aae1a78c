"""Keys and verifier pages show times in the officer's agency zone (#16 point 6: they said
WIB for everyone). Kota Uji is in Asia/Makassar: WITA."""

import re

from vendor_helpers import verify_vendor

from lpse.extensions import db
from lpse.vendors.models import VendorStatus


def zones_on(page: str) -> set[str]:
    return set(re.findall(r'\d{2}:\d{2} (WIB|WITA|WIT)\b', page))


def test_the_keys_page_of_a_pokja_member(client, cast, as_user):
    as_user(cast['pokja'])  # certified by the cast (pki_helpers.certify_pokja)
    page = client.get('/keys/').get_data(as_text=True)
    assert 'Sertifikat aktif' in page
    assert zones_on(page) == {'WITA'}


def test_the_verifier_queue_and_vendor_page(client, cast, person, as_user):
    vendor = verify_vendor(
        person('cv.zona@contoh.co.id', 'vendor'), company='CV Zona', status=VendorStatus.submitted
    )
    db.session.commit()
    as_user(cast['verifier'])
    page = client.get('/vendors/queue').get_data(as_text=True)
    assert 'CV Zona' in page and zones_on(page) == {'WITA'}  # the submission time
    detail = client.get(f'/vendors/{vendor.id}').get_data(as_text=True)
    assert 'CV Zona' in detail and zones_on(detail) <= {'WITA'}
