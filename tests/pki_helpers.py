"""A test CA and RSA keys made once per test process (RSA-3072 keygen and argon2 are slow), and
certificates for users without going through enrolment (import as `pki_helpers`)."""

import datetime as dt
import itertools

from cryptography.hazmat.primitives import serialization

from lpse import clock, pki_service
from lpse.crypto import keystore, pki
from lpse.extensions import db

CA_PASSPHRASE = 'frasa-sandi-ca-uji-0123456789'
SYSTEM_PASSPHRASE = 'frasa-sandi-sistem-uji-0123456789'
SIGNING_PASSPHRASE = 'frasa tanda tangan rahasia 42'
CONFIG = {'LPSE_CA_PASSPHRASE': CA_PASSPHRASE, 'LPSE_SYSTEM_KEY_PASSPHRASE': SYSTEM_PASSPHRASE}
_cache: dict = {}
_tender_keys = itertools.count()


def _pem(obj) -> str:
    return obj.public_bytes(serialization.Encoding.PEM).decode()


def material() -> dict:
    """The CA and system keys and certificates, valid from long before any frozen test time."""
    if 'ca' not in _cache:
        created = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        ca_key, ca_cert = pki.create_ca('LPSE Uji CA', now=created, validity_days=3650)
        system_key = key(0)
        system_cert = pki.issue_certificate(
            ca_key,
            ca_cert,
            system_key.public_key(),
            pki.build_subject(common_name='LPSE Uji sistem'),
            profile=pki.Profile.system,
            now=created,
            validity_days=3650,
        )
        _cache['ca'] = {
            'ca_key': ca_key,
            'ca_cert': ca_cert,
            'system_key': system_key,
            'system_cert': system_cert,
            'ca_locked': keystore.lock_private_key(ca_key, CA_PASSPHRASE),
            'system_locked': keystore.lock_private_key(system_key, SYSTEM_PASSPHRASE),
            'created': created,
        }
    return _cache['ca']


def key(n: int):
    """The n-th RSA-3072 key of the process (made on first use, then reused)."""
    keys = _cache.setdefault('keys', {})
    if n not in keys:
        keys[n] = pki.generate_key()
    return keys[n]


def locked(n: int, passphrase=SIGNING_PASSPHRASE) -> bytes:
    """Key n locked as a server-held key under the signing passphrase (argon2 once)."""
    blobs = _cache.setdefault('locked', {})
    if (n, passphrase) not in blobs:
        blobs[n, passphrase] = keystore.lock_private_key(key(n), passphrase)
    return blobs[n, passphrase]


def install_authority():
    """The instance CA row, as `flask lpse init-ca` leaves it (unless there is one)."""
    if pki_service.authority() is not None:
        return pki_service.authority()
    m = material()
    crl = pki.build_crl(
        m['ca_key'], m['ca_cert'], [], number=1, now=clock.now(), next_update_days=7
    )
    row = pki_service.Authority(
        id=1,
        ca_cert_pem=_pem(m['ca_cert']),
        ca_key_locked=m['ca_locked'],
        system_cert_pem=_pem(m['system_cert']),
        system_key_locked=m['system_locked'],
        crl_number=1,
        crl_pem=_pem(crl),
        crl_updated_at=clock.now(),
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.add(pki_service.IssuedCrl(number=1, crl_pem=row.crl_pem, issued_at=clock.now()))
    db.session.commit()
    return row


def certify(user, key_index, *, profile=None, server_held=False, subject=None, not_after=None):
    """A certificate for `user` on key `key_index` (pokja for Pokja members, signing for
    vendors), issued directly by the cached CA; returns the `certificate` row."""
    m = material()
    profile = profile or (pki.Profile.pokja if user.has_role('pokja') else pki.Profile.signing)
    if subject is None:
        from lpse.vendors import enrolment

        subject = pki.build_subject(**enrolment.expected_subject(user))
    start = m['created']
    days = 3650 if not_after is None else max(1, (not_after - start).days)
    cert = pki.issue_certificate(
        m['ca_key'],
        m['ca_cert'],
        key(key_index).public_key(),
        subject,
        profile=profile,
        now=start,
        validity_days=days,
    )
    row = pki_service.Certificate(
        user_id=user.id,
        serial=format(cert.serial_number, 'x'),
        profile=profile.name,
        custody='server' if server_held else 'self',
        subject=cert.subject.rfc4514_string(),
        fingerprint=pki.certificate_fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pem=_pem(cert),
        locked_key=locked(key_index) if server_held else None,
        issued_at=start,
    )
    db.session.add(row)
    db.session.commit()
    return row


def certify_pokja(users, first_key=1):
    """Certificates (profile pokja) for Pokja members, on keys first_key, first_key + 1, …"""
    install_authority()
    return [certify(u, first_key + i) for i, u in enumerate(users)]


TENDER_KEY_BASE = 20  # tender keys come from keys 20–23, reused round-robin


def fake_tender_keys(monkeypatch):
    """Publication makes an RSA-3072 key per tender; tests reuse a few made once."""
    from lpse.tenders import keys as tender_keys

    monkeypatch.setattr(
        tender_keys, 'generate_key', lambda: key(TENDER_KEY_BASE + next(_tender_keys) % 4)
    )
