"""The instance PKI: CA, certificates, CSRs, revocation and protected private keys."""

import datetime as dt
import enum
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .errors import (
    BadCsrSignature,
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRejected,
    CertificateRevoked,
    MalformedCsr,
    NotIssuedByCa,
    SubjectMismatch,
    WeakKey,
)

RSA_BITS = 3072
ALLOWED_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
# PSS with salt = hash length (RFC 8017 §9.1 recommendation); no PKCS#1 v1.5 signatures anywhere.
PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

NAME_OIDS = {
    'common_name': NameOID.COMMON_NAME,
    'organization': NameOID.ORGANIZATION_NAME,
    'organizational_unit': NameOID.ORGANIZATIONAL_UNIT_NAME,
    'email': NameOID.EMAIL_ADDRESS,
    'serial_number': NameOID.SERIAL_NUMBER,
    'country': NameOID.COUNTRY_NAME,
}


class Profile(enum.Enum):
    """What a certificate is for; each value is the key usages it grants."""

    # Vendors: sign bids. No encryption: nothing is ever encrypted to a vendor.
    signing = ('digital_signature', 'content_commitment')
    # Pokja members: sign, and receive their RSA-OAEP-encrypted tender-key share.
    pokja = ('digital_signature', 'content_commitment', 'key_encipherment')
    # A tender's key-transport certificate: the CMS recipient of every bid.
    tender = ('key_encipherment',)
    # The system's own key: receipts, audit checkpoints, PDF signatures.
    system = ('digital_signature', 'content_commitment')


@dataclass(frozen=True)
class Revocation:
    """One entry of the CRL: which certificate, since when, and why."""

    serial_number: int
    revoked_at: dt.datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.unspecified


def generate_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-3072 key pair."""
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def build_subject(**attributes: str) -> x509.Name:
    """An X.509 name from keywords of NAME_OIDS, e.g. common_name=…, email=…, serial_number=…."""
    unknown = set(attributes) - set(NAME_OIDS)
    if unknown:
        raise ValueError(f'unknown subject attributes: {", ".join(sorted(unknown))}')
    return x509.Name([x509.NameAttribute(NAME_OIDS[k], v) for k, v in attributes.items()])


def subject_attributes(name: x509.Name) -> dict[str, str]:
    """The keyword → value view of a name (unknown attributes keyed by their dotted OID).

    A repeated attribute keeps only its last value: for display, never for checking a subject
    (`check_subject` compares the full attribute list)."""
    keywords = {oid: keyword for keyword, oid in NAME_OIDS.items()}
    return {keywords.get(a.oid, a.oid.dotted_string): str(a.value) for a in name}


def check_key_strength(public_key) -> None:
    """Refuse keys below RSA-3072 or EC P-256, and any other key type."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < RSA_BITS:
            raise WeakKey(
                f'RSA key of {public_key.key_size} bits is too weak; at least {RSA_BITS} required'
            )
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ALLOWED_CURVES):
            raise WeakKey(f'elliptic curve {public_key.curve.name} is not accepted')
    else:
        raise WeakKey(f'key type {type(public_key).__name__} is not accepted')


