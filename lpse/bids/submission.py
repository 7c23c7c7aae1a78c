"""Receiving a sealed envelope (ARCHITECTURE §4): the gates, the streamed checks, the write
order and the exact deadline. Every path — API body, API multipart, page upload, web bid form —
ends in `receive`.

Write order, so that an acknowledged bid is never lost and a killed process never leaves a row
without its blob: stream to a temp file → fsync → (structure, recipient and submission-signature
checks on the temp file) → rename to the SHA-256 → fsync the directory → row + `bid.submitted`
event + checkpoint → read the commit clock → commit → answer. A refusal after the rename
deletes the blob again unless another row refers to it."""

import base64
import binascii
import functools
import json
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError

from lpse import audit, clock, metrics, pki_service, storage
from lpse.bids import recording
from lpse.bids.errors import (
    EnvelopeRejected,
    PayloadTooLarge,
    ServerBusy,
    UploadInProgress,
)
from lpse.bids.models import (
    Bid,
    BidStatus,
    BidUploadAttempt,
    BidUploadLock,
    EnvelopeKind,
    kinds_for,
)
from lpse.bids.permissions import deadline_passed
from lpse.crypto import envelope, pki
from lpse.crypto.errors import CryptoError
from lpse.crypto.signed_data import verify_signature
from lpse.errors import NotFound, StageClosed, Throttled, ValidationFailed
from lpse.extensions import db
from lpse.i18n import byte_size
from lpse.tenders import keys
from lpse.tenders.stages import Stage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """One envelope on its way in: the stream and what came with it."""

    stream: BinaryIO
    signature: bytes
    kind: str | None
    content_length: int | None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Received:
    """The outcome: the bid row, and whether it is new (201) or an idempotent repeat (200)."""

    bid: Bid
    created: bool

    @property
    def receipt(self) -> dict:
        return json.loads(self.bid.receipt_json)


def max_size() -> int:
    return int(current_app.config.get('LPSE_BID_MAX_SIZE', 50 * 1024 * 1024))


def resolve_kind(tender, kind) -> EnvelopeKind:
    allowed = kinds_for(tender)
    if not kind:
        if len(allowed) == 1:
            return allowed[0]
        raise ValidationFailed(
            _l('Sebutkan jenis sampul: technical (File I) atau price (File II).'), field='envelope'
        )
    if kind not in {k.value for k in allowed}:
        raise ValidationFailed(
            _l(
                'Jenis sampul %(kind)s tidak diterima tender ini (yang diterima: %(allowed)s).',
                kind=kind,
                allowed=', '.join(allowed),
            ),
            field='envelope',
        )
    return EnvelopeKind(kind)


def check_declared_size(content_length) -> None:
    """Refuse early, from Content-Length, before a byte is read."""
    if content_length is not None and content_length > max_size():
        raise too_large()


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        _l('Sampul penawaran melebihi batas %(size)s.', size=byte_size(max_size()))
    )


def decode_signature(value) -> bytes:
    """The submission signature from a header (base64) or a file field (DER or base64)."""
    if isinstance(value, bytes) and value[:1] == b'\x30':
        return value
    try:
        data = base64.b64decode(value or b'', validate=True)
    except (binascii.Error, ValueError):
        data = b''
    if not data:
        raise EnvelopeRejected(
            _l(
                'Tanda tangan pengiriman (detached CMS atas berkas .p7m) wajib disertakan: '
                'kolom "signature" atau header X-LPSE-Submission-Signature (base64).'
            ),
            field='signature',
        )
    return data


# --- one upload at a time, and the rate limit ---------------------------------------------------


def lock_seconds() -> int:
    return int(current_app.config['LPSE_BID_LOCK_SECONDS'])


def heartbeat_seconds() -> int:
    return int(current_app.config.get('LPSE_BID_LOCK_HEARTBEAT', 5))


