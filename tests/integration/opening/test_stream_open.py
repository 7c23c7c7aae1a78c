"""The opening's stream path (lpse.crypto.envelope_stream, the in-place checks of
unseal.check_signed) decides exactly as the full path it falls back to: a good envelope opens
without the full path, and any envelope — altered, truncated, extended, or its inner content
mutated — gets the very Found the full path gives."""

import datetime as dt
import hashlib
import io
import os
import random

import pki_helpers
import pytest

from lpse import clock
from lpse.bids.package import BoqLine, TenderTerms, build_package
from lpse.crypto import envelope, envelope_stream, pki
from lpse.opening import unseal, workers

NPWP = '012345678901234'
BID = {
    'format': 'lpse-bid/1',
    'tender_code': 'T-STREAM',
    'tender_version': 1,
    'vendor_npwp': NPWP,
    'envelope': 'single',
    'attachments': [],
    'price_lines': [{'item': '1', 'quantity': '1', 'unit': 'unit', 'unit_price': '100'}],
    'declared_total': '100.00',
    'currency': 'IDR',
    'tkdn': '40',
    'validity_days': 90,
}
TERMS = TenderTerms('T-STREAM', 1, NPWP, (BoqLine('1', 'unit'),))


@pytest.fixture(scope='module')
def world():
    material = pki_helpers.material()
    now = clock.now()

    def certify(key, profile, name):
        return pki.issue_certificate(
            material['ca_key'],
            material['ca_cert'],
            key.public_key(),
            pki.build_subject(common_name=name),
            profile=profile,
            now=now - dt.timedelta(days=1),
            validity_days=100,
        )

    vendor_key, tender_key = pki_helpers.key(1), pki_helpers.key(2)
    vendor_cert = certify(vendor_key, pki.Profile.signing, 'Vendor')
    tender_cert = certify(tender_key, pki.Profile.tender, 'Tender')
    package = build_package(BID, [('surat.pdf', b'%PDF-1.7 ' + os.urandom(300_000))])
    p7m = envelope.seal(
        package, signer_key=vendor_key, signer_cert=vendor_cert, recipient_cert=tender_cert
    )
    records = {
        format(vendor_cert.serial_number, 'x'): (
            pki.certificate_fingerprint(vendor_cert),
            unseal.SignerRecord(7, None, None),
        )
    }
    return {
        'p7m': p7m,
        'tender_key': tender_key,
        'ca_cert': material['ca_cert'],
        'records': records,
        'now': now,
    }


class Store:
    def __init__(self, data):
        self.data = data

    def open(self, sha256):
        return io.BytesIO(self.data)


def _examine(world, data, *, stream):
    job = workers.Job(hashlib.sha256(data).hexdigest(), 7, world['now'], TERMS)
    return workers._examine(
        job,
        Store(data),
        world['tender_key'],
        world['ca_cert'],
        world['records'],
        workers.plaintext_buffers(len(data)) if stream else None,
    )


def test_a_good_envelope_opens_on_the_stream_path_alone(world, monkeypatch):
    full = _examine(world, world['p7m'], stream=False)
    assert full.reason is None and full.bid['declared_total'] == '100.00'

    def no_full_path(*args, **kwargs):
        raise AssertionError('the full path was used')

    monkeypatch.setattr(unseal, 'open_bid', no_full_path)
    monkeypatch.setattr(envelope_stream, 'CHUNK', 4096)  # many chunks
    monkeypatch.setattr(envelope_stream, 'HEAD', 1024)  # the headers just fit
    assert _examine(world, world['p7m'], stream=True) == full


def test_the_stream_path_decides_as_the_full_path_on_altered_envelopes(world, monkeypatch):
    monkeypatch.setattr(envelope_stream, 'CHUNK', 64 * 1024)
    good = world['p7m']
    samples = [good[:-1], good[:-17], good + b'\x00', good + b'x' * 70_000, good[:600]]
    rng = random.Random(20261206)
    regions = [(0, 700), (len(good) - 200, len(good)), (0, len(good))]
    for _ in range(150):
        mutated = bytearray(good)
        start, end = rng.choice(regions)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(start, end)] = rng.randrange(256)
        samples.append(bytes(mutated))
    reasons = set()
    for sample in samples:
        full = _examine(world, sample, stream=False)
        assert _examine(world, sample, stream=True) == full, full
        reasons.add(full.reason)
    assert len(reasons) >= 2  # the mutations reach several outcomes


def test_a_mismatching_blob_is_reported_before_anything_else(world):
    job = workers.Job('00' * 32, 7, world['now'], TERMS)
    found = workers._examine(
        job,
        Store(world['p7m']),
        world['tender_key'],
        world['ca_cert'],
        {},
        workers.plaintext_buffers(),
    )
    assert found.detail == 'the stored envelope no longer matches the SHA-256 of its receipt'


def test_checking_in_place_decides_as_checking_the_bytes(world):
    signed = envelope.open_envelope(world['p7m'], world['tender_key'])
    rng = random.Random(6122026)
    samples = [signed, signed[:-1], signed + b'\x00']
    for _ in range(150):
        mutated = bytearray(signed)
        for _ in range(rng.randint(1, 2)):
            at = rng.choice([rng.randrange(200), rng.randrange(len(signed))])
            mutated[at] = rng.randrange(256)
        samples.append(bytes(mutated))
    samples.append(signed[:-3000])  # the signer info cut off

    def decide(data):
        outcome = unseal.check_signed(
            data,
            cek=b'k' * 32,
            ca_cert=world['ca_cert'],
            vendor_user_id=7,
            received_at=world['now'],
            terms=TERMS,
            signer_record=lambda cert: unseal.SignerRecord(7, None, None),
        )
        return (
            outcome.reason,
            outcome.detail,
            outcome.signature_valid,
            outcome.package.bid if outcome.package else None,
            outcome.signer_cert,
        )

    for sample in samples:
        assert decide(memoryview(sample)) == decide(sample)
