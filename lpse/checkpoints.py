"""Signed audit checkpoints: the chain's (seq, hash) signed by the system key (ARCHITECTURE §5).

A hash chain alone does not stop a superuser who rewrites an event and recomputes every later
hash and the head. A checkpoint is a signed statement "at seq N the chain's hash was H" that
leaves the database (printed into receipts and PDFs, published on /audit/checkpoints), so such a
rewrite no longer matches what was signed. The document has the receipts' shape and signature
(RSA-PSS-SHA256 over the canonical JSON, `lpse.crypto.receipts`) under the key ``checkpoint``:
``{"checkpoint": {"format": "lpse-checkpoint/1", "seq", "hash", "at", "reason"},
"signature": {"alg", "value", "certificate"}}``.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint, and_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import audit, pki_service, tlog
from lpse.crypto import note as signed_note
from lpse.crypto import pki, receipts
from lpse.crypto.canonical import document_json
from lpse.crypto.errors import CryptoError, KeyMismatch
from lpse.errors import ValidationFailed
from lpse.extensions import db
from lpse.types import UTCDateTime

FORMAT = 'lpse-checkpoint/1'
FILE_FORMAT = 'lpse-checkpoints/1'
FIELDS = ('at', 'format', 'hash', 'reason', 'seq')
HASH_RE = re.compile(r'^[0-9a-f]{64}$')


# Why a checkpoint was signed, in words (the code is the row's `reason`, kept as written).
REASONS = {
    'scheduled': _l('Terjadwal'),
    'manual': _l('Dibuat operator'),
    'bid.submitted': _l('Penawaran dikirim'),
    'bids.opened': _l('Penawaran dibuka'),
    'winner.announced': _l('Pemenang diumumkan'),
    'award.issued': _l('SPPBJ diterbitkan'),
    'document.issued': _l('Dokumen diterbitkan'),
    'bundle': _l('Paket audit dibuat'),
    'report': _l('Laporan audit dibuat'),
}


def reason_label(reason: str):
    """The reason in words, or as written when it has none."""
    return REASONS.get(reason, reason)


class CheckpointInvalid(CryptoError):
    """A checkpoint document is malformed or its signature does not hold."""


class AuditCheckpoint(db.Model):
    """One signed (seq, hash) of the audit chain, taken at a milestone or on demand, and the
    same moment as a C2SP checkpoint of the Merkle tree (tree size = seq) in a signed note."""

    __tablename__ = 'audit_checkpoint'

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(80))
    tender_id: Mapped[int | None] = mapped_column(ForeignKey('tender.id'), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    document: Mapped[str] = mapped_column(Text)  # the signed JSON, exactly as handed out
    # The Merkle tree at this moment: its root (hex) and the C2SP signed note (tlog-checkpoint
    # body, the log's Ed25519 signature). None for checkpoints cut before the tree existed.
    root_hash: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    cosignatures = relationship(
        'CheckpointCosignature', order_by='CheckpointCosignature.id', lazy='selectin'
    )

    @property
    def tree_size(self) -> int:
        return self.seq

    @property
    def body(self) -> str | None:
        """The checkpoint text the log signed and witnesses cosign."""
        return None if self.note is None else self.note.split('\n\n', 1)[0] + '\n'

    @property
    def signed_note(self) -> str | None:
        """The note with every witness cosignature gathered so far (GET /api/v1/log/checkpoint)."""
        if self.note is None:
            return None
        return self.note + ''.join(c.line for c in self.cosignatures)

    @property
    def witness_count(self) -> int:
        return len(self.cosignatures)

    @property
    def citation(self) -> str:
        """How PDFs cite it: the chain's `short` form, the tree's size and root, the witnesses
        that had cosigned when it was printed (/verify shows the count as it grows)."""
        if self.root_hash is None:
            return self.short
        return f'{self.short} · log {self.seq} {self.root_hash[:16]} · {self.witness_count} saksi'

    @property
    def short(self) -> str:
        """How receipts and PDF footers cite it: ``#seq`` and the first 16 hex digits."""
        return f'#{self.seq} {self.hash[:16]}'

    @property
    def signed(self) -> dict:
        return json.loads(self.document)

    def as_json(self) -> dict:
        return {'id': self.id, 'tender_id': self.tender_id, **self.signed}


