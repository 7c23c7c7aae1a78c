"""Submitting sealed bids through the API: receipts, idempotency, replace and withdraw, and
every refusal leaving nothing behind (no row, no blob, no audit event)."""

import io
import json
import threading
import zipfile
from datetime import timedelta

import pki_helpers
import pytest
from sqlalchemy import func, select

from lpse import audit, checkpoints, clock, pki_service
from lpse.bids.models import Bid, BidStatus, BidUploadLock
from lpse.crypto import receipts
from lpse.extensions import db
from lpse.tenders.stages import Stage
from lpse.vendors.models import VendorStatus

from .conftest import OTHER_KEY, T0, VENDOR_KEY, make_bid, seal, stored_files


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(Bid)),
        db.session.scalar(select(func.max(audit.AuditEvent.seq))),
    )


def test_a_sealed_bid_gets_a_signed_receipt(app, tender, bidder, token, post_bid):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    response = post_bid(tender, p7m, sig, token(bidder))
    assert response.status_code == 201, response.get_data(as_text=True)
    doc = response.get_json()
    authority = pki_service.authority()
    fields = receipts.verify_receipt(
        doc, ca_cert=authority.ca_cert, envelope=p7m, signer=authority.system_cert
    )
    assert fields['tender_code'] == tender.code and fields['envelope_kind'] == 'single'
    assert fields['vendor_name'] == 'PT Maju Jaya' and fields['vendor_npwp'] == '012345678901000'
    assert fields['received_at'] == '2026-03-02T02:00:00.000Z'
    assert fields['received_at_tender_zone'].endswith('10:00:00.000 WITA')
    assert fields['received_at_wib'].endswith('09:00:00.000 WIB')
    assert fields['receipt_number'].startswith(f'{tender.code}-1-')
    event = db.session.get(audit.AuditEvent, fields['audit_seq'])
    assert event.action == 'bid.submitted'
    assert fields['audit_checkpoint']['seq'] >= fields['audit_seq']
    bid = db.session.scalar(select(Bid))
    assert bid.sha256 == fields['envelope_sha256'] and bid.ip == '127.0.0.1'
    assert bid.receipt_document_id is None  # the PDF is issued on its first download
    blob = [p for p in stored_files(app) if p.name == bid.sha256]
    assert blob and blob[0].read_bytes() == p7m


def test_the_same_envelope_again_returns_the_same_receipt(tender, bidder, token, post_bid):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    headers = token(bidder)
    first = post_bid(tender, p7m, sig, headers)
    again = post_bid(tender, p7m, sig, headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 1


def test_multipart_upload_is_accepted(client, tender, bidder, token):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    response = client.post(
        f'/api/v1/tenders/{tender.code}/bids',
        data={'envelope': (io.BytesIO(p7m), 'bid.p7m'), 'signature': (io.BytesIO(sig), 'b.sig')},
        headers=token(bidder),
        content_type='multipart/form-data',
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def test_replacing_supersedes_and_withdrawing_is_recorded(client, tender, bidder, token, post_bid):
    headers = token(bidder)
    first, sig1 = seal(tender, bidder, VENDOR_KEY)
    second, sig2 = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, first, sig1, headers).status_code == 201
    replaced = post_bid(tender, second, sig2, headers)
    assert replaced.status_code == 201
    old, new = db.session.scalars(select(Bid).order_by(Bid.id)).all()
    assert (old.status, new.status) == (BidStatus.superseded, BidStatus.current)
    assert replaced.get_json()['receipt']['supersedes'] == old.sha256
    event = db.session.get(audit.AuditEvent, new.audit_seq)
    payload = json.loads(event.payload)
    assert (payload['sha256'], payload['supersedes']) == (new.sha256, old.sha256)
    mine = client.get(f'/api/v1/tenders/{tender.code}/bids/mine', headers=headers).get_json()
    assert [b['status'] for b in mine['bids']] == ['superseded', 'current']
    withdrawn = client.delete(f'/api/v1/tenders/{tender.code}/bids/mine', headers=headers)
    assert withdrawn.status_code == 200
    db.session.expire_all()
    assert db.session.get(Bid, new.id).status == BidStatus.withdrawn
    actions = db.session.scalars(select(audit.AuditEvent.action)).all()
    assert 'bid.withdrawn' in actions
    # The withdrawn envelope cannot come back as it was: seal again.
    assert post_bid(tender, second, sig2, headers).status_code == 409
    third, sig3 = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, third, sig3, headers).status_code == 201


