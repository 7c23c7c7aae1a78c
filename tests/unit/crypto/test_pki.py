"""The instance PKI: CA, profiles, CSR acceptance, revocation and validity checks."""

import datetime as dt
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from lpse.crypto import pki
from lpse.crypto.errors import (
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

from .conftest import NOW

ACCOUNT = {'common_name': 'PT Maju Jaya', 'email': 'bid@maju.example'}


@pytest.fixture(scope='module')
def rsa_2048():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope='module')
def self_held():
    """A key a vendor made on their own machine."""
    return pki.generate_key()


def csr_pem(key, **subject) -> bytes:
    return pki.build_csr(key, pki.build_subject(**subject)).public_bytes(serialization.Encoding.PEM)


def test_ca_is_a_ca_that_only_signs_certificates_and_crls(ca):
    ext = ca.cert.extensions
    assert ext.get_extension_for_class(x509.BasicConstraints).value.ca is True
    usage = ext.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert isinstance(ca.cert.signature_algorithm_parameters, type(pki.PSS_SHA256))


@pytest.mark.parametrize(
    ('profile', 'granted'),
    [
        (pki.Profile.signing, {'digital_signature', 'content_commitment'}),
        (pki.Profile.pokja, {'digital_signature', 'content_commitment', 'key_encipherment'}),
        (pki.Profile.tender, {'key_encipherment'}),
        (pki.Profile.system, {'digital_signature', 'content_commitment'}),
    ],
)
def test_profiles_grant_exactly_their_key_usages(ca, self_held, profile, granted):
    cert = pki.issue_certificate(
        ca.key,
        ca.cert,
        self_held.public_key(),
        pki.build_subject(common_name='x'),
        profile=profile,
        now=NOW,
        validity_days=30,
    )
    names = ('digital_signature', 'content_commitment', 'key_encipherment', 'key_cert_sign')
    assert {name for name in names if pki.has_key_usage(cert, name)} == granted
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    pki.check_certificate(cert, ca.cert, now=NOW)


def test_serial_numbers_are_random_and_validity_is_clamped_to_the_ca(ca, self_held):
    certs = [
        pki.issue_certificate(
            ca.key,
            ca.cert,
            self_held.public_key(),
            pki.build_subject(common_name='x'),
            profile=pki.Profile.signing,
            now=NOW,
            validity_days=100_000,
        )
        for _ in range(2)
    ]
    assert certs[0].serial_number != certs[1].serial_number
    assert certs[0].serial_number.bit_length() > 64
    assert certs[0].not_valid_after_utc == ca.cert.not_valid_after_utc


def test_a_good_csr_is_accepted_and_certified_with_its_subject(ca, self_held):
    csr = pki.validate_csr(csr_pem(self_held, **ACCOUNT), expected=ACCOUNT)
    cert = pki.issue_from_csr(
        ca.key, ca.cert, csr, profile=pki.Profile.signing, now=NOW, validity_days=365
    )
    assert pki.subject_attributes(cert.subject) == ACCOUNT
    assert pki.key_matches_certificate(self_held, cert)


def test_email_is_compared_without_case(self_held):
    pem = csr_pem(self_held, common_name='PT Maju Jaya', email='Bid@Maju.Example')
    pki.validate_csr(pem, expected=ACCOUNT)


@pytest.mark.parametrize(
    ('subject', 'said'),
    [
        ({'common_name': 'PT Lain', 'email': 'bid@maju.example'}, 'common_name'),
        ({'common_name': 'PT Maju Jaya'}, 'email'),
        ({**ACCOUNT, 'organization': 'Other'}, 'unexpected organization'),
    ],
)
def test_a_csr_for_someone_else_is_refused(self_held, subject, said):
    with pytest.raises(SubjectMismatch, match=said):
        pki.validate_csr(csr_pem(self_held, **subject), expected=ACCOUNT)


def test_a_weak_rsa_key_is_refused(rsa_2048):
    with pytest.raises(WeakKey, match='2048 bits'):
        pki.validate_csr(csr_pem(rsa_2048, **ACCOUNT), expected=ACCOUNT)


def test_p256_is_accepted_but_weaker_curves_and_other_key_types_are_not():
    pki.check_key_strength(ec.generate_private_key(ec.SECP256R1()).public_key())
    with pytest.raises(WeakKey, match='secp224r1'):
        pki.check_key_strength(ec.generate_private_key(ec.SECP224R1()).public_key())
    with pytest.raises(WeakKey, match='key type'):
        pki.check_key_strength(ed25519.Ed25519PrivateKey.generate().public_key())


def test_encryption_profiles_need_an_rsa_key(ca):
    ec_key = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(WeakKey, match='RSA'):
        pki.issue_certificate(
            ca.key,
            ca.cert,
            ec_key,
            pki.build_subject(common_name='t'),
            profile=pki.Profile.tender,
            now=NOW,
            validity_days=30,
        )