def create_ca(
    common_name: str, *, now: dt.datetime, validity_days: int, organization: str | None = None
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new self-signed instance CA (key and certificate)."""
    key = generate_key()
    attrs = {'common_name': common_name} | ({'organization': organization} if organization else {})
    name = build_subject(**attrs)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        _base_builder(name, name, key.public_key(), now, now + dt.timedelta(days=validity_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(('key_cert_sign', 'crl_sign')), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .sign(key, hashes.SHA256(), rsa_padding=PSS_SHA256)
    )
    return key, cert


def issue_certificate(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    public_key,
    subject: x509.Name,
    *,
    profile: Profile,
    now: dt.datetime,
    validity_days: int,
) -> x509.Certificate:
    """A certificate for `public_key` under `subject`, signed by the CA, for one profile."""
    check_key_strength(public_key)
    if 'key_encipherment' in profile.value and not isinstance(public_key, rsa.RSAPublicKey):
        raise WeakKey(f'a {profile.name} certificate needs an RSA key (RSA-OAEP key transport)')
    not_after = min(now + dt.timedelta(days=validity_days), ca_cert.not_valid_after_utc)
    aki = _authority_key_id(ca_cert)
    return (
        _base_builder(subject, ca_cert.subject, public_key, now, not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(profile.value), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256(), rsa_padding=PSS_SHA256)
    )


def issue_from_csr(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    csr: x509.CertificateSigningRequest,
    *,
    profile: Profile,
    now: dt.datetime,
    validity_days: int,
) -> x509.Certificate:
    """Certify a CSR already accepted by `validate_csr` (its key and subject)."""
    return issue_certificate(
        ca_key,
        ca_cert,
        csr.public_key(),
        csr.subject,
        profile=profile,
        now=now,
        validity_days=validity_days,
    )


def validate_csr(pem: bytes, *, expected: Mapping[str, str]) -> x509.CertificateSigningRequest:
    """Accept a self-held key's CSR: well-formed, self-signed, strong, naming exactly `expected`."""
    try:
        csr = x509.load_pem_x509_csr(pem)
        public_key = csr.public_key()
    except (ValueError, TypeError) as exc:
        raise MalformedCsr(f'not a valid PEM certificate signing request ({exc})') from None
    try:
        signature_ok = csr.is_signature_valid
    except (ValueError, TypeError, UnsupportedAlgorithm):
        signature_ok = False
    if not signature_ok:
        raise BadCsrSignature('the CSR signature does not match the key inside it')
    check_key_strength(public_key)
    check_subject(csr.subject, expected)
    return csr


# Longest value an expected subject attribute may carry (the account's name, email, company
# name and NPWP all fit; RFC 5280's upper bounds are smaller still for most of them).
MAX_SUBJECT_VALUE = 256
# Longest RFC 4514 rendering of a subject we certify (`certificate.subject` holds 500).
MAX_SUBJECT_LENGTH = 500


def _shown(value: str) -> str:
    return repr(value if len(value) <= 64 else value[:61] + '...')


def check_subject(name: x509.Name, expected: Mapping[str, str]) -> None:
    """Require the name to hold exactly the expected attributes, each once, one per RDN, and
    nothing else (e-mail compared caseless). A repeated attribute (a second CN naming someone
    else) or a multi-valued RDN is refused, never collapsed."""

    def norm(key: str, value: str) -> str:
        return value.casefold() if key == 'email' else value

    keywords = {oid: keyword for keyword, oid in NAME_OIDS.items()}
    problems = []
    seen: dict[str, list[str]] = {}
    for rdn in name.rdns:
        if len(rdn) != 1:
            problems.append('multi-valued RDN')
        for attribute in rdn:
            key = keywords.get(attribute.oid, attribute.oid.dotted_string)
            value = attribute.value if isinstance(attribute.value, str) else repr(attribute.value)
            seen.setdefault(key, []).append(value)
    for key, value in expected.items():
        if len(value) > MAX_SUBJECT_VALUE:
            problems.append(f'{key} longer than {MAX_SUBJECT_VALUE} characters')
        values = seen.get(key, [])
        if len(values) > 1:
            problems.append(f'{key} appears {len(values)} times')
        elif not values or norm(key, values[0]) != norm(key, value):
            shown = _shown(values[0]) if values else 'missing'
            problems.append(f'{key} is {shown}, expected {_shown(value)}')
    problems += [
        f'unexpected {key} {_shown(values[0])}'
        for key, values in seen.items()
        if key not in expected
    ]
    if not problems and len(name.rfc4514_string()) > MAX_SUBJECT_LENGTH:
        problems.append(f'subject longer than {MAX_SUBJECT_LENGTH} characters')
    if problems:
        raise SubjectMismatch(
            'the CSR subject does not match the account: ' + '; '.join(dict.fromkeys(problems))
        )


def build_csr(key, subject: x509.Name) -> x509.CertificateSigningRequest:
    """A CSR for a self-held key (signed with RSA-PSS for RSA keys)."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if isinstance(key, rsa.RSAPrivateKey):
        return builder.sign(key, hashes.SHA256(), rsa_padding=PSS_SHA256)
    return builder.sign(key, hashes.SHA256())


def build_crl(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    revocations: Iterable[Revocation],
    *,
    number: int,
    now: dt.datetime,
    next_update_days: int = 7,
) -> x509.CertificateRevocationList:
    """The CA's signed list of revoked certificates, valid from `now`."""
    aki = _authority_key_id(ca_cert)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=next_update_days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(aki, critical=False)
    )
    for r in revocations:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(r.serial_number)
            .revocation_date(r.revoked_at)
            .add_extension(x509.CRLReason(r.reason), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, hashes.SHA256(), rsa_padding=PSS_SHA256)


def check_certificate(
    cert: x509.Certificate,
    ca_cert: x509.Certificate,
    *,
    now: dt.datetime,
    revoked: x509.CertificateRevocationList | None = None,
) -> None:
    """Require `cert` to be issued by this CA, valid at `now` and not revoked by then."""
    check_issued_by(cert, ca_cert)
    if now < cert.not_valid_before_utc:
        raise CertificateNotYetValid(
            f'certificate is not valid before {cert.not_valid_before_utc.isoformat()}'
        )
    if now > cert.not_valid_after_utc:
        raise CertificateExpired(f'certificate expired at {cert.not_valid_after_utc.isoformat()}')
    if revoked is None:
        return
    if revoked.issuer != ca_cert.subject or not revoked.is_signature_valid(ca_cert.public_key()):
        raise CertificateRejected('the revocation list was not issued by this CA')
    entry = revoked.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is not None and entry.revocation_date_utc <= now:
        reason = _revocation_reason(entry)
        raise CertificateRevoked(
            f'certificate was revoked at {entry.revocation_date_utc.isoformat()} ({reason})'
        )


def check_issued_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> None:
    """Require the CA's signature on the certificate (the instance PKI is one level deep)."""
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        raise NotIssuedByCa(
            f'certificate {cert.serial_number:x} ({cert.subject.rfc4514_string()}) '
            'was not issued by this CA'
        ) from None


def key_matches_certificate(private_key, cert: x509.Certificate) -> bool:
    """Whether the private key is the one the certificate certifies."""
    return public_key_fingerprint(private_key.public_key()) == public_key_fingerprint(
        cert.public_key()
    )


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, in hex (what `openssl x509 -fingerprint -sha256` shows)."""
    return cert.fingerprint(hashes.SHA256()).hex()


def public_key_fingerprint(public_key) -> str:
    """SHA-256 of the SubjectPublicKeyInfo DER, in hex: stable across re-issued certificates."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def has_key_usage(cert: x509.Certificate, usage: str) -> bool:
    """Whether the certificate's keyUsage extension grants `usage` (e.g. 'key_encipherment')."""
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return bool(getattr(ku, usage))


def _authority_key_id(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _revocation_reason(entry: x509.RevokedCertificate) -> str:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        return 'no reason given'


def _base_builder(subject, issuer, public_key, not_before, not_after) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _key_usage(granted: Iterable[str]) -> x509.KeyUsage:
    names = (
        'digital_signature',
        'content_commitment',
        'key_encipherment',
        'data_encipherment',
        'key_agreement',
        'key_cert_sign',
        'crl_sign',
        'encipher_only',
        'decipher_only',
    )
    return x509.KeyUsage(**{name: name in granted for name in names})
