"""The verifier's decisions, suspension, and who may take part in tenders. No request, no commit."""

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.auth import scope
from lpse.auth.models import Role
from lpse.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from lpse.extensions import db, held
from lpse.vendors import blacklist
from lpse.vendors.models import Vendor, VendorStatus


class Decision(enum.StrEnum):
    approve = 'approve'
    reject = 'reject'
    request_changes = 'request_changes'


OUTCOMES = {
    Decision.approve: (VendorStatus.verified, 'vendor.verified'),
    Decision.reject: (VendorStatus.rejected, 'vendor.rejected'),
    Decision.request_changes: (VendorStatus.changes_requested, 'vendor.changes_requested'),
}


def vendor_of(user) -> Vendor | None:
    if user is None or not getattr(user, 'is_authenticated', False):
        return None
    stmt = select(Vendor).where(Vendor.user_id == user.id)
    return held('vendor_of', user.id, lambda: db.session.scalar(stmt))


def listing_reach(user, now):
    """Which vendors ``user`` may list: every one (None) for verifiers, admins and national
    auditors; for an auditor of some agencies or tenders, a clause selecting the companies that
    took part in them. An auditor whose assignment has ended lists none (403)."""
    if user.has_role(Role.verifier, Role.admin):
        return None
    reach = scope.active_scope(user, now)
    if reach is None:
        raise NotAllowed(scope.EXPIRED)
    return scope.vendor_clause(reach, Vendor.id)


def _within(stmt, reach):
    return stmt if reach is None else stmt.where(reach)


def queue(reach=None) -> list[Vendor]:
    """Registrations waiting for a verifier, oldest first (``reach``: `listing_reach`)."""
    return db.session.scalars(
        _within(select(Vendor), reach)
        .where(Vendor.status == VendorStatus.submitted)
        .order_by(Vendor.submitted_at, Vendor.id)
    ).all()


def _reason(reason, required):
    reason = reason.strip() if isinstance(reason, str) else ''
    if required and not reason:
        raise ValidationFailed(_l('Alasan wajib diisi.'), field='reason')
    return reason[:2000] or None


SELF_DEALING = _l(
    'Anda tidak dapat memutuskan, membekukan atau memulihkan perusahaan Anda sendiri; '
    'mintalah petugas lain.'
)
STALE = _l(
    'Data penyedia berubah sejak halaman ini dibuka. Periksa data dan dokumen terbaru, lalu '
    'putuskan lagi.'
)


def _refuse_self(vendor, actor):
    if vendor.is_owner(actor):
        raise NotAllowed(SELF_DEALING)


def decide(vendor, decision, *, reason=None, content_version=None, actor, now, ip=None):
    """Approve, reject (with reason) or ask for changes (with reason).

    `content_version` is the `Vendor.content_version()` the verifier looked at; it is required
    to approve, and a decision on data that changed since is refused (409)."""
    try:
        decision = Decision(decision)
    except ValueError:
        raise ValidationFailed(
            _l('Keputusan harus approve, reject atau request_changes.'), field='decision'
        ) from None
    if not actor.has_role('verifier'):
        raise NotAllowed(_l('Hanya verifikator yang memutuskan pendaftaran penyedia.'))
    _refuse_self(vendor, actor)
    if vendor.status != VendorStatus.submitted:
        raise InvalidTransition(_l('Pendaftaran ini tidak sedang menunggu verifikasi.'))
    reason = _reason(reason, required=decision is not Decision.approve)
    if decision is Decision.approve and not content_version:
        raise ValidationFailed(
            _l('Sebutkan versi data yang diperiksa (content_version).'), field='content_version'
        )
    if content_version and content_version != vendor.content_version():
        raise Conflict(STALE, field='content_version')
    missing = vendor.missing_documents() if decision is Decision.approve else []
    if missing:
        raise ValidationFailed(
            _l(
                'Belum dapat disetujui: dokumen wajib belum lengkap (belum ada: %(kinds)s). '
                'Pilih "Minta perbaikan" atau tunggu penyedia mengunggahnya.',
                kinds=', '.join(k.value.upper() for k in missing),
            ),
            field='decision',
        )
    status, action = OUTCOMES[decision]
    vendor.status = status.value
    vendor.status_reason = reason
    vendor.decided_at = now
    vendor.decided_by_id = actor.id
    db.session.flush()
    audit.record(
        action,
        vendor,
        actor=actor,
        now=now,
        ip=ip,
        reason=reason,
        content_version=vendor.content_version(),
    )


class Standing(enum.StrEnum):
    """An admin's change to a verified vendor's standing."""

    suspend = 'suspend'
    reinstate = 'reinstate'


# action -> (who may, the status it leads to, its audit event, the refusal)
STANDING = {
    Standing.suspend: (
        Vendor.can_suspend,
        VendorStatus.suspended,
        'vendor.suspended',
        _l('Hanya admin yang dapat membekukan penyedia terverifikasi.'),
    ),
    Standing.reinstate: (
        Vendor.can_reinstate,
        VendorStatus.verified,
        'vendor.reinstated',
        _l('Hanya admin yang dapat memulihkan penyedia yang dibekukan.'),
    ),
}


def change_standing(vendor, action, *, reason, actor, now, ip=None):
    """An admin suspends a verified vendor (it keeps its data; it may not take part), or ends
    a suspension; both with a reason, never for the admin's own company."""
    allowed, status, event, refusal = STANDING[Standing(action)]
    _refuse_self(vendor, actor)
    if not allowed(vendor, actor):
        raise NotAllowed(refusal)
    vendor.status = status.value
    vendor.status_reason = _reason(reason, required=True)
    vendor.decided_at = now
    vendor.decided_by_id = actor.id
    db.session.flush()
    audit.record(event, vendor, actor=actor, now=now, ip=ip, reason=vendor.status_reason)


def participation_problem(vendor, now):
    """Why this vendor may not take part in tenders at `now`, or None when it may."""
    if vendor is None:
        return _l('Akun ini tidak terdaftar sebagai penyedia.')
    if not vendor.user.active:
        return _l('Akun penyedia dinonaktifkan.')
    if vendor.status == VendorStatus.suspended:
        return _l('Penyedia sedang dibekukan.')
    if vendor.status != VendorStatus.verified:
        return _l('Penyedia belum diverifikasi.')
    entry = blacklist.active_entry(npwp=vendor.npwp, nib=vendor.nib, now=now)
    if entry is not None:
        return _l('Penyedia tercantum dalam Daftar Hitam sampai %(end)s.', end=entry.ends_on)
    return None


def may_participate(user, now) -> bool:
    """A verified vendor, not suspended, not blacklisted at `now`, with an active account."""
    if user is None or not getattr(user, 'is_authenticated', False):
        return False
    if not user.has_role('vendor'):
        return False
    return participation_problem(vendor_of(user), now) is None


def by_status(status, reach=None) -> list[Vendor]:
    """Vendors in one status (an unknown status lists nothing; ``reach``: `listing_reach`)."""
    if status not in {s.value for s in VendorStatus}:
        return []
    return db.session.scalars(
        _within(select(Vendor), reach)
        .where(Vendor.status == status)
        .order_by(Vendor.company_name, Vendor.id)
    ).all()
