"""Group commit (bids.recording): submissions of one process that are ready at the same moment
are recorded by one leader in one transaction — one head lock, one checkpoint, one commit, a
receipt each — and an entry that cannot be recorded fails alone.

The batch is made deterministic by holding the process's recording lock while the requests
arrive (each queues its entry and waits for that lock), then letting go."""

import threading
import time

from sqlalchemy import select, update

from lpse import audit, checkpoints, pki_service, statelog
from lpse.bids import recording, submission
from lpse.bids.models import Bid, BidUploadLock
from lpse.crypto import receipts
from lpse.extensions import db
from lpse.vendors.verification import vendor_of

from .conftest import OTHER_KEY, P7M, VENDOR_KEY, certified_vendor, seal, sig_header
from .test_upload_metrics import batches

THIRD_KEY = 12


def _vendors(bidder, rival, person):
    third = certified_vendor(person, 'pt.ketiga@contoh.co.id', 'PT Ketiga', THIRD_KEY)
    return [(bidder, VENDOR_KEY), (rival, OTHER_KEY), (third, THIRD_KEY)]


def _batched(client, tender, vendors, token, *, while_queued=None):
    """Post each vendor's envelope from its own thread while the recording lock is held;
    release it once every entry is queued (after `while_queued()`); the responses in order."""
    envelopes = [(seal(tender, user, key), token(user)) for user, key in vendors]
    url = f'/api/v1/tenders/{tender.code}/bids'
    combiner = recording._combiner()
    results = [None] * len(vendors)

    def send(i):  # in its own thread: plain values only, no ORM object of the test's session
        (p7m, sig), headers = envelopes[i]
        extra = {'Content-Type': P7M, 'X-LPSE-Submission-Signature': sig_header(sig)}
        results[i] = client.post(url, data=p7m, headers={**headers, **extra})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(vendors))]
    with combiner.leader:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(combiner.queue) < len(vendors):
            assert time.monotonic() < deadline, 'the requests never queued'
            time.sleep(0.01)
        if while_queued is not None:
            while_queued()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    return [(p7m, r) for ((p7m, _sig), _h), r in zip(envelopes, results, strict=True)]


def test_submissions_ready_together_share_one_transaction_and_checkpoint(
    client, tender, bidder, rival, person, token
):
    vendors = _vendors(bidder, rival, person)
    head = []

    def read_head():  # every request is queued: nothing of theirs is logged yet
        db.session.rollback()
        head.append(db.session.scalar(select(audit.AuditHead.seq)))

    count, total = batches(client)
    answers = _batched(client, tender, vendors, token, while_queued=read_head)
    before = head[0]
    assert [r.status_code for _p7m, r in answers] == [201, 201, 201]
    after_count, after_total = batches(client)
    assert (after_count - count, after_total - total) == (1, 3)  # /metrics: one batch of three
    bids = db.session.scalars(select(Bid).order_by(Bid.audit_seq)).all()
    assert len(bids) == 3
    # One batch: the three events follow each other, one checkpoint covers them all, and the
    # state event of the commit comes after them.
    assert [b.audit_seq for b in bids] == [before + 1, before + 2, before + 3]
    assert len({b.checkpoint_id for b in bids}) == 1
    checkpoint = db.session.get(checkpoints.AuditCheckpoint, bids[0].checkpoint_id)
    assert checkpoint.seq == before + 3 and checkpoint.tender_id == tender.id
    assert len({b.received_at for b in bids}) == 1  # one commit clock for the batch
    authority = pki_service.require_authority()
    for p7m, response in answers:
        fields = receipts.verify_receipt(
            response.get_json(),
            ca_cert=authority.ca_cert,
            signer=authority.system_cert,
            envelope=p7m,
        )
        assert fields['audit_checkpoint'] == {'seq': checkpoint.seq, 'hash': checkpoint.hash}
    assert audit.verify_database().ok
    assert checkpoints.verify_database().ok
    assert statelog.reconcile() == []
    assert db.session.scalar(select(BidUploadLock.token)) is None


def test_an_entry_whose_upload_lock_was_taken_over_fails_alone(
    client, tender, bidder, rival, person, token
):
    vendors = _vendors(bidder, rival, person)
    stalled = vendor_of(rival)

    def take_over():  # another upload of the rival took its lock while this one waited
        db.session.execute(
            update(BidUploadLock)
            .where(BidUploadLock.vendor_id == stalled.id)
            .values(token='f' * 32)
        )
        db.session.commit()

    answers = _batched(client, tender, vendors, token, while_queued=take_over)
    codes = [r.status_code for _p7m, r in answers]
    assert codes == [201, 409, 201]
    assert answers[1][1].get_json()['error']['code'] == 'upload_in_progress'
    recorded = db.session.scalars(select(Bid.vendor_id)).all()
    assert stalled.id not in recorded and len(recorded) == 2
    assert audit.verify_database().ok
    assert statelog.reconcile() == []


def test_a_failure_inside_the_batch_is_retried_entry_by_entry(
    client, tender, bidder, rival, person, token, monkeypatch
):
    """Three entries drew the same receipt number (the one-in-a-million race, forced): the
    batch's insert fails, each entry is recorded on its own, the first stands and the other
    two are refused whole — nothing of theirs is kept, the log still verifies."""
    monkeypatch.setattr(
        submission,
        '_new_receipt_numbers',
        lambda tender, count: [f'{tender.code}-{tender.version}-424242'],
    )
    vendors = _vendors(bidder, rival, person)
    answers = _batched(client, tender, vendors, token)
    codes = sorted(r.status_code for _p7m, r in answers)
    assert codes == [201, 409, 409]
    bids = db.session.scalars(select(Bid)).all()
    assert len(bids) == 1 and bids[0].receipt_number.endswith('-424242')
    kept = [p7m for p7m, r in answers if r.status_code == 201]
    authority = pki_service.require_authority()
    winner = next(r for _p7m, r in answers if r.status_code == 201)
    receipts.verify_receipt(winner.get_json(), ca_cert=authority.ca_cert, envelope=kept[0])
    assert audit.verify_database().ok
    assert statelog.reconcile() == []
