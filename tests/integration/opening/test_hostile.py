"""One crafted bid must never stop an opening: whatever its inner content, it is recorded as
not openable and every other bid opens (only a missing blob may stop the ceremony)."""

import datetime as dt
import hashlib
import io
import os
import random
import zipfile

import opening_helpers
import pki_helpers
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs7
from sqlalchemy import select

from lpse import clock
from lpse.bids.permissions import signing_certificate
from lpse.crypto import detached, envelope, pki
from lpse.extensions import db
from lpse.opening import unseal, workers
from lpse.opening.models import NotOpenableReason, OpenedBid
from lpse.tenders.keys import require_key

from .conftest import OTHER_KEY, VENDOR_KEY, submit, submit_sealed


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _sign(cert, key, content):
    return pkcs7.PKCS7SignatureBuilder(
        data=content, signers=[(cert, key, hashes.SHA256(), pki.PSS_SHA256)]
    ).sign(
        serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities]
    )


def _seal_raw(tender, inner):
    """An envelope to the tender key around arbitrary inner bytes (what a hostile client sends)."""
    cert = require_key(tender).certificate
    cek, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    sealed = AESGCM(cek).encrypt(nonce, inner, None)
    wrapped = cert.public_key().encrypt(cek, envelope.OAEP_SHA256)
    return envelope._build_envelope(cert, wrapped, nonce, sealed).dump()


DEEP_JSON = b'[' * 100_000 + b']' * 100_000


def _bad_cert_in_signed_data(cert, key):
    """A good signature whose embedded certificate's TBS is no longer a SEQUENCE."""
    good = bytearray(_sign(cert, key, _zip({'bid.json': b'{}'})))
    at = bytes(good).find(cert.public_bytes(serialization.Encoding.DER))
    good[at + 4] = 0x04  # tbsCertificate: SEQUENCE -> OCTET STRING
    return bytes(good)


@pytest.mark.parametrize(
    ('case', 'reason'),
    [
        ('deep_json', NotOpenableReason.package_malformed),
        ('bad_cert_in_signed_data', NotOpenableReason.signature_invalid),
    ],
)
def test_one_hostile_bid_does_not_stop_the_opening(tender, bidder, rival, members, case, reason):
    cert = signing_certificate(bidder, clock.now()).x509
    key = pki_helpers.key(VENDOR_KEY)
    if case == 'deep_json':
        inner = _sign(cert, key, _zip({'bid.json': DEEP_JSON}))
    else:
        inner = _bad_cert_in_signed_data(cert, key)
    p7m = _seal_raw(tender, inner)
    hostile = submit(tender, bidder, p7m, detached.sign_detached(p7m, key=key, cert=cert))
    fine = submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = {row.bid_id: row for row in db.session.scalars(select(OpenedBid))}
    assert rows[hostile.id].result == 'not_openable'
    assert rows[hostile.id].reason == reason
    if case == 'bad_cert_in_signed_data':
        assert 'cannot be parsed' in rows[hostile.id].reason_detail
    assert rows[fine.id].result == 'opened'


# --- fuzzing the inner content (no database: the pure checks the workers run) -------------------


@pytest.fixture(scope='module')
def signer():
    material = pki_helpers.material()
    now = clock.now()
    key = pki_helpers.key(1)
    cert = pki.issue_certificate(
        material['ca_key'],
        material['ca_cert'],
        key.public_key(),
        pki.build_subject(common_name='Fuzz'),
        profile=pki.Profile.signing,
        now=now - dt.timedelta(days=1),
        validity_days=100,
    )
    return material['ca_cert'], cert, key, now


def _check(signed, ca_cert, now):
    return unseal.check_signed(
        signed,
        cek=b'k' * 32,
        ca_cert=ca_cert,
        vendor_user_id=1,
        received_at=now,
        terms=None,
        signer_record=lambda cert: unseal.SignerRecord(1, None, None),
    )


def test_every_mutation_of_the_inner_content_yields_a_recorded_reason(signer):
    ca_cert, cert, key, now = signer
    base = _sign(cert, key, _zip({'bid.json': b'{}'}))
    samples = [
        _sign(cert, key, _zip({'bid.json': DEEP_JSON})),
        _sign(cert, key, _zip({'bid.json': b'{"a":' * 50_000 + b'1' + b'}' * 50_000})),
        _sign(cert, key, b'not a zip'),
        _sign(cert, key, b''),
        _bad_cert_in_signed_data(cert, key),
    ]
    rng = random.Random(20261128)
    for _ in range(400):
        mutated = bytearray(base)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        samples.append(bytes(mutated))
    samples += [base[:cut] for cut in range(0, len(base), 97)]
    for sample in samples:
        outcome = _check(sample, ca_cert, now)  # raises nothing, whatever the bytes
        assert outcome.reason in set(NotOpenableReason), outcome
        assert outcome.detail


def test_a_worker_turns_any_unexpected_error_into_a_not_openable_result(monkeypatch, tmp_path):
    class Store:
        def open(self, sha256):
            return io.BytesIO(b'envelope')

    def explode(*args, **kwargs):
        raise ArithmeticError('a bug nobody foresaw')

    monkeypatch.setattr(unseal, 'open_bid', explode)
    job = workers.Job(hashlib.sha256(b'envelope').hexdigest(), 1, clock.now(), None)
    found = workers._examine(job, Store(), None, None, {})
    assert found.reason == NotOpenableReason.bad_envelope
    assert 'ArithmeticError' in found.detail and 'foresaw' not in found.detail


def test_only_a_missing_blob_stops_an_opening():
    class Store:
        def open(self, sha256):
            raise FileNotFoundError(sha256)

    job = workers.Job('00' * 32, 1, clock.now(), None)
    with pytest.raises(workers.MissingBlob):
        workers._examine(job, Store(), None, None, {})


def test_the_number_of_workers_is_bounded_by_memory(monkeypatch):
    monkeypatch.setattr(workers.os, 'cpu_count', lambda: 8)
    mb = 1024 * 1024
    assert workers.workers() == workers.MAX_WORKERS
    assert workers.workers(50 * mb, memory=8 * 1024 * mb) == workers.MAX_WORKERS
    # 300 MB free: half is 150 MB, one 50 MB envelope needs 3 × 50 MB → one worker
    assert workers.workers(50 * mb, memory=300 * mb) == 1
    assert workers.workers(10 * mb, memory=200 * mb) == 3
    assert workers.workers(500 * mb, memory=100 * mb) == 1  # never fewer than one
