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
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from lpse import audit, checkpoints, clock, pki_service, storage
from lpse.bids import keys
from lpse.bids.errors import (
    DeadlinePassed,
    EnvelopeRejected,
    PayloadTooLarge,
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
from lpse.crypto import detached, envelope, pki, receipts
from lpse.crypto.errors import CryptoError
from lpse.errors import NotAllowed, NotFound, StageClosed, Throttled, ValidationFailed
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.tenders.stages import Stage
from lpse.vendors import verification

CHUNK = 64 * 1024


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


# --- gates -------------------------------------------------------------------------------------


def submission_problem(tender, user, now):
    """Why `user` may not submit to `tender` at `now` (a domain error), or None."""
    if not tender.is_active:
        return StageClosed(_l('Tender ini tidak menerima penawaran.'))
    window = tender.schedule.get(Stage.bid_submission)
    if window is None or now < window.start:
        start = with_wib(window.start, tender.timezone) if window else '–'
        return StageClosed(_l('Tahap pemasukan penawaran belum dimulai (mulai %(t)s).', t=start))
    if now >= window.end:
        return deadline_passed(tender)
    vendor = verification.vendor_of(user)
    if vendor is None or not user.has_role('vendor'):
        return NotAllowed(_l('Hanya penyedia yang dapat mengirim penawaran.'))
    problem = verification.participation_problem(vendor, now)
    if problem is not None:
        return NotAllowed(problem)
    if signing_certificate(user, now) is None:
        return NotAllowed(_l('Anda belum memiliki sertifikat penandatanganan yang berlaku.'))
    if keys.key_of(tender) is None:
        return NotFound(_l('Tender ini belum memiliki sertifikat penawaran.'))
    return None


def can_submit(tender, user, now) -> bool:
    return user is not None and submission_problem(tender, user, now) is None


def require_submission(tender, user, now):
    problem = submission_problem(tender, user, now)
    if problem is not None:
        raise problem
    return verification.vendor_of(user)


def signing_certificate(user, now):
    rows = pki_service.certificates_of(user)
    return next(
        (c for c in rows if c.profile == pki.Profile.signing.name and c.is_usable(now)), None
    )


def deadline_passed(tender, received=None) -> DeadlinePassed:
    deadline = with_wib(tender.bid_deadline, tender.timezone)
    if received is None:
        return DeadlinePassed(
            _l(
                'Batas akhir pemasukan penawaran sudah lewat: %(d)s. Penawaran tidak diterima.',
                d=deadline,
            )
        )
    return DeadlinePassed(
        _l(
            'Penawaran selesai diterima pada %(r)s, pada atau setelah batas akhir %(d)s. '
            'Penawaran tidak disimpan.',
            r=received.strftime('%Y-%m-%d %H:%M:%S.%f')[:-3] + ' UTC',
            d=deadline,
        )
    )


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
        _l('Sampul penawaran melebihi batas %(mb)s MB.', mb=max_size() // (1024 * 1024))
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


def begin_upload(tender, vendor, *, now) -> str:
    """Count the attempt against the rate limit and take the (tender, vendor) upload lock.

    Commits (a lock must be visible to the other requests before the body is read)."""
    cfg = current_app.config
    limit, window = int(cfg['LPSE_BID_RATE_LIMIT']), int(cfg['LPSE_BID_RATE_WINDOW'])
    since = now - timedelta(seconds=window)
    db.session.execute(
        delete(BidUploadAttempt).where(
            BidUploadAttempt.vendor_id == vendor.id, BidUploadAttempt.attempted_at < since
        )
    )
    recent = db.session.execute(
        select(func.count(), func.min(BidUploadAttempt.attempted_at)).where(
            BidUploadAttempt.vendor_id == vendor.id, BidUploadAttempt.attempted_at >= since
        )
    ).first()
    if recent[0] >= limit:
        db.session.commit()
        wait = max(1, int((recent[1] + timedelta(seconds=window) - now).total_seconds()) + 1)
        raise Throttled(
            _l('Terlalu banyak unggahan penawaran. Coba lagi dalam %(s)s detik.', s=wait),
            retry_after=wait,
        )
    token = secrets.token_hex(16)
    expires = now + timedelta(seconds=int(cfg['LPSE_BID_LOCK_SECONDS']))
    db.session.add(BidUploadAttempt(vendor_id=vendor.id, attempted_at=now))
    db.session.add(
        BidUploadLock(tender_id=tender.id, vendor_id=vendor.id, token=token, expires_at=expires)
    )
    try:
        db.session.commit()
        return token
    except IntegrityError:
        db.session.rollback()
    # A lock exists: take it over only if it expired (its upload died with its process).
    taken = db.session.execute(
        update(BidUploadLock)
        .where(
            BidUploadLock.tender_id == tender.id,
            BidUploadLock.vendor_id == vendor.id,
            BidUploadLock.expires_at <= now,
        )
        .values(token=token, expires_at=expires)
    ).rowcount
    db.session.add(BidUploadAttempt(vendor_id=vendor.id, attempted_at=now))
    db.session.commit()
    if not taken:
        raise UploadInProgress(
            _l('Unggahan penawaran Anda yang lain untuk tender ini masih berjalan. Tunggu selesai.')
        )
    return token


def end_upload(tender_id, vendor_id, token) -> None:
    """Release the lock (in `finally`): whatever happened, the next upload may start."""
    db.session.rollback()
    db.session.execute(
        delete(BidUploadLock).where(
            BidUploadLock.tender_id == tender_id,
            BidUploadLock.vendor_id == vendor_id,
            BidUploadLock.token == token,
        )
    )
    db.session.commit()


# --- the upload itself --------------------------------------------------------------------------


class _HashingReader:
    """Hashes and counts what passes, refusing past the cap while streaming."""

    def __init__(self, stream, limit):
        self.stream, self.limit = stream, limit
        self.sha, self.size = hashlib.sha256(), 0

    def read(self, n=CHUNK):
        chunk = self.stream.read(n)
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large()
        self.sha.update(chunk)
        return chunk


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
        signer = detached.verify_detached(upload.signature, reader.sha.digest())
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


def receive(tender, user, vendor, upload: Upload, *, now) -> Received:
    """Store and acknowledge one envelope; the caller holds the upload lock and commits."""
    kind = resolve_kind(tender, upload.kind)
    check_declared_size(upload.content_length)
    tender_key = keys.require_key(tender)
    reader = _HashingReader(upload.stream, max_size())
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
    if existing is not None:
        if existing.is_current:
            return Received(existing, False)
        raise StageClosed(
            _l('Sampul yang sama sudah pernah dikirim lalu diganti atau ditarik. Segel ulang.')
        )
    try:
        bid = _record(tender, user, vendor, upload, kind, sha, size, found['certificate'], now)
    except BaseException:
        db.session.rollback()
        discard_blob(sha)
        raise
    return Received(bid, True)


def _record(tender, user, vendor, upload, kind, sha, size, certificate, now) -> Bid:
    system_key = pki_service.system_key()  # unlocked before the clock is read: argon2 is slow
    authority = pki_service.require_authority()
    previous = current_bid(tender, vendor, kind)
    if previous is not None:
        previous.status = BidStatus.superseded.value
        db.session.flush()
    bid = Bid(
        tender_id=tender.id,
        vendor_id=vendor.id,
        submitted_by_id=user.id,
        kind=kind.value,
        status=BidStatus.current.value,
        sha256=sha,
        size=size,
        submission_signature=upload.signature,
        signer_serial=certificate.serial,
        receipt_number=_new_receipt_number(tender),
        received_at=now,
        audit_seq=0,
        receipt_json='{}',
        supersedes_id=previous.id if previous else None,
        ip=(upload.ip or None) and upload.ip[:45],
        user_agent=(upload.user_agent or None) and upload.user_agent[:300],
    )
    db.session.add(bid)
    db.session.flush()
    event = audit.record(
        'bid.submitted',
        bid,
        actor=user,
        now=now,
        ip=upload.ip,
        tender=tender.code,
        version=tender.version,
        vendor_id=vendor.id,
        kind=kind.value,
        sha256=sha,
        size=size,
        receipt_number=bid.receipt_number,
        supersedes=previous.sha256 if previous else None,
    )
    checkpoint = checkpoints.create_checkpoint('bid.submitted', now=now, tender=tender)
    # "Received" is the commit moment: read after the audit head is locked and the checkpoint
    # signed, so only the receipt signature (milliseconds) lies between it and the commit.
    received = commit_clock()
    window = tender.schedule[Stage.bid_submission]
    if received >= tender.bid_deadline:
        raise deadline_passed(tender, received)
    if received < window.start:
        raise StageClosed(_l('Tahap pemasukan penawaran belum dimulai.'))
    fields = {
        'format': receipts.FORMAT,
        'receipt_number': bid.receipt_number,
        'tender_code': tender.code,
        'tender_version': tender.version,
        'envelope_kind': kind.value,
        'vendor_name': vendor.company_name,
        'vendor_npwp': vendor.npwp,
        'envelope_sha256': sha,
        'envelope_size': size,
        **receipts.received_times(received, tender.timezone),
        'audit_seq': event.seq,
        'audit_checkpoint': {'seq': checkpoint.seq, 'hash': checkpoint.hash},
    }
    if previous is not None:
        fields['supersedes'] = previous.sha256
    doc = receipts.sign_receipt(fields, key=system_key, cert=authority.system_cert)
    bid.received_at = received
    bid.audit_seq = event.seq
    bid.checkpoint_id = checkpoint.id
    bid.receipt_json = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    db.session.flush()
    return bid


def commit_clock():
    """The time of the commit: PostgreSQL's clock_timestamp() (never now(), frozen at the
    start of the transaction); the app clock on SQLite or while a test has frozen it."""
    if clock.is_frozen() or db.session.get_bind().dialect.name != 'postgresql':
        return clock.now()
    return db.session.scalar(text('SELECT clock_timestamp()')).astimezone(UTC)


def _new_receipt_number(tender) -> str:
    """Random, not sequential: a sequence would tell each bidder how many bid before them."""
    while True:
        number = f'{tender.code}-{tender.version}-{secrets.randbelow(10**6):06d}'
        taken = db.session.scalar(
            select(Bid.id).where(Bid.tender_id == tender.id, Bid.receipt_number == number)
        )
        if taken is None:
            return number


def discard_blob(sha) -> None:
    """Delete a blob that no row refers to (a refused upload keeps nothing)."""
    referenced = db.session.scalar(select(Bid.id).where(Bid.sha256 == sha).limit(1))
    if referenced is None:
        store = storage.blob_store()
        if isinstance(store, storage.FileStore):
            store.path(sha).unlink(missing_ok=True)


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
