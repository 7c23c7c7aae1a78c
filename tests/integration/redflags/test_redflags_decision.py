"""The rules that need the Pokja's decision, on real worksheets: the lowest price disqualified on
administration, and no such flag when the lowest bidder wins."""

from evaluation.sanggah_fixtures import OK, PASSING

from lpse import clock
from lpse.evaluation import decision, recording
from lpse.extensions import db
from lpse.redflags import report

# DEFAULT_BIDS: PT Satu 1,410,000,000 · PT Dua 1,340,000,000 (lowest) · PT Tiga 1,460,000,000
LOWEST = 1


def decide(tender, bids, pokja, failing=None):
    now = clock.now()
    for n, bid in enumerate(bids):
        entries = dict(PASSING)
        if n == failing:
            entries = {
                'administration': {'passed': False, 'reason': 'Surat penawaran tidak bertanggal'},
                'qualification': OK,
                'technical': OK,
            }
        recording.record(tender, bid.id, entries, actor=pokja[0], now=now)
    decision.propose(tender, actor=pokja[0], now=now)
    db.session.commit()
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=pokja[1], now=now
    )
    db.session.commit()


def rules_of(tender):
    return {f.rule: f for f in report.tender_report(tender, clock.now()).flags}


def test_lowest_disqualified_on_administration(opened_tender, pokja):
    tender, bids = opened_tender()
    decide(tender, bids, pokja, failing=LOWEST)
    flag = rules_of(tender)['RF-GUGUR-ADMIN']
    assert flag.evidence[0].vendors == (bids[LOWEST].vendor_id,)
    assert flag.evidence[0].bids == (bids[LOWEST].id,)


def test_lowest_wins_no_disqualification_flag(opened_tender, pokja):
    tender, bids = opened_tender()
    decide(tender, bids, pokja)
    assert 'RF-GUGUR-ADMIN' not in rules_of(tender)
    facts = report.tender_report(tender, clock.now()).facts
    assert facts.winner_vendor_id == bids[LOWEST].vendor_id
