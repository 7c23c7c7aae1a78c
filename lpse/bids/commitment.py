"""The bid-set commitment (`lpse-bidset/1`): at the deadline, the signed list of the SHA-256 of
every current envelope, without names, so each bidder can see their bid is in the set.

Made by the clock, never by a reader: the deadline job (`flask lpse commit-bid-sets`, run every
minute by the operator's scheduler) or the first write that needs it (a share release) makes it
once; pages and the API only read it. It takes the audit
head lock first (its `bid.commitment_published` event): a submission (a batch of them:
bids.recording) takes that lock before its `bid.submitted` events, holds it until its commit
and reads the commit clock only after taking it, so a
submission either committed before the commitment was made (and is listed) or reads a clock
at or past the deadline (and is refused)."""

import base64

from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lpse import audit, pki_service
from lpse.bids.models import Bid, BidSetCommitment, BidStatus
from lpse.crypto import pki, receipts
from lpse.crypto.canonical import document_json
from lpse.extensions import db
from lpse.tenders.models import Tender

FORMAT = 'lpse-bidset/1'


def _stamp(moment) -> str:
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def commitment_of(tender) -> BidSetCommitment | None:
    return db.session.scalar(
        select(BidSetCommitment).where(BidSetCommitment.tender_id == tender.id)
    )


def commit_bid_set(tender, *, now) -> BidSetCommitment | None:
    """Make the tender's commitment once its deadline has passed (committed); None before it."""
    if tender.bid_deadline is None or tender.published_at is None or now < tender.bid_deadline:
        return None
    row = commitment_of(tender)
    if row is not None:
        return row
    try:
        row = _create(tender, now=now)
        db.session.commit()
    except IntegrityError:  # another request made it first: theirs stands
        db.session.rollback()
        row = commitment_of(tender)
    return row


def commit_due(*, now) -> list[str]:
    """The deadline job: commit the bid set of every published tender whose deadline has passed
    and that has none yet; the codes committed."""
    due = db.session.scalars(_due(select(Tender), now).order_by(Tender.id)).all()
    made = []
    for tender in due:
        if commit_bid_set(tender, now=now) is not None:
            made.append(f'{tender.code} v{tender.version}')
    return made


def pending_count(*, now) -> int:
    """How many bid sets the deadline job still owes (its queue depth, for /metrics)."""
    return db.session.scalar(_due(select(func.count(Tender.id)), now))


def _due(query, now):
    return query.outerjoin(BidSetCommitment, BidSetCommitment.tender_id == Tender.id).where(
        Tender.published_at.is_not(None),
        Tender.bid_deadline <= now,
        BidSetCommitment.id.is_(None),
    )


def _create(tender, *, now) -> BidSetCommitment:
    event = audit.record(
        'bid.commitment_published', tender, actor=None, now=now, tender=tender.code
    )
    hashes_ = sorted(
        db.session.scalars(
            select(Bid.sha256).where(
                Bid.tender_id == tender.id, Bid.status == BidStatus.current.value
            )
        )
    )
    fields = {
        'format': FORMAT,
        'tender_code': tender.code,
        'tender_version': tender.version,
        'deadline': _stamp(tender.bid_deadline),
        'count': len(hashes_),
        'envelopes': hashes_,
        'created_at': _stamp(now),
        'audit_seq': event.seq,
    }
    authority = pki_service.require_authority()
    key = pki_service.system_key()
    value = key.sign(receipts.signed_bytes(fields), pki.PSS_SHA256, hashes.SHA256())
    document = {
        'commitment': fields,
        'signature': {
            'alg': receipts.ALGORITHM,
            'value': base64.b64encode(value).decode('ascii'),
            'certificate': authority.system_cert.public_bytes(serialization.Encoding.PEM).decode(),
        },
    }
    row = BidSetCommitment(
        tender_id=tender.id,
        count=len(hashes_),
        document=document_json(document),
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def verify_commitment(doc, *, system_cert) -> dict:
    """Check a commitment's signature with the (pinned) system certificate; its fields."""
    fields = doc['commitment']
    value = base64.b64decode(doc['signature']['value'])
    system_cert.public_key().verify(
        value, receipts.signed_bytes(fields), pki.PSS_SHA256, hashes.SHA256()
    )
    return fields
