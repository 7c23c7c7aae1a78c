"""Why an envelope cannot be opened, each recorded with its reason while the others open:
a key block that does not unwrap with the tender key, an inner signer whose certificate was
revoked before the bid arrived, and an envelope altered at rest."""

import os
from datetime import timedelta

import blob_helpers
import opening_helpers
import pki_helpers
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from lpse import clock
from lpse.bids.permissions import signing_certificate
from lpse.crypto import detached, envelope
from lpse.extensions import db
from lpse.opening.models import OpenedBid
from lpse.tenders.keys import require_key

from .conftest import OTHER_KEY, VENDOR_KEY, make_bid, submit, submit_sealed

REVOKED_KEY = 13


def _results():
    return {r.bid_id: r for r in db.session.scalars(select(OpenedBid))}


def _signed_by(user, key_index, p7m):
    cert = signing_certificate(user, clock.now()).x509
    return detached.sign_detached(p7m, key=pki_helpers.key(key_index), cert=cert)


def test_an_envelope_whose_key_block_is_not_for_the_tender_key(tender, bidder, rival, members):
    """It names the tender certificate (so upload accepts it) but wraps its key for another."""
    tender_cert = require_key(tender).certificate
    inner = envelope.seal(
        make_bid(tender, bidder),
        signer_key=pki_helpers.key(VENDOR_KEY),
        signer_cert=signing_certificate(bidder, clock.now()).x509,
        recipient_cert=tender_cert,
    )
    signed = envelope.open_envelope(inner, _test_key_of(tender_cert))
    cek, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    sealed = AESGCM(cek).encrypt(nonce, signed, None)
    wrapped = pki_helpers.key(OTHER_KEY).public_key().encrypt(cek, envelope.OAEP_SHA256)
    p7m = envelope._build_envelope(tender_cert, wrapped, nonce, sealed).dump()
    odd = submit(tender, bidder, p7m, _signed_by(bidder, VENDOR_KEY, p7m))
    fine = submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = _results()
    assert (rows[odd.id].result, rows[odd.id].reason) == ('not_openable', 'wrong_recipient')
    assert rows[odd.id].signature_valid is None
    assert rows[fine.id].result == 'opened'


def _test_key_of(cert):
    wanted = opening_helpers._spki(cert.public_key())
    return next(
        k
        for k in pki_helpers._cache['keys'].values()
        if opening_helpers._spki(k.public_key()) == wanted
    )


def _sealed_by_old_certificate(tender, bidder):
    """A bid whose inner signature is by an older certificate of the bidder (REVOKED_KEY)."""
    old = pki_helpers.certify(bidder, REVOKED_KEY)
    db.session.commit()
    p7m = envelope.seal(
        make_bid(tender, bidder),
        signer_key=pki_helpers.key(REVOKED_KEY),
        signer_cert=old.x509,
        recipient_cert=require_key(tender).certificate,
    )
    return old, p7m


def test_a_signer_certificate_revoked_before_the_bid_arrived(tender, bidder, rival, members):
    old, p7m = _sealed_by_old_certificate(tender, bidder)
    old.revoked_at = clock.now() - timedelta(seconds=1)
    old.revocation_reason = 'key_compromise'
    db.session.commit()
    revoked = submit(tender, bidder, p7m, _signed_by(bidder, VENDOR_KEY, p7m))
    fine = submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = _results()
    assert (rows[revoked.id].result, rows[revoked.id].reason) == (
        'not_openable',
        'certificate_revoked',
    )
    assert 'key_compromise' in rows[revoked.id].reason_detail
    assert rows[revoked.id].signature_valid is True  # the signature verifies; the cert is revoked
    assert rows[fine.id].result == 'opened'


def test_a_signer_certificate_revoked_after_the_bid_arrived_still_opens(
    tender, bidder, rival, members
):
    """A bid signed with a then-valid certificate stays valid when the key is revoked later
    (between receipt and opening): validity is judged at receipt."""
    old, p7m = _sealed_by_old_certificate(tender, bidder)
    kept = submit(tender, bidder, p7m, _signed_by(bidder, REVOKED_KEY, p7m))
    assert kept.received_at < tender.bid_deadline
    old.revoked_at = kept.received_at + timedelta(seconds=1)
    old.revocation_reason = 'key_compromise'
    db.session.commit()
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = _results()
    assert (rows[kept.id].result, rows[kept.id].reason) == ('opened', None)
    assert rows[kept.id].signature_valid is True


def test_an_envelope_altered_at_rest(tender, bidder, rival, members):
    altered = submit_sealed(tender, bidder, VENDOR_KEY)
    fine = submit_sealed(tender, rival, OTHER_KEY)

    def flip(data):
        data = bytearray(data)
        data[-40] ^= 1
        return bytes(data)

    blob_helpers.tamper(altered.sha256, flip)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = _results()
    assert (rows[altered.id].result, rows[altered.id].reason) == ('not_openable', 'bad_envelope')
    assert 'SHA-256' in rows[altered.id].reason_detail
    assert rows[fine.id].result == 'opened'
