"""Recording received envelopes — bid rows, `bid.submitted` events, a checkpoint and signed
receipts, one commit — by group commit (issue 17).

Every submission appends to the one audit log, whose head row lock serialises appends across
all nodes; a submission holds it from its first event to its commit (the receipts cite the
event and a checkpoint over it, and the commit clock is read under it: bids.commitment). One bid
per lock made the deadline rush as slow as that locked section, ~40 ms per bid on a loaded
2-core machine (bench/README.md). So the threads of one process that are ready at the same
moment queue their entries, and one of them — the leader, the first to get the process's
recording lock — records the whole queue in one transaction: one head lock and commit clock,
one checkpoint per tender, one state event, one commit, a receipt each. A submission alone is
a batch of one.

An entry that cannot be recorded fails alone: one whose upload lock another upload took over is
left out of the batch; any other failure (a deadline reached at the commit clock, a receipt
number drawn twice at once) rolls the batch back and records each entry on its own, so only
that entry's owner sees it — except a failure of the database itself (busy, gone), which fails
the whole batch at once rather than once per entry. Entries hold plain values, never another
thread's ORM objects; the leader writes with its own session; each owner raises its own failure."""

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import OperationalError

from lpse import audit, checkpoints, metrics, pki_service
from lpse.bids.errors import ServerBusy
from lpse.bids.models import Bid, BidStatus, BidUploadLock
from lpse.crypto import receipts
from lpse.crypto.canonical import document_json
from lpse.extensions import db


@dataclass(frozen=True)
class Envelope:
    """One checked envelope, in the store, to record."""

    kind: str
    sha256: str
    size: int
    signature: bytes
    signer_serial: str
    ip: str | None
    user_agent: str | None


@dataclass(eq=False)
class Entry:
    """One submission's envelopes (all recorded or none) and what its owner needs back."""

    tender_id: int
    tender_code: str
    tender_version: int
    deadline: datetime
    opens: datetime
    zone: str
    vendor_id: int
    company: str
    npwp: str
    user_id: int
    now: datetime
    envelopes: list[Envelope]
    numbers: list[str]
    lock: object | None  # submission.UploadLock: (tender_id, vendor_id, token, …)
    bid_ids: list[int] | None = None
    failure: BaseException | None = None
    done: bool = False

    def result(self) -> list[int]:
        if self.failure is not None:
            raise self.failure
        return self.bid_ids


class Late(Exception):
    """The commit clock read at or past the entry's deadline."""

    def __init__(self, received):
        super().__init__(received)
        self.received = received


class NotOpen(Exception):
    """The commit clock read before the bid submission stage opened."""


class LockLost(Exception):
    """Another upload of the same vendor took the upload lock over (this one stalled)."""


# Failures of the database itself (busy past its wait, gone): each entry alone would only wait
# and fail again, so the whole batch fails at once (503 `busy` for a busy database).
BATCH_WIDE = (ServerBusy, OperationalError)


class _Combiner:
    """The queue of one app in this process and the lock whose holder records it."""

    def __init__(self):
        self.queue: list[Entry] = []
        self.queue_lock = threading.Lock()
        self.leader = threading.Lock()


_combiners: dict[int, _Combiner] = {}
_combiners_lock = threading.Lock()


def _combiner() -> _Combiner:
    # One per app: the tests build many apps (and databases) in one process.
    key = id(current_app._get_current_object())
    with _combiners_lock:
        return _combiners.setdefault(key, _Combiner())


def record(entry: Entry, *, begin, commit_clock) -> list[int]:
    """Record `entry` (with whatever else is queued); its bid ids, or its failure raised.
    `begin` starts the write transaction, `commit_clock` reads the commit clock
    (bids.submission)."""
    combiner = _combiner()
    with combiner.queue_lock:
        combiner.queue.append(entry)
    with combiner.leader:
        if not entry.done:
            with combiner.queue_lock:
                batch, combiner.queue[:] = list(combiner.queue), []
            started = time.perf_counter()
            try:
                _run(batch, begin, commit_clock)
                metrics.bid_batch(len(batch), time.perf_counter() - started)
            finally:
                for e in batch:
                    if not e.done:
                        e.failure = e.failure or RuntimeError('recording interrupted')
                        e.done = True
    return entry.result()


def _run(batch: list[Entry], begin, commit_clock) -> None:
    try:
        made = _write(batch, begin, commit_clock)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        if len(batch) == 1 or isinstance(exc, BATCH_WIDE):
            for entry in batch:
                if not entry.done:
                    entry.failure, entry.done = exc, True
            return
        for entry in batch:  # each on its own: only the failing one fails
            if not entry.done:
                _run([entry], begin, commit_clock)
        return
    for entry, ids in made.items():
        if entry.lock is not None:
            entry.lock.released = True
        entry.bid_ids, entry.done = ids, True


