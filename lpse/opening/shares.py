"""Share release (ARCHITECTURE §4, Opening): what a release does (who may release and when:
lpse.opening.permissions).

A member releases their share either through the server (server-held Pokja key: the signing
passphrase, plus a TOTP code where configured, unlocks it here for one decryption) or from
their desk (`lpse open-share`: the server sends the encrypted share, the member decrypts it
locally and sends the share back). Either way the share is checked against the commitment made
at publication before it is kept; the k-th valid share asks for the opening job, which opens
the envelopes in one transaction of its own once the release has committed
(lpse.opening.ceremony)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lpse import audit, pki_service
from lpse.auth import operations as auth_ops
from lpse.auth import throttle
from lpse.crypto import shamir
from lpse.crypto.errors import ShareError
from lpse.errors import Conflict, NotAllowed, ValidationFailed
from lpse.extensions import db, savepoint
from lpse.opening import ceremony as opening
from lpse.opening.models import OpeningCeremony, ShareRelease
from lpse.opening.permissions import require_release
from lpse.opening.state import ceremony_of, released_count, share_of
from lpse.tenders import keys
from lpse.tenders.keys import TenderKeyShare
from lpse.tenders.locking import lock_tenders
from lpse.vendors import enrolment


class ShareRefused(ValidationFailed):
    """A released share failed its commitment (or could not be decrypted); names the member.

    Raised after the refusal's audit event was flushed: the edge commits before answering."""

    code = 'share_refused'

    def __init__(self, message, *, member):
        super().__init__(message, field='share')
        self.member = member


class SecondFactorRequired(ValidationFailed):
    code = 'second_factor_required'


class WrongSecondFactor(SecondFactorRequired):
    """A wrong TOTP code: raised after the failure was counted and audited (the edge commits
    before answering, so repeated wrong codes end in 429 like the login's)."""


def needs_second_factor(user) -> bool:
    return user.totp_enabled or auth_ops.totp_required(user)


def share_certificate(tender, user):
    """The certificate the member's share was encrypted to, or None."""
    share = share_of(tender, user)
    if share is None:
        return None
    return db.session.scalar(
        select(pki_service.Certificate).where(
            pki_service.Certificate.serial == share.certificate_serial
        )
    )


def server_held(tender, user) -> bool:
    cert = share_certificate(tender, user)
    return cert is not None and cert.custody == pki_service.Custody.server_held


# --- releasing ----------------------------------------------------------------------------------


def encrypted_share(tender, user, *, now) -> TenderKeyShare:
    """The member's encrypted share, for `lpse open-share` (only when a release is allowed)."""
    require_release(tender, user, now)
    return share_of(tender, user)


def release_with_passphrase(tender, user, passphrase, totp=None, *, now, ip=None) -> ShareRelease:
    """The server-held path: second factor, unlock the member's Pokja key, decrypt, release."""
    require_release(tender, user, now)
    certificate = share_certificate(tender, user)
    if certificate is None or certificate.custody != pki_service.Custody.server_held:
        raise NotAllowed(
            _l(
                'Bagian kunci Anda terenkripsi untuk kunci yang Anda simpan sendiri: serahkan '
                'dengan perintah lpse open-share di komputer Anda.'
            )
        )
    if needs_second_factor(user):
        _check_second_factor(user, totp, now=now, ip=ip)
    key, unlocked = enrolment.unlock_signing_key(user, passphrase, now=now, ip=ip)
    if unlocked.serial != certificate.serial:
        raise Conflict(
            _l(
                'Sertifikat Pokja Anda berganti sejak tender diumumkan; bagian kunci hanya dapat '
                'dibuka dengan kunci sertifikat lama.'
            )
        )
    try:
        mnemonic = shamir.decrypt_share(share_of(tender, user).ciphertext, key)
    except ShareError:
        _refuse(tender, user, 'decrypt', now=now, ip=ip)
    del key
    return release_share(tender, user, mnemonic, via='server', now=now, ip=ip)


def _check_second_factor(user, code, *, now, ip):
    throttle.check(user.email, ip, now=now)
    if not user.totp_enabled:
        raise SecondFactorRequired(
            _l('Aktifkan TOTP pada profil Anda sebelum menyerahkan bagian kunci.'), field='totp'
        )
    if not auth_ops.verify_totp(user, code, now=now):
        throttle.register_failure(user.email, ip, now=now)
        audit.record('opening.totp_failed', user, actor=user, now=now, ip=ip)
        raise WrongSecondFactor(_l('Kode TOTP salah atau sudah dipakai.'), field='totp')


def release_share(tender, user, mnemonic, *, via, now, ip=None) -> ShareRelease:
    """Check a decrypted share against its commitment and keep it; the k-th opens the bids."""
    kind = require_release(tender, user, now)
    share = share_of(tender, user)
    if not isinstance(mnemonic, str) or not mnemonic.strip():
        raise ValidationFailed(_l('Bagian kunci kosong.'), field='share')
    try:
        shamir.check_share(mnemonic, share.commitment, context=share.context)
    except ShareError:
        _refuse(tender, user, via, now=now, ip=ip)
    # The opening records a milestone on the tender after audit records: its row first, as
    # every operation on a tender does, so a schedule change at the same moment cannot
    # deadlock with it.
    lock_tenders(db.session, [tender.id])
    ceremony = _ceremony(tender, kind, now)
    release = ShareRelease(
        ceremony_id=ceremony.id,
        user_id=user.id,
        via=via,
        share=' '.join(mnemonic.lower().split()).encode(),
        released_at=now,
    )
    if not _insert_once(release):  # the same member's other request got there first
        raise Conflict(_l('Anda sudah menyerahkan bagian kunci untuk pembukaan ini.'))
    # The audit head lock serialises releases: what follows sees every committed release.
    audit.record(
        'opening.share_released',
        ceremony,
        actor=user,
        now=now,
        ip=ip,
        tender=tender.code,
        version=tender.version,
        kind=kind,
        via=via,
    )
    db.session.refresh(ceremony)
    if ceremony.opened_at is not None:  # opened by a release that committed meanwhile
        raise Conflict(_l('Semua sampul penawaran tender ini sudah dibuka.'))
    released, threshold = released_count(ceremony), keys.require_key(tender).threshold
    if released > threshold:  # the k-th committed meanwhile: its opening job is under way
        raise Conflict(_l('Bagian kunci yang diperlukan sudah lengkap; penawaran sedang dibuka.'))
    if released == threshold:
        opening.request_opening(tender, ceremony, actor=user, now=now)
    return release


def _refuse(tender, user, via, *, now, ip):
    audit.record(
        'opening.share_refused',
        tender,
        actor=user,
        now=now,
        ip=ip,
        tender=tender.code,
        member=user.id,
        via=via,
    )
    raise ShareRefused(
        _l(
            'Bagian kunci dari %(name)s (%(email)s) tidak cocok dengan komitmennya dan ditolak.',
            name=user.name,
            email=user.email,
        ),
        member=user,
    )


def _ceremony(tender, kind, now) -> OpeningCeremony:
    ceremony = ceremony_of(tender, kind)
    if ceremony is not None:
        return ceremony
    ceremony = OpeningCeremony(tender_id=tender.id, kind=kind, started_at=now)
    if not _insert_once(ceremony):  # another member's release created it first
        ceremony = ceremony_of(tender, kind)
    return ceremony


def _insert_once(row) -> bool:
    """Insert `row`; False when a unique constraint shows a concurrent request inserted it
    first (in a savepoint that stays inside the transaction on SQLite too)."""
    try:
        with savepoint():
            db.session.add(row)
        return True
    except IntegrityError:
        return False
