"""Key material for the bid tests, made once per session: CA, vendor, tender and system keys."""

from dataclasses import dataclass
from pathlib import Path

import pytest
from ca_test_helpers import (  # noqa: F401 — other_ca and pokja are shared fixtures
    Party,
    issue,
    make_ca,
    other_ca,
    pokja,
)
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lpse.crypto import keystore, pki

PASSPHRASE = 'correct horse battery staple'


@dataclass(frozen=True)
class PkiFiles:
    """The same parties as files, the way a vendor and an auditor hold them."""

    ca: Path
    vendor_key: Path
    vendor_cert: Path
    tender_cert: Path
    tender_key: Path
    pokja_cert: Path
    other_key: Path
    passphrase: Path


@pytest.fixture(scope='session')
def ca() -> Party:
    return make_ca('LPSE Test CA')


@pytest.fixture(scope='session')
def vendor(ca) -> Party:
    return issue(
        ca,
        pki.Profile.signing,
        common_name='Siti Rahma',
        email='siti@maju.example',
        organization='PT Maju Jaya',
        serial_number='01.234.567.8-901.000',
    )


@pytest.fixture(scope='session')
def tender(ca) -> Party:
    return issue(ca, pki.Profile.tender, common_name='Tender KEMKES-2026-00001')


@pytest.fixture(scope='session')
def system(ca) -> Party:
    return issue(ca, pki.Profile.system, common_name='LPSE Test CA — sistem')


@pytest.fixture(scope='session')
def rogue_system(other_ca) -> Party:  # noqa: F811
    return issue(other_ca, pki.Profile.system, common_name='LPSE Test CA — sistem')


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope='session')
def pki_files(tmp_path_factory, ca, vendor, tender, pokja) -> PkiFiles:  # noqa: F811
    d = tmp_path_factory.mktemp('pki')
    files = PkiFiles(
        ca=d / 'ca.pem',
        vendor_key=d / 'vendor.key',
        vendor_cert=d / 'vendor.crt',
        tender_cert=d / 'tender.crt',
        tender_key=d / 'tender.key',
        pokja_cert=d / 'pokja.crt',
        other_key=d / 'other.key',
        passphrase=d / 'passphrase.txt',
    )
    files.ca.write_bytes(_pem(ca.cert))
    files.vendor_key.write_bytes(keystore.dump_key_file(vendor.key, PASSPHRASE))
    files.other_key.write_bytes(keystore.dump_key_file(pokja.key, PASSPHRASE))
    files.vendor_cert.write_bytes(_pem(vendor.cert))
    files.tender_cert.write_bytes(_pem(tender.cert))
    files.pokja_cert.write_bytes(_pem(pokja.cert))
    files.tender_key.write_bytes(
        tender.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.passphrase.write_text(PASSPHRASE + '\n', encoding='utf-8')
    return files
