"""Walk every evaluation route as every kind of visitor: the status must be exactly the
expected (tests/integration/matrix_evaluation.py)."""

import pytest
from matrix import walk
from matrix_evaluation import AFTER_ANNOUNCEMENT, MATRIX
from matrix_tenders import WHO
from tenders.factories import login

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.evaluation import decision, recording, service
from lpse.extensions import db

OK = {'passed': True}


@pytest.mark.parametrize('who', WHO)
def test_evaluation_access_matrix(client, opened_tender, cast, pokja, who):
    announced, done = opened_tender()
    now = clock.now()
    for bid in done:
        recording.record(
            announced,
            bid.id,
            {'administration': OK, 'qualification': OK, 'technical': OK},
            actor=pokja[0],
            now=now,
        )
    winner = int(service.live_result(announced).winner)
    recording.record(announced, winner, {'pembuktian': OK}, actor=pokja[0], now=now)
    decision.propose(announced, actor=pokja[0], now=now)
    decision.approve(
        announced, proposal_id=decision.pending_proposal(announced).id, actor=pokja[1], now=now
    )
    announced.winner_announced_at = now  # what the announcement records
    db.session.commit()
    tender, bids = opened_tender()
    headers = {}
    if who != 'anonymous':
        assert login(client, cast[who].email).status_code == 302
        _row, token = auth_ops.create_token(cast[who], 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    values = {'open': tender.code, 'bid': bids[0].id, 'announced': announced.code}
    assert walk(client, MATRIX, who, headers, **values) == {}, f'(got, expected) for {who}'
    assert walk(client, AFTER_ANNOUNCEMENT, who, headers, **values) == {}, who
