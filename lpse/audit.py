"""The append-only, hash-chained audit log (ARCHITECTURE §5) and its verification."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    bindparam,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from lpse import tlog
from lpse.crypto import merkle
from lpse.crypto.canonical import canonical_json
from lpse.extensions import db
from lpse.tlog import canonical_fields
from lpse.types import UTCDateTime

GENESIS_HASH = '0' * 64


class AuditEvent(db.Model):
    """One recorded state change: who did what to which object, chained to the one before."""

    __tablename__ = 'audit_event'
    __table_args__ = (
        Index('ix_audit_event_occurred_at', 'occurred_at'),
        Index('ix_audit_event_object', 'object_type', 'object_id'),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'), index=True)
    actor_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def as_record(self):
        """The exported form: what the hash covers, plus the chain fields."""
        return {**canonical_fields(self), 'prev_hash': self.prev_hash, 'hash': self.hash}


class AuditEventTender(db.Model):
    """Which tender an event concerns (the tender itself, or an object with a ``tender_id``):
    an index for the auditor's search and scope, outside what the hash covers."""

    __tablename__ = 'audit_event_tender'
    __table_args__ = (Index('ix_audit_event_tender_tender_id_seq', 'tender_id', 'seq'),)

    seq: Mapped[int] = mapped_column(
        BigInteger, ForeignKey('audit_event.seq'), primary_key=True, autoincrement=False
    )
    tender_id: Mapped[int] = mapped_column(Integer)


class AuditHead(db.Model):
    """The single row holding the chain's last seq and hash; updating it serialises appends."""

    __tablename__ = 'audit_head'

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    # The Merkle tree's right edge over events 1..seq (tlog.edge_nodes): its perfect subtrees'
    # hashes, largest first.
    frontier: Mapped[bytes | None] = mapped_column(LargeBinary, default=b'')


def chain_hash(prev_hash: str, fields: dict) -> str:
    """hash = SHA-256(prev_hash ‖ canonical event)."""
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode('utf-8')).hexdigest()


@dataclass(frozen=True)
class Logged:
    """What `record` wrote: the event's fields as stored."""

    seq: int
    occurred_at: datetime
    actor_id: int | None
    actor_ip: str | None
    action: str
    object_type: str | None
    object_id: str | None
    payload: str
    prev_hash: str
    hash: str


_HEAD = AuditHead.__table__
# Built once: an append is on every write path, and the ORM's per-call statement building was
# most of its cost (bench/log.py).
_NEXT_SEQ = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + bindparam('count'))
    .returning(_HEAD.c.seq, _HEAD.c.hash, _HEAD.c.frontier)
)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(hash=bindparam('new_hash'), frontier=bindparam('new_frontier'))
)
_INSERT_EVENT = AuditEvent.__table__.insert()
_INSERT_TENDER = AuditEventTender.__table__.insert()


def _advance_head(conn, count=1):
    """Lock the head row, move its seq on by `count` and return (the first new seq, the
    previous hash, the tree's right edge before it); the row lock serialises appends."""
    row = conn.execute(_NEXT_SEQ, {'count': count}).first()
    if row is None:  # an empty log: create the head once, whoever gets there first
        insert = postgresql_insert if conn.dialect.name == 'postgresql' else sqlite_insert
        conn.execute(
            insert(AuditHead)
            .values(id=1, seq=0, hash=GENESIS_HASH, frontier=b'')
            .on_conflict_do_nothing()
        )
        row = conn.execute(_NEXT_SEQ, {'count': count}).first()
    return row.seq - count + 1, row.hash, bytes(row.frontier or b'')


def lock_head() -> None:
    """Take the head row lock now, before the first append (PostgreSQL: SELECT … FOR UPDATE;
    SQLite's write transaction holds the whole database already)."""
    conn = db.session.connection()
    if conn.dialect.name == 'postgresql':
        conn.execute(select(_HEAD.c.seq).where(_HEAD.c.id == 1).with_for_update())


@dataclass(frozen=True)
class Event:
    """One event to append with `record_many` (the arguments of `record`)."""

    action: str
    obj: object
    actor: object
    now: datetime
    ip: str | None
    data: dict


def record(action, obj=None, *, actor, now, ip=None, **data):
    """Append one event in the current transaction; the caller's commit makes it durable.

    The caller's pending changes are flushed first (they precede the event that records them);
    the event is written with Core statements on the session's connection and returned as a
    plain record (building an ORM instance was a sixth of an append's cost)."""
    return record_many([Event(action, obj, actor, now, ip, data)])[0]