class CheckpointCosignature(db.Model):
    """A witness's cosignature (C2SP tlog-cosignature) of one checkpoint: the witness checked
    that this tree extends every earlier one it saw."""

    __tablename__ = 'checkpoint_cosignature'
    __table_args__ = (UniqueConstraint('checkpoint_id', 'witness', 'key_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey('audit_checkpoint.id'), index=True)
    witness: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[str] = mapped_column(Text)  # `— name base64(keyid ‖ timestamp ‖ signature)`
    cosigned_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the witness's timestamp
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- signing -----------------------------------------------------------------------------------


def sign_checkpoint(fields: Mapping, *, key, cert: x509.Certificate) -> dict:
    """Sign checkpoint fields as `receipts.sign_receipt` signs a receipt (same algorithm)."""
    fields = dict(fields)
    _check_fields(fields)
    if not isinstance(key, rsa.RSAPrivateKey) or not pki.key_matches_certificate(key, cert):
        raise KeyMismatch('the checkpoint key does not belong to the system certificate')
    value = key.sign(receipts.signed_bytes(fields), pki.PSS_SHA256, hashes.SHA256())
    return {
        'checkpoint': fields,
        'signature': {
            'alg': receipts.ALGORITHM,
            'value': base64.b64encode(value).decode('ascii'),
            'certificate': cert.public_bytes(serialization.Encoding.PEM).decode('ascii'),
        },
    }


def create_checkpoint(reason: str, *, now, tender=None) -> AuditCheckpoint:
    """Sign the audit head as it stands in this transaction (call it after the event it covers)."""
    head = db.session.execute(
        select(audit.AuditHead.seq, audit.AuditHead.hash, audit.AuditHead.frontier).where(
            audit.AuditHead.id == 1
        )
    ).first()  # a fresh read: audit.record moves the head with UPDATE statements
    seq, hash_, edge = (
        (head.seq, head.hash, bytes(head.frontier or b'')) if head else (0, audit.GENESIS_HASH, b'')
    )
    authority = pki_service.require_authority()
    fields = {'format': FORMAT, 'seq': seq, 'hash': hash_, 'at': _stamp(now), 'reason': reason}
    document = sign_checkpoint(fields, key=pki_service.system_key(), cert=authority.system_cert)
    root = tlog.root_of(seq, edge)
    body = signed_note.format_checkpoint(log_origin(), seq, root)
    row = AuditCheckpoint(
        seq=seq,
        hash=hash_,
        reason=reason,
        tender_id=getattr(tender, 'id', None),
        created_at=now,
        document=document_json(document),
        root_hash=root.hex(),
        note=signed_note.sign_note(body, log_signer()).decode('utf-8'),
    )
    db.session.add(row)
    db.session.flush()
    return row


def checkpoint_if_due(*, now) -> AuditCheckpoint | None:
    """The clock's checkpoint: one every `LPSE_CHECKPOINT_MINUTES` while the log grows (none
    when nothing was logged since the last one). Milestones cut their own in between."""
    head = db.session.get(audit.AuditHead, 1)
    last = latest_checkpoint()
    if head is None or (last is not None and last.seq >= head.seq):
        return None
    minutes = current_app.config.get('LPSE_CHECKPOINT_MINUTES', 10)
    if last is not None and now - last.created_at < timedelta(minutes=minutes):
        return None
    return create_checkpoint('scheduled', now=now)


def log_origin() -> str:
    """The log's name in checkpoints (C2SP: a schema-less URL): `LPSE_LOG_ORIGIN`, else the
    base URL's host and path followed by `/log`."""
    configured = current_app.config.get('LPSE_LOG_ORIGIN')
    if configured:
        return configured
    url = urlsplit(current_app.config['LPSE_BASE_URL'])
    return f'{url.netloc}{url.path.rstrip("/")}/log'


def log_signer() -> signed_note.Signer:
    """The log's Ed25519 key, named after the origin (what witnesses are told to trust)."""
    return signed_note.Signer(log_origin(), pki_service.log_key())


def witness_verifiers() -> list[signed_note.Verifier]:
    """The witnesses whose cosignatures this instance accepts (`LPSE_WITNESS_KEYS`, vkeys)."""
    return [
        signed_note.Verifier.from_vkey(v) for v in current_app.config.get('LPSE_WITNESS_KEYS', ())
    ]


class CosignatureRefused(ValidationFailed):
    code = 'cosignature_refused'


def add_cosignature(body: str, line: str, *, now) -> CheckpointCosignature:
    """Keep a witness's cosignature of one of our checkpoints (its text exactly as signed)."""
    row = db.session.scalar(
        select(AuditCheckpoint).where(AuditCheckpoint.note.startswith(body + '\n'))
    )
    if row is None or row.body != body:
        raise CosignatureRefused(_l('Checkpoint ini bukan checkpoint log ini.'))
    try:
        signature = signed_note.parse_signature_line(line if line.endswith('\n') else line + '\n')
    except CryptoError:
        raise CosignatureRefused(_l('Baris kosignatur tidak valid.')) from None
    verifier = next(
        (
            v
            for v in witness_verifiers()
            if (v.name, v.key_id) == (signature.name, signature.key_id)
        ),
        None,
    )
    if verifier is None:
        raise CosignatureRefused(_l('Kunci saksi ini tidak dikenal instansi ini.'))
    try:
        timestamp = signed_note.verify_cosignature(body, signature, verifier)
    except CryptoError:
        raise CosignatureRefused(_l('Kosignatur tidak sah untuk checkpoint ini.')) from None
    existing = next(
        (
            c
            for c in row.cosignatures
            if (c.witness, c.key_id) == (signature.name, signature.key_id)
        ),
        None,
    )
    if existing is not None:
        return existing
    cosignature = CheckpointCosignature(
        checkpoint_id=row.id,
        witness=signature.name,
        key_id=signature.key_id,
        line=signature.line,
        cosigned_at=datetime.fromtimestamp(timestamp, UTC),
        received_at=now,
    )
    db.session.add(cosignature)
    audit.record(
        'checkpoint.cosigned',
        row,
        actor=None,
        now=now,
        witness=signature.name,
        tree_size=row.seq,
        cosigned_at=timestamp,
    )
    db.session.flush()
    db.session.expire(row, ['cosignatures'])
    return cosignature


def checkpoint_for(seq: int) -> AuditCheckpoint | None:
    """The first checkpoint at or after `seq`: the one that vouches for that event."""
    stmt = select(AuditCheckpoint).where(AuditCheckpoint.seq >= seq)
    return db.session.scalars(stmt.order_by(AuditCheckpoint.seq, AuditCheckpoint.id)).first()


# A checkpoint cut for a tender tells when something happened to it. Those cut as bids arrive
# (`bid.submitted`) would tell anyone watching a tender in its bid period that, when and how
# often bids come in; until the tender's deadline they are withheld from every public list. A
# higher floor registers, per reason, the tenders whose checkpoints are still withheld
# (`withheld`); the chain loses nothing: any later checkpoint vouches for the same events.
_WITHHELD: dict[str, list] = {}

# What the tender page shows: its milestones (not an auditor's bundle).
MILESTONES = ('bid.submitted', 'bids.opened', 'winner.announced', 'award.issued', 'document.issued')


def withheld(reason: str):
    """Register ``query(now) -> Select`` of the tender ids whose ``reason`` checkpoints are
    not public yet (a decorator)."""

    def register(query):
        _WITHHELD.setdefault(reason, []).append(query)
        return query

    return register


def _published(stmt, now):
    for reason, queries in _WITHHELD.items():
        for query in queries:
            stmt = stmt.where(
                ~and_(AuditCheckpoint.reason == reason, AuditCheckpoint.tender_id.in_(query(now)))
            )
    return stmt


def public_checkpoints(now) -> list[AuditCheckpoint]:
    """Every checkpoint anyone may copy out (`all_checkpoints` less the withheld ones)."""
    stmt = _published(select(AuditCheckpoint), now)
    return db.session.scalars(stmt.order_by(AuditCheckpoint.seq, AuditCheckpoint.id)).all()


def tender_checkpoint(tender, now) -> AuditCheckpoint | None:
    """The newest public checkpoint cut at one of the tender's milestones (the tender page)."""
    stmt = select(AuditCheckpoint).where(
        AuditCheckpoint.tender_id == tender.id, AuditCheckpoint.reason.in_(MILESTONES)
    )
    stmt = _published(stmt, now)
    return db.session.scalars(stmt.order_by(AuditCheckpoint.id.desc())).first()


def latest_checkpoint() -> AuditCheckpoint | None:
    """The newest checkpoint (a Jinja global: receipts and PDFs print its `short` form)."""
    stmt = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())
    return db.session.scalars(stmt).first()


def all_checkpoints() -> list[AuditCheckpoint]:
    return db.session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
    ).all()


