"""The ceremony's rules at the service level: deadline, membership, commitments, k of n, what
is recorded per bid, and that an opening is one transaction."""

import io
import json
from decimal import Decimal

import opening_helpers
import pypdf
import pytest
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from lpse import audit, clock
from lpse.bids.models import Bid
from lpse.errors import Conflict, NotAllowed, StageClosed
from lpse.extensions import db
from lpse.jobs import operations as job_ops
from lpse.jobs.models import Job
from lpse.opening import ceremony as ceremony_module
from lpse.opening import shares, state
from lpse.opening.models import OpenedBid, OpeningCeremony, ShareRelease
from lpse.tenders.keys import key_of

from .conftest import MS, OTHER_KEY, VENDOR_KEY, make_bid, submit, submit_sealed


def events(action):
    return db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == action)
    ).all()


def test_k_valid_shares_open_every_bid(tender, bids, members):
    assert tender.threshold == 2
    first = opening_helpers.release(tender, members[0])
    ceremony = state.ceremony_of(tender, 'single')
    assert ceremony.opened_at is None and first.share is not None
    assert db.session.scalar(select(func.count()).select_from(OpenedBid)) == 0
    opening_helpers.release(tender, members[1])
    db.session.refresh(ceremony)
    assert ceremony.opened_at == clock.now() and tender.bids_opened_at == clock.now()
    results = db.session.scalars(select(OpenedBid).order_by(OpenedBid.bid_id)).all()
    assert [r.bid_id for r in results] == [b.id for b in bids]
    assert {r.result for r in results} == {'opened'} and all(r.signature_valid for r in results)
    bid = json.loads(results[0].bid_json)
    assert bid['tender_code'] == tender.code and len(bid['price_lines']) == 2
    assert results[0].declared_total == Decimal('1300000000.00')
    assert results[0].tkdn == Decimal('40') and results[0].validity_days == 90
    # the shares are erased once used; the key is published; every release is audited
    assert all(r.share is None for r in db.session.scalars(select(ShareRelease)))
    assert key_of(tender).published_key_pem.startswith('-----BEGIN PRIVATE KEY-----')
    assert len(events('opening.share_released')) == 2
    assert len(events('bid.opened')) == 3 and len(events('opening.completed')) == 1
    assert ceremony.minutes_document_id is not None and ceremony.checkpoint_id is not None


def test_k_minus_one_shares_open_nothing(tender, bids, members):
    opening_helpers.release(tender, members[0])
    assert db.session.scalar(select(func.count()).select_from(OpenedBid)) == 0
    assert state.ceremony_of(tender, 'single').opened_at is None
    assert tender.bids_opened_at is None and key_of(tender).published_key_pem is None
    assert state.released_count(state.ceremony_of(tender, 'single')) == 1


def test_shares_before_the_deadline_are_refused(tender, bids, members):
    clock.set_now(tender.bid_deadline - MS)
    share = opening_helpers.decrypted_share(tender, members[0])
    with pytest.raises(StageClosed, match='batas akhir'):
        shares.release_share(tender, members[0], share, via='cli', now=clock.now())
    with pytest.raises(StageClosed):
        shares.encrypted_share(tender, members[0], now=clock.now())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OpeningCeremony)) == 0
    assert events('opening.share_released') == []


def test_a_corrupted_share_is_refused_and_names_its_member(tender, bids, members):
    words = opening_helpers.decrypted_share(tender, members[0]).split()
    words[5] = 'academic' if words[5] != 'academic' else 'acid'
    with pytest.raises(shares.ShareRefused) as refused:
        shares.release_share(tender, members[0], ' '.join(words), via='cli', now=clock.now())
    assert members[0].email in refused.value.message and members[0].name in refused.value.message
    db.session.commit()  # the edge commits the refusal's audit event
    assert [e.actor_id for e in events('opening.share_refused')] == [members[0].id]
    assert db.session.scalar(select(func.count()).select_from(ShareRelease)) == 0


def test_another_members_share_is_refused(tender, bids, members):
    """A valid SLIP-39 share, but of someone else: its commitment does not fit."""
    other = opening_helpers.decrypted_share(tender, members[1])
    with pytest.raises(shares.ShareRefused):
        shares.release_share(tender, members[0], other, via='cli', now=clock.now())


def test_a_non_member_cannot_release(tender, bids, cast, members):
    share = opening_helpers.decrypted_share(tender, members[0])
    for outsider in (cast['pokja_other'], cast['ppk'], cast['auditor'], cast['vendor']):
        with pytest.raises(NotAllowed):
            shares.release_share(tender, outsider, share, via='cli', now=clock.now())


def test_a_member_releases_once(tender, bids, members):
    opening_helpers.release(tender, members[0])
    with pytest.raises(Conflict):
        opening_helpers.release(tender, members[0])


