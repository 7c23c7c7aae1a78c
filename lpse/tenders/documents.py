"""Tender documents and addenda: every version stays stored, listed and downloadable."""

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import audit, ids, storage
from lpse.errors import Conflict, NotAllowed, StageClosed, ValidationFailed
from lpse.extensions import db, savepoint
from lpse.i18n import byte_size, with_wib
from lpse.tenders import news, rules, stages
from lpse.tenders.models import DocumentKind
from lpse.tenders.schedule import ScheduleInvalid, change_schedule
from lpse.tenders.stages import STAGES, Stage, Window
from lpse.types import UTCDateTime, sql_in

KIND_LABELS = {
    DocumentKind.dokumen_pemilihan: _l('Dokumen Pemilihan'),
    DocumentKind.kak: _l('Spesifikasi teknis / KAK'),
    DocumentKind.boq: _l('Daftar kuantitas dan harga (BoQ)'),
    DocumentKind.draft_contract: _l('Rancangan kontrak'),
    DocumentKind.other: _l('Lainnya'),
}


class TooLarge(ValidationFailed):
    status = 413
    code = 'too_large'


class Addendum(db.Model):
    """An adendum: a numbered, reasoned change to the tender documents after publication."""

    __tablename__ = 'tender_addendum'
    __table_args__ = (UniqueConstraint('tender_id', 'number', name='uq_tender_addendum_number'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id', ondelete='CASCADE'))
    number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    # Declared by the Pokja: the change affects bids, so the bid deadline moved with it
    # (DOMAIN §2 stage 4; the move is a schedule change with this addendum as its reason).
    affects_bids: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Document(db.Model):
    """One version of one tender document, stored as a blob under its SHA-256."""

    __tablename__ = 'tender_document'
    __table_args__ = (
        UniqueConstraint('tender_id', 'kind', 'version', name='uq_tender_document_version'),
        CheckConstraint(f'kind {sql_in(DocumentKind)}', name='known_kind'),
        CheckConstraint('size >= 0', name='size_not_negative'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id', ondelete='CASCADE'))
    kind: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    addendum_id: Mapped[int | None] = mapped_column(ForeignKey('tender_addendum.id'))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))

    addendum = relationship('Addendum', lazy='joined')

    @property
    def kind_label(self):
        return KIND_LABELS[DocumentKind(self.kind)]

    @property
    def download_name(self):
        base = re.sub(r'\.[A-Za-z0-9]{1,5}$', '', self.filename) or self.kind
        return f'{base}.{storage.EXTENSIONS[self.media_type]}'


def documents_of(tender):
    return db.session.scalars(
        db.select(Document)
        .where(Document.tender_id == tender.id)
        .order_by(Document.kind, Document.version)
    ).all()


def addenda_of(tender):
    return db.session.scalars(
        db.select(Addendum).where(Addendum.tender_id == tender.id).order_by(Addendum.number)
    ).all()


def _safe_filename(name):
    name = re.sub(r'[^A-Za-z0-9._ -]+', '_', (name or '').rsplit('/', 1)[-1].rsplit('\\', 1)[-1])
    return name.strip(' .')[:150] or 'dokumen'


def store_upload(fileobj):
    """Stream an upload into the blob store if it really is a PDF or office file."""
    found = {}

    def check(path):
        found['type'] = storage.sniff_document(path)
        if found['type'] is None:
            raise storage.BlobRejected('not a PDF or office document')

    max_size = current_app.config['LPSE_DOCUMENT_MAX_SIZE']
    try:
        sha256, size = storage.blob_store().put_stream(fileobj, max_size=max_size, check=check)
    except storage.BlobTooLarge as exc:
        raise TooLarge(
            _l('Berkas melebihi batas %(size)s.', size=byte_size(max_size)),
            field='file',
        ) from exc
    except storage.BlobRejected as exc:
        raise ValidationFailed(
            _l(
                'Berkas harus PDF atau dokumen perkantoran (DOCX, XLSX, PPTX, ODT, ODS, DOC, '
                'XLS); isinya diperiksa, bukan namanya.'
            ),
            field='file',
        ) from exc
    return sha256, size, found['type']


def addendum_min_hours(tender) -> float:
    """The least time vendors get between an addendum that affects bids and the new bid
    deadline: `LPSE_ADDENDUM_MIN_BID_HOURS` when configured, else the bid-preparation time
    after the aanwijzing in the tender's frozen rules (`deadline_after_clarification`, 72 h by
    default, 0 in the demo and test configuration) — an addendum reopens that preparation."""
    configured = current_app.config.get('LPSE_ADDENDUM_MIN_BID_HOURS')
    if configured is not None:
        return float(configured)
    frozen = rules.tender_schedule_rules(tender)
    return float(frozen.min_gaps.get('deadline_after_clarification', 0))


def deadline_move(tender, affects_bids, new_deadline, now) -> dict:
    """The schedule changes an addendum brings (DOMAIN §2 stage 4: an addendum that affects
    bids must push the bid deadline): none when it does not affect bids; else the bid
    submission ends at ``new_deadline``, every later stage moves by the same amount, and a
    download window still open is extended with it (vendors must be able to fetch the
    addendum). Refused, before anything is written, when the Pokja did not say whether the
    addendum affects bids, or the new deadline is missing, not later than the current one,
    sooner than `addendum_min_hours` from now, or breaks the tender's schedule rules."""
    if affects_bids is None:
        raise ValidationFailed(
            _l('Nyatakan apakah adendum ini memengaruhi penyusunan penawaran.'),
            field='affects_bids',
        )
    if not affects_bids:
        return {}
    zone, old = tender.timezone, tender.bid_deadline
    if new_deadline is None:
        raise ValidationFailed(
            _l(
                'Adendum yang memengaruhi penawaran wajib memundurkan batas akhir penawaran: '
                'isi batas akhir penawaran yang baru.'
            ),
            field='bid_deadline',
        )
    if new_deadline <= old:
        raise ValidationFailed(
            _l(
                'Batas akhir penawaran yang baru harus lebih lambat dari batas akhir saat ini '
                '(%(deadline)s).',
                deadline=with_wib(old, zone),
            ),
            field='bid_deadline',
        )
    hours = addendum_min_hours(tender)
    earliest = now + timedelta(hours=hours)
    if new_deadline < earliest:
        raise ValidationFailed(
            _l(
                'Penyedia harus mendapat paling sedikit %(hours)s jam setelah adendum untuk '
                'menyesuaikan penawaran: batas akhir penawaran paling cepat %(earliest)s.',
                hours=f'{hours:g}',
                earliest=with_wib(earliest, zone),
            ),
            field='bid_deadline',
        )
    delta = new_deadline - old
    schedule = tender.schedule
    changes = {Stage.bid_submission: Window(schedule[Stage.bid_submission].start, new_deadline)}
    for stage in STAGES[STAGES.index(Stage.bid_submission) + 1 :]:
        if stage not in schedule:
            continue
        changes[stage] = Window(schedule[stage].start + delta, schedule[stage].end + delta)
    download = schedule[Stage.download]
    if download.end > now:
        changes[Stage.download] = Window(download.start, download.end + delta)
    problems = stages.validate_schedule(
        {**schedule, **changes}, rules.tender_schedule_rules(tender)
    )
    if problems:
        raise ScheduleInvalid(problems)
    return changes


def add_document(
    tender,
    *,
    kind,
    title,
    fileobj,
    filename,
    reason,
    actor,
    now,
    ip=None,
    affects_bids=None,
    bid_deadline=None,
):
    """Upload a document: freely in a draft; after publication only as an addendum, with a
    reason and a statement whether it affects bids (then ``bid_deadline``, aware, is the new
    bid deadline: the schedule change is recorded with the addendum as its reason)."""
    if not tender.can_upload(actor, now):
        if tender.is_active and tender.is_member(actor):
            raise StageClosed(_l('Adendum tidak dapat diterbitkan setelah batas akhir penawaran.'))
        raise NotAllowed(_l('Hanya Pokja (atau PPK pada draf) tender ini yang dapat mengunggah.'))
    if kind not in DocumentKind.__members__:
        raise ValidationFailed(_l('Jenis dokumen tidak dikenal.'), field='kind')
    reason = (reason or '').strip()
    if not tender.is_draft and not reason:
        raise ValidationFailed(_l('Adendum wajib menyertakan alasan.'), field='reason')
    moves = {} if tender.is_draft else deadline_move(tender, affects_bids, bid_deadline, now)
    if fileobj is None:
        raise ValidationFailed(_l('Pilih berkas untuk diunggah.'), field='file')
    sha256, size, media_type = store_upload(fileobj)
    row = {'kind': kind, 'filename': _safe_filename(filename), 'media_type': media_type}
    row |= {'title': (title or '').strip()[:200] or str(KIND_LABELS[DocumentKind(kind)])}
    row |= {'size': size, 'sha256': sha256, 'uploaded_at': now, 'uploaded_by_id': actor.id}
    # Numbers are max + 1: an upload racing ours may take the same one first (the unique
    # constraint refuses it). Try once more with fresh numbers, then refuse clearly (409).
    for attempt in range(2):
        try:
            with savepoint():
                addendum, document = _number_and_add(tender, row, reason, now, actor)
            break
        except IntegrityError as exc:
            if attempt:
                raise Conflict(
                    _l('Dokumen lain sedang diunggah pada saat yang sama; silakan coba lagi.')
                ) from exc
    data = {'code': tender.code, 'version': tender.version, 'kind': kind, 'sha256': sha256}
    data |= {'document_version': document.version, 'size': size, 'media_type': media_type}
    if addendum is None:
        audit.record('tender.document_added', tender, actor=actor, now=now, ip=ip, **data)
    else:
        addendum.affects_bids = bool(affects_bids)
        audit.record(
            'tender.addendum_issued',
            tender,
            actor=actor,
            now=now,
            ip=ip,
            number=addendum.number,
            reason=reason,
            affects_bids=addendum.affects_bids,
            bid_deadline=moves[Stage.bid_submission].end.isoformat() if moves else None,
            **data,
        )
        if moves:
            change_schedule(
                tender,
                moves,
                reason=f'Adendum {addendum.number}: {reason}',
                actor=actor,
                now=now,
                ip=ip,
                announce=False,
            )
        news.tell(tender, 'addendum', now=now, number=addendum.number, reason=reason)
    return document


def _number_and_add(tender, row, reason, now, actor):
    """Insert the addendum (after publication) and the document with the next numbers."""
    addendum = None
    if not tender.is_draft:
        number = (_max(Addendum.number, Addendum.tender_id == tender.id) or 0) + 1
        addendum = Addendum(
            tender_id=tender.id, number=number, reason=reason, issued_at=now, issued_by_id=actor.id
        )
        db.session.add(addendum)
        db.session.flush()
    kind = row['kind']
    version = _max(Document.version, Document.tender_id == tender.id, Document.kind == kind) or 0
    document = Document(
        tender_id=tender.id,
        version=version + 1,
        addendum_id=addendum.id if addendum else None,
        **row,
    )
    db.session.add(document)
    db.session.flush()
    return addendum, document


def checked_download(tender, document_id, *, actor, now, ip=None) -> Document:
    """The document ``actor`` asks for, once allowed and logged (see `record_download`)."""
    document = ids.get_or_404(
        Document,
        document_id,
        _l('Dokumen tidak ditemukan.'),
        belongs=lambda d: d.tender_id == tender.id,
    )
    record_download(tender, document, actor=actor, now=now, ip=ip)
    return document


def record_download(tender, document, *, actor, now, ip=None):
    """Check that ``actor`` may download now and log the download (before the bytes leave)."""
    if not tender.can_download(actor, now):
        problem = tender.participation_problem(actor, now) if tender.is_active else None
        if problem is not None:
            raise NotAllowed(problem)
        raise NotAllowed(
            _l(
                'Dokumen lengkap hanya dapat diunduh penyedia terverifikasi pada tahap Download '
                'Dokumen Pemilihan.'
            )
        )
    audit.record(
        'tender.document_downloaded',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        code=tender.code,
        document_id=document.id,
        sha256=document.sha256,
    )


def _max(column, *where):
    return db.session.scalar(db.select(func.max(column)).where(*where))
