"""Sealed bids: CMS SignedData (RSA-PSS) inside CMS AuthEnvelopedData (AES-256-GCM, RSA-OAEP)."""

import datetime as dt
import io
import os
from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs7

from . import pki
from .der_stream import DerReader
from .errors import (
    CryptoError,
    EnvelopeTampered,
    KeyMismatch,
    NotAnEnvelope,
    SealSelfCheckFailed,
    UnsupportedAlgorithm,
    UnsupportedEncoding,
    WeakKey,
    WrongContentType,
    WrongKeyUsage,
    WrongRecipient,
)
from .signed_data import VerifiedContent, check_inner_type, verify_signature

OAEP_SHA256 = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16
MAX_SMALL_ELEMENT = 64 * 1024  # recipientInfos and algorithm identifiers: never large
AUTH_ENVELOPED_DATA = '1.2.840.113549.1.9.16.1.23'


@dataclass(frozen=True)
class Recipient:
    """One key-transport recipient: the certificate it names and how the key is wrapped."""

    issuer: str
    issuer_der: bytes
    serial_number: int
    key_encryption: str


@dataclass(frozen=True)
class EnvelopeInfo:
    """What an upload-time scan learned about a .p7m without decrypting it."""

    recipients: tuple[Recipient, ...]
    content_encryption: str
    encrypted_size: int
    size: int


def seal(
    content: bytes,
    *,
    signer_key: rsa.RSAPrivateKey,
    signer_cert: x509.Certificate,
    recipient_cert: x509.Certificate,
) -> bytes:
    """Sign `content` as the vendor, encrypt it to the tender certificate, and self-check it."""
    _check_signer(signer_key, signer_cert)
    _check_recipient_cert(recipient_cert)
    signed = pkcs7.PKCS7SignatureBuilder(
        data=content,
        signers=[(signer_cert, signer_key, hashes.SHA256(), pki.PSS_SHA256)],
    ).sign(
        serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities]
    )
    cek, nonce = AESGCM.generate_key(bit_length=256), os.urandom(GCM_NONCE_BYTES)
    sealed = AESGCM(cek).encrypt(nonce, signed, None)
    encrypted_key = recipient_cert.public_key().encrypt(cek, OAEP_SHA256)
    der = _build_envelope(recipient_cert, encrypted_key, nonce, sealed).dump()
    _self_check(der, cek, content, signer_cert, recipient_cert)
    return der


def scan_envelope(fileobj: BinaryIO) -> EnvelopeInfo:
    """Check a .p7m's structure by streaming its DER headers, in memory independent of its size."""
    r = DerReader(fileobj)
    r.enter(0x30, NotAnEnvelope, 'a CMS ContentInfo (SEQUENCE)')
    content_type = cms.ContentType.load(r.read_element(0x06, NotAnEnvelope, 'content type', 64))
    if content_type.dotted != AUTH_ENVELOPED_DATA:
        raise WrongContentType(
            f'the file is CMS {content_type.native!r}, not a sealed bid (authEnvelopedData)'
        )
    r.enter(0xA0, NotAnEnvelope, 'content')
    r.enter(0x30, NotAnEnvelope, 'AuthEnvelopedData')
    r.read_element(0x02, NotAnEnvelope, 'version', 16)
    if r.peek_tag() == 0xA0:
        raise UnsupportedEncoding('originatorInfo is not supported in a sealed bid')
    infos = cms.RecipientInfos.load(
        r.read_element(0x31, NotAnEnvelope, 'recipientInfos', MAX_SMALL_ELEMENT)
    )
    recipients = tuple(_recipient(info) for info in _parsed(infos))
    r.enter(0x30, NotAnEnvelope, 'authEncryptedContentInfo')
    check_inner_type(cms.ContentType.load(r.read_element(0x06, NotAnEnvelope, 'type', 64)))
    algorithm = algos.EncryptionAlgorithm.load(
        r.read_element(0x30, NotAnEnvelope, 'content encryption algorithm', 1024)
    )
    _gcm_nonce(algorithm)
    if r.peek_tag() == 0xA0:
        raise UnsupportedEncoding(
            'the encrypted content is in constructed (BER) form; DER required'
        )
    encrypted_size = r.skip_element(0x80, NotAnEnvelope, 'encrypted content')
    r.leave('authEncryptedContentInfo')
    if r.peek_tag() == 0xA1:
        raise UnsupportedEncoding('authenticated attributes are not supported in a sealed bid')
    _check_mac(core.OctetString.load(r.read_element(0x04, NotAnEnvelope, 'mac', 64)).native)
    for what in ('AuthEnvelopedData', 'content', 'ContentInfo'):
        r.leave(what)
    r.expect_eof()
    return EnvelopeInfo(recipients, algorithm['algorithm'].native, encrypted_size, r.pos)


