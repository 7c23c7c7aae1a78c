"""Masa sanggah: bidders of the tender object to the announced result during the objection
period; the Pokja answers each (accepted or rejected, with reasoning). Answers are public. An
accepted objection withdraws the announcement and either reopens the evaluation as a new
version or fails the tender."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.bids.models import Bid, BidStatus
from lpse.errors import Conflict, NotAllowed, NotFound, StageClosed, ValidationFailed
from lpse.evaluation import announcement as announcements
from lpse.evaluation import award_documents, permissions, service
from lpse.evaluation.objection_models import (
    Consequence,
    Objection,
    ObjectionAttachment,
    ObjectionStatus,
)
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.tenders import documents as tender_documents
from lpse.tenders import news
from lpse.vendors import verification

MAX_GROUNDS = 20_000
MAX_ANSWER = 20_000
MAX_ATTACHMENTS = 5


def bidder_vendor(tender, user):
    """The user's company when it submitted a bid to this tender (withdrawn bids do not count)."""
    vendor = verification.vendor_of(user)
    if vendor is None:
        return None
    bid = db.session.scalar(
        select(Bid.id).where(
            Bid.tender_id == tender.id,
            Bid.vendor_id == vendor.id,
            Bid.status == BidStatus.current,
        )
    )
    return vendor if bid is not None else None


def objections_of(tender) -> list[Objection]:
    return db.session.scalars(
        select(Objection).where(Objection.tender_id == tender.id).order_by(Objection.id)
    ).all()


def get_objection(tender, objection_id) -> Objection:
    row = db.session.get(Objection, objection_id) if isinstance(objection_id, int) else None
    if row is None or row.tender_id != tender.id:
        raise NotFound(_l('Sanggah tidak ditemukan.'))
    return row


def can_object(tender, user, now) -> bool:
    """A bidder of this tender, during the objection period, that has not objected yet."""
    current = announcements.current_announcement(tender)
    if current is None or not current.in_objection_period(now):
        return False
    vendor = bidder_vendor(tender, user)
    return vendor is not None and all(o.vendor_id != vendor.id for o in current.objections)


def _safe_filename(name) -> str:
    name = (name or '').replace('\\', '/').rsplit('/', 1)[-1]
    name = re.sub(r'[^A-Za-z0-9._ -]+', '_', name).strip(' .')
    return name[:150] or 'lampiran'


def file_objection(tender, *, actor, grounds, attachments=(), now, ip=None) -> Objection:
    """File a sanggah: ``attachments`` are (file object, file name) pairs. Every check runs
    before anything is stored."""
    vendor = bidder_vendor(tender, actor)
    if vendor is None:
        raise NotAllowed(_l('Hanya peserta tender ini yang dapat mengajukan sanggah.'))
    current = announcements.current_announcement(tender)
    if current is None or now < current.announced_at:
        raise StageClosed(_l('Pemenang belum diumumkan: masa sanggah belum dimulai.'))
    if now >= current.objection_ends_at:
        raise StageClosed(
            _l(
                'Masa sanggah telah berakhir pada %(end)s.',
                end=with_wib(current.objection_ends_at, tender.timezone),
            )
        )
    if any(o.vendor_id == vendor.id for o in current.objections):
        raise Conflict(_l('Perusahaan Anda sudah mengajukan sanggah atas pengumuman ini.'))
    grounds = (grounds or '').strip()
    if not grounds:
        raise ValidationFailed(_l('Tuliskan alasan sanggah.'), field='grounds')
    if len(grounds) > MAX_GROUNDS:
        raise ValidationFailed(
            _l('Alasan sanggah paling banyak %(n)s karakter.', n=MAX_GROUNDS), field='grounds'
        )
    attachments = [(f, name) for f, name in attachments if f is not None]
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            _l('Paling banyak %(n)s lampiran.', n=MAX_ATTACHMENTS), field='attachments'
        )
    # Every attachment is checked (and its content stored) before any row is written: a
    # refused attachment leaves neither an objection nor a reference to a blob.
    checked = []
    for fileobj, name in attachments:
        try:
            sha256, size, media_type = tender_documents.store_upload(fileobj)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field='attachments') from exc
        if size == 0:
            raise ValidationFailed(_l('Lampiran kosong.'), field='attachments')
        checked.append((_safe_filename(name), media_type, size, sha256))
    row = Objection(
        tender_id=tender.id,
        announcement_id=current.id,
        vendor_id=vendor.id,
        filed_by_id=actor.id,
        grounds=grounds,
        filed_at=now,
        status=ObjectionStatus.pending.value,
    )
    db.session.add(row)
    db.session.flush()
    stored = []
    for filename, media_type, size, sha256 in checked:
        attachment = ObjectionAttachment(
            objection_id=row.id,
            filename=filename,
            media_type=media_type,
            size=size,
            sha256=sha256,
        )
        db.session.add(attachment)
        stored.append({'filename': attachment.filename, 'sha256': sha256, 'size': size})
    db.session.flush()
    db.session.refresh(row)
    audit.record(
        'objection.filed',
        row,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.code,
        announcement=current.id,
        vendor=vendor.id,
        attachments=stored,
    )
    news.tell(
        tender,
        'objection_filed',
        now=now,
        to=tender.pokja,
        endpoint='sanggah.results',
        due=current.answer_due_at,
    )
    winner = _announced_winner(current)
    if winner is not None and winner.id != vendor.id and winner.user is not None:
        news.tell(
            tender,
            'objection_against_win',
            now=now,
            to=[winner.user],
            endpoint='sanggah.results',
            due=current.answer_due_at,
        )
    return row