def test_no_replace_or_withdraw_at_or_after_the_deadline(tender, bidder, token, post_bid, client):
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, headers).status_code == 201
    withdraw = client.delete(f'/api/v1/tenders/{tender.code}/bids/mine', headers=headers)
    assert withdraw.status_code == 200
    clock.set_now(tender.bid_deadline)
    late, late_sig = seal(tender, bidder, VENDOR_KEY)
    before = counts()
    refused = post_bid(tender, late, late_sig, headers)
    assert refused.status_code == 409
    assert refused.get_json()['error']['code'] == 'deadline_passed'
    assert counts() == before
    again = client.delete(f'/api/v1/tenders/{tender.code}/bids/mine', headers=headers)
    assert again.status_code == 409


# --- refusals: a clear error, and nothing stored -------------------------------------------------


def _tampered(tender, user):
    p7m, sig = seal(tender, user, VENDOR_KEY)
    data = bytearray(p7m)
    data[len(data) // 2] ^= 0x01
    return bytes(data), sig


def _other_tender(tender, user, create_tender):
    other = create_tender(Stage.bid_submission, title='Pengadaan Lain')
    return seal(
        tender,
        user,
        VENDOR_KEY,
        recipient=__import__('lpse.tenders.keys').tenders.keys.require_key(other).certificate,
    )


def _rival_signature(tender, user, rival):
    p7m, _sig = seal(tender, user, VENDOR_KEY)
    from lpse.crypto import detached

    from .conftest import _signing_cert

    return p7m, detached.sign_detached(
        p7m, key=pki_helpers.key(OTHER_KEY), cert=_signing_cert(rival)
    )


def _truncated_envelope(tender, user):
    p7m, _sig = seal(tender, user, VENDOR_KEY)
    from lpse.crypto import detached

    from .conftest import _signing_cert

    cut = p7m[:-40]
    return cut, detached.sign_detached(
        cut, key=pki_helpers.key(VENDOR_KEY), cert=_signing_cert(user)
    )


def _plain_zip(tender, user):
    from lpse.crypto import detached

    from .conftest import _signing_cert

    data = make_bid(tender, user)
    return data, detached.sign_detached(
        data, key=pki_helpers.key(VENDOR_KEY), cert=_signing_cert(user)
    )


@pytest.mark.parametrize(
    ('case', 'status', 'code'),
    [
        ('tampered', 422, 'envelope_rejected'),
        ('other_tender', 422, 'envelope_rejected'),
        ('rival_signature', 422, 'envelope_rejected'),
        ('truncated_envelope', 422, 'envelope_rejected'),
        ('plain_zip', 422, 'envelope_rejected'),
        ('no_signature', 422, 'envelope_rejected'),
    ],
)
def test_bad_envelopes_are_refused_and_nothing_is_kept(
    app, case, status, code, tender, bidder, rival, token, post_bid, create_tender
):
    make = {
        'tampered': lambda: _tampered(tender, bidder),
        'other_tender': lambda: _other_tender(tender, bidder, create_tender),
        'rival_signature': lambda: _rival_signature(tender, bidder, rival),
        'truncated_envelope': lambda: _truncated_envelope(tender, bidder),
        'plain_zip': lambda: _plain_zip(tender, bidder),
        'no_signature': lambda: (seal(tender, bidder, VENDOR_KEY)[0], b''),
    }[case]
    p7m, sig = make()
    headers = token(bidder)
    files, before = stored_files(app), counts()
    response = post_bid(tender, p7m, sig, headers)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()['error']
    assert error['code'] == code and error['message']
    assert counts() == before
    assert stored_files(app) == files


def test_tampered_envelope_is_refused_even_with_a_matching_signature(
    app, tender, bidder, token, post_bid
):
    """A byte changed inside the GCM ciphertext still scans: what catches it at submission is
    the submission signature; re-signing the tampered bytes is only possible for the vendor."""
    p7m, sig = _tampered(tender, bidder)
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 422


def test_a_well_formed_envelope_around_a_non_package_is_only_detectable_at_opening(
    tender, bidder, token, post_bid
):
    p7m, sig = seal(tender, bidder, VENDOR_KEY, package=b'not a zip at all, but signed')
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 201


@pytest.mark.parametrize('state', ['revoked', 'expired'])
def test_revoked_or_expired_certificates_are_refused(app, state, tender, bidder, token, post_bid):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    cert = pki_service.certificates_of(bidder)[0]
    if state == 'revoked':
        pki_service.revoke(cert, reason='key_compromise', actor=None, now=clock.now())
        db.session.commit()
    else:
        clock.set_now(cert.not_after + timedelta(seconds=1))
    headers = token(bidder)
    files, before = stored_files(app), counts()
    response = post_bid(tender, p7m, sig, headers)
    assert response.status_code in (403, 409)
    assert counts()[0] == before[0]
    assert stored_files(app) == files


def test_a_certificate_issued_for_the_vendor_but_revoked_cannot_sign_a_submission(
    app, tender, bidder, token, post_bid
):
    """The signer is checked at submission even when the vendor has another valid one."""
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    old = pki_service.certificates_of(bidder)[0]
    pki_helpers.certify(bidder, 12, server_held=True)
    pki_service.revoke(old, reason='key_compromise', actor=None, now=clock.now())
    db.session.commit()
    headers = token(bidder)
    files, before = stored_files(app), counts()
    response = post_bid(tender, p7m, sig, headers)
    assert response.status_code == 422
    assert 'dicabut' in response.get_json()['error']['message']
    assert counts()[0] == before[0] and stored_files(app) == files


def test_truncated_upload_is_refused(app, tender, bidder, token, post_bid):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    headers = token(bidder)
    files, before = stored_files(app), counts()
    response = post_bid(tender, None, sig, headers, stream=io.BytesIO(p7m[:1000]), length=len(p7m))
    # The server sees the body end early (400) or an envelope cut short (422): either way refused.
    assert response.status_code in (400, 422)
    assert counts()[0] == before[0] and stored_files(app) == files


def test_oversized_envelopes_are_refused_early_and_while_streaming(
    app, tender, bidder, token, post_bid
):
    app.config['LPSE_BID_MAX_SIZE'] = 2000
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    headers = token(bidder)
    files = stored_files(app)
    declared = post_bid(tender, p7m, sig, headers)
    assert declared.status_code == 413
    # A body that lies about its length (says small) is stopped while streaming.
    from lpse.bids import submission

    reader = submission._HashingReader(io.BytesIO(p7m), 2000)
    with pytest.raises(submission.PayloadTooLarge):
        while reader.read(1024):
            pass
    assert stored_files(app) == files
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0


def test_no_bid_before_the_upload_stage(create_tender, bidder, token, post_bid):
    early = create_tender(Stage.clarification)
    p7m, sig = seal(early, bidder, VENDOR_KEY)
    response = post_bid(early, p7m, sig, token(bidder))
    assert response.status_code == 409
    assert 'belum dimulai' in response.get_json()['error']['message']


@pytest.mark.parametrize('status', [VendorStatus.submitted, VendorStatus.suspended])
def test_unverified_vendors_are_refused(tender, bidder, token, post_bid, status):
    from lpse.vendors.verification import vendor_of

    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    vendor = vendor_of(bidder)
    vendor.status, vendor.status_reason = status.value, 'Uji'
    db.session.commit()
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 403


def test_blacklisted_vendors_are_refused(tender, bidder, token, post_bid):
    from lpse.vendors.models import BlacklistEntry
    from lpse.vendors.verification import vendor_of

    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    vendor = vendor_of(bidder)
    db.session.add(
        BlacklistEntry(
            company_name=vendor.company_name,
            npwp=vendor.npwp,
            npwp_key=vendor.npwp_key,
            nib=vendor.nib,
            reason='Uji',
            decree_number='1/2026',
            starts_on=T0.date() - timedelta(days=1),
            ends_on=T0.date() + timedelta(days=100),
            created_at=T0,
        )
    )
    db.session.commit()
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 403


def test_a_second_upload_while_the_first_is_running_is_refused(app, tender, bidder, token):
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    started, release = threading.Event(), threading.Event()

    class Slow(io.BytesIO):
        def read(self, n=-1):
            started.set()
            release.wait(10)
            return super().read(n)

        def readinto(self, buffer):
            started.set()
            release.wait(10)
            return super().readinto(buffer)

    results = {}

    def first():
        client = app.test_client()
        results['first'] = client.post(
            f'/api/v1/tenders/{tender.code}/bids',
            input_stream=Slow(p7m),
            headers={
                **headers,
                'Content-Type': 'application/pkcs7-mime',
                'Content-Length': str(len(p7m)),
                'X-LPSE-Submission-Signature': __import__('base64').b64encode(sig).decode(),
            },
        ).status_code

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(10)
    other, other_sig = seal(tender, bidder, VENDOR_KEY)
    second = app.test_client().post(
        f'/api/v1/tenders/{tender.code}/bids',
        data=other,
        headers={
            **headers,
            'Content-Type': 'application/pkcs7-mime',
            'X-LPSE-Submission-Signature': __import__('base64').b64encode(other_sig).decode(),
        },
    )
    release.set()
    thread.join(20)
    assert second.status_code == 409
    assert second.get_json()['error']['code'] == 'upload_in_progress'
    assert results['first'] == 201
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BidUploadLock)) == 0


