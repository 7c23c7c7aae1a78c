"""Who is an auditor of what: every tender (national: BPK, BPKP, LKPP), the tenders of some
agencies (an inspectorate, APIP), or some assigned tenders — until an end date, after which the
account's auditor pages answer 403. An auditor without a scope row is national; admins see all."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import wraps
from zoneinfo import ZoneInfo

from flask import abort, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
    false,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import audit, clock
from lpse.auth.models import Role
from lpse.errors import ValidationFailed
from lpse.extensions import db, login_manager
from lpse.i18n import WIB
from lpse.types import UTCDateTime

MAX_ASSIGNED = 200  # agencies or tenders named in one scope


class AuditorScope(db.Model):
    """The reach of one auditor account (absent: national, no end)."""

    __tablename__ = 'auditor_scope'

    user_id: Mapped[int] = mapped_column(
        ForeignKey('user.id', ondelete='CASCADE'), primary_key=True, autoincrement=False
    )
    national: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last day the account audits (inclusive, in the auditor's zone); None: no end.
    ends_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    agency_rows = relationship('AuditorScopeAgency', cascade='all, delete-orphan', lazy='selectin')
    tender_rows = relationship('AuditorScopeTender', cascade='all, delete-orphan', lazy='selectin')


class AuditorScopeAgency(db.Model):
    """An agency whose tenders the auditor sees."""

    __tablename__ = 'auditor_scope_agency'
    __table_args__ = (
        UniqueConstraint('user_id', 'agency_id', name='uq_auditor_scope_agency_user_id_agency_id'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey('auditor_scope.user_id', ondelete='CASCADE'), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey('agency.id'), index=True)


class AuditorScopeTender(db.Model):
    """A tender (every version of its code) assigned to the auditor."""

    __tablename__ = 'auditor_scope_tender'
    __table_args__ = (
        UniqueConstraint(
            'user_id', 'tender_code', name='uq_auditor_scope_tender_user_id_tender_code'
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey('auditor_scope.user_id', ondelete='CASCADE'), index=True
    )
    tender_code: Mapped[str] = mapped_column(String(40), index=True)


@dataclass(frozen=True)
class Scope:
    """What one account may audit; ``national`` covers every tender."""

    national: bool = True
    agency_ids: frozenset = field(default_factory=frozenset)
    tender_codes: frozenset = field(default_factory=frozenset)
    ends_on: date | None = None
    zone: str = WIB

    def expired(self, now: datetime) -> bool:
        return self.ends_on is not None and now.astimezone(ZoneInfo(self.zone)).date() > (
            self.ends_on
        )

    def covers(self, tender) -> bool:
        return (
            self.national or tender.agency_id in self.agency_ids or tender.code in self.tender_codes
        )

    def fingerprint(self) -> str:
        """What this scope reaches, as a short hash: a file built within one scope names it, and
        is not read once the account's reach has changed."""
        reach = [self.national, sorted(self.agency_ids), sorted(self.tender_codes)]
        return hashlib.sha256(json.dumps(reach).encode()).hexdigest()[:16]

    def tender_clause(self, agency_column, code_column):
        """A WHERE clause over tender columns selecting the tenders in scope (None: all)."""
        if self.national:
            return None
        parts = []
        if self.agency_ids:
            parts.append(agency_column.in_(sorted(self.agency_ids)))
        if self.tender_codes:
            parts.append(code_column.in_(sorted(self.tender_codes)))
        return or_(*parts) if parts else false()


NATIONAL = Scope()


def user_zone(user) -> str:
    agency = getattr(user, 'agency', None)
    return agency.timezone if agency is not None else WIB


def scope_of(user) -> Scope:
    """An admin's or a national auditor's reach is everything; a scoped auditor's, its rows."""
    if user.has_role(Role.admin):
        return NATIONAL
    row = db.session.get(AuditorScope, user.id)
    zone = user_zone(user)
    if row is None:
        return Scope(zone=zone)
    return Scope(
        national=row.national,
        agency_ids=frozenset(r.agency_id for r in row.agency_rows),
        tender_codes=frozenset(r.tender_code for r in row.tender_rows),
        ends_on=row.ends_on,
        zone=zone,
    )


def _authenticated(user) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False)


def active_scope(user, now) -> Scope | None:
    """The scope of an admin or of an auditor whose assignment has not ended, else None."""
    if not _authenticated(user) or not user.has_role(Role.auditor, Role.admin):
        return None
    scope = scope_of(user)
    return None if scope.expired(now) else scope


def audits_tender(user, tender, now=None) -> bool:
    """``user`` holds the auditor role, its assignment is current and covers ``tender``."""
    if not _authenticated(user) or not user.has_role(Role.auditor):
        return False
    scope = scope_of(user)
    return not scope.expired(now or clock.now()) and scope.covers(tender)


def reads_within(user, fingerprint, now=None) -> bool:
    """``user``'s assignment is current and reaches what ``fingerprint`` names
    (`Scope.fingerprint`): a report built within one scope is not taken after it changed."""
    scope = active_scope(user, now or clock.now())
    return scope is not None and scope.fingerprint() == fingerprint


def audits_everything(user, now=None) -> bool:
    """An admin, or an auditor whose current assignment is national: registry-wide pages
    (every vendor, every certificate) are theirs; a scoped auditor sees its part of them."""
    if not _authenticated(user):
        return False
    if user.has_role(Role.admin):
        return True
    scope = active_scope(user, now or clock.now())
    return scope is not None and scope.national