def system_certificates() -> list[x509.Certificate]:
    """The system certificates whose signatures we honour (the current one; none rotated yet)."""
    authority = pki_service.authority()
    return [authority.system_cert] if authority else []


def export_file(rows: Iterable[AuditCheckpoint]) -> dict:
    """The checkpoints file for `lpse verify-audit --checkpoints` (/audit/checkpoints.json)."""
    authority = pki_service.authority()
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode('ascii')  # noqa: E731
    return {
        'format': FILE_FORMAT,
        'ca_certificate': pem(authority.ca_cert) if authority else None,
        'system_certificates': [pem(c) for c in system_certificates()],
        'checkpoints': [row.signed for row in rows],
        # The Merkle tree's checkpoints (C2SP signed notes) and the key they are signed with.
        'log_key': log_signer().vkey if authority else None,
        'notes': [row.signed_note for row in rows if row.note is not None],
    }


# --- verification ------------------------------------------------------------------------------


def verify_checkpoint(doc, *, ca_cert: x509.Certificate, system_certs) -> dict:
    """Check a checkpoint document's signature by a pinned system certificate of our CA."""
    if not isinstance(doc, Mapping) or set(doc) != {'checkpoint', 'signature'}:
        raise CheckpointInvalid('not a checkpoint: expected "checkpoint" and "signature"')
    fields, sig = doc['checkpoint'], doc['signature']
    if not isinstance(fields, dict) or not isinstance(sig, Mapping):
        raise CheckpointInvalid('not a checkpoint: "checkpoint" and "signature" must be objects')
    if sig.get('alg') != receipts.ALGORITHM:
        raise CheckpointInvalid(f'signature algorithm {sig.get("alg")!r} is not accepted')
    try:
        value = base64.b64decode(sig.get('value', ''), validate=True)
        cert = x509.load_pem_x509_certificate(str(sig.get('certificate', '')).encode('ascii'))
    except (binascii.Error, ValueError, TypeError, UnicodeEncodeError):
        raise CheckpointInvalid('the signature value or certificate cannot be decoded') from None
    pinned = {pki.certificate_fingerprint(c) for c in system_certs}
    if pki.certificate_fingerprint(cert) not in pinned:
        raise CheckpointInvalid(
            f'signed by {cert.subject.rfc4514_string()}, which is not a system certificate'
        )
    pki.check_issued_by(cert, ca_cert)
    try:
        cert.public_key().verify(
            value, receipts.signed_bytes(fields), pki.PSS_SHA256, hashes.SHA256()
        )
    except (InvalidSignature, TypeError, AttributeError):
        raise CheckpointInvalid('the checkpoint signature does not verify: altered') from None
    _check_fields(fields)
    return fields


