"""The checkpoint and inclusion-proof script of docs/VERIFY.md, run as written with this Python:
it accepts what the log and its witnesses sign and refuses any part changed."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tlog_helpers import TransparencyLog, b64

from lpse.crypto import merkle, note

VERIFY_MD = Path(__file__).resolve().parents[2] / 'docs' / 'VERIFY.md'
INDEX = 5
WITNESS = note.Signer(
    'inspektorat.example.go.id', Ed25519PrivateKey.generate(), note.COSIGNATURE_V1
)


def script() -> str:
    """The ```python block of docs/VERIFY.md that starts with `# verify-log`."""
    for body in re.findall(r'```python\n(.*?)```', VERIFY_MD.read_text(encoding='utf-8'), re.S):
        if body.startswith('# verify-log\n'):
            return body
    raise AssertionError('docs/VERIFY.md has no python block "# verify-log"')


@pytest.fixture(scope='module')
def log():
    return TransparencyLog().append(11)


def honest(log):
    """The files the doc's curl commands fetch, as the log serves them, and the arguments."""
    text = log.checkpoint_text()
    return {
        'checkpoint': log.checkpoint(WITNESS.cosign(text, 1772440200)).decode(),
        'proof': log.inclusion(INDEX, 11),
        'event': log.events[INDEX],
        'log_vkey': log.signer.vkey,
        'witnesses': [WITNESS.vkey],
    }


def run(tmp_path, files):
    (tmp_path / 'verify_log.py').write_text(script(), encoding='utf-8')
    (tmp_path / 'checkpoint.txt').write_text(files['checkpoint'], encoding='utf-8')
    (tmp_path / 'proof.json').write_text(json.dumps(files['proof']), encoding='utf-8')
    (tmp_path / 'event.json').write_text(
        json.dumps(files['event'], ensure_ascii=False), encoding='utf-8'
    )
    args = ['checkpoint.txt', files['log_vkey'], 'proof.json', 'event.json', *files['witnesses']]
    return subprocess.run(
        [sys.executable, 'verify_log.py', *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_script_accepts_a_true_inclusion(tmp_path, log):
    done = run(tmp_path, honest(log))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == (
        f'OK: event seq {INDEX + 1} is leaf {INDEX} of {log.origin} at size 11, witnessed by 1\n'
    )


def resigned_with_root(log, root):
    """A checkpoint the log key really signed, over a tree with another root."""
    text = note.format_checkpoint(log.origin, 11, root)
    return note.sign_note(text, log.signer).decode()


def changed_root(files, log):
    lines = files['checkpoint'].split('\n')
    lines[2] = b64(bytes(32))
    files['checkpoint'] = '\n'.join(lines)


def changed_proof(files, log):
    files['proof']['proof'][1] = b64(bytes(32))


def changed_event(files, log):
    files['event'] = {**files['event'], 'payload': {**files['event']['payload'], 'harga': 1}}


def other_index(files, log):
    files['proof'] = {**log.inclusion(INDEX + 1, 11), 'leaf_hash': files['proof']['leaf_hash']}


def other_log_key(files, log):
    files['checkpoint'] = TransparencyLog().append(11).checkpoint().decode()


def resigned_root(files, log):
    files['checkpoint'] = resigned_with_root(log, merkle.root(log.leaves[:10]))
    files['witnesses'] = []


def short_proof(files, log):
    files['proof']['proof'].pop()


def long_proof(files, log):
    files['proof']['proof'].append(b64(bytes(32)))


def smaller_tree(files, log):
    files['proof'] = log.inclusion(INDEX, 10)


def wrong_witness(files, log):
    other = note.Signer(WITNESS.name, Ed25519PrivateKey.generate(), note.COSIGNATURE_V1)
    files['witnesses'] = [other.vkey]


def changed_cosignature_time(files, log):
    text, signatures = note.split_note(files['checkpoint'].encode())
    cosig = signatures[1]
    later = (1772440201).to_bytes(8, 'big') + cosig.blob[8:]
    forged = note.Signature(cosig.name, cosig.key_id, later)
    files['checkpoint'] = text + '\n' + signatures[0].line + forged.line


def log_key_with_wrong_id(files, log):
    name, key_id, material = files['log_vkey'].split('+', 2)
    files['log_vkey'] = f'{name}+{int(key_id, 16) ^ 1:08x}+{material}'


def key_not_named_after_origin(files, log):
    signer = note.Signer('elsewhere.example/log', log.signer._key)
    files['checkpoint'] = note.sign_note(log.checkpoint_text(), signer).decode()
    files['log_vkey'] = signer.vkey
    files['witnesses'] = []


REFUSALS = [
    (changed_root, 'the signature by lpse.example.go.id/audit does not verify'),
    (changed_proof, 'the event is not in the tree the checkpoint signs'),
    (changed_event, 'the event is not the leaf the proof is for'),
    (other_index, 'the event is not in the tree the checkpoint signs'),
    (other_log_key, 'no signature by lpse.example.go.id/audit'),
    (resigned_root, 'the event is not in the tree the checkpoint signs'),
    (short_proof, 'the event is not in the tree the checkpoint signs'),
    (long_proof, 'the proof is too long or has a bad hash'),
    (smaller_tree, 'the proof is for another tree'),
    (wrong_witness, 'no signature by inspektorat.example.go.id'),
    (changed_cosignature_time, 'the signature by inspektorat.example.go.id does not verify'),
    (log_key_with_wrong_id, 'lpse.example.go.id/audit: wrong key ID in vkey'),
    (key_not_named_after_origin, 'the log key is not named after the checkpoint origin'),
]


@pytest.mark.parametrize(
    ('tamper', 'reason'), REFUSALS, ids=[tamper.__name__ for tamper, _ in REFUSALS]
)
def test_the_script_refuses_anything_changed(tamper, reason, tmp_path, log):
    files = json.loads(json.dumps(honest(log)))
    tamper(files, log)
    done = run(tmp_path, files)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == f'FAILED: {reason}\n'
    assert done.stdout == ''
