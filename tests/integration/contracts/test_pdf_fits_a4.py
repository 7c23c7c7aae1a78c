"""Every table of every issued PDF fits the A4 page (#16 point 6: the BAHP's and the winner
announcement's per-bidder tables were clipped): each document of a whole tender — BAHP,
Pengumuman Pemenang, Jawaban Sanggah, SPPBJ, contract, SPMK, amendment, BAST — is laid out
again from the data it was issued with, and no box of its pages passes the page's text area.
The bidders have long names, so the columns must wrap, not push the table off the paper."""

from decimal import Decimal

import pki_helpers
from evaluation.conftest import BidSpec
from evaluation.sanggah_fixtures import (
    LOSER,
    WINNER,
    announcement_time,
    approve,
    evaluate,
    vendor_user,
)
from flask import current_app
from pdf_fit import TEMPLATES, overflows_of
from sqlalchemy import select

from lpse import clock
from lpse import contracts as _contracts  # noqa: F401 — the package registers its models
from lpse.contracts import operations as contracts
from lpse.documents.models import IssuedDocument
from lpse.evaluation import announcement, award, objections
from lpse.extensions import db
from lpse.pdf import layout_document, overflows

from .conftest import TERMS, WINNER_KEY

LONG = 'Konsorsium Pembangunan Jalan, Jembatan dan Drainase Nusantara Sejahtera Abadi'
WIDE_BIDS = (
    BidSpec(f'PT {LONG} Satu', {1: Decimal('450000'), 2: Decimal('480000')}),
    BidSpec(f'PT {LONG} Dua', {1: Decimal('400000'), 2: Decimal('470000')}),
    BidSpec(f'PT {LONG} Tiga', {1: Decimal('480000'), 2: Decimal('490000')}),
)


def sign_both(tender, instrument, winner, ppk):
    contracts.review(tender, instrument, actor=winner, accept=True, now=clock.now())
    contracts.vendor_sign(
        tender, instrument, actor=winner, passphrase=pki_helpers.SIGNING_PASSPHRASE, now=clock.now()
    )
    contracts.ppk_sign(tender, instrument, actor=ppk, now=clock.now())
    db.session.commit()


def whole_tender(opened_tender, pokja, cast):
    tender, bids = opened_tender(bids=WIDE_BIDS)
    evaluate(tender, bids, pokja)
    approve(tender, pokja)
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    filed = objections.file_objection(
        tender, actor=vendor_user(bids[LOSER]), grounds='Keberatan. ' * 40, now=row.announced_at
    )
    db.session.commit()
    objections.answer_objection(
        filed, actor=pokja[0], accepted=False, answer='Ditolak. ' * 40, now=row.objection_ends_at
    )
    db.session.commit()
    clock.set_now(row.objection_ends_at)
    award.issue_award(tender, actor=cast['ppk'], now=clock.now())
    db.session.commit()
    pki_helpers.install_authority()
    winner = vendor_user(bids[WINNER])
    pki_helpers.certify(winner, WINNER_KEY, server_held=True)
    ppk = cast['ppk']
    contract = contracts.draft_contract(tender, TERMS, actor=ppk, now=clock.now())
    db.session.commit()
    sign_both(tender, contract, winner, ppk)
    contracts.issue_spmk(tender, {'work_starts_on': '2026-04-06'}, actor=ppk, now=clock.now())
    db.session.commit()
    amendment = contracts.draft_amendment(
        tender,
        {'reason': 'Pekerjaan tambah drainase.', 'new_value': '1400000000'},
        actor=ppk,
        now=clock.now(),
    )
    db.session.commit()
    sign_both(tender, amendment, winner, ppk)
    contracts.hand_over(tender, {'note': 'Diterima baik.'}, actor=ppk, now=clock.now())
    db.session.commit()
    return tender


def test_every_issued_document_of_a_tender_fits_a4(app, opened_tender, pokja, cast):
    tender = whole_tender(opened_tender, pokja, cast)
    issued = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.tender_id == tender.id)
    ).all()
    kinds = {d.kind for d in issued}
    after_opening = set(TEMPLATES) - {'bid_receipt', 'opening_minutes'}  # tests/…/opening
    assert after_opening <= kinds, kinds  # the whole life of the tender is covered
    problems = {d.kind: overflows_of(d) for d in issued if d.kind in TEMPLATES}
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_check_sees_a_table_too_wide(app):
    """The measure itself: a table of fixed 400 mm is reported, a normal one is not."""
    context = {
        'title': 'Uji lebar',
        'agency_name': 'Kota Uji',
        'document_id': 'ABCDEFGHIJKLMNOPQRS7',
        'verify_url': 'https://lpse.example/verify/ABCDEFGHIJKLMNOPQRS7',
        'audit_checkpoint': '#1 00',
    }
    env = current_app.jinja_env
    template = env.from_string(
        "{% extends 'pdf/_base.html' %}{% block body %}"
        '<table class="grid" style="width: {{ width }}"><tr><td>x</td></tr></table>'
        '{% endblock %}'
    )

    class Env:
        def get_template(self, _name):
            return template

    assert overflows(layout_document('x', {**context, 'width': '400mm'}, env=Env()))
    assert overflows(layout_document('x', {**context, 'width': '100%'}, env=Env())) == []
