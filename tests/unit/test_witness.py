"""`lpse witness` against a real HTTP log: it cosigns a log that only grows, and refuses, naming
why and showing both checkpoints, a log that forks, rolls back, signs with another key or sends
a proof that is not one — leaving its state as it was."""

import json
import os
import stat
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tlog_helpers import ORIGIN, LogServer, TransparencyLog, b64, serve

from lpse import clock
from lpse.console import main
from lpse.crypto import note

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.set_now(NOW)
    yield
    clock.set_now(None)


@pytest.fixture
def witness(tmp_path, capsys):
    """A witness folder with a key, following ORIGIN; returns its cosigner verifier."""
    directory = tmp_path / 'witness'
    assert (
        main(['witness', 'init', '--name', 'inspektorat.example.go.id', '--dir', str(directory)])
        == 0
    )
    vkey = capsys.readouterr().out.strip()
    return directory, note.Verifier.from_vkey(vkey)


@pytest.fixture
def log():
    return TransparencyLog().append(5)


@pytest.fixture
def server(log, witness):
    server = LogServer(log)
    server.witness = witness[1]
    with serve(server) as url:
        server.url = url
        yield server


@pytest.fixture
def following(witness, log, capsys):
    directory, _ = witness
    assert (
        main(
            [
                'witness',
                'add',
                '--origin',
                ORIGIN,
                '--key',
                log.signer.vkey,
                '--dir',
                str(directory),
            ]
        )
        == 0
    )
    capsys.readouterr()
    return directory


def update(directory, server, *extra):
    return main(['witness', 'update', server.url, '--dir', str(directory), *extra])


def state_file(directory):
    (path,) = (directory / 'logs').glob('*.json')
    return path


def stored_text(directory):
    """The checkpoint text of the note the witness stored."""
    stored = json.loads(state_file(directory).read_text())['checkpoint']
    return note.split_note(stored.encode())[0]


def cosigned(capsys, witness_verifier, text):
    """The cosignature line printed, checked against the witness key; its timestamp."""
    line = capsys.readouterr().out
    assert line.startswith('— inspektorat.example.go.id ') and line.endswith('\n')
    return note.verify_cosignature(text, line, witness_verifier)


def test_init_writes_a_private_go_key_and_prints_the_cosigner_vkey(witness):
    directory, verifier = witness
    key_file = directory / 'witness.key'
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    skey = key_file.read_text().strip()
    assert skey.startswith('PRIVATE+KEY+inspektorat.example.go.id+')
    signer = note.Signer.from_skey(skey, note.COSIGNATURE_V1)
    assert signer.verifier == verifier
    assert verifier.alg == note.COSIGNATURE_V1


def test_init_refuses_to_replace_a_key(witness, capsys):
    directory, _ = witness
    before = (directory / 'witness.key').read_text()
    assert main(['witness', 'init', '--name', 'other', '--dir', str(directory)]) == 2
    assert 'already exists' in capsys.readouterr().err
    assert (directory / 'witness.key').read_text() == before


def test_add_needs_the_key_named_after_the_origin(witness, capsys):
    directory, _ = witness
    other = note.Signer('someone.else/log', Ed25519PrivateKey.generate())
    assert (
        main(['witness', 'add', '--origin', ORIGIN, '--key', other.vkey, '--dir', str(directory)])
        == 2
    )
    assert "not 'lpse.example.go.id/audit'" in capsys.readouterr().err
    assert not (directory / 'logs').exists()


def test_the_directory_comes_from_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('LPSE_WITNESS_DIR', str(tmp_path / 'env-witness'))
    assert main(['witness', 'init', '--name', 'w']) == 0
    assert (tmp_path / 'env-witness' / 'witness.key').exists()


def test_first_update_trusts_and_cosigns(witness, following, server, log, capsys):
    assert update(following, server) == 0
    assert cosigned(capsys, witness[1], log.checkpoint_text()) == int(NOW.timestamp())
    assert stored_text(following) == log.checkpoint_text()
    assert server.proof_requests == []


def test_a_grown_log_with_a_valid_proof_is_cosigned_again(witness, following, server, log, capsys):
    assert update(following, server) == 0
    capsys.readouterr()
    log.append(6)
    assert update(following, server) == 0
    cosigned(capsys, witness[1], log.checkpoint_text())
    assert server.proof_requests == [(5, 11)]
    assert stored_text(following) == log.checkpoint_text()


def test_the_same_checkpoint_is_cosigned_again_without_a_proof(
    witness, following, server, log, capsys
):
    assert update(following, server) == 0
    capsys.readouterr()
    assert update(following, server) == 0
    cosigned(capsys, witness[1], log.checkpoint_text())
    assert server.proof_requests == []


def refused(capsys, word, stored_text, offered_text):
    """The refusal names `word` and shows the stored, then the offered, checkpoint."""
    captured = capsys.readouterr()
    assert captured.out == ''
    assert captured.err.startswith(f'lpse witness: {word}: ')
    stored_at = captured.err.index('stored checkpoint:\n' + stored_text)
    offered_at = captured.err.index('offered checkpoint:\n' + offered_text)
    assert stored_at < offered_at


def rewritten(log, size):
    """The same log key over another history of `size` events (event 3 changed)."""
    other = TransparencyLog(log.signer).append(2).append(1, marker=' (diubah)')
    return other.append(size - 3)


