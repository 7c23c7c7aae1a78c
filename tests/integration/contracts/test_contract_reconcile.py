"""Contracts are watched rows of state reconciliation: a contract drafted, signed by both sides
and amended leaves a database the log explains; an insider's SQL on the contract value or an
amendment's new end date is named, row and column."""

from evaluation.test_reconcile import run_reconcile
from sqlalchemy import text

from lpse import clock
from lpse.contracts import operations as contracts
from lpse.extensions import db

from .conftest import TERMS
from .test_contract_flow import sign_both


def test_contract_rows_are_reconciled(app, awarded, cast):
    tender, winner, _loser = awarded
    ppk = cast['ppk']
    contract = contracts.draft_contract(tender, TERMS, actor=ppk, now=clock.now())
    db.session.commit()
    sign_both(tender, contract, winner, ppk)
    amendment = contracts.draft_amendment(
        tender,
        {'reason': 'Pekerjaan tambah.', 'new_value': '1400000000', 'new_ends_on': '2026-10-31'},
        actor=ppk,
        now=clock.now(),
    )
    db.session.commit()
    assert run_reconcile(app) == (0, [])

    with db.engine.begin() as conn:  # an insider, straight to the database
        conn.execute(
            text('UPDATE contract SET value = value + 1 WHERE id = :i'), {'i': contract.id}
        )
        conn.execute(
            text("UPDATE contract_amendment SET new_ends_on = '2027-12-31' WHERE id = :i"),
            {'i': amendment.id},
        )
    code, differences = run_reconcile(app)
    assert code == 1
    found = {(d['table'], d['column']) for d in differences}
    assert found == {('contract', 'value'), ('contract_amendment', 'new_ends_on')}, differences
