"""k-of-n custody of the tender key, from publication to the opening ceremony."""

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpse.crypto import envelope, pki, shamir
from lpse.crypto.errors import (
    CorruptShare,
    MalformedKeyBlob,
    MismatchedShares,
    ShareCommitmentMismatch,
    ShareError,
    TooFewShares,
    WrongKeyUsage,
    WrongTenderSecret,
)

SECRET = bytes(range(32))


@pytest.fixture(scope='module')
def shares():
    return shamir.split_secret(SECRET, 3, 5)


def replace_word(mnemonic: str, at: int) -> str:
    words = mnemonic.split()
    words[at] = 'academic' if words[at] != 'academic' else 'acid'
    return ' '.join(words)


def test_shares_are_33_word_key_cards(shares):
    assert len(shares) == 5
    assert {len(s.split()) for s in shares} == {33}


def test_every_k_subset_rebuilds_the_secret(shares):
    for subset in itertools.combinations(shares, 3):
        assert shamir.combine_shares(list(subset)) == SECRET


def test_more_than_k_shares_also_rebuild_it(shares):
    assert shamir.combine_shares(shares) == SECRET


@settings(max_examples=10, deadline=None)
@given(secret=st.binary(min_size=32, max_size=32), n=st.integers(2, 7), data=st.data())
def test_any_threshold_round_trips(secret, n, data):
    k = data.draw(st.integers(2, n))
    picked = data.draw(st.permutations(shamir.split_secret(secret, k, n)))[:k]
    assert shamir.combine_shares(picked) == secret


def test_k_minus_one_shares_are_not_enough(shares):
    with pytest.raises(TooFewShares, match='2 distinct shares given; 3 are needed'):
        shamir.combine_shares(shares[:2])


def test_a_repeated_share_does_not_count_twice(shares):
    with pytest.raises(TooFewShares):
        shamir.combine_shares([shares[0], shares[0], shares[1]])


def test_no_shares_at_all():
    with pytest.raises(TooFewShares):
        shamir.combine_shares([])


@pytest.mark.parametrize('at', [0, 5, 20, 32])
def test_a_corrupted_word_is_rejected_naming_the_share(shares, at):
    with pytest.raises(CorruptShare, match='share 2'):
        shamir.combine_shares([shares[0], replace_word(shares[1], at), shares[2]])


def test_an_unknown_word_is_rejected(shares):
    with pytest.raises(CorruptShare, match='share 1'):
        shamir.combine_shares([shares[0].replace(shares[0].split()[7], 'rupiah', 1), *shares[1:3]])


def test_shares_of_different_splits_are_rejected(shares):
    other = shamir.split_secret(os.urandom(32), 3, 5)
    with pytest.raises(MismatchedShares, match='different splits'):
        shamir.combine_shares([shares[0], shares[1], other[2]])


@pytest.mark.parametrize(('k', 'n'), [(0, 3), (4, 3), (2, 17), (1, 3)])
def test_impossible_thresholds_are_refused(k, n):
    with pytest.raises(ValueError, match='cannot split'):
        shamir.split_secret(SECRET, k, n)


def test_a_protected_tender_key_recovers_only_with_its_secret(tender):
    blob, secret = shamir.protect_tender_key(tender.key)
    assert len(secret) == 32
    assert pki.key_matches_certificate(shamir.recover_tender_key(blob, secret), tender.cert)
    with pytest.raises(WrongTenderSecret):
        shamir.recover_tender_key(blob, bytes(32))
    with pytest.raises(MalformedKeyBlob):
        shamir.recover_tender_key(b'junk' + blob, secret)


def test_a_share_encrypted_to_a_member_decrypts_only_with_their_key(shares, pokja, tender):
    ciphertext = shamir.encrypt_share(shares[0], pokja.cert)
    assert len(ciphertext) == 384
    assert shamir.decrypt_share(ciphertext, pokja.key) == shares[0]
    with pytest.raises(ShareError):
        shamir.decrypt_share(ciphertext, tender.key)


def test_shares_are_not_encrypted_to_signing_only_certificates(shares, vendor):
    with pytest.raises(WrongKeyUsage):
        shamir.encrypt_share(shares[0], vendor.cert)


def test_commitments_catch_a_swapped_share(shares):
    commitments = {
        member: shamir.share_commitment(share, context=f'10001/{member}')
        for member, share in zip(('ani', 'budi'), shares, strict=False)
    }
    shamir.check_share(shares[0], commitments['ani'], context='10001/ani')
    with pytest.raises(ShareCommitmentMismatch, match='10001/ani'):
        shamir.check_share(shares[1], commitments['ani'], context='10001/ani')
    with pytest.raises(ShareCommitmentMismatch):
        shamir.check_share(shares[0], commitments['ani'], context='10002/ani')


def test_a_retyped_key_card_still_matches_its_commitment(shares):
    commitment = shamir.share_commitment(shares[0], context='10001/ani')
    retyped = '  ' + shares[0].upper().replace(' ', '\n') + ' '
    shamir.check_share(retyped, commitment, context='10001/ani')
    assert shamir.combine_shares([retyped, *shares[1:3]]) == SECRET


def test_the_whole_custody_cycle_opens_a_bid(tender, pokja, vendor, ca):
    """Publication → shares to members → deadline → k members release → bids open."""
    blob, secret = shamir.protect_tender_key(tender.key)
    cards = shamir.split_secret(secret, 2, 3)
    stored = [
        (shamir.encrypt_share(c, pokja.cert), shamir.share_commitment(c, context=f'T/{i}'))
        for i, c in enumerate(cards)
    ]
    sealed = envelope.seal(
        b'bid', signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=tender.cert
    )
    released = []
    for i, (ciphertext, commitment) in list(enumerate(stored))[1:]:
        share = shamir.decrypt_share(ciphertext, pokja.key)
        shamir.check_share(share, commitment, context=f'T/{i}')
        released.append(share)
    key = shamir.recover_tender_key(blob, shamir.combine_shares(released))
    assert pki.key_matches_certificate(key, tender.cert)
    inner = envelope.open_envelope(sealed, key)
    assert envelope.verify_signed_data(inner, ca_cert=ca.cert).content == b'bid'
