"""The tender key, owned by its tender and made at publication (ARCHITECTURE §4): an RSA-3072
recipient certificate from the instance CA; its private key encrypted under a random 32-byte
secret that is split k-of-n among the Pokja, each share encrypted to the member's `pokja`
certificate and committed.

The plaintext key and the secret live only in `create_tender_key`'s locals; neither is stored
or logged."""

import functools
from datetime import datetime

from cryptography import x509
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse import pki_service
from lpse.crypto import pki, shamir
from lpse.errors import NotFound
from lpse.extensions import db, held
from lpse.types import UTCDateTime


@functools.lru_cache(maxsize=256)
def _parsed_certificate(pem: str) -> x509.Certificate:
    """Parsed once per process: every upload checks its recipient against it."""
    return x509.load_pem_x509_certificate(pem.encode())


class TenderKey(db.Model):
    """A tender's recipient certificate and its private key, encrypted under a secret that
    exists only as k-of-n shares (`TenderKeyShare`)."""

    __tablename__ = 'tender_key'
    __table_args__ = (CheckConstraint('threshold >= 1', name='threshold_positive'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey('tender.id'), unique=True)
    certificate_pem: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    # shamir.protect_tender_key: MAGIC ‖ nonce ‖ AES-256-GCM(PKCS#8) under the split secret.
    protected_key: Mapped[bytes] = mapped_column(LargeBinary)
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The tender private key (PKCS#8 PEM), published at opening so anyone can re-open the bids;
    # NULL until then.
    published_key_pem: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shares = relationship(
        'TenderKeyShare', order_by='TenderKeyShare.id', cascade='all, delete-orphan'
    )

    @property
    def certificate(self) -> x509.Certificate:
        return _parsed_certificate(self.certificate_pem)


class TenderKeyShare(db.Model):
    """One member's SLIP-39 share, encrypted to their `pokja` certificate, and its commitment."""

    __tablename__ = 'tender_key_share'
    __table_args__ = (UniqueConstraint('tender_key_id', 'user_id', name='uq_tender_key_share'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_key_id: Mapped[int] = mapped_column(ForeignKey('tender_key.id'), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey('user.id'))
    certificate_serial: Mapped[str] = mapped_column(String(40))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)  # RSAES-OAEP-SHA256
    commitment: Mapped[str] = mapped_column(String(64))  # shamir.share_commitment
    context: Mapped[str] = mapped_column(String(120))  # "<code>/<version>/<user id>"

    user = relationship('User')


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
    return held(
        'tender_key',
        tender.id,
        lambda: db.session.scalar(select(TenderKey).where(TenderKey.tender_id == tender.id)),
    )


def require_key(tender) -> TenderKey:
    row = key_of(tender)
    if row is None:
        raise NotFound(_l('Tender ini belum memiliki sertifikat penawaran.'))
    return row