@pytest.mark.parametrize(
    ('word', 'offer'),
    [
        ('fork', lambda log: rewritten(log, 5)),
        ('fork', lambda log: rewritten(log, 9)),
        ('rollback', lambda log: TransparencyLog(log.signer).append(4)),
        ('bad signature', lambda log: TransparencyLog().append(6)),
    ],
    ids=['same-size-other-root', 'grown-from-another-history', 'smaller', 'other-key'],
)
def test_a_log_that_misbehaves_is_refused(word, offer, witness, following, server, log, capsys):
    assert update(following, server) == 0
    capsys.readouterr()
    before = state_file(following).read_bytes()
    server.log = offer(log)
    assert update(following, server) == 1
    refused(capsys, word, log.checkpoint_text(), server.log.checkpoint_text())
    assert state_file(following).read_bytes() == before


def test_a_forged_signature_under_the_log_name_is_refused(following, server, log, capsys):
    assert update(following, server) == 0
    capsys.readouterr()
    before = state_file(following).read_bytes()
    grown = TransparencyLog(log.signer).append(6)
    text, [signature] = note.split_note(grown.checkpoint())
    bad = note.Signature(signature.name, signature.key_id, bytes(64))
    server.checkpoint_note = (text + '\n' + bad.line).encode()
    assert update(following, server) == 1
    refused(capsys, 'bad signature', log.checkpoint_text(), grown.checkpoint_text())
    assert state_file(following).read_bytes() == before


@pytest.mark.parametrize(
    'answer',
    [
        b'<html>502 Bad Gateway</html>',
        ['not', 'a', 'dict'],
        {'from': 5, 'to': 8, 'proof': 'AAAA'},
        {'from': 5, 'to': 8, 'proof': ['!!not base64!!']},
        {'from': 5, 'to': 8, 'proof': [b64(bytes(31))]},
        {'from': 5, 'to': 8, 'proof': [7]},
        {'from': 4, 'to': 8, 'proof': [b64(bytes(32))]},
    ],
    ids=['not-json', 'list', 'proof-not-list', 'bad-base64', 'short-hash', 'number', 'other-sizes'],
)
def test_a_garbage_proof_is_refused(answer, following, server, log, capsys):
    assert update(following, server) == 0
    capsys.readouterr()
    before = state_file(following).read_bytes()
    old_text = log.checkpoint_text()
    log.append(3)
    server.proof_answer = answer
    assert update(following, server) == 1
    refused(capsys, 'bad proof', old_text, log.checkpoint_text())
    assert state_file(following).read_bytes() == before


def test_a_well_formed_proof_that_does_not_verify_is_a_fork(following, server, log, capsys):
    assert update(following, server) == 0
    capsys.readouterr()
    before = state_file(following).read_bytes()
    old_text = log.checkpoint_text()
    log.append(3)
    proof = log.consistency(5, 8)
    proof['proof'][0] = b64(bytes(32))
    server.proof_answer = proof
    assert update(following, server) == 1
    refused(capsys, 'fork', old_text, log.checkpoint_text())
    assert state_file(following).read_bytes() == before


def test_an_unknown_log_is_not_trusted_on_first_use(witness, server, capsys):
    directory, _ = witness
    assert update(directory, server) == 2
    assert 'is not trusted; run `lpse witness add`' in capsys.readouterr().err
    assert not (directory / 'logs').exists()


def test_submit_posts_a_cosignature_the_log_accepts(witness, following, server, log, capsys):
    assert update(following, server, '--submit') == 0
    captured = capsys.readouterr()
    assert f'submitted to {server.url}' in captured.err
    [posted] = server.received
    assert posted['checkpoint'] == log.checkpoint_text()
    assert posted['cosignature'] == captured.out
    opened = note.open_note(log.checkpoint(note.parse_signature_line(captured.out)), [witness[1]])
    assert opened.text == log.checkpoint_text()


def test_a_refused_submission_is_reported(witness, following, server, capsys):
    server.witness = note.Signer('w', Ed25519PrivateKey.generate(), note.COSIGNATURE_V1).verifier
    assert update(following, server, '--submit') == 2
    assert 'cosigned, but not submitted' in capsys.readouterr().err
    assert server.received == []


def test_plain_http_to_another_machine_is_refused(following, capsys):
    assert main(['witness', 'update', 'http://lpse.example.go.id', '--dir', str(following)]) == 2
    assert 'plain http' in capsys.readouterr().err


def test_the_state_file_is_replaced_whole(witness, following, server, log, capsys):
    assert update(following, server) == 0
    log.append(2)
    assert update(following, server) == 0
    assert sorted(os.listdir(following / 'logs')) == [state_file(following).name]


def test_an_empty_log_grows_without_a_proof(witness, following, server, capsys):
    server.log = TransparencyLog(server.log.signer)
    assert update(following, server) == 0
    capsys.readouterr()
    server.log.append(3)
    assert update(following, server) == 0
    cosigned(capsys, witness[1], server.log.checkpoint_text())
    assert server.proof_requests == []


def test_a_checkpoint_that_is_not_one_is_refused(following, server, log, capsys):
    assert update(following, server) == 0
    capsys.readouterr()
    before = state_file(following).read_bytes()
    server.checkpoint_note = b'<html>maintenance</html>\n'
    assert update(following, server) == 1
    err = capsys.readouterr().err
    assert err.startswith('lpse witness: bad checkpoint: ')
    assert 'offered checkpoint:\n<html>maintenance</html>\n' in err
    assert 'stored checkpoint' not in err
    assert state_file(following).read_bytes() == before


def test_a_first_checkpoint_by_another_key_is_refused(following, server, capsys):
    server.log = TransparencyLog().append(3)
    assert update(following, server) == 1
    refused(capsys, 'bad signature', '(none yet', server.log.checkpoint_text())
    assert json.loads(state_file(following).read_text())['checkpoint'] is None