def record_many(events: list[Event]) -> list[Logged]:
    """Append events in order in the current transaction, with one statement per table for all
    of them (a batch of bid submissions appends many while it holds the head: bids.recording)."""
    db.session.flush()
    conn = db.session.connection()
    seq, prev_hash, edge = _advance_head(conn, len(events))
    logged, nodes, links = [], [], []
    for event in events:
        object_type, object_id = _describe(event.obj)
        values = {
            'seq': seq,
            'occurred_at': event.now,
            'actor_id': getattr(event.actor, 'id', None),
            'actor_ip': event.ip,
            'action': event.action,
            'object_type': object_type,
            'object_id': object_id,
            'payload': canonical_json(event.data),
        }
        fields = canonical_fields(values)
        text = canonical_json(fields).encode('utf-8')  # serialised once for chain and tree
        values['prev_hash'] = prev_hash
        values['hash'] = hashlib.sha256(prev_hash.encode('ascii') + text).hexdigest()
        added, edge = tlog.append(seq - 1, edge, merkle.leaf_hash(text))
        nodes.extend(added)
        tender_id = _tender_of(event.obj)
        if tender_id is not None:
            links.append({'seq': seq, 'tender_id': tender_id})
        logged.append(Logged(**values))
        prev_hash, seq = values['hash'], seq + 1
    conn.execute(_INSERT_EVENT, [e.__dict__ for e in logged])
    if links:
        conn.execute(_INSERT_TENDER, links)
    tlog.store(nodes)
    conn.execute(_MOVE_HEAD, {'new_hash': prev_hash, 'new_frontier': edge})
    return logged


def record_read(what, obj, *, actor, now, ip=None, **data):
    """Log that ``actor`` is being handed sensitive material (``read.<what>``: a bid's
    attachment or envelope, an unpublished tender key, a vendor's document…) and commit it, in
    its own transaction. Call it after every check and after the bytes are in hand (decrypted,
    the blob opened), just before they are sent: a refused or failed download logs nothing."""
    record(f'read.{what}', obj, actor=actor, now=now, ip=ip, **data)
    db.session.commit()


def _tender_of(obj) -> int | None:
    """The tender an event's object is, or belongs to (its ``tender_id``), if any."""
    if obj is None:
        return None
    if isinstance(obj, tuple):
        kind, ident = obj
        return int(ident) if kind == 'tender' and str(ident).isdigit() else None
    if obj.__tablename__ == 'tender':
        return obj.id
    tender_id = getattr(obj, 'tender_id', None)
    return tender_id if isinstance(tender_id, int) else None


def _describe(obj):
    if obj is None:
        return None, None
    if isinstance(obj, tuple):
        return obj[0], str(obj[1])
    return obj.__tablename__, str(obj.id)


@dataclass(frozen=True)
class Verification:
    """The outcome of recomputing the chain: ``first_bad_seq`` is None when it holds."""

    count: int
    last_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self):
        return self.first_bad_seq is None


def verify_records(records, *, head=None) -> Verification:
    """Recompute the chain over exported records (dicts) in order; name the first bad seq."""
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    for rec in records:
        seq = rec.get('seq')
        if seq != expected_seq:
            bad = expected_seq if isinstance(seq, int) and seq > expected_seq else seq
            return Verification(count, prev_hash, bad, f'expected seq {expected_seq}, found {seq}')
        if rec.get('prev_hash') != prev_hash:
            return Verification(count, prev_hash, seq, 'prev_hash does not match the event before')
        if chain_hash(prev_hash, canonical_fields(rec)) != rec.get('hash'):
            return Verification(count, prev_hash, seq, 'hash does not match the event contents')
        prev_hash, expected_seq, count = rec['hash'], expected_seq + 1, count + 1
    if head is not None and (head.seq, head.hash) != (count, prev_hash):
        return Verification(
            count, prev_hash, count + 1, f'chain ends at seq {count} but head says {head.seq}'
        )
    return Verification(count, prev_hash)


def iter_records(batch=1000):
    """Every event in seq order, as exported records."""
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    result = db.session.scalars(stmt)
    try:
        for event in result:
            yield event.as_record()
    finally:
        result.close()  # a reader that stops early must not leave a server-side cursor open


def verify_database() -> Verification:
    """Recompute the stored chain and compare it with the head row."""
    head = db.session.get(AuditHead, 1)
    return verify_records(iter_records(), head=head)


def parse_jsonl(lines):
    """Exported records back from JSON lines; a malformed line becomes a record that fails."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        yield record if isinstance(record, dict) else {'seq': f'line {number} (not JSON)'}
