"""The record of every PDF the system issued (ARCHITECTURE §6)."""

import json
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.auth import scope
from lpse.auth.models import OFFICER_ROLES, Role
from lpse.extensions import db
from lpse.types import UTCDateTime

# The kinds of document the system issues; a module adding one extends this tuple and the CHECK
# (by a migration that recreates `ck_issued_document_known_kind`).
DOCUMENT_KINDS = (
    'sample',
    'bid_receipt',
    'bid_commitment',
    'opening_minutes',
    'evaluation_report',
    'award_letter',
    'winner_announcement',
    'objection_answer',
    'contract',
    'contract_amendment',
    'spmk',
    'bast',
    'qualification_form',
    'qualification_report',
    'qualification_announcement',
    'audit_report',
)


class IssuedDocument(db.Model):
    """A signed PDF as issued: its bytes (a blob), their SHA-256 and the data it was made from."""

    __tablename__ = 'issued_document'
    __table_args__ = (
        CheckConstraint(f'kind IN {DOCUMENT_KINDS!r}', name='known_kind'),
        CheckConstraint('size > 0', name='not_empty'),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    tender_id: Mapped[int | None] = mapped_column(ForeignKey('tender.id'), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey('user.id'), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    blob_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON of the rendering context
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey('audit_checkpoint.id'))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    tender = relationship('Tender')
    owner = relationship('User')
    checkpoint = relationship('AuditCheckpoint')

    def can_download(self, user) -> bool:
        """Admins, the owner, auditors whose assignment covers the tender (a document of no
        tender: national auditors), and officers of the tender or of its agency; an auditor's
        report only its owner and admins."""
        if user is None or not getattr(user, 'is_authenticated', False):
            return False
        if self.kind == 'audit_report':  # built within its reader's scope: theirs, while it holds
            return user.has_role(Role.admin) or (
                self.owner_user_id == user.id
                and scope.reads_within(user, json.loads(self.data).get('reader_scope'))
            )
        if user.has_role(Role.admin) or self.owner_user_id == user.id:
            return True
        tender = self.tender
        if user.has_role(Role.auditor) and (
            scope.audits_everything(user) if tender is None else scope.audits_tender(user, tender)
        ):
            return True
        if tender is None:
            return False
        if tender.is_officer(user):
            return True
        officer = user.roles & (OFFICER_ROLES - {Role.verifier, Role.auditor})
        return bool(officer) and user.agency_id == tender.agency_id
