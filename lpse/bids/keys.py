"""The tender key, made at publication (ARCHITECTURE §4): an RSA-3072 recipient certificate
from the instance CA; its private key encrypted under a random 32-byte secret that is split
k-of-n among the Pokja, each share encrypted to the member's `pokja` certificate and committed.

The plaintext key and the secret live only in this function's locals; neither is stored or
logged."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import pki_service
from lpse.bids.models import TenderKey, TenderKeyShare
from lpse.crypto import pki, shamir
from lpse.errors import NotFound
from lpse.extensions import db

TENDER_CERT_VALIDITY_DAYS = 3650  # bids must stay openable and checkable for years


def generate_key():
    """A fresh RSA-3072 key (a seam: tests reuse keys made once per session)."""
    return pki.generate_key()


def share_context(tender, user_id) -> str:
    """What a share's commitment is bound to: tender code, version and the member."""
    return f'{tender.code}/{tender.version}/{user_id}'


def pokja_certificate(user, now):
    """The member's current `pokja` certificate usable at `now`, or None."""
    rows = pki_service.certificates_of(user)
    return next((c for c in rows if c.profile == pki.Profile.pokja.name and c.is_usable(now)), None)


def members_without_certificate(tender, now) -> list:
    """The Pokja members who could not receive a share now (named in the refusal)."""
    return [m.user for m in tender.members if pokja_certificate(m.user, now) is None]


def key_problems(tender, now) -> list:
    """Why no tender key can be made now: no CA, or members without a pokja certificate."""
    if pki_service.authority() is None:
        return [_l('CA instansi belum dibuat; kunci tender tidak dapat dibuat.')]
    missing = members_without_certificate(tender, now)
    if missing:
        names = ', '.join(f'{u.name} ({u.email})' for u in missing)
        return [
            _l(
                'Anggota Pokja tanpa sertifikat Pokja yang berlaku (tidak dapat menerima '
                'bagian kunci): %(names)s',
                names=names,
            )
        ]
    return []


def create_tender_key(tender, *, now) -> TenderKey:
    """Make, certify, protect and split the tender's key; store only what is safe at rest."""
    authority = pki_service.require_authority()
    members = [(m.user, pokja_certificate(m.user, now)) for m in tender.members]
    key = generate_key()
    subject = pki.build_subject(
        common_name=f'Tender {tender.code} v{tender.version}',
        serial_number=f'{tender.code}/{tender.version}',
    )
    cert = pki.issue_certificate(
        pki_service.ca_key(),
        authority.ca_cert,
        key.public_key(),
        subject,
        profile=pki.Profile.tender,
        now=now,
        validity_days=TENDER_CERT_VALIDITY_DAYS,
    )
    blob, secret = shamir.protect_tender_key(key)
    del key
    mnemonics = shamir.split_secret(secret, tender.threshold, len(members))
    del secret
    row = TenderKey(
        tender_id=tender.id,
        certificate_pem=pki_service._pem(cert),
        serial=format(cert.serial_number, 'x'),
        fingerprint=pki.certificate_fingerprint(cert),
        protected_key=blob,
        threshold=tender.threshold,
        created_at=now,
    )
    for (user, certificate), mnemonic in zip(members, mnemonics, strict=True):
        context = share_context(tender, user.id)
        row.shares.append(
            TenderKeyShare(
                user_id=user.id,
                certificate_serial=certificate.serial,
                ciphertext=shamir.encrypt_share(mnemonic, certificate.x509),
                commitment=shamir.share_commitment(mnemonic, context=context),
                context=context,
            )
        )
    del mnemonics
    db.session.add(row)
    db.session.flush()
    return row


def key_of(tender) -> TenderKey | None:
    return db.session.scalar(select(TenderKey).where(TenderKey.tender_id == tender.id))


def require_key(tender) -> TenderKey:
    row = key_of(tender)
    if row is None:
        raise NotFound(_l('Tender ini belum memiliki sertifikat penawaran.'))
    return row