def test_a_malformed_csr_is_refused():
    with pytest.raises(MalformedCsr):
        pki.validate_csr(b'-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n', expected=ACCOUNT)


def test_a_csr_whose_signature_does_not_match_is_refused(self_held):
    der = bytearray(
        pki.build_csr(self_held, pki.build_subject(**ACCOUNT)).public_bytes(
            serialization.Encoding.DER
        )
    )
    der[-5] ^= 0x01  # inside the signature value
    pem = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(BadCsrSignature):
        pki.validate_csr(pem, expected=ACCOUNT)


def test_check_certificate_refuses_expired_and_not_yet_valid(ca, vendor):
    with pytest.raises(CertificateNotYetValid):
        pki.check_certificate(vendor.cert, ca.cert, now=NOW - dt.timedelta(seconds=1))
    with pytest.raises(CertificateExpired):
        pki.check_certificate(vendor.cert, ca.cert, now=NOW + dt.timedelta(days=366))


def test_check_certificate_refuses_another_cas_certificate(ca, foreign_vendor):
    with pytest.raises(NotIssuedByCa):
        pki.check_certificate(foreign_vendor.cert, ca.cert, now=NOW)


def test_revocation_counts_from_its_time(ca, vendor, pokja):
    revoked_at = NOW + dt.timedelta(days=10)
    crl = pki.build_crl(
        ca.key,
        ca.cert,
        [pki.Revocation(vendor.cert.serial_number, revoked_at, x509.ReasonFlags.key_compromise)],
        number=1,
        now=revoked_at,
    )
    assert crl.is_signature_valid(ca.cert.public_key())
    with pytest.raises(CertificateRevoked, match='key_compromise'):
        pki.check_certificate(vendor.cert, ca.cert, now=revoked_at, revoked=crl)
    pki.check_certificate(vendor.cert, ca.cert, now=revoked_at - dt.timedelta(1), revoked=crl)
    pki.check_certificate(pokja.cert, ca.cert, now=revoked_at, revoked=crl)


def test_a_crl_from_another_ca_is_not_trusted(ca, other_ca, vendor):
    crl = pki.build_crl(other_ca.key, other_ca.cert, [], number=1, now=NOW)
    with pytest.raises(CertificateRejected, match='revocation list'):
        pki.check_certificate(vendor.cert, ca.cert, now=NOW, revoked=crl)


def test_key_matches_only_its_own_certificate(vendor, tender):
    assert pki.key_matches_certificate(vendor.key, vendor.cert)
    assert not pki.key_matches_certificate(vendor.key, tender.cert)


def test_fingerprints_are_sha256_hex(vendor):
    der = vendor.cert.public_bytes(serialization.Encoding.DER)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    assert pki.certificate_fingerprint(vendor.cert) == digest.finalize().hex()
    assert pki.public_key_fingerprint(vendor.cert.public_key()) == pki.public_key_fingerprint(
        vendor.key.public_key()
    )


def _name(*rdns):
    return x509.Name([x509.RelativeDistinguishedName(list(rdn)) for rdn in rdns])


CN = x509.NameAttribute(x509.NameOID.COMMON_NAME, 'PT Maju Jaya')
EMAIL = x509.NameAttribute(x509.NameOID.EMAIL_ADDRESS, 'bid@maju.example')


@pytest.mark.parametrize(
    ('name', 'why'),
    [
        (
            _name([x509.NameAttribute(x509.NameOID.COMMON_NAME, 'Orang Lain')], [CN], [EMAIL]),
            '2 times',
        ),
        (
            _name([CN], [EMAIL], [x509.NameAttribute(x509.NameOID.COMMON_NAME, 'Orang Lain')]),
            '2 times',
        ),
        (_name([CN], [EMAIL], [EMAIL]), 'email appears 2 times'),
        (_name([CN, EMAIL]), 'multi-valued RDN'),
        (
            _name(
                [CN],
                [EMAIL],
                *[[x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, 'X' * 60)]] * 12,
            ),
            'unexpected organization',
        ),
    ],
    ids=['second-cn-first', 'second-cn-last', 'second-email', 'multi-valued', 'twelve-o'],
)
def test_repeated_or_grouped_subject_attributes_are_refused(name, why):
    with pytest.raises(SubjectMismatch, match=why):
        pki.check_subject(name, ACCOUNT)


def test_over_long_expected_values_are_refused():
    long_name = 'N' * (pki.MAX_SUBJECT_VALUE + 1)
    with warnings.catch_warnings():  # the library only warns about the length; we refuse
        warnings.simplefilter('ignore', UserWarning)
        cn = x509.NameAttribute(x509.NameOID.COMMON_NAME, long_name, _validate=False)
    with pytest.raises(SubjectMismatch, match='longer than'):
        pki.check_subject(_name([cn], [EMAIL]), {**ACCOUNT, 'common_name': long_name})


def test_the_exact_subject_passes_the_check():
    pki.check_subject(_name([CN], [EMAIL]), ACCOUNT)
