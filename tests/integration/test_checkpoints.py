"""Signed checkpoints catch the rewrite a hash chain alone cannot: a superuser who edits an event
and recomputes every later hash and the head."""

import json

import pytest
from ca_fixtures import authority, ca_pki, foreign_pki, locked_keys, signing_config
from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from lpse import audit, checkpoints, clock
from lpse.audit import AuditEvent
from lpse.console import main as lpse_main
from lpse.crypto.canonical import canonical_json
from lpse.extensions import db

__all__ = ['authority', 'ca_pki', 'foreign_pki', 'locked_keys', 'signing_config']


@pytest.fixture
def app_config(signing_config):
    return signing_config


def append(n):
    for i in range(n):
        audit.record('test.event', ('thing', i), actor=None, now=clock.now(), n=i)


@pytest.fixture
def log_with_checkpoints(authority):
    """Six events after the authority's (seq 1: its state.rows), checkpoints signed after seq 4
    and seq 7."""
    append(3)
    first = checkpoints.create_checkpoint('manual', now=clock.now())
    append(3)
    second = checkpoints.create_checkpoint('bid.deadline', now=clock.now())
    db.session.commit()
    return first, second


def rewrite_event(seq, payload):
    """The superuser's attack: edit one event, recompute every later hash and the head."""
    dialect = db.engine.dialect.name
    db.session.commit()
    records = [r | {'payload': payload} if r['seq'] == seq else r for r in audit.iter_records()]
    db.session.rollback()
    with db.engine.begin() as conn:
        if dialect == 'postgresql':
            conn.execute(text('ALTER TABLE audit_event DISABLE TRIGGER USER'))
        else:
            conn.execute(text('DROP TRIGGER IF EXISTS audit_event_no_update'))
        conn.execute(
            text('UPDATE audit_event SET payload = :p WHERE seq = :s'), {'p': payload, 's': seq}
        )
        prev = audit.GENESIS_HASH
        for record in records:
            new = audit.chain_hash(prev, audit.canonical_fields(record))
            conn.execute(
                text('UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s'),
                {'p': prev, 'h': new, 's': record['seq']},
            )
            prev = new
        conn.execute(text('UPDATE audit_head SET hash = :h WHERE id = 1'), {'h': prev})
        if dialect == 'postgresql':
            conn.execute(text('ALTER TABLE audit_event ENABLE TRIGGER USER'))
    db.session.rollback()
    db.session.expire_all()


def test_a_checkpoint_signs_the_head(log_with_checkpoints, ca_pki):
    first, second = log_with_checkpoints
    assert (first.seq, second.seq) == (4, 7)
    assert first.hash == db.session.get(AuditEvent, 4).hash
    fields = checkpoints.verify_checkpoint(
        first.signed, ca_cert=ca_pki.ca_cert, system_certs=[ca_pki.system_cert]
    )
    assert fields == {
        'format': 'lpse-checkpoint/1',
        'seq': 4,
        'hash': first.hash,
        'at': fields['at'],
        'reason': 'manual',
    }
    assert checkpoints.checkpoint_for(1) == first and checkpoints.checkpoint_for(5) == second
    assert checkpoints.checkpoint_for(8) is None
    assert checkpoints.latest_checkpoint() == second
    assert checkpoints.verify_database().ok


def test_rewriting_the_whole_chain_is_caught_by_the_checkpoint(log_with_checkpoints):
    rewrite_event(3, '{"n":99}')
    assert audit.verify_database().ok  # the chain alone is fooled
    result = checkpoints.verify_database()
    assert not result.ok and result.first_bad_seq == 4
    assert 'between seq 1 and 4' in result.problem


def test_a_later_rewrite_names_the_later_checkpoint(log_with_checkpoints):
    rewrite_event(6, '{"n":99}')
    result = checkpoints.verify_database()
    assert result.first_bad_seq == 7 and 'between seq 5 and 7' in result.problem


