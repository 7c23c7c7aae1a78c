"""The opening itself (ARCHITECTURE §4): with k valid shares, rebuild the tender key, check it
against the tender certificate, open every current envelope of this ceremony's kind and record
per bid what was found — all in one transaction, so an opening is complete or absent. It runs
as a job (`opening.open`), asked for by the k-th release once that has committed; the job's
page (and the opening page) show its progress, a failure is retried and then listed for the
admin, and a job run twice opens once. The released shares are erased once used; the key is
published after the last ceremony (for a two-file tender only after File II, or File II would
be readable by anyone)."""

import dataclasses

from cryptography.hazmat.primitives import serialization
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lpse import audit, checkpoints, clock, jobs, pki_service, storage
from lpse.auth.models import User
from lpse.bids import sealing
from lpse.bids.models import Bid, BidStatus
from lpse.crypto import pki, shamir
from lpse.crypto.canonical import canonical_json
from lpse.crypto.errors import CryptoError
from lpse.errors import Conflict
from lpse.extensions import db
from lpse.opening import minutes, unseal, workers
from lpse.opening.models import OpenedBid, OpeningCeremony, OpenResult
from lpse.opening.state import PRICE, SINGLE, TECHNICAL, ceremony_kinds, ceremony_of
from lpse.tenders import keys, news
from lpse.tenders.locking import lock_tenders


def rebuild_tender_key(tender, ceremony):
    """The tender private key from the released shares, checked against the tender certificate."""
    row = keys.require_key(tender)
    mnemonics = [r.share.decode() for r in ceremony.releases if r.share]
    try:
        key = shamir.recover_tender_key(row.protected_key, shamir.combine_shares(mnemonics))
    except CryptoError as exc:
        raise Conflict(
            _l('Kunci tender tidak dapat disusun ulang: %(why)s', why=exc.message)
        ) from None
    if not pki.key_matches_certificate(key, row.certificate):
        raise Conflict(_l('Kunci yang tersusun tidak cocok dengan sertifikat tender.'))
    return key, row


OPEN_JOB = 'opening.open'


def request_opening(tender, ceremony, *, actor, now):
    """Queue the opening of a ceremony that has its k shares (once per ceremony)."""
    return jobs.submit(
        OPEN_JOB,
        key=f'ceremony:{ceremony.id}',
        actor=actor,
        tender=tender,
        now=now,
        ceremony_id=ceremony.id,
        actor_id=actor.id,
    )


def opening_job(ceremony):
    """The queued, running or done opening job of a ceremony, if any."""
    return jobs.live_job(OPEN_JOB, f'ceremony:{ceremony.id}') if ceremony is not None else None


@jobs.task(OPEN_JOB, label=_l('Pembukaan penawaran'))
def _open_job(job, *, ceremony_id, actor_id):
    ceremony = db.session.get(OpeningCeremony, ceremony_id)
    lock_tenders(db.session, [ceremony.tender_id])  # as every operation on a tender does
    db.session.refresh(ceremony)
    if ceremony.opened_at is not None:  # an earlier attempt opened it
        return
    tender = ceremony.tender
    count = db.session.scalar(
        select(func.count())
        .select_from(Bid)
        .where(Bid.tender_id == tender.id, Bid.kind == ceremony.kind)
    )
    job.progress(0, count, _l('Membuka sampul penawaran'))
    open_ceremony(tender, ceremony, actor=db.session.get(User, actor_id), now=clock.now())


def open_ceremony(tender, ceremony, *, actor, now):
    """Open every envelope of the ceremony's kind and record the outcome (flushes only)."""
    key, key_row = rebuild_tender_key(tender, ceremony)
    ca_cert = pki_service.require_authority().ca_cert
    passing = _technically_passing(tender) if ceremony.kind == PRICE else None
    counts = {r.value: 0 for r in OpenResult}
    bids = db.session.scalars(
        select(Bid).where(Bid.tender_id == tender.id, Bid.kind == ceremony.kind).order_by(Bid.id)
    ).all()
    for bid, result in zip(bids, _open_all(tender, bids, key, ca_cert, passing), strict=True):
        result.ceremony_id = ceremony.id
        db.session.add(result)
        counts[result.result] += 1
        audit.record(
            'bid.opened',
            bid,
            actor=actor,
            now=now,
            tender=tender.code,
            kind=bid.kind,
            sha256=bid.sha256,
            result=result.result,
            reason=result.reason,
        )
    for release in ceremony.releases:
        release.share = None  # the shares are used up: they never rest in the database again
    ceremony.opened_at = now
    if ceremony.kind in (SINGLE, TECHNICAL) and tender.bids_opened_at is None:
        tender.bids_opened_at = now
    if ceremony.kind == ceremony_kinds(tender)[-1]:
        key_row.published_key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode('ascii')
        key_row.published_at = now
    del key
    db.session.flush()
    event = audit.record(
        'opening.completed',
        ceremony,
        actor=actor,
        now=now,
        tender=tender.code,
        version=tender.version,
        kind=ceremony.kind,
        members=sorted(r.user_id for r in ceremony.releases),
        key_published=key_row.published_at is not None,
        **counts,
    )
    checkpoint = checkpoints.create_checkpoint('bids.opened', now=now, tender=tender)
    ceremony.audit_seq = event.seq
    ceremony.checkpoint_id = checkpoint.id
    db.session.flush()
    news.tell(tender, 'opening_done', now=now)
    document = minutes.issue_minutes(tender, ceremony, now=now, checkpoint=checkpoint)
    ceremony.minutes_document_id = document.id
    db.session.flush()
    return ceremony