def _write(batch: list[Entry], begin, commit_clock) -> dict[Entry, list[int]]:
    """Write the batch's entries in this transaction (not committed): their bid ids."""
    begin()
    live = _release_locks(batch)
    if not live:
        return {}
    previous = _current_bids(live)
    rows: dict[Entry, list[tuple[Bid, Bid | None]]] = {}
    for entry in live:
        rows[entry] = []
        for env, number in zip(entry.envelopes, entry.numbers, strict=True):
            before = previous.get((entry.tender_id, entry.vendor_id, env.kind))
            if before is not None:
                before.status = BidStatus.superseded.value
            bid = Bid(
                tender_id=entry.tender_id,
                vendor_id=entry.vendor_id,
                submitted_by_id=entry.user_id,
                kind=env.kind,
                status=BidStatus.current.value,
                sha256=env.sha256,
                size=env.size,
                submission_signature=env.signature,
                signer_serial=env.signer_serial,
                receipt_number=number,
                received_at=entry.now,
                audit_seq=0,
                receipt_json='{}',
                supersedes_id=before.id if before else None,
                ip=(env.ip or None) and env.ip[:45],
                user_agent=(env.user_agent or None) and env.user_agent[:300],
            )
            db.session.add(bid)
            rows[entry].append((bid, before))
    db.session.flush()
    # The head lock, then the clock: a bid either commits before the bid-set commitment takes
    # the head (and is in it) or reads a clock at or past the deadline (bids.commitment).
    audit.lock_head()
    received = commit_clock()
    for entry in live:
        if received >= entry.deadline:
            raise Late(received)
        if received < entry.opens:
            raise NotOpen()
    order = [(entry, bid, before) for entry in live for bid, before in rows[entry]]
    logged = audit.record_many(
        [
            audit.Event(
                'bid.submitted',
                bid,
                _Ref(entry.user_id),
                entry.now,
                bid.ip,
                {
                    'tender': entry.tender_code,
                    'version': entry.tender_version,
                    'vendor_id': entry.vendor_id,
                    'kind': bid.kind,
                    'sha256': bid.sha256,
                    'size': bid.size,
                    'receipt_number': bid.receipt_number,
                    'supersedes': before.sha256 if before else None,
                },
            )
            for entry, bid, before in order
        ]
    )
    events = {bid: event for (_entry, bid, _before), event in zip(order, logged, strict=True)}
    _sign_receipts(live, rows, events, received)
    db.session.flush()
    return {entry: [bid.id for bid, _before in rows[entry]] for entry in live}


def _sign_receipts(live, rows, events, received) -> None:
    """A checkpoint per tender over its bids' events, then each bid's signed receipt."""
    key = pki_service.system_key()
    cert = pki_service.require_authority().system_cert
    cut = {}
    for entry in live:
        if entry.tender_id not in cut:
            cut[entry.tender_id] = checkpoints.create_checkpoint(
                'bid.submitted', now=entry.now, tender=_Ref(entry.tender_id)
            )
        checkpoint = cut[entry.tender_id]
        times = receipts.received_times(received, entry.zone)
        for bid, before in rows[entry]:
            fields = {
                'format': receipts.FORMAT,
                'receipt_number': bid.receipt_number,
                'tender_code': entry.tender_code,
                'tender_version': entry.tender_version,
                'envelope_kind': bid.kind,
                'vendor_name': entry.company,
                'vendor_npwp': entry.npwp,
                'envelope_sha256': bid.sha256,
                'envelope_size': bid.size,
                **times,
                'audit_seq': events[bid].seq,
                'audit_checkpoint': {'seq': checkpoint.seq, 'hash': checkpoint.hash},
            }
            if before is not None:
                fields['supersedes'] = before.sha256
            doc = receipts.sign_receipt(fields, key=key, cert=cert)
            bid.received_at = received
            bid.audit_seq = events[bid].seq
            bid.checkpoint_id = checkpoint.id
            bid.receipt_json = document_json(doc)


@dataclass(frozen=True)
class _Ref:
    """A row by its id, where the log only asks for `.id` (the user, the tender)."""

    id: int


def _release_locks(batch: list[Entry]) -> list[Entry]:
    """Delete the entries' upload lock rows in this transaction; an entry whose row another
    upload took over (this one stalled past the expiry) fails, and that other upload wins."""
    locked = [e for e in batch if e.lock is not None]
    released = set()
    if locked:
        result = db.session.execute(
            delete(BidUploadLock)
            .where(
                or_(
                    *(
                        and_(
                            BidUploadLock.tender_id == e.lock.tender_id,
                            BidUploadLock.vendor_id == e.lock.vendor_id,
                            BidUploadLock.token == e.lock.token,
                        )
                        for e in locked
                    )
                )
            )
            .returning(BidUploadLock.token)
        )
        released = set(result.scalars())
    live = []
    for entry in batch:
        if entry.lock is None or entry.lock.token in released:
            live.append(entry)
        else:
            entry.failure, entry.done = LockLost(), True
    return live


def _current_bids(entries: list[Entry]) -> dict[tuple[int, int, str], Bid]:
    """The current bid of each (tender, vendor, kind) the entries replace, in one query."""
    if not entries:
        return {}
    found = db.session.scalars(
        select(Bid).where(
            Bid.status == BidStatus.current.value,
            or_(
                *(and_(Bid.tender_id == e.tender_id, Bid.vendor_id == e.vendor_id) for e in entries)
            ),
        )
    )
    return {(b.tender_id, b.vendor_id, b.kind): b for b in found}
