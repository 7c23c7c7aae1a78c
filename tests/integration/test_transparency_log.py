"""The audit log as a Merkle tree: C2SP checkpoints, proofs anyone can fetch and check, witness
cosignatures, and the insider with the database and the system key who rewrites history."""

import base64
import itertools
from datetime import UTC, datetime

import pytest
from ca_fixtures import authority, ca_pki, foreign_pki, locked_keys, signing_config
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from lpse import audit, checkpoints, clock, tlog
from lpse.crypto import merkle, note
from lpse.crypto.errors import ProofError
from lpse.extensions import db

__all__ = ['authority', 'ca_pki', 'foreign_pki', 'locked_keys', 'signing_config']

WITNESS = note.Signer(
    'inspektorat.example.go.id/witness', Ed25519PrivateKey.generate(), alg=note.COSIGNATURE_V1
)


@pytest.fixture
def app_config(signing_config):
    return signing_config | {
        'LPSE_LOG_ORIGIN': 'lpse.example.go.id/log',
        'LPSE_WITNESS_KEYS': (WITNESS.vkey,),
    }


def append(n, actor=None):
    for i in range(n):
        audit.record('test.event', ('thing', i), actor=actor, now=clock.now(), n=i)


def log_verifier():
    return note.Verifier(checkpoints.log_origin(), note.ED25519, _public(checkpoints.log_signer()))


def _public(signer):
    return note.Verifier.from_vkey(signer.vkey).public_key


def fetch_checkpoint(client) -> note.Checkpoint:
    response = client.get('/api/v1/log/checkpoint')
    assert response.status_code == 200 and response.mimetype == 'text/plain'
    opened = note.open_note(response.get_data(), [log_verifier()])
    return note.parse_checkpoint(opened.text)


def b64(text):
    return base64.b64decode(text)


def test_every_leaf_is_proven_in_every_checkpoint_and_each_tree_extends_the_last(
    app, client, authority
):
    sizes = []
    for batch in (1, 4, 11, 21):
        append(batch)
        checkpoints.create_checkpoint('manual', now=clock.now())
        db.session.commit()
        sizes.append(fetch_checkpoint(client))
    records = list(audit.iter_records())
    leaves = [tlog.leaf_hash(audit.canonical_fields(r)) for r in records]
    for cp in sizes:
        assert cp.origin == 'lpse.example.go.id/log'
        assert cp.root == merkle.root(leaves[: cp.size])  # the tree is the events, nothing else
        for index in range(cp.size):
            answer = client.get(f'/api/v1/log/proof/inclusion?index={index}&tree_size={cp.size}')
            assert answer.status_code == 200, answer.get_data(as_text=True)
            proof = answer.get_json()
            assert b64(proof['leaf_hash']) == leaves[index]
            merkle.verify_inclusion(
                leaves[index], index, cp.size, [b64(h) for h in proof['proof']], cp.root
            )
    for old, new in itertools.pairwise(sizes):
        answer = client.get(f'/api/v1/log/proof/consistency?from={old.size}&to={new.size}')
        proof = [b64(h) for h in answer.get_json()['proof']]
        merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)


def test_many_proofs_from_one_fetch_are_the_proofs_one_at_a_time(app, authority, monkeypatch):
    """The bundle's batch: scattered leaves, neighbours, the first and the last, in any order."""
    append(45)
    db.session.commit()
    size = db.session.get(audit.AuditHead, 1).seq
    indexes = [size - 1, 0, 1, 2, 9, 17, 18, 31, 32, 33, size - 2]
    one_by_one = [tlog.inclusion_proof(i, size, size) for i in indexes]
    monkeypatch.setattr(tlog, 'QUERY_BATCH', 2)  # several queries of merged ranges
    assert tlog.inclusion_proofs(indexes, size, size) == one_by_one
    assert tlog.inclusion_proofs([], size, size) == []
    with pytest.raises(tlog.TreeTooSmall):
        tlog.inclusion_proofs([0, size], size, size)


@pytest.mark.parametrize(
    'query',
    [
        'index=0&tree_size=99',
        'index=3&tree_size=3',
        'index=-1&tree_size=3',
        'index=1e3&tree_size=3',
        'index=99999999999999999999&tree_size=3',
        'tree_size=3',
        'index=%00&tree_size=3',
    ],
)
def test_a_proof_beyond_the_log_or_with_a_bad_number_is_a_clear_422(app, client, authority, query):
    append(5)
    db.session.commit()
    answer = client.get(f'/api/v1/log/proof/inclusion?{query}')
    assert answer.status_code in (400, 422)
    assert answer.get_json()['error']['message']
    size = db.session.get(audit.AuditHead, 1).seq
    consistency = client.get(f'/api/v1/log/proof/consistency?from=4&to={size + 1}')
    assert consistency.status_code == 422
    assert client.get('/api/v1/log/proof/consistency?from=0&to=3').status_code == 422


