"""Tender packages: the package, its Pokja, bill of quantities, schedule, documents and Q&A.

Indonesian words kept as the users say them: **pagu** (the budget ceiling), **HPS** (harga
perkiraan sendiri, the owner's estimate), **Pokja** (the selection committee), **PPK** (the
official who owns the package), **adendum** (a change to the tender documents), **aanwijzing**
(the clarification Q&A).
"""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lpse.auth.scope import audits_tender
from lpse.extensions import db
from lpse.tenders import stages
from lpse.tenders.stages import Stage, Window
from lpse.types import UTCDateTime, sql_in

MONEY = Numeric(20, 2)


class Category(enum.StrEnum):
    barang = 'barang'
    pekerjaan_konstruksi = 'pekerjaan_konstruksi'
    jasa_konsultansi = 'jasa_konsultansi'
    jasa_lainnya = 'jasa_lainnya'


class SelectionMethod(enum.StrEnum):
    tender = 'tender'
    seleksi = 'seleksi'
    tender_cepat = 'tender_cepat'


class QualificationMethod(enum.StrEnum):
    """When vendors are qualified (SPSE's "metode kualifikasi", DOMAIN §9): after the bids
    (pascakualifikasi) or before, by a shortlist (prakualifikasi)."""

    pascakualifikasi = 'pascakualifikasi'
    prakualifikasi = 'prakualifikasi'


class ContractType(enum.StrEnum):
    lump_sum = 'lump_sum'
    unit_price = 'unit_price'
    gabungan = 'gabungan'


class BusinessSize(enum.StrEnum):
    kecil = 'kecil'
    non_kecil = 'non_kecil'


class EvaluationMethod(enum.StrEnum):
    lowest_price = 'lowest_price'
    merit_point = 'merit_point'
    life_cycle_cost = 'life_cycle_cost'
    qcbs = 'qcbs'
    quality = 'quality'
    fixed_budget = 'fixed_budget'
    least_cost = 'least_cost'


class TenderStatus(enum.StrEnum):
    """What people decided; the stage inside `published` is derived from the schedule."""

    draft = 'draft'
    published = 'published'
    cancelled = 'cancelled'
    failed = 'failed'


class ObjectionStatus(enum.StrEnum):
    """A sanggah's state — against the winner or against a prakualifikasi result."""

    pending = 'pending'
    accepted = 'accepted'
    rejected = 'rejected'


class DocumentKind(enum.StrEnum):
    dokumen_pemilihan = 'dokumen_pemilihan'
    kak = 'kak'
    boq = 'boq'
    draft_contract = 'draft_contract'
    other = 'other'