def recipient_matches(info: EnvelopeInfo, cert: x509.Certificate) -> bool:
    """Whether the envelope names `cert` (issuer and serial number) as a recipient."""
    issuer = asn1_x509.Name.load(cert.issuer.public_bytes())
    return any(
        r.serial_number == cert.serial_number and asn1_x509.Name.load(r.issuer_der) == issuer
        for r in info.recipients
    )


def open_envelope(data: bytes, recipient_key: rsa.RSAPrivateKey) -> bytes:
    """Decrypt a sealed bid with the tender key: the inner SignedData DER (tag verified)."""
    aed = _load_envelope(data)
    return _decrypt_content(aed, _unwrap_cek(aed, recipient_key))


def verify_signed_data(
    signed_der: bytes, *, ca_cert: x509.Certificate, now: dt.datetime | None = None
) -> VerifiedContent:
    """Verify the vendor's RSA-PSS signature, its certificate from our CA (and valid at `now`)."""
    verified = verify_signature(signed_der)
    if now is None:
        pki.check_issued_by(verified.signer_cert, ca_cert)
    else:
        pki.check_certificate(verified.signer_cert, ca_cert, now=now)
    return verified


def _check_signer(signer_key, signer_cert: x509.Certificate) -> None:
    if not isinstance(signer_key, rsa.RSAPrivateKey):
        raise UnsupportedAlgorithm('bids are signed with RSA-PSS: an RSA signing key is required')
    if not pki.key_matches_certificate(signer_key, signer_cert):
        raise KeyMismatch('the signing key does not belong to the signing certificate')


def _check_recipient_cert(cert: x509.Certificate) -> None:
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise WeakKey('the tender certificate must hold an RSA key (RSA-OAEP key transport)')
    pki.check_key_strength(public_key)
    if not pki.has_key_usage(cert, 'key_encipherment'):
        raise WrongKeyUsage('the tender certificate does not allow key encipherment')


def _build_envelope(cert: x509.Certificate, encrypted_key: bytes, nonce: bytes, sealed: bytes):
    ktri = cms.KeyTransRecipientInfo(
        {
            'version': 'v0',
            'rid': cms.RecipientIdentifier(
                name='issuer_and_serial_number',
                value=cms.IssuerAndSerialNumber(
                    {
                        'issuer': asn1_x509.Name.load(cert.issuer.public_bytes()),
                        'serial_number': cert.serial_number,
                    }
                ),
            ),
            'key_encryption_algorithm': {
                'algorithm': 'rsaes_oaep',
                'parameters': {
                    'hash_algorithm': {'algorithm': 'sha256'},
                    'mask_gen_algorithm': {
                        'algorithm': 'mgf1',
                        'parameters': {'algorithm': 'sha256'},
                    },
                },
            },
            'encrypted_key': encrypted_key,
        }
    )
    # asn1crypto has no GCMParameters; CcmParams has the same shape (RFC 5084: nonce, ICV length).
    gcm_params = algos.CcmParams({'aes_nonce': nonce, 'aes_icvlen': GCM_TAG_BYTES})
    aed = cms.AuthEnvelopedData(
        {
            'version': 'v0',
            'recipient_infos': [cms.RecipientInfo(name='ktri', value=ktri)],
            'auth_encrypted_content_info': {
                'content_type': 'data',
                'content_encryption_algorithm': {
                    'algorithm': 'aes256_gcm',
                    'parameters': gcm_params,
                },
                'encrypted_content': sealed[:-GCM_TAG_BYTES],
            },
            'mac': sealed[-GCM_TAG_BYTES:],
        }
    )
    return cms.ContentInfo({'content_type': 'authenticated_enveloped_data', 'content': aed})


def _self_check(der: bytes, cek: bytes, content: bytes, signer_cert, recipient_cert) -> None:
    try:
        if not recipient_matches(scan_envelope(io.BytesIO(der)), recipient_cert):
            raise WrongRecipient('the envelope does not name the tender certificate')
        verified = verify_signature(_decrypt_content(_load_envelope(der), cek))
    except CryptoError as exc:
        raise SealSelfCheckFailed(f'the sealed bid failed its self-check: {exc}') from exc
    if verified.content != content or verified.signer_cert != signer_cert:
        raise SealSelfCheckFailed('the sealed bid failed its self-check: content or signer differs')


def _load_envelope(data: bytes) -> cms.AuthEnvelopedData:
    try:
        info = cms.ContentInfo.load(data, strict=True)
        content_type = info['content_type'].dotted
    except ValueError as exc:
        raise NotAnEnvelope(f'not a DER CMS file ({exc})') from None
    if content_type != AUTH_ENVELOPED_DATA:
        raise WrongContentType(f'the file is CMS {info["content_type"].native!r}, not a sealed bid')
    aed = info['content']
    if aed['auth_attrs'] or aed['originator_info']:
        raise UnsupportedEncoding('authenticated attributes and originatorInfo are not supported')
    return aed


