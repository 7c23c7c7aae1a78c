"""Opening tenders in tests through the real ceremony (import as `opening_helpers`).

`open_all(tender, members)` releases the shares of `members` (decrypting each with the member's
key, as `lpse open-share` or the server-held path would) until the ceremony opens, and commits."""

import pki_helpers
from cryptography.hazmat.primitives import serialization

from lpse import clock
from lpse.bids import commitment
from lpse.crypto import keystore, shamir
from lpse.extensions import db
from lpse.opening import shares, state


def member_key(tender, user):
    """The private key the member's share was encrypted to: a server-held key unlocked with
    the test signing passphrase, or the pki_helpers key whose public key the certificate holds."""
    cert = shares.share_certificate(tender, user)
    assert cert is not None, f'{user.email} holds no share of {tender.code}'
    if cert.locked_key is not None:
        return keystore.unlock_private_key(cert.locked_key, pki_helpers.SIGNING_PASSPHRASE)
    wanted = _spki(cert.x509.public_key())
    for key in pki_helpers._cache.get('keys', {}).values():
        if _spki(key.public_key()) == wanted:
            return key
    raise AssertionError(f'no test key matches the certificate of {user.email}')


def decrypted_share(tender, user) -> str:
    """The member's share (SLIP-39 mnemonic), decrypted as `lpse open-share` does at the desk."""
    return shamir.decrypt_share(state.share_of(tender, user).ciphertext, member_key(tender, user))


def release(tender, user, *, now=None, via='cli'):
    """One member's release (committed); returns the ShareRelease row."""
    now = now or clock.now()
    commitment.commit_bid_set(tender, now=now)  # as the release page and the API do first
    row = shares.release_share(tender, user, decrypted_share(tender, user), via=via, now=now)
    db.session.commit()
    return row


def open_all(tender, members, now=None):
    """Run a real opening ceremony of `tender` and return it (committed).

    `tender`: a published tender past its bid deadline, in its opening stage (or, for a
    two-file tender whose File I is opened and whose technical verdicts are set, File II).
    `members`: Pokja members of the tender (User rows); their shares are released in order
    until k are in — pass at least k. Self-held members' keys come from `pki_helpers` (as
    `certify_pokja` made them); server-held ones are unlocked with the test passphrase.
    `now`: the moment of the releases (default `lpse.clock.now()`; the clock is not moved).
    Returns the OpeningCeremony that was opened (an AssertionError if k were not reached)."""
    now = now or clock.now()
    kind = state.pending_kind(tender)
    for user in members:
        release(tender, user, now=now)
        ceremony = state.ceremony_of(tender, kind)
        if ceremony is not None and ceremony.opened_at is not None:
            return ceremony
    raise AssertionError(f'{len(members)} shares did not open the {kind} ceremony')


def _spki(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
