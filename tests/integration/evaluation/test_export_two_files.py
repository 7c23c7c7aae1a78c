"""A two-file (seleksi, qcbs) tender through the real ceremonies: File I opened, the Pokja's
technical verdicts set `technical_pass`, File II opens only for the passing bidder."""

import json
from datetime import timedelta

import opening_helpers
from bidding.conftest import OTHER_KEY, VENDOR_KEY, bidder, rival, seal, sig_header

from lpse import clock, statelog
from lpse.auth import operations as auth_ops
from lpse.console import main
from lpse.evaluation import decision, recording, service, worksheets
from lpse.extensions import db
from lpse.opening.models import OpenedBid
from lpse.tenders.stages import Stage

from .sanggah_fixtures import agree_negotiation

__all__ = ['bidder', 'rival']
OK = {'passed': True}


def _submit(client, tender, user, key, kind):
    p7m, signature = seal(tender, user, key, kind=kind)
    _row, value = auth_ops.create_token(user, 'uji', now=clock.now())
    db.session.commit()
    response = client.post(
        f'/api/v1/tenders/{tender.code}/bids?envelope={kind}',
        data=p7m,
        headers={
            'Authorization': f'Bearer {value}',
            'Content-Type': 'application/pkcs7-mime',
            'X-LPSE-Submission-Signature': sig_header(signature),
        },
    )
    assert response.status_code == 201, response.get_json()


def test_file_two_opens_only_for_technically_passing_bids(
    client, create_tender, bidder, rival, pokja, tmp_path, capsys
):
    tender = create_tender(
        Stage.bid_submission,
        category='jasa_konsultansi',
        selection_method='seleksi',
        submission_files=2,
        evaluation_method='qcbs',
        method_params={
            'weights': {'technical': '0.8', 'price': '0.2'},
            'technical_threshold': '70',
        },
    )
    for user, key in ((bidder, VENDOR_KEY), (rival, OTHER_KEY)):
        for kind in ('technical', 'price'):
            _submit(client, tender, user, key, kind)
    clock.set_now(tender.schedule[Stage.bid_opening].start + timedelta(minutes=30))
    opening_helpers.open_all(tender, pokja)
    db.session.refresh(tender)

    clock.set_now(tender.schedule[Stage.evaluation].start)  # File I is evaluated in Evaluasi
    now = clock.now()
    firsts = {p.vendor.user_id: p for p in worksheets.participants(tender)}
    passing, failing = firsts[bidder.id], firsts[rival.id]
    assert passing.price is None and failing.price is None  # File II still sealed
    recording.record(
        tender,
        passing.bid.id,
        {'administration': OK, 'qualification': OK, 'technical': {'passed': True, 'score': '85'}},
        actor=pokja[0],
        now=now,
    )
    recording.record(
        tender,
        failing.bid.id,
        {'administration': OK, 'qualification': OK, 'technical': {'passed': True, 'score': '60'}},
        actor=pokja[1],
        now=now,
    )
    db.session.commit()
    assert passing.first.technical_pass is True
    assert failing.first.technical_pass is False

    opening_helpers.open_all(tender, pokja)
    price_rows = db.session.scalars(
        db.select(OpenedBid).join(OpenedBid.bid).where(OpenedBid.tender_id == tender.id)
    ).all()
    by_vendor = {(r.vendor.user_id, r.bid.kind): r.result for r in price_rows}
    assert by_vendor[(bidder.id, 'price')] == 'opened'
    assert by_vendor[(rival.id, 'price')] == 'not_opened'

    ranking = service.live_result(tender)
    assert ranking.winner == str(passing.bid.id)
    assert ranking.result(str(failing.bid.id)).corrected_total is None
    assert ranking.result(str(passing.bid.id)).scores['NB'] == 100

    recording.record(tender, passing.bid.id, {'pembuktian': OK}, actor=pokja[0], now=now)
    agree_negotiation(tender, pokja[0], now=now)
    decision.propose(tender, actor=pokja[0], now=now)
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=pokja[2], now=now
    )
    db.session.commit()
    path = tmp_path / 'case.json'
    path.write_text(json.dumps(service.export_case(tender)), encoding='utf-8')
    capsys.readouterr()
    assert main(['evaluate', str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == service.decided_result(tender).result_dict
    # Real sealing, two real ceremonies, evaluation: the log explains every row.
    db.session.rollback()
    assert statelog.reconcile() == []
