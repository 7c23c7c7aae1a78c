"""The audit log: hash chain, tamper detection, gap-free seq under concurrent writers, CLI."""

import itertools
import json
import threading

import pytest
from sqlalchemy import text

from lpse import audit, clock
from lpse.audit import AuditEvent
from lpse.console import main as lpse_main
from lpse.extensions import db


def append(n, action='test.event'):
    for i in range(n):
        audit.record(action, ('thing', i), actor=None, now=clock.now(), ip='192.0.2.1', n=i)
    db.session.commit()


@pytest.fixture
def tamper(app):
    """Run raw SQL as the superuser attacker would: with the append-only triggers out of the way."""
    dialect = db.engine.dialect.name

    def run(sql, **params):
        with db.engine.begin() as conn:
            if dialect == 'postgresql':
                conn.execute(text('ALTER TABLE audit_event DISABLE TRIGGER USER'))
            else:
                conn.execute(text('DROP TRIGGER IF EXISTS audit_event_no_update'))
                conn.execute(text('DROP TRIGGER IF EXISTS audit_event_no_delete'))
            conn.execute(text(sql), params)
            if dialect == 'postgresql':
                conn.execute(text('ALTER TABLE audit_event ENABLE TRIGGER USER'))

    return run


def test_chain_verifies(app):
    append(5)
    result = audit.verify_database()
    assert result.ok and result.count == 5
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))


def test_the_table_refuses_update_and_delete(app):
    append(2)
    for sql in (
        "UPDATE audit_event SET action = 'x' WHERE seq = 1",
        'DELETE FROM audit_event WHERE seq = 2',
    ):
        with pytest.raises(Exception, match='append-only'), db.engine.begin() as conn:
            conn.execute(text(sql))


@pytest.mark.parametrize(
    ('sql', 'bad_seq'),
    [
        ('UPDATE audit_event SET payload = \'{"n": 99}\' WHERE seq = 3', 3),
        ("UPDATE audit_event SET actor_ip = '198.51.100.7' WHERE seq = 4", 4),
        ('DELETE FROM audit_event WHERE seq = 3', 3),
        ('DELETE FROM audit_event WHERE seq = 6', 6),  # the last one: the head disagrees
    ],
)
def test_edit_and_delete_are_detected(app, tamper, sql, bad_seq):
    append(6)
    tamper(sql)
    result = audit.verify_database()
    assert not result.ok
    assert result.first_bad_seq == bad_seq


def test_insert_is_detected(app, tamper):
    append(4)
    # Shift seq 3.. up by one and insert a forged event at 3, recomputing its own hash.
    forged = {
        'seq': 3,
        'occurred_at': '2026-01-01T00:00:00.000000Z',
        'actor_id': None,
        'actor_ip': None,
        'action': 'forged',
        'object_type': None,
        'object_id': None,
        'payload': '{}',
    }
    prev = db.session.get(AuditEvent, 2).hash
    tamper('UPDATE audit_event SET seq = seq + 100 WHERE seq >= 3')
    tamper('UPDATE audit_event SET seq = seq - 99 WHERE seq >= 100')
    tamper(
        'INSERT INTO audit_event (seq, occurred_at, action, payload, prev_hash, hash) '
        'VALUES (3, :at, :action, :payload, :prev, :hash)',
        at='2026-01-01 00:00:00',
        action='forged',
        payload='{}',
        prev=prev,
        hash=audit.chain_hash(prev, forged),
    )
    result = audit.verify_database()
    assert not result.ok
    assert result.first_bad_seq == 4  # the real event after the forgery no longer chains


def test_reorder_is_detected(app, tamper):
    append(5)
    tamper('UPDATE audit_event SET seq = 100 WHERE seq = 2')
    tamper('UPDATE audit_event SET seq = 2 WHERE seq = 3')
    tamper('UPDATE audit_event SET seq = 3 WHERE seq = 100')
    result = audit.verify_database()
    assert not result.ok
    assert result.first_bad_seq == 2


def test_concurrent_writers_get_gap_free_seq(app):
    threads, per_thread, errors = 6, 15, []

    def worker(n):
        try:
            with app.app_context():
                for i in range(per_thread):
                    audit.record('test.concurrent', ('thread', n), actor=None, now=clock.now(), i=i)
                    db.session.commit()
        except Exception as exc:  # reported below, with the thread's number
            errors.append((n, exc))

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    seqs = db.session.scalars(db.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, threads * per_thread + 1))
    assert audit.verify_database().ok


def test_rolled_back_change_leaves_no_event_and_no_gap(app):
    append(2)
    audit.record('test.rolled_back', None, actor=None, now=clock.now())
    db.session.rollback()
    append(1)
    assert db.session.scalars(db.select(AuditEvent.seq)).all() == [1, 2, 3]
    assert audit.verify_database().ok


def test_cli_verify_export_and_standalone_verifier(app, tamper, tmp_path, capsys):
    append(4)
    runner = app.test_cli_runner()
    result = runner.invoke(args=['lpse', 'audit-verify'])
    assert result.exit_code == 0 and 'audit log OK: 4 events' in result.output
    export = tmp_path / 'audit.jsonl'
    result = runner.invoke(args=['lpse', 'audit-export', '-o', str(export)])
    assert result.exit_code == 0
    lines = export.read_text().splitlines()
    assert [json.loads(line)['seq'] for line in lines] == [1, 2, 3, 4]
    assert lpse_main(['verify-audit', str(export)]) == 0
    # A tampered export fails the standalone verifier, which names the seq.
    record = json.loads(lines[1])
    record['payload'] = '{"n":42}'
    lines[1] = json.dumps(record)
    export.write_text('\n'.join(lines) + '\n')
    assert lpse_main(['verify-audit', str(export)]) == 1
    assert 'seq 2' in capsys.readouterr().err
    tamper("UPDATE audit_event SET action = 'x' WHERE seq = 3")
    result = runner.invoke(args=['lpse', 'audit-verify'])
    assert result.exit_code == 1
    assert 'seq 3' in result.output


def test_logins_and_admin_changes_are_audited(client, users, login_as):
    from helpers import csrf_token

    login_as('admin')
    token = csrf_token(client, '/admin/agencies/new')
    client.post(
        '/admin/agencies/new',
        data={
            'code': 'KAB-X',
            'name': 'Kabupaten X',
            'timezone': 'Asia/Jakarta',
            'csrf_token': token,
        },
    )
    token = csrf_token(client, f'/admin/users/{users["ppk"].id}')
    client.post(
        f'/admin/users/{users["ppk"].id}', data={'roles': ['ppk', 'pokja'], 'csrf_token': token}
    )
    logged = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert logged[-1] == 'state.rows'  # the rows the role change set (statelog)
    actions = [a for a in logged if a != 'state.rows']
    assert actions[-3:] == ['auth.login', 'agency.created', 'user.roles_changed']
    assert 'user.created' in actions