def _announced_winner(announcement):
    """The company the announcement names as the winner (the objection may take its win)."""
    bid = db.session.get(Bid, announcement.result.get('winner_bid_id') or 0)
    return bid.vendor if bid is not None else None


def answer_objection(
    objection, *, actor, accepted, answer, consequence=None, now, ip=None
) -> Objection:
    """The Pokja's answer. Accepted: the announcement is withdrawn and the evaluation reopens
    as a new version (``reevaluate``) or the tender fails (``fail``)."""
    tender = objection.announcement.tender
    if not permissions.can_answer_objections(tender, actor):
        raise NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat menjawab sanggah.'))
    if not objection.is_pending:
        raise Conflict(_l('Sanggah ini sudah dijawab.'))
    if not isinstance(accepted, bool):
        raise ValidationFailed(_l('Pilih: sanggah diterima atau ditolak.'), field='accepted')
    answer = (answer or '').strip()
    if not answer:
        raise ValidationFailed(_l('Tuliskan jawaban dan alasannya.'), field='answer')
    if len(answer) > MAX_ANSWER:
        raise ValidationFailed(
            _l('Jawaban paling banyak %(n)s karakter.', n=MAX_ANSWER), field='answer'
        )
    if accepted and consequence not in tuple(Consequence):
        raise ValidationFailed(
            _l('Sanggah yang diterima harus menyatakan akibatnya: evaluasi ulang atau gagal.'),
            field='consequence',
        )
    if not accepted:
        consequence = None
    current = objection.announcement
    objection.status = (ObjectionStatus.accepted if accepted else ObjectionStatus.rejected).value
    objection.answer = answer
    objection.consequence = consequence
    objection.answered_at = now
    objection.answered_by_id = actor.id
    objection.answered_late = now >= current.answer_due_at
    db.session.flush()
    audit.record(
        'objection.answered',
        objection,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.code,
        accepted=accepted,
        consequence=consequence,
        late=objection.answered_late,
    )
    news.tell(
        tender,
        'objection_answered',
        now=now,
        to=[objection.filed_by],
        endpoint='sanggah.results',
        outcome=accepted,
    )
    if accepted and current.is_current:
        _apply_consequence(objection, tender, consequence, actor=actor, now=now, ip=ip)
    award_documents.issue_objection_answer(objection, now=now)
    return objection


def _apply_consequence(objection, tender, consequence, *, actor, now, ip):
    reason = f'Sanggah #{objection.id} diterima: {objection.answer}'
    announcements.withdraw(objection.announcement, reason=reason, actor=actor, now=now, ip=ip)
    if consequence == Consequence.reevaluate:
        service.reopen(tender, reason=reason, actor=actor, now=now)
    else:
        service.declare_failed(tender, reason=reason, actor=actor, now=now)