class Tender(db.Model):
    """One version of a procurement package; a retender is the next version of the same code."""

    __tablename__ = 'tender'
    __table_args__ = (
        UniqueConstraint('code', 'version', name='uq_tender_code_version'),
        CheckConstraint(f'category {sql_in(Category)}', name='known_category'),
        CheckConstraint(
            f'selection_method {sql_in(SelectionMethod)}', name='known_selection_method'
        ),
        CheckConstraint(f'contract_type {sql_in(ContractType)}', name='known_contract_type'),
        CheckConstraint(
            f'qualification_method {sql_in(QualificationMethod)}',
            name='known_qualification_method',
        ),
        CheckConstraint(f'business_size {sql_in(BusinessSize)}', name='known_business_size'),
        CheckConstraint(f'evaluation_method {sql_in(EvaluationMethod)}', name='known_method'),
        CheckConstraint(f'status {sql_in(TenderStatus)}', name='known_status'),
        CheckConstraint('pagu >= 0 AND hps >= 0', name='amounts_not_negative'),
        CheckConstraint('hps <= pagu', name='hps_within_pagu'),
        CheckConstraint('submission_files IN (1, 2)', name='one_or_two_files'),
        CheckConstraint('version >= 1', name='version_positive'),
        CheckConstraint(
            "status = 'draft' OR (published_at IS NOT NULL AND rules_version IS NOT NULL)",
            name='published_is_frozen',
        ),
        Index('ix_tender_listing_newest', 'published_at', 'id'),
        Index('ix_tender_listing_deadline', 'bid_deadline', 'id'),
        Index('ix_tender_listing_hps', 'hps', 'id'),
        Index('ix_tender_agency_published', 'agency_id', 'published_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey('tender.id'))
    # Set on an older version once its retender is published: listings show the newest only.
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=TenderStatus.draft.value)

    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default='')
    category: Mapped[str] = mapped_column(String(30), index=True)
    selection_method: Mapped[str] = mapped_column(String(20))
    qualification_method: Mapped[str] = mapped_column(
        String(20),
        default=QualificationMethod.pascakualifikasi.value,
        server_default=QualificationMethod.pascakualifikasi.value,
    )
    contract_type: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int] = mapped_column(ForeignKey('agency.id'))
    work_unit_id: Mapped[int | None] = mapped_column(ForeignKey('work_unit.id'))
    funding_source: Mapped[str] = mapped_column(String(100), default='')
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    pagu: Mapped[Decimal] = mapped_column(MONEY)
    hps: Mapped[Decimal] = mapped_column(MONEY)
    business_size: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(300), default='')
    timezone: Mapped[str] = mapped_column(String(20))
    ppk_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    key_threshold: Mapped[int | None] = mapped_column(Integer)
    submission_files: Mapped[int] = mapped_column(Integer, default=1)
    evaluation_method: Mapped[str] = mapped_column(String(30))
    # KBLI codes a vendor must hold one of (comma-separated): the qualification requirement the
    # register data is checked against where the method qualifies automatically (Tender Cepat).
    required_kbli: Mapped[str] = mapped_column(String(200), default='', server_default='')
    # The method's parameters (weights, threshold, TKDN…) as canonical JSON, editable in a draft.
    method_params: Mapped[str] = mapped_column(Text, default='{}')

    # Frozen at publication: everything that decides the outcome, as canonical JSON.
    rules_version: Mapped[str | None] = mapped_column(String(60))
    frozen_rules: Mapped[str | None] = mapped_column(Text)
    frozen_sha256: Mapped[str | None] = mapped_column(String(64))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    # Milestones recorded by later stages (prequalification, bids, evaluation, award); they
    # gate the stage.
    shortlist_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bids_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    winner_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    winner_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    award_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contract_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Denormalised from the schedule for the public listing (sort and display).
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency = relationship('Agency', lazy='joined')
    work_unit = relationship('WorkUnit')
    ppk = relationship('User', foreign_keys=[ppk_id])
    previous = relationship(
        'Tender',
        remote_side=[id],
        foreign_keys=[previous_id],
        backref=backref('retender', uselist=False),  # the next version, once retendered
    )
    members = relationship(
        'TenderMember', cascade='all, delete-orphan', order_by='TenderMember.id', lazy='selectin'
    )
    boq_items = relationship(
        'BoqItem', cascade='all, delete-orphan', order_by='BoqItem.position', lazy='selectin'
    )
    schedule_rows = relationship(
        'ScheduleEntry', cascade='all, delete-orphan', order_by='ScheduleEntry.position'
    )

    # --- derived state ----------------------------------------------------------------------

    @property
    def method(self):
        """The selection method's declaration (lpse.tenders.methods): stages, gates, rules."""
        from lpse.tenders.methods import method_of

        return method_of(self)

    @property
    def kbli_codes(self) -> list[str]:
        return [code for code in (self.required_kbli or '').split(',') if code]

    @property
    def schedule(self) -> dict[Stage, Window]:
        return {Stage(r.stage): Window(r.starts_at, r.ends_at) for r in self.schedule_rows}

    @property
    def milestones(self) -> dict[str, datetime | None]:
        return {name: getattr(self, name) for name in stages.MILESTONES}

    def stage(self, now) -> Stage | stages.Phase:
        return stages.current_stage(self.status, self.schedule, self.milestones, now)

    def is_open(self, stage: Stage, now) -> bool:
        window = self.schedule.get(stage)
        return self.status == TenderStatus.published and window is not None and window.contains(now)

    @property
    def is_draft(self) -> bool:
        return self.status == TenderStatus.draft

    @property
    def is_active(self) -> bool:
        return self.status == TenderStatus.published

    def before_deadline(self, now) -> bool:
        return self.bid_deadline is not None and now < self.bid_deadline

    @property
    def pokja(self):
        return [m.user for m in self.members]

    @property
    def threshold(self) -> int:
        """k of the k-of-n key split: the chosen value, else a majority of the Pokja."""
        return self.key_threshold or len(self.members) // 2 + 1

    # --- who may do what (used by views, templates and the access-matrix tests) ------------

    def is_member(self, user) -> bool:
        uid = getattr(user, 'id', None)
        return uid is not None and any(m.user_id == uid for m in self.members)

    def is_officer(self, user) -> bool:
        """A Pokja member or the PPK of this tender."""
        return self.is_member(user) or (user is not None and self.ppk_id == getattr(user, 'id', 0))

    def can_view(self, user) -> bool:
        if not self.is_draft:
            return True
        return self.is_officer(user) or audits_tender(user, self)

    def can_edit(self, user) -> bool:
        return self.is_draft and self.is_officer(user)

    def can_publish(self, user) -> bool:
        return self.is_draft and self.is_member(user)

    def can_manage(self, user) -> bool:
        """Change the schedule, issue addenda, cancel: the Pokja of a running tender."""
        return self.is_active and self.is_member(user)

    def can_upload(self, user, now) -> bool:
        if self.is_draft:
            return self.is_officer(user)
        return self.can_manage(user) and self.before_deadline(now)

    def can_answer(self, user) -> bool:
        return self.is_active and self.is_member(user)

    def can_fail(self, user, now) -> bool:
        return self.can_manage(user) and not self.before_deadline(now)

    def can_retender(self, user) -> bool:
        return self.status == TenderStatus.failed and self.is_member(user) and not self.superseded

    def can_ask(self, user, now) -> bool:
        from lpse.tenders.permissions import vendor_may_participate

        return vendor_may_participate(user, now) and self.is_open(Stage.clarification, now)

    def can_download(self, user, now) -> bool:
        """Officers of the tender and auditors always; vendors only during the download stage."""
        from lpse.tenders.permissions import vendor_may_participate

        if self.is_officer(user) or audits_tender(user, self):
            return True
        return (
            vendor_may_participate(user, now)
            and self.is_open(Stage.download, now)
            and self.participation_problem(user, now) is None
        )

    def participation_problem(self, user, now):
        """Why this tender's method keeps a vendor allowed to take part in tenders out of this
        one (Tender Cepat: its register data misses a requirement), or None."""
        from lpse.vendors.verification import vendor_of

        vendor = vendor_of(user)
        return None if vendor is None else self.method.participation_problem(self, vendor, now)

    def can_see_askers(self, user) -> bool:
        return audits_tender(user, self)

    def audited_by(self, user) -> bool:
        """``user`` is an auditor whose current assignment covers this tender."""
        return audits_tender(user, self)