def verify_chain(
    records: Iterable[Mapping],
    documents: Iterable,
    *,
    ca_cert,
    system_certs,
    head=None,
    tree_heads: Iterable[signed_note.Checkpoint] = (),
) -> audit.Verification:
    """Recompute the chain and require every signed checkpoint's hash at its seq.

    A rewrite that recomputed every later hash (and the head) passes the chain check; it fails
    here, at the first checkpoint signed after the altered event."""
    signed = []
    for number, doc in enumerate(documents, start=1):
        try:
            signed.append(verify_checkpoint(doc, ca_cert=ca_cert, system_certs=system_certs))
        except CryptoError as exc:
            return audit.Verification(0, audit.GENESIS_HASH, f'checkpoint {number}', exc.message)
    wanted = {f['seq'] for f in signed}
    seen = {0: audit.GENESIS_HASH}
    roots = {cp.size: cp.root for cp in tree_heads}
    computed = {}
    edge = b''

    def remember(stream):
        nonlocal edge
        for rec in stream:
            if isinstance(rec, Mapping) and rec.get('seq') in wanted:
                seen[rec['seq']] = rec.get('hash')
            if roots and isinstance(rec, Mapping) and isinstance(rec.get('seq'), int):
                size = rec['seq']
                try:
                    _, edge = tlog.append(
                        size - 1, edge, tlog.leaf_hash(audit.canonical_fields(rec))
                    )
                except (ValueError, TypeError):  # a malformed record: the chain names it
                    roots.clear()
                if size in roots:
                    computed[size] = tlog.root_of(size, edge)
            yield rec

    chain = audit.verify_records(remember(records), head=head)
    good_until = 0
    for fields in sorted(signed, key=lambda f: f['seq']):
        seq = fields['seq']
        if not chain.ok and seq >= chain.first_bad_seq:
            break  # the chain itself already names the first bad event
        if seq > chain.count:
            problem = f'the signed checkpoint at seq {seq} is past the end of the log'
        elif seen.get(seq) != fields['hash']:
            problem = (
                f'the chain hash at seq {seq} differs from the signed checkpoint: an event '
                f'between seq {good_until + 1} and {seq} was rewritten'
            )
        else:
            good_until = seq
            continue
        return audit.Verification(chain.count, chain.last_hash, seq, problem)
    if chain.ok:
        for size, root in sorted(roots.items()):
            if size > chain.count:
                return audit.Verification(
                    chain.count,
                    chain.last_hash,
                    size,
                    f'the tree checkpoint of size {size} is past the end of the log',
                )
            if size and computed.get(size) != root:
                return audit.Verification(
                    chain.count,
                    chain.last_hash,
                    size,
                    f'the Merkle root of the first {size} events differs from the signed tree '
                    'checkpoint: the log was rewritten',
                )
    return chain