@dataclass
class UploadLock:
    """The (tender, vendor) upload lock this request holds. Its expiry is short
    (LPSE_BID_LOCK_SECONDS) and pushed forward while bytes stream (`beat`), so a live upload
    keeps it however long it takes, and the lock of an upload whose process died frees itself
    within seconds."""

    tender_id: int
    vendor_id: int
    token: str
    last_beat: datetime
    released: bool = False  # by the commit that recorded the bid (bids.recording)

    def beat(self) -> None:
        """Refresh the expiry, at most every LPSE_BID_LOCK_HEARTBEAT seconds (called per
        block). In a connection of its own (the request's session is not committed midway),
        not fsynced (`_ephemeral_writes`)."""
        now = clock.now()
        if (now - self.last_beat).total_seconds() < heartbeat_seconds():
            return
        self.last_beat = now
        stmt = (
            update(BidUploadLock)
            .where(
                BidUploadLock.tender_id == self.tender_id,
                BidUploadLock.vendor_id == self.vendor_id,
                BidUploadLock.token == self.token,
            )
            .values(expires_at=now + timedelta(seconds=lock_seconds()))
        )
        try:
            with _ephemeral_writes() as conn:
                held = conn.execute(stmt).rowcount == 1
        except OperationalError:
            return  # SQLite busy: the next beat tries again; the expiry leaves room for it
        if not held:
            raise UploadInProgress(
                _l(
                    'Unggahan ini tertahan terlalu lama dan unggahan penawaran Anda yang lain '
                    'telah mengambil alih. Unggahan ini tidak disimpan.'
                )
            )


def _busy() -> ServerBusy:
    return ServerBusy(
        _l('Server sedang sibuk menerima penawaran lain. Tidak ada yang disimpan; coba lagi.')
    )


def _busy_seconds() -> float:
    return float(current_app.config.get('LPSE_BID_DB_BUSY_SECONDS', 30))


def _write_transaction() -> None:
    """Start the write transaction now, waiting for the lock up to LPSE_BID_DB_BUSY_SECONDS.

    SQLite: BEGIN IMMEDIATE, so the lock is waited for (busy_timeout) before anything is read
    and a burst queues instead of failing with "database is locked". PostgreSQL: nothing (row
    locks wait). If this transaction already wrote, it holds the lock already."""
    conn = db.session.connection()
    if conn.dialect.name != 'sqlite':
        return
    raw = conn.connection.dbapi_connection
    if raw.in_transaction:
        return
    conn.exec_driver_sql(f'PRAGMA busy_timeout = {int(_busy_seconds() * 1000)}')
    try:
        conn.exec_driver_sql('BEGIN IMMEDIATE')
    except OperationalError:
        db.session.rollback()
        raise _busy() from None


def _is_busy(exc: OperationalError) -> bool:
    text_ = str(getattr(exc, 'orig', exc)).lower()
    return 'locked' in text_ or 'busy' in text_


@contextmanager
def _ephemeral_writes():
    """A connection of its own, in a write transaction, for rows that need not survive a
    power cut — upload locks and attempts (losing them frees a vendor, nothing more). Its
    commit is not fsynced (SQLite: synchronous=NORMAL for this commit; PostgreSQL:
    synchronous_commit=off), so the database's write lock is held for microseconds instead of
    an fsync; the next durable commit (a bid's) syncs the log up to here anyway."""
    busy_ms = int(_busy_seconds() * 1000)
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == 'sqlite'
        if sqlite:
            previous = int(conn.exec_driver_sql('PRAGMA synchronous').scalar())
            conn.exec_driver_sql(f'PRAGMA busy_timeout = {busy_ms}')
            conn.exec_driver_sql('PRAGMA synchronous = NORMAL')
        try:
            if sqlite:
                conn.exec_driver_sql('BEGIN IMMEDIATE')
            else:
                conn.exec_driver_sql('SET LOCAL synchronous_commit TO OFF')
            try:
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            if sqlite:  # the pooled connection goes back durable
                conn.exec_driver_sql(f'PRAGMA synchronous = {previous}')


def _insert_ignoring_conflict(conn, model, **values):
    """INSERT … ON CONFLICT DO NOTHING; True if the row was inserted."""
    insert = postgresql_insert if conn.dialect.name == 'postgresql' else sqlite_insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    # (rowcount is -1 for this statement under psycopg: ask for the inserted key instead)
    returned = conn.execute(statement.returning(*model.__table__.primary_key.columns)).first()
    return returned is not None