def _has(user, role) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False) and user.has_role(role)


def changed_tenders(session, watched) -> list[Tender]:
    """The tenders of a flush (for an ``after_flush`` listener) that are new or had one of the
    ``watched`` attributes changed."""
    return [
        obj
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Tender)
        and (
            obj in session.new
            or any(inspect(obj).attrs[name].history.has_changes() for name in watched)
        )
    ]


class TenderMember(db.Model):
    """A Pokja member of one tender (membership is per tender)."""

    __tablename__ = 'tender_member'
    __table_args__ = (UniqueConstraint('tender_id', 'user_id', name='uq_tender_member_user'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'), index=True)

    user = relationship('User', lazy='joined')


class BoqItem(db.Model):
    """A line of the bill of quantities with its HPS unit price."""

    __tablename__ = 'tender_boq_item'
    __table_args__ = (
        UniqueConstraint('tender_id', 'position', name='uq_tender_boq_item_position'),
        CheckConstraint('quantity > 0 AND unit_price >= 0', name='positive_amounts'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id', ondelete='CASCADE'))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit: Mapped[str] = mapped_column(String(40))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def quantity_text(self) -> str:
        """The volume as people write it: `1000`, `2.5` (never `1E+3`)."""
        from lpse.tenders.rules import plain

        return plain(self.quantity)


class ScheduleEntry(db.Model):
    """One stage window ``[starts_at, ends_at)`` in UTC."""

    __tablename__ = 'tender_schedule'
    __table_args__ = (
        UniqueConstraint('tender_id', 'stage', name='uq_tender_schedule_stage'),
        CheckConstraint(f'stage {sql_in(Stage)}', name='known_stage'),
        CheckConstraint('ends_at > starts_at', name='window_not_empty'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id', ondelete='CASCADE'))
    stage: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScheduleChange(db.Model):
    """A change of a published schedule, with its reason (the public "Perubahan" column)."""

    __tablename__ = 'tender_schedule_change'

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id', ondelete='CASCADE'), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    old_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'))


class TenderCounter(db.Model):
    """The last sequence number used for tender codes of one agency and year."""

    __tablename__ = 'tender_counter'

    agency_id: Mapped[int] = mapped_column(ForeignKey('agency.id'), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


LISTED_COLUMNS = ('published_at', 'bid_deadline', 'hps', 'category', 'agency_id', 'fiscal_year')


class ListedColumns:
    """A listed tender's sort keys and filter columns, copied onto the public list's index
    rows (`SearchToken`, `StageWindow`, `StageHold`) so that their indexes serve a page alone:
    the columns of `LISTED_COLUMNS`."""

    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hps: Mapped[Decimal] = mapped_column(MONEY)
    category: Mapped[str] = mapped_column(String(30))
    agency_id: Mapped[int] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer)


class SearchToken(ListedColumns, db.Model):
    """The inverted index of the public list: one row per distinct word of a listed tender
    (published, not superseded), carrying the tender's sort keys and filter columns so that a
    composite index (word, sort key, id) hands out a page of matches already in list order —
    no match needs to be fetched, let alone sorted, beyond the page. Kept in step with the
    tender by `lpse.tenders.search` (a flush listener)."""

    __tablename__ = 'tender_search_token'
    __table_args__ = (
        Index('ix_tender_search_token_newest', 'token', 'published_at', 'tender_id'),
        Index('ix_tender_search_token_deadline', 'token', 'bid_deadline', 'tender_id'),
        Index('ix_tender_search_token_hps', 'token', 'hps', 'tender_id'),
        # The fiscal year goes with the publication date: walking newest-first to an older
        # year would pass every newer match first.
        Index('ix_tender_search_token_year', 'token', 'fiscal_year', 'published_at', 'tender_id'),
    )

    # (tender_id, token) first: the probes "does this tender have a word starting with …".
    tender_id: Mapped[int] = mapped_column(
        ForeignKey('tender.id', ondelete='CASCADE'), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(40), primary_key=True)


# The columns a stage row carries besides its window, for the list's filters and sort keys;
# every index below covers them, so a page is read from the index alone.
_STAGE_COVER = ('category', 'agency_id', 'fiscal_year')


class StageWindow(ListedColumns, db.Model):
    """The public list's stage filter, part one: each window ``[starts_at, ends_at)`` in which
    a listed tender's derived stage (`stages.current_stage`) is ``stage``, for its current
    schedule, milestones and status (`stages.phase_windows`; the open-ended last one is a
    `StageHold`). "In stage S now" is the range ``stage = S AND ends_at > now`` of one index,
    which holds only the tenders that have not left S yet — whatever the archive's size.
    Rewritten with the tender by `lpse.tenders.stage_index` (a flush listener): no clock job."""

    __tablename__ = 'tender_stage_window'
    __table_args__ = (
        Index(
            'ix_tender_stage_window_open',
            'stage',
            'ends_at',
            'starts_at',
            'published_at',
            'bid_deadline',
            'hps',
            *_STAGE_COVER,
            'tender_id',
        ),
    )

    tender_id: Mapped[int] = mapped_column(
        ForeignKey('tender.id', ondelete='CASCADE'), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(30), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StageHold(ListedColumns, db.Model):
    """The stage filter, part two: the stage a listed tender holds from ``starts_at`` on, with
    no end in sight (completed, cancelled, failed, or waiting for a milestone such as the
    opening). One row per listed tender, indexed (stage, sort key, id) so that "in stage S
    now" walks S's tenders in list order, passing only those whose hold has not begun."""

    __tablename__ = 'tender_stage_hold'
    __table_args__ = (
        Index(
            'ix_tender_stage_hold_newest',
            'stage',
            'published_at',
            'tender_id',
            'starts_at',
            'hps',
            *_STAGE_COVER,
        ),
        Index(
            'ix_tender_stage_hold_deadline',
            'stage',
            'bid_deadline',
            'tender_id',
            'starts_at',
            'hps',
            *_STAGE_COVER,
        ),
        Index('ix_tender_stage_hold_hps', 'stage', 'hps', 'tender_id', 'starts_at', *_STAGE_COVER),
        # One agency's tenders newest first (the list most visitors of an agency's LPSE see).
        Index(
            'ix_tender_stage_hold_agency',
            'stage',
            'agency_id',
            'published_at',
            'tender_id',
            'starts_at',
            'hps',
            'category',
            'fiscal_year',
        ),
    )

    tender_id: Mapped[int] = mapped_column(
        ForeignKey('tender.id', ondelete='CASCADE'), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
