"""State reconciliation: a tender that went through opening, evaluation, announcement, an
objection and the award leaves a database the log fully explains; then an insider's direct
SQL — the objection deadline moved, a bid deleted, an admin role inserted, the HPS changed — is
named, row and column, with the event that last set it."""

import json
from datetime import timedelta

from sqlalchemy import text

from lpse import clock, statelog
from lpse.evaluation import award, objections
from lpse.extensions import db

from .sanggah_fixtures import LOSER, vendor_user


def run_reconcile(app):
    result = app.test_cli_runner().invoke(args=['lpse', 'audit-reconcile', '--json'])
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith('{')]
    return result.exit_code, lines


def full_tender(announced, cast, pokja):
    tender, bids, row = announced
    filed = objections.file_objection(
        tender,
        actor=vendor_user(bids[LOSER]),
        grounds='Evaluasi teknis keliru.',
        now=row.announced_at,
    )
    db.session.commit()
    objections.answer_objection(
        filed, actor=pokja[0], accepted=False, answer='Ditolak.', now=row.objection_ends_at
    )
    db.session.commit()
    award.issue_award(tender, actor=cast['ppk'], now=row.objection_ends_at)
    db.session.commit()
    return tender, bids, row


def test_a_whole_tender_leaves_nothing_the_log_does_not_explain(app, announced, cast, pokja):
    full_tender(announced, cast, pokja)
    code, differences = run_reconcile(app)
    assert differences == [] and code == 0


def insider(statement, **params):
    """Direct SQL, as someone with the database password would do it (foreign keys off)."""
    db.session.commit()
    with db.engine.connect() as conn:
        if conn.dialect.name == 'sqlite':
            conn.exec_driver_sql('PRAGMA foreign_keys=OFF')  # before the driver's BEGIN
        else:
            conn.exec_driver_sql("SET session_replication_role = 'replica'")
        conn.execute(text(statement), params)
        conn.commit()
        conn.invalidate()  # never hand this connection back to the application
    db.session.expire_all()


def test_each_change_outside_the_application_is_named(app, announced, cast, pokja):
    tender, bids, row = full_tender(announced, cast, pokja)
    insider(
        'UPDATE winner_announcement SET objection_ends_at = :t WHERE id = :i',
        t=(row.objection_ends_at - timedelta(hours=1)).replace(tzinfo=None),
        i=row.id,
    )
    insider('UPDATE tender SET hps = hps + 1 WHERE id = :i', i=tender.id)
    insider('DELETE FROM bid WHERE id = :i', i=bids[LOSER].id)
    insider("INSERT INTO user_role (user_id, role) VALUES (:u, 'admin')", u=vendor_user(bids[0]).id)
    code, differences = run_reconcile(app)
    assert code == 1
    found = {(d['table'], d['column']) for d in differences}
    assert ('winner_announcement', 'objection_ends_at') in found
    assert ('tender', 'hps') in found
    deleted = [d for d in differences if d['table'] == 'bid' and d['column'] == '*']
    assert deleted and deleted[0]['database'] == 'tidak ada' and deleted[0]['last_seq']
    inserted = [d for d in differences if d['table'] == 'user_role' and d['column'] == '*']
    assert inserted and inserted[0]['database'] == 'ada' and inserted[0]['last_seq'] is None
    hps = next(d for d in differences if d['column'] == 'hps')
    assert hps['last_seq'] and float(hps['database']) == float(hps['logged']) + 1
    assert len(differences) == 4, differences


def test_secrets_enter_the_log_only_as_digests(app, users):
    events = db.session.scalars(
        db.select(db.text('payload')).select_from(db.text('audit_event'))
    ).all()
    rows = [r for p in events for r in json.loads(p).get('rows', [])]
    user_rows = [r for r in rows if r['table'] == 'user' and r['values']]
    assert user_rows
    for r in user_rows:
        assert r['values']['password_hash'].startswith('sha256:')
    assert statelog.reconcile() == []


def test_an_auditor_runs_it_from_the_web_and_sees_the_result_with_its_date(
    app, client, announced, cast, pokja, as_user
):
    tender, _bids, _row = full_tender(announced, cast, pokja)
    insider('UPDATE tender SET hps = hps + 1 WHERE id = :i', i=tender.id)
    as_user(cast['auditor'])
    assert 'belum pernah dijalankan' in client.get('/audit/reconcile').get_data(as_text=True)
    answer = client.post('/audit/reconcile')
    assert answer.status_code == 303
    page = client.get('/audit/reconcile').get_data(as_text=True)
    assert '1 perbedaan antara basis data dan log' in page and 'hps' in page
    run = statelog.latest_run()
    assert run.requested_by_id == cast['auditor'].id and run.finished_at is not None
    assert [d['column'] for d in run.differences] == ['hps']
    as_user(cast['vendor'])
    assert client.get('/audit/reconcile').status_code == 403
    assert client.post('/audit/reconcile').status_code == 403


def test_the_clock_reconciles_once_a_day(app, announced, cast, pokja):
    from datetime import timedelta as td

    from lpse import clock

    runner = app.test_cli_runner()
    assert 'reconciliation' in runner.invoke(args=['lpse', 'tick']).output
    assert 'reconciliation' not in runner.invoke(args=['lpse', 'tick']).output
    clock.set_now(clock.now() + td(hours=25))
    out = runner.invoke(args=['lpse', 'tick']).output
    assert 'reconciliation' in out and 'agree' in out


def test_a_run_no_worker_begins_says_so(client, cast, as_user):
    asked = clock.now()
    db.session.add(
        statelog.ReconcileRun(started_at=asked, status='running', tables_done=0, tables_total=40)
    )
    db.session.commit()
    as_user(cast['auditor'])
    assert 'flask lpse worker' not in client.get('/audit/reconcile').get_data(as_text=True)
    clock.set_now(asked + timedelta(minutes=2))
    page = client.get('/audit/reconcile').get_data(as_text=True)
    assert 'Sedang berjalan sejak' in page and 'flask lpse worker' in page
