"""Aanwijzing: vendors' questions during the clarification stage and the Pokja's answers."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import audit, ids
from lpse.errors import Conflict, NotAllowed, StageClosed
from lpse.extensions import db
from lpse.tenders import news, rules
from lpse.tenders.permissions import vendor_may_participate
from lpse.tenders.stages import Stage
from lpse.types import UTCDateTime


class Question(db.Model):
    """A vendor's question; public with the asker hidden (auditors see who asked)."""

    __tablename__ = 'tender_question'

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id', ondelete='CASCADE'), index=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    # The answer changes the documents: an addendum follows.
    causes_addendum: Mapped[bool] = mapped_column(Boolean, default=False)

    asker = relationship('User', foreign_keys=[asker_id])


def questions_of(tender):
    return db.session.scalars(
        db.select(Question).where(Question.tender_id == tender.id).order_by(Question.id)
    ).all()


def get_question(tender, question_id):
    return ids.get_or_404(
        Question,
        question_id,
        _l('Pertanyaan tidak ditemukan.'),
        belongs=lambda q: q.tender_id == tender.id,
    )


def _text(value, field):
    return rules.required_text(value, field, _l('Teks wajib diisi.'))


def ask_question(tender, *, body, actor, now, ip=None):
    """A vendor asks; only inside the clarification window."""
    if not vendor_may_participate(actor, now):
        raise NotAllowed(_l('Hanya penyedia terverifikasi yang dapat bertanya.'))
    if not tender.is_open(Stage.clarification, now):
        raise StageClosed(
            _l('Pertanyaan hanya dapat diajukan selama tahap Pemberian Penjelasan.'),
        )
    question = Question(tender_id=tender.id, asker_id=actor.id, body=_text(body, 'body'))
    question.asked_at = now
    db.session.add(question)
    db.session.flush()
    audit.record(
        'tender.question_asked', tender, actor=actor, now=now, ip=ip, question_id=question.id
    )
    return question


def answer_question(question, tender, *, answer, causes_addendum=False, actor, now, ip=None):
    """A Pokja member answers, once; the answer is public."""
    if not tender.can_answer(actor):
        raise NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat menjawab.'))
    if question.answer is not None:
        raise Conflict(_l('Pertanyaan ini sudah dijawab.'))
    question.answer = _text(answer, 'answer')
    question.answered_at = now
    question.answered_by_id = actor.id
    question.causes_addendum = bool(causes_addendum)
    db.session.flush()
    audit.record(
        'tender.question_answered',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        question_id=question.id,
        causes_addendum=question.causes_addendum,
    )
    news.tell(tender, 'question_answered', now=now, to=[*news.audience(tender), question.asker])
    return question