def test_truncating_the_log_is_caught(log_with_checkpoints, ca_pki):
    records = list(audit.iter_records())[:5]
    result = checkpoints.verify_chain(
        records,
        [cp.signed for cp in log_with_checkpoints],
        ca_cert=ca_pki.ca_cert,
        system_certs=[ca_pki.system_cert],
    )
    assert result.first_bad_seq == 7 and 'past the end' in result.problem


def test_a_forged_or_foreign_checkpoint_is_refused(log_with_checkpoints, ca_pki, foreign_pki):
    first = log_with_checkpoints[0].signed
    altered = {**first, 'checkpoint': {**first['checkpoint'], 'seq': 5}}
    foreign = checkpoints.sign_checkpoint(
        first['checkpoint'], key=foreign_pki.system_key, cert=foreign_pki.system_cert
    )
    vendor = checkpoints.sign_checkpoint(
        first['checkpoint'], key=ca_pki.vendor_key, cert=ca_pki.vendor_cert
    )
    for doc, why in ((altered, 'altered'), (foreign, 'not a system'), (vendor, 'not a system')):
        result = checkpoints.verify_chain(
            audit.iter_records(), [doc], ca_cert=ca_pki.ca_cert, system_certs=[ca_pki.system_cert]
        )
        assert not result.ok and why in result.problem


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def test_standalone_verifier_with_exported_checkpoints(
    client, log_with_checkpoints, ca_pki, tmp_path, capsys
):
    export, cps, ca = tmp_path / 'audit.jsonl', tmp_path / 'checkpoints.json', tmp_path / 'ca.pem'
    response = client.get('/audit/checkpoints.json')
    assert response.headers['Content-Disposition'] == 'attachment; filename=checkpoints.json'
    cps.write_bytes(response.get_data())
    ca.write_bytes(pem(ca_pki.ca_cert))
    (tmp_path / 'system.pem').write_bytes(pem(ca_pki.system_cert))

    def run():
        export.write_text(''.join(canonical_json(r) + '\n' for r in audit.iter_records()), 'utf-8')
        args = ['verify-audit', str(export), '--checkpoints', str(cps), '--ca', str(ca)]
        return lpse_main(args), lpse_main([*args, '--system-cert', str(tmp_path / 'system.pem')])

    assert run() == (0, 0)
    rewrite_event(3, '{"n":99}')
    assert lpse_main(['verify-audit', str(export)]) == 0  # the old export is still intact
    assert run() == (1, 1)
    assert 'BROKEN at seq 4' in capsys.readouterr().err
    assert lpse_main(['verify-audit', str(export), '--checkpoints', str(cps)]) == 2


def test_flask_commands(app, authority):
    runner = app.test_cli_runner()
    append(2)
    db.session.commit()
    result = runner.invoke(args=['lpse', 'checkpoint'])
    assert result.exit_code == 0 and 'seq 3' in result.output  # after the authority's event
    db.session.expire_all()
    assert checkpoints.latest_checkpoint().reason == 'manual'
    assert runner.invoke(args=['lpse', 'audit-verify']).exit_code == 0
    rewrite_event(2, '{"n":7}')
    result = runner.invoke(args=['lpse', 'audit-verify'])
    assert result.exit_code == 1 and 'seq 3' in result.output


def test_public_list_page_json_and_api(client, log_with_checkpoints, ca_pki):
    first, second = log_with_checkpoints
    html = client.get('/audit/checkpoints').get_data(as_text=True)
    assert first.hash in html and second.hash in html
    assert '<td>Dibuat operator</td>' in html  # a known reason in words
    assert '<td>bid.deadline</td>' in html  # one without words, as written
    assert 'Titik audit (checkpoint) bertanda tangan' in html
    body = client.get('/api/v1/audit/checkpoints').get_json()
    assert body['format'] == 'lpse-checkpoints/1'
    assert [c['checkpoint']['seq'] for c in body['checkpoints']] == [4, 7]
    assert body['system_certificates'] == [pem(ca_pki.system_cert).decode()]
    spec = client.get('/api/v1/openapi.json').get_json()
    assert '/audit/checkpoints' in spec['paths'] and '/receipts/verify' in spec['paths']
    assert json.loads(first.document) == body['checkpoints'][0]