def test_entries_show_events_only_to_who_may_read_them(app, client, authority, users, api_token):
    vendor = users['vendor']
    as_vendor, as_auditor = api_token('vendor'), api_token('auditor')
    append(2)
    append(1, actor=vendor)
    db.session.commit()
    size = db.session.get(audit.AuditHead, 1).seq
    anonymous = client.get(f'/api/v1/log/entries?start=0&end={size}').get_json()['entries']
    assert len(anonymous) == size and {e['event'] for e in anonymous} == {None}
    audited = client.get('/api/v1/log/entries?start=0', headers=as_auditor).get_json()['entries']
    assert [e['index'] for e in audited] == list(range(size))
    for entry in audited:
        record = entry['event']
        assert b64(entry['leaf_hash']) == tlog.leaf_hash(audit.canonical_fields(record))
    mine = client.get('/api/v1/log/entries?start=0', headers=as_vendor).get_json()['entries']
    shown = [e['index'] for e in mine if e['event'] is not None]
    assert shown == [e['index'] for e in audited if e['event']['actor_id'] == vendor.id]
    assert shown and shown[-1] == size - 1  # its own test.event, nobody else's
    assert client.get('/api/v1/log/entries?start=2&end=1').status_code == 422
    assert client.get('/api/v1/log/entries?start=0&end=2000').status_code == 422


def test_a_witness_cosignature_is_kept_and_served_with_the_checkpoint(app, client, authority):
    append(3)
    row = checkpoints.create_checkpoint('manual', now=clock.now())
    db.session.commit()
    body = row.body
    line = WITNESS.cosign(body, 1_790_000_000).line
    answer = client.post('/api/v1/log/cosignatures', json={'checkpoint': body, 'cosignature': line})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    again = client.post('/api/v1/log/cosignatures', json={'checkpoint': body, 'cosignature': line})
    assert again.status_code == 201  # kept once
    served = client.get('/api/v1/log/checkpoint').get_data()
    opened = note.open_note(served, [log_verifier(), WITNESS.verifier])
    assert {s.name for s in opened.verified} == {checkpoints.log_origin(), WITNESS.name}
    db.session.expire_all()
    assert checkpoints.latest_checkpoint().witness_count == 1
    stranger = note.Signer(
        'someone.example/witness', Ed25519PrivateKey.generate(), alg=note.COSIGNATURE_V1
    )
    for bad in (
        {'checkpoint': body, 'cosignature': stranger.cosign(body, 1_790_000_000).line},
        {'checkpoint': body, 'cosignature': line.replace(line.split()[-1][:8], 'AAAAAAAA')},
        {'checkpoint': body.replace(f'\n{row.seq}\n', f'\n{row.seq - 1}\n'), 'cosignature': line},
        {'checkpoint': body, 'cosignature': 'not a line'},
    ):
        refused = client.post('/api/v1/log/cosignatures', json=bad)
        assert refused.status_code == 422, bad
        assert refused.get_json()['error']['code'] == 'cosignature_refused'