def test_an_expired_lock_of_a_dead_upload_is_taken_over(tender, bidder, token, post_bid):
    from lpse.vendors.verification import vendor_of

    db.session.add(
        BidUploadLock(
            tender_id=tender.id,
            vendor_id=vendor_of(bidder).id,
            token='x' * 32,
            expires_at=T0 - timedelta(seconds=1),
        )
    )
    db.session.commit()
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 201


def test_the_per_vendor_rate_limit_answers_429_with_retry_after(
    app, tender, bidder, token, post_bid
):
    app.config['LPSE_BID_RATE_LIMIT'] = 2
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, headers).status_code == 201
    assert post_bid(tender, p7m, sig, headers).status_code == 200
    limited = post_bid(tender, p7m, sig, headers)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers['Retry-After']) <= 601


def test_bids_are_hidden_from_everyone_else_before_opening(
    client, tender, bidder, rival, token, post_bid, cast
):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    before = _public_view(client, tender)
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 201
    mine = client.get(f'/api/v1/tenders/{tender.code}/bids/mine', headers=token(rival))
    assert mine.get_json() == {'bids': []}
    sha = db.session.scalar(select(Bid.sha256))
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert sha not in page
    api = client.get(f'/api/v1/tenders/{tender.code}').get_data(as_text=True)
    assert sha not in api and 'bid_count' not in api
    assert client.get(f'/api/v1/tenders/{tender.code}/commitment').status_code == 404
    assert zipfile  # (imported for the plain-ZIP case above)
    # The checkpoint cut as the bid was recorded is in the bidder's receipt, but no public
    # list shows it before the deadline: the tender page's last audit point and the public
    # checkpoints do not move when a bid comes in.
    receipt = json.loads(db.session.scalar(select(Bid.receipt_json)))
    seq = receipt['receipt']['audit_checkpoint']['seq']
    cut = db.session.scalar(
        select(checkpoints.AuditCheckpoint).where(checkpoints.AuditCheckpoint.seq == seq)
    )
    assert cut.reason == 'bid.submitted' and cut.tender_id == tender.id
    assert _public_view(client, tender) == before
    clock.set_now(tender.bid_deadline)
    page_point, listed = _public_view(client, tender)
    assert seq in {c['checkpoint']['seq'] for c in listed} and cut.short in page_point
    assert page_point != before[0]


def _public_view(client, tender):
    """(the tender page's 'last audit point' line, the public checkpoints file's entries)."""
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    marker = 'Titik audit terakhir'
    line = page.split(marker)[1].split('</dd>')[0] if marker in page else ''
    listed = client.get('/audit/checkpoints.json').get_json()['checkpoints']
    assert listed == client.get('/api/v1/audit/checkpoints').get_json()['checkpoints']
    rows = client.get('/audit/checkpoints').get_data(as_text=True).count('</tr>')
    assert rows == (len(listed) + 1 if listed else 0)  # the page shows the same list
    return line, listed