def begin_upload(tender, vendor, *, now) -> UploadLock:
    """Count the attempt against the rate limit and take the (tender, vendor) upload lock, in
    a short transaction of its own (a lock must be visible to the other requests before the
    body is read). An expired lock — its upload died with its process — is taken over."""
    cfg = current_app.config
    limit, window = int(cfg['LPSE_BID_RATE_LIMIT']), int(cfg['LPSE_BID_RATE_WINDOW'])
    since = now - timedelta(seconds=window)
    token = secrets.token_hex(16)
    expires = now + timedelta(seconds=lock_seconds())
    mine = (BidUploadLock.tender_id == tender.id, BidUploadLock.vendor_id == vendor.id)
    wait = None
    try:
        with _ephemeral_writes() as conn:
            conn.execute(
                delete(BidUploadAttempt).where(
                    BidUploadAttempt.vendor_id == vendor.id, BidUploadAttempt.attempted_at < since
                )
            )
            count, oldest = conn.execute(
                select(func.count(), func.min(BidUploadAttempt.attempted_at)).where(
                    BidUploadAttempt.vendor_id == vendor.id,
                    BidUploadAttempt.attempted_at >= since,
                )
            ).first()
            if count >= limit:
                wait = max(1, int((oldest + timedelta(seconds=window) - now).total_seconds()) + 1)
                held = True
            else:
                conn.execute(insert(BidUploadAttempt).values(vendor_id=vendor.id, attempted_at=now))
                held = _insert_ignoring_conflict(
                    conn,
                    BidUploadLock,
                    tender_id=tender.id,
                    vendor_id=vendor.id,
                    token=token,
                    expires_at=expires,
                ) or bool(
                    conn.execute(
                        update(BidUploadLock)
                        .where(*mine, BidUploadLock.expires_at <= now)
                        .values(token=token, expires_at=expires)
                    ).rowcount
                )
    except OperationalError as exc:
        if _is_busy(exc):
            raise _busy() from None
        raise
    if wait is not None:
        raise Throttled(
            _l('Terlalu banyak unggahan penawaran. Coba lagi dalam %(s)s detik.', s=wait),
            retry_after=wait,
        )
    if not held:
        raise UploadInProgress(
            _l(
                'Unggahan penawaran Anda yang lain untuk tender ini masih berjalan. Tunggu sampai '
                'selesai; jika unggahan itu terputus, coba lagi dalam %(s)s detik.',
                s=lock_seconds(),
            )
        )
    return UploadLock(tender.id, vendor.id, token, now)


def end_upload(lock: UploadLock) -> None:
    """Release the lock (in `finally`): whatever happened, the next upload may start. A stored
    bid released it in its own commit already; then nothing is written here."""
    if lock.released:
        return
    db.session.rollback()
    mine = (
        BidUploadLock.tender_id == lock.tender_id,
        BidUploadLock.vendor_id == lock.vendor_id,
        BidUploadLock.token == lock.token,
    )
    try:
        if db.session.scalar(select(BidUploadLock.token).where(*mine)) is None:
            return
        db.session.rollback()
        with _ephemeral_writes() as conn:
            conn.execute(delete(BidUploadLock).where(*mine))
    except OperationalError:
        db.session.rollback()
        log.warning('upload lock of vendor %s not released now; it expires', lock.vendor_id)


@contextmanager
def upload_lock(tender, vendor, *, now):
    """`with upload_lock(...) as lock:` — begin_upload, and end_upload whatever happens."""
    lock = begin_upload(tender, vendor, now=now)
    try:
        yield lock
    finally:
        end_upload(lock)


# --- the upload itself --------------------------------------------------------------------------


class _HashingReader(storage.HashingStream):
    """Hashes and counts what passes (the blob store hashes through this same reader: one
    SHA-256 pass over the bytes), refusing past the cap while streaming; `progress` (the
    lock's heartbeat) is called after every block (1 MiB, `storage.BLOCK`)."""

    def __init__(self, stream, limit, progress=None):
        super().__init__(stream)
        self.limit, self.progress = limit, progress

    def counted(self, size):
        if size > self.limit:
            raise too_large()
        if self.progress is not None:
            self.progress()


def _check_upload(path, *, reader, upload, tender_cert, user, now):
    """On the temp file, before the rename: CMS structure, recipient, submission signature."""
    try:
        with open(path, 'rb') as fh:
            info = envelope.scan_envelope(fh)
        if not envelope.recipient_matches(info, tender_cert):
            raise EnvelopeRejected(
                _l('Sampul ini tidak ditujukan ke sertifikat tender ini (tender lain?).'),
                field='envelope',
            )
        signer = verify_signature(upload.signature, reader.sha.digest()).signer_cert
    except CryptoError as exc:
        raise EnvelopeRejected(
            _l('Sampul penawaran ditolak: %(why)s', why=exc.message), field='envelope'
        ) from None
    certificate = _certificate_row(user, signer)
    if certificate is None:
        raise EnvelopeRejected(
            _l('Tanda tangan pengiriman bukan dari sertifikat penyedia yang mengirim.'),
            field='signature',
        )
    try:
        pki_service.check_usable(certificate, now=now)
    except pki_service.CertificateUnusable as exc:
        raise EnvelopeRejected(exc.message, field='signature') from None
    return certificate


