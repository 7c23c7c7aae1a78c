"""Fixtures of the announcement, objection and award tests: a tender whose three bids were
evaluated by the Pokja and whose result was approved (A's real worksheets and decision), and
small helpers (tokens, counts of what a refused request must not write)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.documents.models import IssuedDocument
from lpse.evaluation import decision, recording
from lpse.evaluation.objection_models import Announcement, AwardLetter, Objection
from lpse.extensions import db
from lpse.tenders.stages import Stage

OK = {'passed': True}
PASSING = {'administration': OK, 'qualification': OK, 'technical': OK, 'pembuktian': OK}
TECHNICAL_FAILURE = 'Metode pelaksanaan tidak memuat urutan pekerjaan drainase'
# DEFAULT_BIDS of conftest: PT Satu 1,410,000,000 · PT Dua 1,340,000,000 · PT Tiga 1,460,000,000
WINNER, RESERVE, LOSER = 1, 0, 2  # indexes into the bids: PT Dua wins, PT Satu reserve 1


def evaluate(tender, bids, pokja, *, now=None):
    """The Pokja's verdicts (PT Tiga fails the technical stage), proposal and approval."""
    now = now or clock.now()
    for n, bid in enumerate(bids):
        entries = dict(PASSING)
        if n == LOSER:
            entries = {
                'administration': OK,
                'qualification': OK,
                'technical': {'passed': False, 'reason': TECHNICAL_FAILURE},
            }
        recording.record(tender, bid.id, entries, actor=pokja[0], now=now)
    decision.propose(tender, actor=pokja[0], now=now)
    db.session.commit()


def approve(tender, pokja, *, now=None):
    decision.approve(
        tender,
        proposal_id=decision.pending_proposal(tender).id,
        actor=pokja[1],
        now=now or clock.now(),
    )
    db.session.commit()


@pytest.fixture
def decided(opened_tender, pokja):
    """(tender, bids): evaluated and approved by two of the three members, not announced."""
    tender, bids = opened_tender()
    evaluate(tender, bids, pokja)
    approve(tender, pokja)
    return tender, bids


@pytest.fixture
def announced(decided, pokja):
    """(tender, bids, announcement): announced now (the clock stays)."""
    from lpse.evaluation import announcement

    tender, bids = decided
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    return tender, bids, row


def announcement_time(tender):
    """Move the clock to the start of the scheduled Pengumuman Pemenang (an announcement is
    refused before it) and return it."""
    clock.set_now(max(clock.now(), tender.schedule[Stage.winner_announcement].start))
    return clock.now()


def vendor_user(bid):
    return bid.vendor.user


def later(delta: timedelta):
    clock.set_now(clock.now() + delta)
    return clock.now()


def written():
    """Counts of every row a refused announcement, objection or award must not write."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (AuditEvent, Announcement, Objection, AwardLetter, IssuedDocument)
    )


def agree_negotiation(tender, member, *, now=None):
    """Seleksi: record an agreed negotiation (at the offered prices) with the invited firm."""
    from lpse.evaluation import negotiation

    bid_id = negotiation.invited_bid_id(tender)
    negotiation.record_negotiation(
        tender, bid_id, {'status': 'agreed'}, actor=member, now=now or clock.now()
    )