# --- vendors within an auditor's reach ----------------------------------------------------------
# Which companies took part in which tender is known on higher floors (bids, qualification
# submissions); each registers a query here, so the vendor pages — a lower floor — follow the
# scope without importing them. A scoped auditor reads the companies that took part in a tender
# it audits; with no query registered it reads none (closed, not open).

_PARTICIPANTS = []


def participants(query):
    """Register ``query(scope) -> Select`` of the ``vendor_id`` of companies that took part in
    the tenders ``scope`` covers (a decorator, used by the floors that know)."""
    _PARTICIPANTS.append(query)
    return query


def vendor_clause(scope: Scope, vendor_id_column):
    """A WHERE clause over a vendor id column: the vendors ``scope`` reaches (None: all)."""
    if scope.national:
        return None
    if not _PARTICIPANTS:
        return false()
    return vendor_id_column.in_(union(*(query(scope) for query in _PARTICIPANTS)))


def audits_vendor(user, vendor_id, now=None) -> bool:
    """``user`` holds the auditor role, its assignment is current, and it is national or the
    company took part in a tender it covers."""
    if not _authenticated(user) or not user.has_role(Role.auditor):
        return False
    scope = scope_of(user)
    if scope.expired(now or clock.now()):
        return False
    clause = vendor_clause(scope, literal(vendor_id))
    return clause is None or db.session.scalar(select(literal(True)).where(clause)) is not None


EXPIRED = _l('Penugasan auditor Anda telah berakhir.')
NATIONAL_ONLY = _l(
    'Halaman ini memuat seluruh daftar, tidak hanya tender penugasan Anda; hanya auditor '
    'nasional dan admin yang dapat membukanya.'
)


def auditor_required(view):
    """A page for admins and auditors with a current assignment (the scope is in g.scope)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(Role.auditor, Role.admin):
            abort(403)
        g.scope = active_scope(current_user, clock.now())
        if g.scope is None:
            abort(403, description=str(EXPIRED))
        return view(*args, **kwargs)

    return wrapped


def api_auditor_required(view):
    """The API twin of auditor_required (bearer token already read into g.api_user)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = g.get('api_user')
        if user is None:
            abort(401, description=_('Sertakan token API: Authorization: Bearer <token>.'))
        if not user.has_role(Role.auditor, Role.admin):
            abort(403, description=_('Peran Anda tidak mengizinkan tindakan ini.'))
        g.scope = active_scope(user, clock.now())
        if g.scope is None:
            abort(403, description=str(EXPIRED))
        return view(*args, **kwargs)

    return wrapped


def set_scope(user, *, national, agency_ids=(), tender_codes=(), ends_on=None, actor, now, ip):
    """Give an auditor account its reach (replacing the previous one); logged."""
    if not user.has_role(Role.auditor):
        raise ValidationFailed(_l('Akun ini bukan auditor.'), field='user')
    agency_ids = sorted(set(agency_ids))
    tender_codes = sorted({c.strip() for c in tender_codes if c and c.strip()})
    if len(agency_ids) > MAX_ASSIGNED or len(tender_codes) > MAX_ASSIGNED:
        raise ValidationFailed(
            _l('Paling banyak %(n)s instansi atau tender.', n=MAX_ASSIGNED), field='tenders'
        )
    if any(len(c) > 40 for c in tender_codes):
        raise ValidationFailed(_l('Kode tender terlalu panjang.'), field='tenders')
    tender = db.metadata.tables['tender']  # by name: the tenders floor sits above this one
    known = set(db.session.scalars(select(tender.c.code).where(tender.c.code.in_(tender_codes))))
    if unknown := [c for c in tender_codes if c not in known]:
        raise ValidationFailed(
            _l('Tender tidak dikenal: %(codes)s.', codes=', '.join(unknown[:10])), field='tenders'
        )
    if not national and not agency_ids and not tender_codes:
        raise ValidationFailed(
            _l('Auditor non-nasional memerlukan instansi atau tender yang ditugaskan.'),
            field='agencies',
        )
    row = db.session.get(AuditorScope, user.id)
    if row is None:
        row = AuditorScope(user_id=user.id)
        db.session.add(row)
    row.national, row.ends_on, row.updated_at = bool(national), ends_on, now
    row.agency_rows, row.tender_rows = [], []
    db.session.flush()  # the old rows go before the new ones (their unique pairs may repeat)
    row.agency_rows = [AuditorScopeAgency(agency_id=a) for a in agency_ids]
    row.tender_rows = [AuditorScopeTender(tender_code=c) for c in tender_codes]
    db.session.flush()
    audit.record(
        'auditor.scope_set',
        user,
        actor=actor,
        now=now,
        ip=ip,
        national=bool(national),
        agency_ids=agency_ids,
        tender_codes=tender_codes,
        ends_on=ends_on.isoformat() if ends_on else None,
    )
    return row


def scoped_tender_ids(scope: Scope, tender_table):
    """A subquery of the ids of the tenders in ``scope`` (None: every tender)."""
    clause = scope.tender_clause(tender_table.c.agency_id, tender_table.c.code)
    if clause is None:
        return None
    return select(tender_table.c.id).where(clause)