def _technically_passing(tender) -> set[int]:
    """Vendors whose File I the evaluation marked as technically passing."""
    technical = ceremony_of(tender, TECHNICAL)
    return set(
        db.session.scalars(
            select(OpenedBid.vendor_id).where(
                OpenedBid.ceremony_id == technical.id, OpenedBid.technical_pass.is_(True)
            )
        )
    )


def _skip_reason(bid, passing) -> str | None:
    if bid.status != BidStatus.current:
        return bid.status
    if passing is not None and bid.vendor_id not in passing:
        return 'technical_not_passed'
    return None


def _open_all(tender, bids, key, ca_cert, passing):
    """An OpenedBid per bid, in order; the envelopes themselves are opened on worker threads."""
    to_open = [b for b in bids if _skip_reason(b, passing) is None]
    jobs = (
        workers.Job(
            b.sha256,
            b.vendor.user_id,
            b.received_at,
            dataclasses.replace(sealing.terms_for(tender, b.vendor), envelopes=(b.kind,)),
        )
        for b in to_open
    )
    found = workers.examine_all(
        jobs,
        store=storage.blob_store(),
        tender_key=key,
        ca_cert=ca_cert,
        signer_records=_signer_records({b.vendor.user_id for b in to_open}),
        largest=max((b.size for b in to_open), default=0),
    )
    for bid in bids:
        row = OpenedBid(bid_id=bid.id, tender_id=tender.id, vendor_id=bid.vendor_id)
        skipped = _skip_reason(bid, passing)
        if skipped is not None:
            row.result, row.reason_detail = OpenResult.not_opened.value, skipped
            yield row
            continue
        try:
            outcome = next(found)
        except workers.MissingBlob:
            raise _missing(bid) from None
        row.signature_valid = outcome.signature_valid
        row.content_key = outcome.content_key
        if outcome.bid is None:
            row.result = OpenResult.not_openable.value
            row.reason, row.reason_detail = outcome.reason.value, (outcome.detail or '')[:2000]
        else:
            row.result = OpenResult.opened.value
            row.bid_json = canonical_json(outcome.bid)
            row.declared_total = unseal.amount(outcome.bid.get('declared_total'))
            row.tkdn = unseal.amount(outcome.bid.get('tkdn'))
            row.validity_days = outcome.bid.get('validity_days')
        yield row


def _missing(bid) -> Conflict:
    return Conflict(
        _l(
            'Berkas sampul %(sha)s (tanda terima %(n)s) tidak ada di penyimpanan; pulihkan '
            'dari cadangan sebelum membuka.',
            sha=bid.sha256,
            n=bid.receipt_number,
        )
    )


def _envelope_bytes(bid) -> bytes:
    try:
        with storage.blob_store().open(bid.sha256) as fh:
            return fh.read()
    except OSError:
        raise _missing(bid) from None


def _signer_records(user_ids) -> dict:
    """serial (hex) → (fingerprint, SignerRecord) of every certificate of these accounts."""
    rows = db.session.scalars(
        select(pki_service.Certificate).where(pki_service.Certificate.user_id.in_(user_ids))
    )
    return {
        r.serial: (r.fingerprint, unseal.SignerRecord(r.user_id, r.revoked_at, r.revocation_reason))
        for r in rows
    }


def opened_package(opened: OpenedBid, *, want: str | None = None):
    """Re-read an opened envelope's package from its content key (for attachment downloads):
    every check again, but only the attachment named `want` is kept in memory."""
    from lpse.crypto.signed_data import verify_signature
    from lpse.opening import stream_package

    if opened.result != OpenResult.opened or opened.content_key is None:
        return None
    data = _envelope_bytes(opened.bid)
    signed = unseal.decrypt_with_content_key(data, opened.content_key)
    del data
    return stream_package.read_package(verify_signature(signed).content, want=want)
