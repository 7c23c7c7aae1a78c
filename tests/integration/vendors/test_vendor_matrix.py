"""Walk every vendor, blacklist and key route as every role, a vendor on its own record and
another vendor on it: exact statuses."""

from datetime import timedelta

import pytest
from matrix import ANON, walk
from matrix_vendors import MATRIX, WHO

from lpse import clock, pki_service
from lpse.crypto import pki
from lpse.extensions import db
from lpse.pki_service import Custody
from lpse.vendors.models import BlacklistEntry, VendorStatus

from .conftest import PASSWORD


@pytest.mark.parametrize('who', WHO)
def test_vendor_access_matrix(
    client, person, agency, create_vendor, authority, token_for, spare_keys, who
):
    own = create_vendor(status=VendorStatus.submitted)
    other = create_vendor()
    cert = pki_service.issue(
        own.user,
        spare_keys[0].public_key(),
        pki.build_subject(common_name='x'),
        profile=pki.Profile.signing,
        custody=Custody.self_held,
        now=clock.now(),
    )
    admin = person('admin@lpse.go.id', 'admin', agency=agency)
    entry = BlacklistEntry(
        company_name='PT X',
        nib='9999999999999',
        reason='r',
        decree_number='SK',
        starts_on=clock.now().date(),
        ends_on=clock.now().date() + timedelta(days=30),
        created_at=clock.now(),
        created_by_id=admin.id,
    )
    db.session.add(entry)
    db.session.commit()
    users = {
        'admin': admin,
        'verifier': person('verif@lpse.go.id', 'verifier', agency=agency),
        'ppk': person('ppk@lpse.go.id', 'ppk', agency=agency),
        'pokja': person('pokja@lpse.go.id', 'pokja', agency=agency),
        'auditor': person('auditor@bpkp.go.id', 'auditor'),
        'vendor': own.user,
        'other_vendor': other.user,
    }
    headers = {}
    if who != ANON:
        response = client.post(
            '/auth/login', data={'email': users[who].email, 'password': PASSWORD}
        )
        assert response.status_code == 302
        headers = token_for(users[who])
    wrong = walk(
        client,
        MATRIX,
        who,
        headers,
        own=own.id,
        other=other.id,
        doc=own.documents[0].id,
        doc2=own.documents[1].id,
        doc3=own.documents[2].id,
        cert=cert.id,
        entry=entry.id,
    )
    assert wrong == {}, f'(got, expected) for {who}'