def stamp(record):
    return datetime.strptime(record['occurred_at'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=UTC)


def rewrite_history(delete_seq):
    """The insider with the database and the system key: delete one event in the middle,
    renumber and rechain every later one, rebuild the whole tree and the head, and sign a new
    checkpoint for the rewritten history with the instance's own key."""
    dialect = db.engine.dialect.name
    db.session.commit()
    kept = [r for r in audit.iter_records() if r['seq'] != delete_seq]
    db.session.rollback()
    with db.engine.begin() as conn:
        for table in ('audit_event', 'audit_tree_node'):
            if dialect == 'postgresql':
                conn.execute(text(f'ALTER TABLE {table} DISABLE TRIGGER USER'))
            else:
                conn.execute(text(f'DROP TRIGGER IF EXISTS {table}_no_update'))
                conn.execute(text(f'DROP TRIGGER IF EXISTS {table}_no_delete'))
        conn.execute(text('DELETE FROM audit_event'))
        conn.execute(text('DELETE FROM audit_tree_node'))
        prev, edge = audit.GENESIS_HASH, b''
        for index, record in enumerate(kept):
            fields = audit.canonical_fields(record) | {'seq': index + 1}
            new = audit.chain_hash(prev, fields)
            conn.execute(
                audit.AuditEvent.__table__.insert(),
                {**fields, 'occurred_at': stamp(record), 'prev_hash': prev, 'hash': new},
            )
            nodes, edge = tlog.append(index, edge, tlog.leaf_hash(fields))
            for level, idx, value in nodes:
                conn.execute(
                    tlog.AuditTreeNode.__table__.insert(),
                    {'level': level, 'idx': idx, 'hash': value},
                )
            prev = new
        conn.execute(
            text('UPDATE audit_head SET seq = :s, hash = :h, frontier = :f WHERE id = 1'),
            {'s': len(kept), 'h': prev, 'f': edge},
        )
    append(1)  # the log goes on, so the new checkpoint is larger than the witnessed one
    checkpoints.create_checkpoint('manual', now=clock.now())
    db.session.commit()


def test_an_event_altered_in_place_no_longer_proves_its_inclusion(app, client, authority):
    """The tree stores no subtree under eight leaves: a proof hashes its block's events again,
    so an edit of one event (even with the triggers off) breaks its proof and its neighbours'."""
    append(19)
    checkpoints.create_checkpoint('manual', now=clock.now())
    db.session.commit()
    cp = fetch_checkpoint(client)
    index = 10  # inside the second block of eight

    def proven(i):
        answer = client.get(f'/api/v1/log/proof/inclusion?index={i}&tree_size={cp.size}')
        proof = answer.get_json()
        try:
            merkle.verify_inclusion(
                b64(proof['leaf_hash']), i, cp.size, [b64(h) for h in proof['proof']], cp.root
            )
        except ProofError:
            return False
        return True

    assert all(proven(i) for i in range(cp.size))
    with db.engine.begin() as conn:
        if db.engine.dialect.name == 'postgresql':
            conn.execute(text('ALTER TABLE audit_event DISABLE TRIGGER USER'))
        else:
            conn.execute(text('DROP TRIGGER IF EXISTS audit_event_no_update'))
        conn.execute(
            text('UPDATE audit_event SET payload = :payload WHERE seq = :seq'),
            {'payload': '{"n":999}', 'seq': index + 1},
        )
    assert not proven(index)
    assert not proven(index ^ 1)  # its sibling's proof carries the altered leaf
    assert proven(0) and proven(cp.size - 1)  # other blocks are untouched


def test_the_insider_who_rewrites_history_and_resigns_is_caught_by_a_witness(
    app, client, authority, users, api_token
):
    vendor, token = users['vendor'], api_token('vendor')
    append(4)
    audit.record('bid.submitted', ('bid', 1), actor=vendor, now=clock.now(), sha256='ab' * 32)
    append(4)
    checkpoints.create_checkpoint('bid.submitted', now=clock.now())
    db.session.commit()
    # The witness sees and keeps the checkpoint; the vendor keeps its event and a proof.
    witnessed = fetch_checkpoint(client)
    index = (
        db.session.scalar(
            db.select(audit.AuditEvent.seq).where(audit.AuditEvent.action == 'bid.submitted')
        )
        - 1
    )
    own = client.get(f'/api/v1/log/entries?start={index}&end={index + 1}', headers=token)
    event = own.get_json()['entries'][0]['event']
    kept_proof = client.get(f'/api/v1/log/proof/inclusion?index={index}&tree_size={witnessed.size}')
    kept_proof = [b64(h) for h in kept_proof.get_json()['proof']]

    rewrite_history(delete_seq=index - 1)  # an event just before the vendor's

    offered = fetch_checkpoint(client)  # signed by the instance's real key: it verifies
    assert offered.size >= witnessed.size
    answer = client.get(f'/api/v1/log/proof/consistency?from={witnessed.size}&to={offered.size}')
    proof = [b64(h) for h in answer.get_json()['proof']]
    with pytest.raises(ProofError):  # the witness cries "fork"
        merkle.verify_consistency(witnessed.size, offered.size, witnessed.root, offered.root, proof)
    # The vendor proves its event was in the witnessed log, whatever the log says now.
    leaf = tlog.leaf_hash(audit.canonical_fields(event))
    merkle.verify_inclusion(leaf, index, witnessed.size, kept_proof, witnessed.root)
    today = client.get(f'/api/v1/log/entries?start={index}&end={index + 1}').get_json()
    assert b64(today['entries'][0]['leaf_hash']) != leaf  # the log no longer holds it there


def test_the_clock_cuts_a_checkpoint_while_the_log_grows_and_not_when_it_does_not(app, authority):
    from datetime import timedelta

    runner = app.test_cli_runner()
    start = clock.now()
    append(2)
    db.session.commit()
    first = runner.invoke(args=['lpse', 'tick'])
    assert first.exit_code == 0 and 'checkpoint' in first.output, first.output
    append(1)
    db.session.commit()
    size = db.session.get(audit.AuditHead, 1).seq
    clock.set_now(start + timedelta(minutes=9))
    assert 'checkpoint' not in runner.invoke(args=['lpse', 'tick']).output  # not yet due
    clock.set_now(start + timedelta(minutes=11))
    assert f'tree size {size}' in runner.invoke(args=['lpse', 'tick']).output
    clock.set_now(start + timedelta(minutes=30))
    assert 'checkpoint' not in runner.invoke(args=['lpse', 'tick']).output  # nothing new
    assert checkpoints.latest_checkpoint().reason == 'scheduled'


def tree_state():
    db.session.commit()
    nodes = sorted(db.session.execute(text('SELECT level, idx, hash FROM audit_tree_node')).all())
    head = db.session.execute(text('SELECT seq, frontier FROM audit_head')).first()
    return [(r[0], r[1], bytes(r[2])) for r in nodes], (head[0], bytes(head[1]))


def test_the_migration_builds_the_same_tree_the_appends_built(app, authority):
    from flask_migrate import downgrade, upgrade

    for size in (7, 4, 5, 9):  # logs ending inside a block of eight and on a block boundary
        append(size)
        db.session.commit()
        before = tree_state()
        db.session.remove()
        downgrade(revision='h1e000000009')
        upgrade()
        assert tree_state() == before
    assert before[0]  # 32 events: subtrees of eight and more were stored


def test_a_witness_cosigns_the_real_log_and_cries_fork_at_the_rewrite(
    app, authority, live_server, tmp_path, capsys
):
    from lpse.console import main

    folder = str(tmp_path / 'witness')
    assert main(['witness', 'init', '--name', 'inspektorat.example.go.id', '--dir', folder]) == 0
    app.config['LPSE_WITNESS_KEYS'] = (capsys.readouterr().out.strip(),)
    log_key = checkpoints.log_signer().vkey
    assert (
        main(
            [
                'witness',
                'add',
                '--origin',
                checkpoints.log_origin(),
                '--key',
                log_key,
                '--dir',
                folder,
            ]
        )
        == 0
    )
    capsys.readouterr()

    def witness_update():
        code = main(['witness', 'update', live_server, '--dir', folder, '--submit'])
        return code, capsys.readouterr()

    for batch in (5, 6):
        append(batch)
        checkpoints.create_checkpoint('manual', now=clock.now())
        db.session.commit()
        code, out = witness_update()
        assert code == 0, out.err
        assert out.out.startswith('— inspektorat.example.go.id ')
    db.session.expire_all()
    assert checkpoints.latest_checkpoint().witness_count == 1  # kept by the instance

    rewrite_history(delete_seq=3)
    code, out = witness_update()
    assert code == 1
    assert 'fork' in out.err and 'stored checkpoint' in out.err and 'offered checkpoint' in out.err


def test_verify_audit_recomputes_the_merkle_roots_of_the_signed_tree_checkpoints(
    app, client, authority, ca_pki, tmp_path, capsys
):
    import json

    from cryptography.hazmat.primitives import serialization

    from lpse.console import main
    from lpse.crypto.canonical import canonical_json

    append(6)
    checkpoints.create_checkpoint('manual', now=clock.now())
    db.session.commit()
    saved = json.loads(client.get('/audit/checkpoints.json').get_data())
    saved['checkpoints'] = []  # only the tree heads: the signed chain checkpoints are not kept
    cps, ca, export = tmp_path / 'cps.json', tmp_path / 'ca.pem', tmp_path / 'audit.jsonl'
    cps.write_text(json.dumps(saved), 'utf-8')
    ca.write_bytes(ca_pki.ca_cert.public_bytes(serialization.Encoding.PEM))

    def verify():
        export.write_text(''.join(canonical_json(r) + '\n' for r in audit.iter_records()), 'utf-8')
        db.session.rollback()
        return main(
            [
                'verify-audit',
                str(export),
                '--checkpoints',
                str(cps),
                '--ca',
                str(ca),
                '--log-key',
                checkpoints.log_signer().vkey,
            ]
        )

    assert verify() == 0
    assert 'Merkle roots recomputed' in capsys.readouterr().out
    rewrite_history(delete_seq=4)  # a consistent chain again, every hash recomputed
    assert verify() == 1
    assert 'Merkle root of the first' in capsys.readouterr().err