def test_superseded_and_withdrawn_bids_are_listed_not_opened(tender, bidder, rival, members):
    first = submit_sealed(tender, bidder, VENDOR_KEY, marker='satu')
    second = submit_sealed(tender, bidder, VENDOR_KEY, marker='dua')
    gone = submit_sealed(tender, rival, OTHER_KEY)
    from lpse.bids import submission
    from lpse.vendors import verification

    submission.withdraw(tender, rival, verification.vendor_of(rival), now=clock.now())
    db.session.commit()
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    found = {r.bid_id: (r.result, r.reason_detail) for r in db.session.scalars(select(OpenedBid))}
    assert found == {
        first.id: ('not_opened', 'superseded'),
        second.id: ('opened', None),
        gone.id: ('not_opened', 'withdrawn'),
    }


def test_a_bid_signed_by_someone_else_is_not_openable_and_the_others_open(
    client, as_user, tender, bidder, rival, third, members
):
    """The rival signs the inside of a package in the bidder's name; the bidder submits it."""
    import pki_helpers

    from lpse.bids.permissions import signing_certificate
    from lpse.crypto import detached, envelope
    from lpse.tenders.keys import require_key

    package = make_bid(tender, bidder)
    inner = envelope.seal(
        package,
        signer_key=pki_helpers.key(OTHER_KEY),
        signer_cert=signing_certificate(rival, clock.now()).x509,
        recipient_cert=require_key(tender).certificate,
    )
    bidder_cert = signing_certificate(bidder, clock.now()).x509
    sig = detached.sign_detached(inner, key=pki_helpers.key(VENDOR_KEY), cert=bidder_cert)
    forged = submit(tender, bidder, inner, sig)
    honest = submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = {r.bid_id: r for r in db.session.scalars(select(OpenedBid))}
    assert rows[forged.id].result == 'not_openable'
    assert rows[forged.id].reason == 'signer_mismatch'
    assert rows[forged.id].bid_json is None and rows[forged.id].signature_valid is True
    assert rows[honest.id].result == 'opened'
    # The officers' record names the signer; the minutes every bidder reads do not.
    rival_cert = signing_certificate(rival, clock.now()).x509
    subject = rival_cert.subject.rfc4514_string()
    assert subject in rows[forged.id].reason_detail
    common_name = rival_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    as_user(bidder)
    minutes = client.get(f'/tenders/{tender.code}/opening/minutes/single.pdf')
    assert minutes.status_code == 200
    text = ' '.join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(minutes.data)).pages)
    flat = text.replace('\n', '').replace(' ', '')
    assert 'bukan milik akun penyedia pengirim' in text
    assert common_name.replace(' ', '') not in flat and 'CN=' not in flat
    assert format(rival_cert.serial_number, 'x') not in flat.lower()


def _opening_job(tender):
    return ceremony_module.opening_job(state.ceremony_of(tender, 'single'))


def _failed_opening_job(tender):
    return db.session.scalars(
        select(Job).where(Job.kind == 'opening.open', Job.status == 'failed')
    ).one()


def test_opening_is_one_transaction(app, tender, bids, members, cast, monkeypatch):
    """A failure after some bids were opened leaves nothing: no results, no key, no milestone;
    the k-th release stands and its opening job fails visibly, after its retries; the admin's
    retry opens."""
    from lpse.opening import minutes

    opening_helpers.release(tender, members[0])

    def broken(*args, **kwargs):
        raise RuntimeError('renderer down')

    monkeypatch.setattr(minutes, 'issue_minutes', broken)
    opening_helpers.release(tender, members[1])  # the release itself succeeds
    failed = _failed_opening_job(tender)
    assert failed.last_error == 'RuntimeError: renderer down'
    assert failed.attempts == 1 + app.config['LPSE_JOB_RETRIES']
    assert db.session.scalar(select(func.count()).select_from(OpenedBid)) == 0
    assert state.released_count(state.ceremony_of(tender, 'single')) == 2
    assert key_of(tender).published_key_pem is None
    db.session.refresh(tender)
    assert tender.bids_opened_at is None
    assert events('bid.opened') == []
    assert all(r.share is not None for r in db.session.scalars(select(ShareRelease)))
    monkeypatch.undo()
    job_ops.retry(failed, actor=cast['admin'], now=clock.now())
    db.session.commit()
    assert state.is_opened(tender)
    assert _opening_job(tender).status == 'done'
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 3


def test_a_rolled_back_opening_leaves_no_signed_minutes_behind(
    tender, bids, members, cast, monkeypatch
):
    from lpse import storage
    from lpse.opening import minutes

    opening_helpers.release(tender, members[0])
    issued = []
    real = minutes.issue_minutes

    def then_fail(*args, **kwargs):
        document = real(*args, **kwargs)
        issued.append(document.blob_sha256)
        assert storage.blob_store().exists(document.blob_sha256)
        raise RuntimeError('database went away after the minutes were written')

    monkeypatch.setattr(minutes, 'issue_minutes', then_fail)
    opening_helpers.release(tender, members[1])
    assert issued and not any(storage.blob_store().exists(sha) for sha in issued)
    monkeypatch.undo()
    # the next attempt opens and its minutes stay
    job_ops.retry(_failed_opening_job(tender), actor=cast['admin'], now=clock.now())
    db.session.commit()
    ceremony = state.ceremony_of(tender, 'single')
    assert ceremony.opened_at is not None
    assert storage.blob_store().exists(ceremony.minutes_document.blob_sha256)
