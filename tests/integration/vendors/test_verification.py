"""The verifier's queue and decisions, resubmission, suspension — pages and API."""

import re

import pytest

from lpse import statelog
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.vendors.models import PROFILE_FIELDS, Vendor, VendorStatus

STATE = statelog.ACTION  # the rows each change set: not the actions these tests name


def last_action():
    return db.session.scalar(
        db.select(AuditEvent.action)
        .where(AuditEvent.action != STATE)
        .order_by(AuditEvent.seq.desc())
    )


@pytest.fixture
def verifier(person, agency):
    return person('verifikator@lpse.go.id', 'verifier', agency=agency)


@pytest.fixture
def admin(person, agency):
    return person('admin@lpse.go.id', 'admin', agency=agency)


def profile_form(vendor, **changes):
    form = {
        'company_name': vendor.company_name,
        'legal_form': vendor.legal_form,
        'npwp': vendor.npwp,
        'nib': vendor.nib,
        'address': vendor.address,
        'province': vendor.province,
        'city': vendor.city,
        'phone': vendor.phone,
        'size_class': vendor.size_class,
        'sbu_grade': '',
        'directors-0-name': 'Direktur',
        'directors-0-position': 'Direktur',
        'directors-0-nik': '3174011505800001',
        'licences-0-name': 'Izin',
        'licences-0-number': '1',
        'licences-0-kbli': '46100',
    }
    return form | changes


def test_reject_then_resubmit_then_approve(client, as_user, create_vendor, verifier, outbox):
    vendor = create_vendor(verified=False)
    as_user(verifier)
    queue = client.get('/vendors/queue').get_data(as_text=True)
    assert vendor.company_name in queue
    detail = client.get(f'/vendors/{vendor.id}').get_data(as_text=True)
    assert 'Keputusan verifikasi' in detail and 'akta.pdf' in detail
    assert re.search(r'<option (selected )?value="">— pilih keputusan —</option>', detail)
    assert 'selected value="approve"' not in detail  # nothing preset: no careless approval
    response = client.post(f'/vendors/{vendor.id}/verification', data={'decision': ''})
    assert response.status_code == 422 and 'Pilih keputusan.' in response.get_data(as_text=True)
    response = client.post(f'/vendors/{vendor.id}/verification', data={'decision': 'reject'})
    assert response.status_code == 422  # a rejection needs a reason
    assert 'Alasan wajib diisi' in response.get_data(as_text=True)
    response = client.post(
        f'/vendors/{vendor.id}/verification',
        data={'decision': 'reject', 'reason': 'Akta tidak terbaca'},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert vendor.status == VendorStatus.rejected and last_action() == 'vendor.rejected'
    assert 'Akta tidak terbaca' in outbox[-1].get_content()

    as_user(vendor.user)
    dashboard = client.get('/vendors/me').get_data(as_text=True)
    assert 'Ditolak' in dashboard and 'Akta tidak terbaca' in dashboard
    assert client.get('/vendors/me/edit').status_code == 200
    response = client.post('/vendors/me/edit', data=profile_form(vendor, address='Jl. Baru 2'))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert vendor.status == VendorStatus.submitted and vendor.address == 'Jl. Baru 2'
    assert last_action() == 'vendor.resubmitted'

    as_user(verifier)
    page = client.get(f'/vendors/{vendor.id}').get_data(as_text=True)
    version = re.search(r'name="content_version" type="hidden" value="(\w+)"', page).group(1)
    db.session.expire_all()
    assert version == vendor.content_version()
    response = client.post(
        f'/vendors/{vendor.id}/verification',
        data={'decision': 'approve', 'content_version': version},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert vendor.status == VendorStatus.verified and last_action() == 'vendor.verified'
    told = outbox[-1].get_content()  # what to do next: the signing key
    assert 'Terverifikasi' in told and 'Langkah berikutnya' in told and '/keys/' in told
    as_user(vendor.user)
    assert client.get('/vendors/me/edit').status_code == 403  # verified data is frozen
    dashboard = client.get('/vendors/me').get_data(as_text=True)
    assert 'Untuk menawar Anda memerlukan sertifikat penandatanganan' in dashboard
    assert 'hanya penyedia dalam daftar pendek yang dapat menawar' in dashboard


def test_the_decision_mail_is_in_the_vendors_language(
    client, as_user, create_vendor, verifier, outbox
):
    vendor = create_vendor(verified=False)
    vendor.user.locale = 'en'
    db.session.commit()
    as_user(verifier)  # the verifier reads Indonesian
    page = client.get(f'/vendors/{vendor.id}').get_data(as_text=True)
    version = re.search(r'name="content_version" type="hidden" value="(\w+)"', page).group(1)
    client.post(
        f'/vendors/{vendor.id}/verification',
        data={'decision': 'approve', 'content_version': version},
    )
    mail = outbox[-1]
    assert 'Next step: create your signing key' in mail.get_content()
    assert 'Langkah' not in mail.get_content()


def test_request_changes_and_resubmit_through_the_api(client, create_vendor, verifier, token_for):
    vendor = create_vendor(verified=False)
    headers = token_for(verifier)
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=headers,
        json={'decision': 'request_changes'},
    )
    assert response.status_code == 422
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=headers,
        json={'decision': 'request_changes', 'reason': 'Lengkapi izin'},
    )
    assert response.status_code == 200
    assert response.get_json()['status'] == 'changes_requested'
    assert last_action() == 'vendor.changes_requested'
    version = response.get_json()['content_version']
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=headers,
        json={'decision': 'approve', 'content_version': version},
    )
    assert response.status_code == 409  # not in the queue any more
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification', headers=headers, json={'decision': 'maybe'}
    )
    assert response.status_code == 422
    listed = client.get('/api/v1/vendors?status=changes_requested', headers=headers).get_json()
    assert [v['id'] for v in listed['vendors']] == [vendor.id]

    # The vendor corrects its data and resubmits (PUT), which puts it back in the queue.
    mine = token_for(vendor.user)
    current = client.get(f'/api/v1/vendors/{vendor.id}', headers=mine).get_json()
    profile = {k: current[k] for k in PROFILE_FIELDS} | {
        'directors': current['directors'],
        'licences': current['licences'] + [{'name': 'SIUP', 'number': 'S-9', 'kbli': '47111'}],
    }
    bad = profile | {'directors': [{'name': 'X', 'position': 'Y', 'nik': '12'}]}
    response = client.put(f'/api/v1/vendors/{vendor.id}', headers=mine, json=bad)
    assert response.status_code == 422
    assert 'NIK' in response.get_json()['error']['message']
    db.session.expire_all()
    assert vendor.status == VendorStatus.changes_requested
    response = client.put(f'/api/v1/vendors/{vendor.id}', headers=mine, json=profile)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body['status'] == 'submitted' and len(body['licences']) == 2
    assert last_action() == 'vendor.resubmitted'
    assert body['content_version'] != version
    # A stale version (what the verifier saw before the resubmission) is refused …
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=headers,
        json={'decision': 'approve', 'content_version': version},
    )
    assert response.status_code == 409
    # … the current one is approved, and the decision records the version it was made on.
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=headers,
        json={'decision': 'approve', 'content_version': body['content_version']},
    )
    assert response.status_code == 200 and response.get_json()['status'] == 'verified'
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action != STATE).order_by(AuditEvent.seq.desc())
    )
    assert event.action == 'vendor.verified'
    assert body['content_version'] in event.payload
    # Verified data is frozen: no more edits through the API.
    response = client.put(f'/api/v1/vendors/{vendor.id}', headers=mine, json=profile)
    assert response.status_code == 403