def _certificate_row(user, signer):
    serial = format(signer.serial_number, 'x')
    row = db.session.scalar(
        select(pki_service.Certificate).where(pki_service.Certificate.serial == serial)
    )
    if (
        row is None
        or row.user_id != user.id
        or row.profile != pki.Profile.signing.name
        or row.fingerprint != pki.certificate_fingerprint(signer)
    ):
        return None
    return row


def receive(
    tender, user, vendor, upload: Upload, *, now, lock: UploadLock | None = None
) -> Received:
    """Store, commit and acknowledge one envelope; the caller holds the upload `lock`."""
    return receive_many(tender, user, vendor, [upload], now=now, lock=lock)[0]


@dataclass(frozen=True)
class _Stored:
    """An envelope in the blob store, checked, not yet recorded."""

    upload: Upload
    kind: EnvelopeKind
    sha256: str
    size: int
    certificate: object
    existing: Bid | None


def _counted(receive):
    """Count every envelope of a submission in /metrics: accepted, repeated or refused."""

    @functools.wraps(receive)
    def counted(tender, user, vendor, uploads, **kwargs):
        try:
            received = receive(tender, user, vendor, uploads, **kwargs)
        except BaseException:
            metrics.bid_uploads('refused', len(uploads))
            raise
        created = sum(r.created for r in received)
        metrics.bid_uploads('accepted', created)
        metrics.bid_uploads('repeated', len(received) - created)
        return received

    return counted


@_counted
def receive_many(tender, user, vendor, uploads, *, now, lock=None) -> list[Received]:
    """Store, commit and acknowledge envelopes of different kinds together (File I and File II
    of a two-file tender from the web form, or one envelope): all are kept or none is.

    Only this function commits bids: rows, events, one checkpoint and the receipts in one
    short write transaction, begun once everything slow — streaming, fsync, CMS and signature
    checks, unlocking the system key — is done; a refusal at any step leaves nothing behind."""
    kinds = [resolve_kind(tender, u.kind) for u in uploads]
    if len(set(kinds)) != len(kinds):
        raise ValidationFailed(_l('Setiap jenis sampul hanya sekali per pengiriman.'))
    for upload in uploads:
        check_declared_size(upload.content_length)
    tender_key = keys.require_key(tender)
    stored: list[_Stored] = []
    try:
        for upload, kind in zip(uploads, kinds, strict=True):
            stored.append(_store(tender, user, vendor, upload, kind, tender_key, now, lock))
        fresh = [s for s in stored if s.existing is None]
        if fresh:
            bids = _record(tender, user, vendor, fresh, now, lock)
            db.session.commit()
    except OperationalError as exc:
        _undo(stored)
        if _is_busy(exc):
            raise _busy() from None
        raise
    except IntegrityError:
        # A second upload of the same vendor racing this one (its lock was taken over), or a
        # receipt number drawn twice at once: the other one stands, this one is refused whole.
        _undo(stored)
        raise UploadInProgress(
            _l(
                'Pengiriman lain yang bersamaan didahulukan; penawaran ini tidak disimpan. '
                'Muat ulang halaman lalu kirim lagi.'
            )
        ) from None
    except BaseException:
        _undo(stored)
        raise
    made = iter(bids if fresh else ())
    return [
        Received(s.existing, False) if s.existing is not None else Received(next(made), True)
        for s in stored
    ]


def _undo(stored) -> None:
    db.session.rollback()
    for s in stored:
        if s.existing is None:
            discard_blob(s.sha256)


def _store(tender, user, vendor, upload, kind, tender_key, now, lock) -> _Stored:
    reader = _HashingReader(upload.stream, max_size(), lock.beat if lock else None)
    found = {}

    def check(path):
        found['certificate'] = _check_upload(
            path,
            reader=reader,
            upload=upload,
            tender_cert=tender_key.certificate,
            user=user,
            now=now,
        )

    try:
        sha, size = storage.blob_store().put_stream(reader, max_size=max_size(), check=check)
    except storage.BlobTooLarge:
        raise too_large() from None
    existing = db.session.scalar(
        select(Bid).where(Bid.tender_id == tender.id, Bid.vendor_id == vendor.id, Bid.sha256 == sha)
    )
    if existing is not None and not existing.is_current:
        raise StageClosed(
            _l('Sampul yang sama sudah pernah dikirim lalu diganti atau ditarik. Segel ulang.')
        )
    return _Stored(upload, kind, sha, size, found['certificate'], existing)