def _unwrap_cek(aed: cms.AuthEnvelopedData, key: rsa.RSAPrivateKey) -> bytes:
    return _unwrap_from(aed['recipient_infos'], key)


def _unwrap_from(infos: cms.RecipientInfos, key: rsa.RSAPrivateKey) -> bytes:
    for info in _parsed(infos):
        _recipient(info)
        encrypted_key = info.chosen['encrypted_key'].native
        try:
            cek = key.decrypt(encrypted_key, OAEP_SHA256)
        except ValueError:
            continue
        if len(cek) == 32:
            return cek
    raise WrongRecipient('the envelope is not addressed to this key (or its key block was altered)')


def _decrypt_content(aed: cms.AuthEnvelopedData, cek: bytes) -> bytes:
    nonce, ciphertext, mac = _content_parts(aed)
    try:
        return AESGCM(cek).decrypt(nonce, (ciphertext or b'') + mac, None)
    except InvalidTag:
        raise EnvelopeTampered('the envelope failed authentication: it was altered') from None


def _content_parts(aed: cms.AuthEnvelopedData) -> tuple[bytes, bytes | None, bytes]:
    """(nonce, ciphertext, tag) of an envelope, every parameter checked."""
    try:
        eci = aed['auth_encrypted_content_info']
        check_inner_type(eci['content_type'])
        nonce = _gcm_nonce(eci['content_encryption_algorithm'])
        ciphertext, mac = eci['encrypted_content'].native, aed['mac'].native
    except ValueError as exc:
        raise NotAnEnvelope(f'malformed AuthEnvelopedData ({exc})') from None
    _check_mac(mac)
    return nonce, ciphertext, mac


def _parsed(infos: cms.RecipientInfos) -> list[cms.RecipientInfo]:
    try:
        parsed = list(infos)
        for info in parsed:
            info.chosen.native  # noqa: B018 - forces the lazy parse so errors surface here
    except ValueError as exc:
        raise NotAnEnvelope(f'malformed recipientInfos ({exc})') from None
    return parsed


def _recipient(info: cms.RecipientInfo) -> Recipient:
    if info.name != 'ktri':
        raise UnsupportedAlgorithm(
            f'recipient type {info.name} is not supported; key transport only'
        )
    ktri = info.chosen
    if ktri['rid'].name != 'issuer_and_serial_number':
        raise UnsupportedAlgorithm('recipients must be identified by issuer and serial number')
    _check_key_transport(ktri['key_encryption_algorithm'])
    ias = ktri['rid'].chosen
    return Recipient(
        issuer=ias['issuer'].human_friendly,
        issuer_der=ias['issuer'].dump(),
        serial_number=ias['serial_number'].native,
        key_encryption='rsaes_oaep_sha256',
    )


def _check_key_transport(algorithm: cms.KeyEncryptionAlgorithm) -> None:
    name = algorithm['algorithm'].native
    if name != 'rsaes_oaep':
        raise UnsupportedAlgorithm(f'key transport {name} is not allowed; RSAES-OAEP required')
    params = algorithm['parameters']
    mgf = params['mask_gen_algorithm']
    if not (
        params['hash_algorithm']['algorithm'].native == 'sha256'
        and mgf['algorithm'].native == 'mgf1'
        and mgf['parameters']['algorithm'].native == 'sha256'
        and params['p_source_algorithm']['parameters'].native in (None, b'')
    ):
        raise UnsupportedAlgorithm('RSAES-OAEP must use SHA-256 and MGF1-SHA-256, empty label')


def _gcm_nonce(algorithm: algos.EncryptionAlgorithm) -> bytes:
    name = algorithm['algorithm'].native
    if name != 'aes256_gcm':
        raise UnsupportedAlgorithm(
            f'content encryption {name} is not allowed; AES-256-GCM required'
        )
    try:
        params = algos.CcmParams.load(algorithm['parameters'].dump())
        nonce, icv_len = params['aes_nonce'].native, params['aes_icvlen'].native
    except ValueError as exc:
        raise NotAnEnvelope(f'malformed AES-GCM parameters ({exc})') from None
    if len(nonce) != GCM_NONCE_BYTES or icv_len != GCM_TAG_BYTES:
        raise UnsupportedAlgorithm('AES-GCM must use a 12-byte nonce and a 16-byte tag')
    return nonce


def _check_mac(mac: bytes) -> None:
    if len(mac) != GCM_TAG_BYTES:
        raise UnsupportedAlgorithm(f'the GCM tag is {len(mac)} bytes; 16 required')