def test_approval_needs_the_required_documents(client, create_vendor, verifier, token_for):
    vendor = create_vendor(verified=False, documents=False)
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=token_for(verifier),
        json={'decision': 'approve', 'content_version': vendor.content_version()},
    )
    assert response.status_code == 422
    message = response.get_json()['error']['message']
    assert 'dokumen wajib belum lengkap (belum ada: AKTA, NIB, NPWP)' in message
    assert 'Minta perbaikan' in message  # what the verifier can do instead
    db.session.expire_all()
    assert vendor.status == VendorStatus.submitted


def test_the_queue_marks_a_registration_without_its_documents(
    client, create_vendor, verifier, as_user
):
    without = create_vendor(verified=False, documents=False)
    as_user(verifier)
    queue = client.get('/vendors/queue').get_data(as_text=True)
    row = queue.split(without.company_name)[1].split('</tr>')[0]
    assert 'Dokumen wajib belum lengkap' in row


def test_unconfirmed_registrations_are_not_in_the_queue(client, create_vendor, verifier, token_for):
    vendor = create_vendor(status=VendorStatus.unconfirmed)
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=token_for(verifier),
        json={'decision': 'approve'},
    )
    assert response.status_code == 409


def test_only_verifiers_decide(client, create_vendor, admin, token_for, person):
    vendor = create_vendor(verified=False)
    for user in (admin, person('auditor@bpkp.go.id', 'auditor'), create_vendor().user):
        response = client.post(
            f'/api/v1/vendors/{vendor.id}/verification',
            headers=token_for(user),
            json={'decision': 'approve'},
        )
        assert response.status_code == 403
    db.session.expire_all()
    assert vendor.status == VendorStatus.submitted


def test_admin_suspends_and_reinstates(client, as_user, create_vendor, admin, outbox):
    vendor = create_vendor()
    as_user(admin)
    response = client.post(f'/vendors/{vendor.id}/suspend', data={'suspend-reason': ''})
    assert response.status_code == 422
    response = client.post(
        f'/vendors/{vendor.id}/suspend', data={'suspend-reason': 'Putusan pengadilan'}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert vendor.status == VendorStatus.suspended and last_action() == 'vendor.suspended'
    assert (
        client.post(f'/vendors/{vendor.id}/suspend', data={'suspend-reason': 'lagi'}).status_code
        == 403
    )
    response = client.post(
        f'/vendors/{vendor.id}/reinstate', data={'reinstate-reason': 'Putusan dibatalkan'}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert vendor.status == VendorStatus.verified and last_action() == 'vendor.reinstated'


def test_a_vendor_sees_only_itself(client, create_vendor, token_for):
    mine, other = create_vendor(), create_vendor()
    headers = token_for(mine.user)
    assert client.get(f'/api/v1/vendors/{mine.id}', headers=headers).status_code == 200
    assert client.get(f'/api/v1/vendors/{other.id}', headers=headers).status_code == 404
    assert client.get('/api/v1/vendors', headers=headers).status_code == 403
    assert db.session.get(Vendor, other.id) is not None
