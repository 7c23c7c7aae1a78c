"""C2SP signed notes, checkpoints and cosignatures, against Go's and the specs' vectors."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lpse.crypto import merkle, note
from lpse.crypto.errors import (
    MalformedCheckpoint,
    MalformedNote,
    NoteError,
    NoteSignatureInvalid,
    NoteUnverified,
)

# golang.org/x/mod sumdb/note/note_test.go
PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'
TEXT = (
    'If you think cryptography is the answer to your problem,\n'
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp'
    'RZb6KE6RyyBwJnAM=\n'
)
ENOCH_SIG = (
    '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox3'
    '3WWd1RvMc+QQ=\n'
)
# c2sp.org/signed-note §Verifier keys, Example
FOO_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'
FOO_NOTE = (
    'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2O'
    'NncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n'
)
# c2sp.org/tlog-checkpoint and tlog-cosignature examples (no keys published for these)
SOFA_TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'
SOFA_WITNESS_LINE = (
    '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJs'
    'X3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n'
)
# transparency-dev/formats note/note_cosigv1_test.go
REMORA_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2'
TEST_VKEY = 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6'
FORMATS_COSIG = (
    'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEB'
    'YJXORmnFBOBA=='
)

peter = note.Verifier.from_vkey(PETER_VKEY)
enoch = note.Verifier.from_vkey(ENOCH_VKEY)


def key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


LOG = note.Signer('lpse.example/audit', key(1))
WITNESS = note.Signer('inspektorat.example/w1', key(2), note.COSIGNATURE_V1)
CHECKPOINT = note.format_checkpoint('lpse.example/audit', 3, merkle.leaf_hash(b'x'))


def test_go_signer_key_and_signature_are_reproduced():
    signer = note.Signer.from_skey(PETER_SKEY)
    assert (signer.name, signer.key_id, signer.vkey) == ('PeterNeumann', 0xC74F20A3, PETER_VKEY)
    assert note.sign_note(TEXT, signer) == (TEXT + '\n' + PETER_SIG).encode()


def test_go_vkeys_and_spec_vkeys_round_trip():
    for vkey in (PETER_VKEY, ENOCH_VKEY, FOO_VKEY, TEST_VKEY, REMORA_VKEY):
        assert note.Verifier.from_vkey(vkey).vkey == vkey
    assert note.Verifier.from_vkey(REMORA_VKEY).alg == note.COSIGNATURE_V1


def test_key_id_is_the_truncated_hash_of_name_type_and_key():
    assert note.key_id('PeterNeumann', note.ED25519, peter.public_key) == 0xC74F20A3
    assert WITNESS.key_id != note.Signer('inspektorat.example/w1', key(2)).key_id


def test_every_mangled_vkey_is_refused():
    """Go's TestNewVerifier: every proper substring and every byte incremented by one."""
    mangled = {
        PETER_VKEY[i:j]
        for i in range(len(PETER_VKEY))
        for j in range(i + 1, len(PETER_VKEY) + 1)
        if (i, j) != (0, len(PETER_VKEY))
    }
    mangled |= {
        PETER_VKEY[:i] + chr(ord(PETER_VKEY[i]) + 1) + PETER_VKEY[i + 1 :]
        for i in range(len(PETER_VKEY))
    }
    mangled |= {
        # wrong length key and unknown algorithm, each with its key ID adjusted
        'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
        'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
        'PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    }
    for vkey in mangled:
        with pytest.raises(MalformedNote):
            note.Verifier.from_vkey(vkey)


def test_every_mangled_skey_is_refused():
    for i in range(len(PETER_SKEY)):
        with pytest.raises(MalformedNote):
            note.Signer.from_skey(
                PETER_SKEY[:i] + chr(ord(PETER_SKEY[i]) + 1) + PETER_SKEY[i + 1 :]
            )
        with pytest.raises(MalformedNote):
            note.Signer.from_skey(PETER_SKEY[i + 1 :])


def test_open_go_note_with_one_known_key():
    opened = note.open_note((TEXT + '\n' + PETER_SIG + ENOCH_SIG).encode(), [peter])
    assert opened.text == TEXT
    assert [(s.name, s.key_id) for s in opened.verified] == [('PeterNeumann', 0xC74F20A3)]
    assert [(s.name, s.key_id) for s in opened.unverified] == [('EnochRoot', 0xAF0CFE78)]


def test_open_go_note_with_both_keys_and_the_spec_example():
    opened = note.open_note((TEXT + '\n' + PETER_SIG + ENOCH_SIG).encode(), [enoch, peter])
    assert [s.name for s in opened.verified] == ['PeterNeumann', 'EnochRoot']
    assert opened.unverified == []
    foo = note.open_note(FOO_NOTE.encode(), [note.Verifier.from_vkey(FOO_VKEY)])
    assert foo.text == 'This is an example message.\n'


def test_a_note_by_unknown_keys_only_is_not_trusted():
    with pytest.raises(NoteUnverified, match='no signature'):
        note.open_note((TEXT + '\n' + PETER_SIG + ENOCH_SIG).encode(), [])


def test_a_known_key_whose_signature_fails_rejects_the_note():
    broken = PETER_SIG[:60] + 'ABCD' + PETER_SIG[60:]
    with pytest.raises(NoteSignatureInvalid, match='PeterNeumann'):
        note.open_note((TEXT + '\n' + broken).encode(), [peter])
    with pytest.raises(NoteSignatureInvalid):
        note.open_note((TEXT.replace('answer', 'Answer') + '\n' + PETER_SIG).encode(), [peter])


def test_duplicate_and_unknown_lines_are_kept_once():
    enoch_abcd = ENOCH_SIG[:60] + 'ABCD' + ENOCH_SIG[60:]
    message = TEXT + '\n' + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    opened = note.open_note(message.encode(), [peter])
    assert len(opened.verified) == 1
    assert [s.line for s in opened.unverified] == [ENOCH_SIG, enoch_abcd]


def test_two_different_keys_with_one_name_and_id_are_a_configuration_error():
    with pytest.raises(ValueError, match='share the name'):
        note._index([peter, note.Verifier.from_vkey(PETER_VKEY), _same_id_other_key(peter)])


def _same_id_other_key(verifier):
    """A verifier that claims another's (name, key ID) with a different key."""

    class Impostor(note.Verifier):
        @property
        def key_id(self) -> int:
            return verifier.key_id

    return Impostor(verifier.name, verifier.alg, bytes(32))


@pytest.mark.parametrize(
    ('message', 'reason'),
    [
        (TEXT, 'no blank line'),
        (TEXT + '\n', 'must end with a signature line'),
        (TEXT + '\n' + PETER_SIG[:-1], 'must end with a signature line'),
        ('\x01' + TEXT + '\n' + PETER_SIG, 'control character'),
        (TEXT + '\t\n' + PETER_SIG, 'control character'),
        (
            TEXT
            + '\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq'
            'fqdngotpRZb6KE6RyyBwJnAM=\n',
            'base64',
        ),
        (TEXT + '\n' + PETER_SIG + 'Unexpected line.\n', 'not a signature line'),
        (TEXT + '\n' + PETER_SIG * 101, 'more than 100'),
        (TEXT + '\n— PeterNeumann\n', 'too short'),
        (TEXT + '\n— PeterNeumann AAAA\n', 'too short'),
        (TEXT + '\n— Peter+Neumann ' + PETER_SIG.split()[-1] + '\n', 'bad key name'),
        (TEXT + '\n-- PeterNeumann ' + PETER_SIG.split()[-1] + '\n', 'not a signature line'),
        (TEXT + '\n' + PETER_SIG + '\n', 'must end with a signature line'),
    ],
)
def test_malformed_notes_are_refused_with_a_reason(message, reason):
    with pytest.raises(MalformedNote, match=reason):
        note.open_note(message.encode(), [peter])


def test_a_note_that_is_not_utf8_is_refused():
    with pytest.raises(MalformedNote, match='UTF-8'):
        note.open_note(b'\xff' + (TEXT + '\n' + PETER_SIG).encode(), [peter])


def test_text_may_hold_empty_lines_and_is_cut_at_the_last_one():
    text = 'a\n\nb\n\n'
    opened = note.open_note(note.sign_note(text, LOG), [LOG.verifier])
    assert opened.text == text


@pytest.mark.parametrize('text', ['no newline', 'bell\x07\n', ''])
def test_signing_refuses_a_text_no_verifier_could_open(text):
    with pytest.raises(MalformedNote):
        note.sign_note(text, LOG)


def test_checkpoint_round_trip_and_spec_example():
    sofa = note.parse_checkpoint(SOFA_TEXT)
    assert (sofa.origin, sofa.size, sofa.extensions) == (
        'example.com/behind-the-sofa',
        20852163,
        (),
    )
    assert sofa.text == SOFA_TEXT
    with_ext = note.format_checkpoint('o', 0, merkle.empty_root(), ['ext a', 'ext b'])
    assert with_ext == 'o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next a\next b\n'
    assert note.parse_checkpoint(with_ext).extensions == ('ext a', 'ext b')


ROOT64 = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='


@pytest.mark.parametrize(
    ('text', 'reason'),
    [
        (SOFA_TEXT[:-1], 'ends with a newline'),
        ('origin\n5\n', 'an origin, a size and a root'),
        (f'\n5\n{ROOT64}\n', 'origin is empty'),
        (f'o\n05\n{ROOT64}\n', 'zero padding'),
        (f'o\n-5\n{ROOT64}\n', 'zero padding'),
        (f'o\n+5\n{ROOT64}\n', 'zero padding'),
        (f'o\n٥\n{ROOT64}\n', 'zero padding'),
        (f'o\n{2**63}\n{ROOT64}\n', 'zero padding'),
        (f'o\n5\n{ROOT64[:-1]}\n', 'base64 SHA-256'),
        (f'o\n5\n{ROOT64[:-2]}J=\n', 'base64 SHA-256'),
        (f'o\n5\n{base64.b64encode(bytes(31)).decode()}\n', 'base64 SHA-256'),
        (f'o\n5\n{ROOT64}\n\n', 'extension line is empty'),
        (f'o\n5\n{ROOT64}\next\x00\n', 'control character'),
    ],
)
def test_malformed_checkpoints_are_refused_with_a_reason(text, reason):
    with pytest.raises(MalformedCheckpoint, match=reason):
        note.parse_checkpoint(text)


@pytest.mark.parametrize(
    'args', [('', 1, bytes(32)), ('o', -1, bytes(32)), ('o', 1, bytes(31)), ('o\nx', 1, bytes(32))]
)
def test_formatting_an_impossible_checkpoint_is_a_programming_error(args):
    with pytest.raises(ValueError):
        note.format_checkpoint(*args)


def test_cosignature_round_trip_in_a_note():
    cosignature = WITNESS.cosign(CHECKPOINT, 1_700_000_000)
    assert cosignature.line.startswith('— inspektorat.example/w1 ')
    assert len(base64.b64decode(cosignature.line.split()[-1])) == 4 + 8 + 64
    assert note.verify_cosignature(CHECKPOINT, cosignature.line, WITNESS.verifier) == 1_700_000_000
    signed = note.sign_note(CHECKPOINT, LOG, cosignatures=[cosignature])
    opened = note.open_note(signed, [LOG.verifier, WITNESS.verifier])
    assert [(s.name, s.timestamp) for s in opened.verified] == [
        ('lpse.example/audit', None),
        ('inspektorat.example/w1', 1_700_000_000),
    ]
    # Without the witness's key its line is simply not verified.
    assert note.open_note(signed, [LOG.verifier]).unverified == [cosignature]


def test_cosignature_signs_the_spec_message():
    cosignature = WITNESS.cosign(CHECKPOINT, 1679315147)
    message = b'cosignature/v1\ntime 1679315147\n' + CHECKPOINT.encode()
    key(2).public_key().verify(cosignature.blob[8:], message)
    assert note.cosignature_message(CHECKPOINT, 1679315147) == message


def test_spec_and_formats_cosignature_lines_carry_their_timestamps():
    """The tlog-cosignature example and transparency-dev/formats' TestCoSigV1Timestamp."""
    sofa = note.parse_signature_line(SOFA_WITNESS_LINE)
    assert int.from_bytes(sofa.blob[:8], 'big') == 1679315147
    formats = note.parse_signature_line(f'— w {FORMATS_COSIG}')
    assert int.from_bytes(formats.blob[:8], 'big') == 1727964367


@pytest.mark.parametrize(
    'tamper',
    [
        lambda text, line: (text.replace('\n3\n', '\n4\n'), line),
        lambda text, line: (text, line.replace('AAAA', 'AAAB', 1)),
        lambda text, line: (text + 'extension\n', line),
    ],
)
def test_altered_cosignatures_are_refused(tamper):
    text, line = tamper(CHECKPOINT, WITNESS.cosign(CHECKPOINT, 1_700_000_000).line)
    with pytest.raises(NoteError):
        note.verify_cosignature(text, line, WITNESS.verifier)


def test_a_timestamp_swapped_into_a_cosignature_is_refused():
    good = WITNESS.cosign(CHECKPOINT, 1_700_000_000)
    moved = note.Signature(
        good.name, good.key_id, (1_700_000_001).to_bytes(8, 'big') + good.blob[8:]
    )
    with pytest.raises(NoteSignatureInvalid):
        note.verify_cosignature(CHECKPOINT, moved, WITNESS.verifier)


def test_a_cosignature_by_another_witness_or_type_is_not_this_witness():
    other = note.Signer('other.example/w2', key(3), note.COSIGNATURE_V1)
    with pytest.raises(NoteUnverified):
        note.verify_cosignature(CHECKPOINT, other.cosign(CHECKPOINT, 1), WITNESS.verifier)
    same_key_plain = note.Signer(WITNESS.name, key(2)).sign(CHECKPOINT)
    with pytest.raises(NoteUnverified):
        note.verify_cosignature(CHECKPOINT, same_key_plain, WITNESS.verifier)
    with pytest.raises(ValueError):
        note.verify_cosignature(CHECKPOINT, same_key_plain, LOG.verifier)


def test_signers_are_used_for_their_own_type_only():
    with pytest.raises(ValueError, match='cosigner'):
        note.sign_note(CHECKPOINT, WITNESS)
    with pytest.raises(ValueError, match='not a cosigner'):
        LOG.cosign(CHECKPOINT, 1)
    with pytest.raises(ValueError, match='out of range'):
        WITNESS.cosign(CHECKPOINT, 2**63)
    with pytest.raises(MalformedCheckpoint):
        WITNESS.cosign('not a checkpoint\n', 1)
    with pytest.raises(ValueError, match='at least one'):
        note.sign_note(CHECKPOINT)