def _check_fields(fields: dict) -> None:
    if sorted(fields) != sorted(FIELDS) or fields['format'] != FORMAT:
        raise CheckpointInvalid(f'a checkpoint has exactly {", ".join(FIELDS)} ({FORMAT})')
    seq = fields['seq']
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise CheckpointInvalid('seq must be a non-negative integer')
    if not isinstance(fields['hash'], str) or not HASH_RE.match(fields['hash']):
        raise CheckpointInvalid('hash must be 64 lowercase hex digits')


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def verify_database() -> audit.Verification:
    """The stored chain, its head and every stored checkpoint (`flask lpse audit-verify`)."""
    authority = pki_service.authority()
    head = db.session.get(audit.AuditHead, 1)
    if authority is None:
        return audit.verify_records(audit.iter_records(), head=head)
    return verify_chain(
        audit.iter_records(),
        [row.signed for row in all_checkpoints()],
        ca_cert=authority.ca_cert,
        system_certs=system_certificates(),
        head=head,
    )


def read_tree_heads(data, *, log_key=None) -> list[signed_note.Checkpoint]:
    """The C2SP checkpoints of a checkpoints file, each verified with the log's key: the one
    given (`--log-key`, e.g. from a witness), else the one the file names."""
    notes = data.get('notes') if isinstance(data, dict) else None
    if not notes:
        return []
    vkey = log_key or data.get('log_key')
    try:
        verifier = signed_note.Verifier.from_vkey(str(vkey))
        heads = []
        for text in notes:
            opened = signed_note.open_note(str(text).encode('utf-8'), [verifier])
            heads.append(signed_note.parse_checkpoint(opened.text))
    except CryptoError as exc:
        raise CheckpointInvalid(f'a tree checkpoint does not verify: {exc.message}') from None
    return heads


def read_checkpoint_file(data, *, system_certs=None) -> tuple[list, list[x509.Certificate]]:
    """The signed documents of a checkpoints file, and the system certificates to pin: those
    given (``--system-cert``), else the ones the file lists (compare their fingerprints with
    the published ones: any certificate of the CA could be listed there)."""
    if isinstance(data, list):
        data = {'checkpoints': data}
    if not isinstance(data, dict) or not isinstance(data.get('checkpoints'), list):
        raise CheckpointInvalid('not a checkpoints file: expected a "checkpoints" list')
    if system_certs is None:
        try:
            system_certs = [
                x509.load_pem_x509_certificate(str(pem).encode('ascii'))
                for pem in data.get('system_certificates') or ()
            ]
        except (ValueError, UnicodeEncodeError):
            raise CheckpointInvalid('a system certificate in the file is not PEM') from None
    if not system_certs:
        raise CheckpointInvalid('no system certificate: pass --system-cert')
    return data['checkpoints'], list(system_certs)