def _record(tender, user, vendor, fresh, now, lock) -> list[Bid]:
    """Record the fresh envelopes (bids.recording: together with whatever other submissions of
    this process are ready at the same moment) and return their rows in this session."""
    window = tender.schedule[Stage.bid_submission]
    entry = recording.Entry(
        tender_id=tender.id,
        tender_code=tender.code,
        tender_version=tender.version,
        deadline=tender.bid_deadline,
        opens=window.start,
        zone=tender.timezone,
        vendor_id=vendor.id,
        company=vendor.company_name,
        npwp=vendor.npwp,
        user_id=user.id,
        now=now,
        envelopes=[
            recording.Envelope(
                s.kind.value,
                s.sha256,
                s.size,
                s.upload.signature,
                s.certificate.serial,
                s.upload.ip,
                s.upload.user_agent,
            )
            for s in fresh
        ],
        numbers=_new_receipt_numbers(tender, len(fresh)),
        lock=lock,
    )
    pki_service.system_key()  # unlocked here (argon2, once per process), not by the leader
    try:
        ids = recording.record(entry, begin=_write_transaction, commit_clock=commit_clock)
    except recording.Late as late:
        raise deadline_passed(tender, late.received) from None
    except recording.NotOpen:
        raise StageClosed(_l('Tahap pemasukan penawaran belum dimulai.')) from None
    except recording.LockLost:
        raise UploadInProgress(
            _l(
                'Unggahan ini tertahan terlalu lama dan unggahan penawaran Anda yang lain '
                'telah mengambil alih. Unggahan ini tidak disimpan.'
            )
        ) from None
    return [db.session.get(Bid, i) for i in ids]


def commit_clock():
    """The time of the commit: PostgreSQL's clock_timestamp() (never now(), frozen at the
    start of the transaction); the app clock on SQLite or while a test has frozen it."""
    if clock.is_frozen() or db.session.get_bind().dialect.name != 'postgresql':
        return clock.now()
    return db.session.scalar(text('SELECT clock_timestamp()')).astimezone(UTC)


def _new_receipt_numbers(tender, count) -> list[str]:
    """Random, not sequential: a sequence would tell each bidder how many bid before them.
    Drawn before the write lock; a concurrent draw of the same number (one in a million per
    pair) is caught by the unique constraint and refused whole (the vendor retries)."""
    numbers: set[str] = set()
    while len(numbers) < count:
        number = f'{tender.code}-{tender.version}-{secrets.randbelow(10**6):06d}'
        taken = db.session.scalar(
            select(Bid.id).where(Bid.tender_id == tender.id, Bid.receipt_number == number)
        )
        if taken is None:
            numbers.add(number)
    return list(numbers)


def discard_blob(sha) -> None:
    """Delete a blob that no row refers to (a refused upload keeps nothing)."""
    referenced = db.session.scalar(select(Bid.id).where(Bid.sha256 == sha).limit(1))
    if referenced is None:
        storage.blob_store().delete(sha)


# --- the vendor's own bids, replacing and withdrawing ----------------------------------------


def current_bid(tender, vendor, kind) -> Bid | None:
    return db.session.scalar(
        select(Bid).where(
            Bid.tender_id == tender.id,
            Bid.vendor_id == vendor.id,
            Bid.kind == str(kind),
            Bid.status == BidStatus.current.value,
        )
    )


def bids_of(tender, vendor) -> list[Bid]:
    return db.session.scalars(
        select(Bid).where(Bid.tender_id == tender.id, Bid.vendor_id == vendor.id).order_by(Bid.id)
    ).all()


def withdraw(tender, user, vendor, *, kind=None, now, ip=None) -> list[Bid]:
    """Withdraw the current bid(s) (one kind, or all) before the deadline; audited."""
    if not tender.before_deadline(now):
        raise deadline_passed(tender)
    _write_transaction()
    kinds = [resolve_kind(tender, kind)] if kind else list(kinds_for(tender))
    bids = [b for k in kinds if (b := current_bid(tender, vendor, k)) is not None]
    if not bids:
        raise NotFound(_l('Tidak ada penawaran aktif untuk ditarik.'))
    for bid in bids:
        bid.status = BidStatus.withdrawn.value
        bid.withdrawn_at = now
        db.session.flush()
        audit.record(
            'bid.withdrawn',
            bid,
            actor=user,
            now=now,
            ip=ip,
            tender=tender.code,
            version=tender.version,
            kind=bid.kind,
            sha256=bid.sha256,
        )
    if commit_clock() >= tender.bid_deadline:
        raise deadline_passed(tender)
    return bids
