"""Winner decision: propose, approvals (at least half the Pokja), approving twice, failure,
reopening as a new version."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.auth import operations as auth_ops
from lpse.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from lpse.evaluation import decision, recording, service, worksheets
from lpse.evaluation.models import EvaluationVersion, ResultApproval, ResultProposal
from lpse.extensions import db
from lpse.tenders.models import TenderStatus

from .conftest import DEFAULT_BIDS, BidSpec

OK = {'passed': True}
FILE_ONE = {'administration': OK, 'qualification': OK, 'technical': OK}


def evaluate_all(tender, bids, member, *, proof=True):
    now = clock.now()
    for bid in bids:
        recording.record(tender, bid.id, FILE_ONE, actor=member, now=now)
    if proof:
        winner = service.live_result(tender).winner
        recording.record(tender, int(winner), {'pembuktian': OK}, actor=member, now=now)
    db.session.commit()


@pytest.fixture
def token(app):
    def make(user):
        _row, value = auth_ops.create_token(user, 'uji', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {value}'}

    return make


def test_half_of_a_pokja_of_three_is_two(client, opened_tender, pokja, token):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    url = f'/api/v1/tenders/{tender.code}/result'
    response = client.post(url, json={'winner': bids[1].id}, headers=token(pokja[0]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body['status'] == 'pending'
    assert body['winner'] == bids[1].id
    assert body['reserves'] == [bids[0].id, bids[2].id]
    assert body['approvals_needed'] == 2
    assert [a['by']['id'] for a in body['approvals']] == [pokja[0].id]
    assert tender.winner_decided_at is None
    assert service.decided_result(tender) is None

    response = client.post(f'{url}/approvals', json={}, headers=token(pokja[2]))
    assert response.status_code == 422
    assert '"proposal"' in response.get_json()['error']['message']
    response = client.post(
        f'{url}/approvals', json={'proposal': body['id']}, headers=token(pokja[2])
    )
    assert response.status_code == 200
    assert response.get_json()['status'] == 'approved'
    db.session.refresh(tender)
    assert tender.winner_decided_at == clock.now()
    decided = service.decided_result(tender)
    assert decided.version == 1
    assert decided.winner_bid_id == bids[1].id
    assert decided.reserve_bid_ids == [bids[0].id, bids[2].id]
    assert {u.id for u in decided.approvals} == {pokja[0].id, pokja[2].id}
    assert decided.result.winner == str(bids[1].id)
    assert decided.failed_reason is None
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like('evaluation.%'))
        .order_by(AuditEvent.seq)
    ).all()
    assert actions[-4:] == [
        'evaluation.result_proposed',
        'evaluation.result_approved',
        'evaluation.result_approved',
        'evaluation.winner_decided',
    ]


def test_half_of_a_pokja_of_five_is_three(opened_tender, cast, person, agency):
    import pki_helpers

    extra = [person(f'pokja{n}@uji.go.id', 'pokja', agency=agency) for n in (4, 5)]
    pki_helpers.certify_pokja(extra)
    members = [cast['pokja'], cast['pokja2'], cast['pokja3'], *extra]
    tender, bids = opened_tender(pokja=[m.id for m in members])
    assert decision.approvals_needed(tender) == 3
    evaluate_all(tender, bids, members[0])
    now = clock.now()
    decision.propose(tender, actor=members[0], now=now)
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=members[1], now=now
    )
    assert tender.winner_decided_at is None
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=members[4], now=now
    )
    assert tender.winner_decided_at == now


def test_approving_twice_is_refused_and_writes_nothing(client, opened_tender, pokja, token):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    h = token(pokja[0])
    assert client.post(f'/api/v1/tenders/{tender.code}/result', json={}, headers=h).status_code
    before = (
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        db.session.scalar(select(func.count()).select_from(ResultApproval)),
    )
    pending = decision.pending_proposal(tender).id
    response = client.post(
        f'/api/v1/tenders/{tender.code}/result/approvals', json={'proposal': pending}, headers=h
    )
    assert response.status_code == 409
    assert 'sudah menyetujui' in response.get_json()['error']['message']
    after = (
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        db.session.scalar(select(func.count()).select_from(ResultApproval)),
    )
    assert after == before


def test_a_second_proposal_waits_for_the_first(opened_tender, pokja):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    decision.propose(tender, actor=pokja[0], now=clock.now())
    with pytest.raises(Conflict):
        decision.propose(tender, actor=pokja[1], now=clock.now())


def test_approving_without_a_proposal_is_refused(opened_tender, pokja):
    tender, _bids = opened_tender()
    with pytest.raises(Conflict):
        decision.approve(tender, proposal_id=1, actor=pokja[1], now=clock.now())


def test_only_members_propose_and_approve(opened_tender, pokja, cast):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    for who in ('pokja_other', 'ppk', 'auditor', 'vendor'):
        with pytest.raises(NotAllowed):
            decision.propose(tender, actor=cast[who], now=clock.now())
    decision.propose(tender, actor=pokja[0], now=clock.now())
    with pytest.raises(NotAllowed):
        decision.approve(
            tender,
            proposal_id=decision.pending_proposal(tender).id,
            actor=cast['pokja_other'],
            now=clock.now(),
        )


def test_the_proposed_winner_must_be_the_ranking_winner(opened_tender, pokja):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    with pytest.raises(ValidationFailed):
        decision.propose(tender, actor=pokja[0], now=clock.now(), winner=bids[0].id)


def test_the_winner_needs_a_passed_pembuktian(opened_tender, pokja):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0], proof=False)
    with pytest.raises(Conflict, match='pembuktian'):
        decision.propose(tender, actor=pokja[0], now=clock.now())
    # A failed pembuktian removes the bid; the reserve moves up and needs its own check.
    now = clock.now()
    fail = {'pembuktian': {'passed': False, 'reason': 'Asli akta tidak ditunjukkan'}}
    recording.record(tender, bids[1].id, fail, actor=pokja[0], now=now)
    assert service.live_result(tender).winner == str(bids[0].id)
    recording.record(tender, bids[0].id, {'pembuktian': OK}, actor=pokja[0], now=now)
    proposal = decision.propose(tender, actor=pokja[0], now=now)
    assert proposal.winner_bid_id == bids[0].id
    assert proposal.reserve_bid_ids == [bids[2].id]


def test_unevaluated_bids_that_could_place_block_the_proposal(opened_tender, pokja):
    dearest = BidSpec('PT Empat', {1: Decimal('490000'), 2: Decimal('495000')})  # 1,480,000,000
    tender, bids = opened_tender([*DEFAULT_BIDS, dearest])
    now = clock.now()
    # Only the two dearest evaluated: the cheapest (PT Dua) could still win.
    for bid in (bids[2], bids[3]):
        recording.record(tender, bid.id, FILE_ONE, actor=pokja[0], now=now)
    recording.record(tender, bids[2].id, {'pembuktian': OK}, actor=pokja[0], now=now)
    with pytest.raises(Conflict, match='PT Dua, PT Satu'):
        decision.propose(tender, actor=pokja[0], now=now)
    # Lowest price, evaluated from the cheapest up: once the winner and two reserves stand,
    # the dearest bid need not be evaluated.
    tender2, bids2 = opened_tender([*DEFAULT_BIDS, dearest])
    recording.record(tender2, bids2[1].id, {**FILE_ONE, 'pembuktian': OK}, actor=pokja[0], now=now)
    with pytest.raises(Conflict, match='PT Empat, PT Satu, PT Tiga'):
        decision.propose(tender2, actor=pokja[0], now=now)  # no reserves yet
    for bid in (bids2[0], bids2[2]):
        recording.record(tender2, bid.id, FILE_ONE, actor=pokja[0], now=now)
    proposal = decision.propose(tender2, actor=pokja[0], now=now)
    assert proposal.winner_bid_id == bids2[1].id
    assert proposal.reserve_bid_ids == [bids2[0].id, bids2[2].id]
    # Other methods need every bid evaluated.
    tender3, bids3 = opened_tender(
        evaluation_method='merit_point',
        method_params={
            'weights': {'technical': '0.7', 'price': '0.3'},
            'technical_threshold': '70',
        },
    )
    scored = {**FILE_ONE, 'technical': {'passed': True, 'score': '80'}, 'pembuktian': OK}
    for bid in bids3[:2]:
        recording.record(tender3, bid.id, scored, actor=pokja[0], now=now)
    with pytest.raises(Conflict, match='PT Tiga'):
        decision.propose(tender3, actor=pokja[0], now=now)


def test_a_tie_needs_a_recorded_pokja_decision(opened_tender, pokja):
    same = {1: Decimal('400000'), 2: Decimal('470000')}
    tender, bids = opened_tender([BidSpec('PT A', same), BidSpec('PT B', same)])
    now = clock.now()
    for bid in bids:
        recording.record(tender, bid.id, {**FILE_ONE, 'pembuktian': OK}, actor=pokja[0], now=now)
    assert service.live_result(tender).unresolved_tie == (str(bids[0].id), str(bids[1].id))
    with pytest.raises(Conflict, match='seri'):
        decision.propose(tender, actor=pokja[0], now=now)
    recording.record(tender, bids[1].id, {'tie_break_order': 1}, actor=pokja[0], now=now)
    recording.record(tender, bids[0].id, {'tie_break_order': 2}, actor=pokja[0], now=now)
    assert decision.propose(tender, actor=pokja[0], now=now).winner_bid_id == bids[1].id


def test_a_changed_entry_lapses_the_pending_proposal(opened_tender, pokja):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    now = clock.now()
    proposal = decision.propose(tender, actor=pokja[0], now=now)
    recording.record(tender, bids[2].id, {'technical': OK}, actor=pokja[1], now=now)
    assert proposal.status == 'superseded'
    with pytest.raises(Conflict):
        decision.approve(tender, proposal_id=proposal.id, actor=pokja[1], now=now)


def test_after_the_decision_entries_are_closed(opened_tender, pokja):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    now = clock.now()
    decision.propose(tender, actor=pokja[0], now=now)
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=pokja[1], now=now
    )
    with pytest.raises(InvalidTransition):
        recording.record(tender, bids[0].id, {'technical': OK}, actor=pokja[1], now=now)
    with pytest.raises(InvalidTransition):
        decision.approve(
            tender, proposal_id=decision.approved_proposal(tender).id, actor=pokja[2], now=now
        )


def test_no_passing_bid_means_the_tender_is_declared_failed(opened_tender, pokja):
    tender, bids = opened_tender()
    now = clock.now()
    for bid in bids:
        recording.record(
            tender,
            bid.id,
            {**FILE_ONE, 'technical': {'passed': False, 'reason': 'Spesifikasi tidak sesuai'}},
            actor=pokja[0],
            now=now,
        )
    ranking = service.live_result(tender)
    assert ranking.winner is None
    assert ranking.failure_reason == 'no bid passes evaluation'
    with pytest.raises(Conflict, match='gagal'):
        decision.propose(tender, actor=pokja[0], now=now)
    with pytest.raises(ValidationFailed):
        service.declare_failed(tender, reason='  ', actor=pokja[0], now=now)
    service.declare_failed(
        tender, reason='Tidak ada penawaran yang lulus evaluasi', actor=pokja[0], now=now
    )
    db.session.commit()
    assert tender.status == TenderStatus.failed
    decided = service.decided_result(tender)
    assert decided.failed_reason == 'Tidak ada penawaran yang lulus evaluasi'
    assert decided.winner_bid_id is None
    assert tender.can_retender(pokja[0])


def test_reopen_starts_a_new_version_and_keeps_the_old(opened_tender, pokja):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    now = clock.now()
    decision.propose(tender, actor=pokja[0], now=now)
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=pokja[1], now=now
    )
    old_result = service.decided_result(tender).result_dict
    with pytest.raises(ValidationFailed):
        service.reopen(tender, reason='', actor=pokja[0], now=now)
    number = service.reopen(tender, reason='Sanggah PT Satu diterima', actor=pokja[2], now=now)
    db.session.commit()
    assert number == 2
    assert tender.winner_decided_at is None
    assert service.decided_result(tender) is None
    versions = worksheets.versions(tender)
    assert [(v.number, v.superseded_at is not None) for v in versions] == [(1, True), (2, False)]
    # The entries were carried over, with who made them: the Pokja amends rather than retypes.
    old, new = versions
    assert len(new.entries) == len(old.entries)
    assert {(e.bid_id, e.kind, e.entered_by_id) for e in new.entries} == {
        (e.bid_id, e.kind, e.entered_by_id) for e in old.entries
    }
    # The old decision stays on record for auditors.
    kept = db.session.scalar(select(ResultProposal).where(ResultProposal.version_id == old.id))
    assert kept.status == 'approved'
    assert kept.result_json and old_result['winner'] == str(bids[1].id)
    recording.record(
        tender,
        bids[1].id,
        {'qualification': {'passed': False, 'reason': 'Pengalaman tidak terbukti'}},
        actor=pokja[0],
        now=now,
    )
    assert service.live_result(tender).winner == str(bids[0].id)
    assert db.session.scalar(select(func.count()).select_from(EvaluationVersion)) == 2


def test_two_file_technical_pass_gates_file_two(opened_tender, pokja):
    from lpse.opening.models import OpenedBid

    from .conftest import open_price_envelopes

    tender, bids = opened_tender(
        category='jasa_konsultansi',
        selection_method='seleksi',
        submission_files=2,
        evaluation_method='qcbs',
        method_params={
            'weights': {'technical': '0.8', 'price': '0.2'},
            'technical_threshold': '70',
        },
    )
    now = clock.now()

    def opened(bid):
        return db.session.scalar(select(OpenedBid).where(OpenedBid.bid_id == bid.id))

    score = {'passed': True, 'score': '85'}
    recording.record(tender, bids[0].id, {**FILE_ONE, 'technical': score}, actor=pokja[0], now=now)
    assert opened(bids[0]).technical_pass is True
    assert opened(bids[1]).technical_pass is None  # not yet evaluated
    low = {'passed': True, 'score': '65'}  # below the threshold of 70
    recording.record(tender, bids[1].id, {**FILE_ONE, 'technical': low}, actor=pokja[0], now=now)
    assert opened(bids[1]).technical_pass is False
    recording.record(
        tender,
        bids[2].id,
        {**FILE_ONE, 'technical': {'passed': True, 'score': '75'}},
        actor=pokja[0],
        now=now,
    )
    db.session.commit()
    open_price_envelopes(tender, bids)
    ranking = service.live_result(tender)
    assert ranking.result(str(bids[1].id)).corrected_total is None
    assert ranking.result(str(bids[0].id)).corrected_total == Decimal('1410000000')
    assert ranking.result(str(bids[2].id)).scores['NB'] < 100
    with pytest.raises(InvalidTransition, match='File II'):
        recording.record(tender, bids[1].id, {'technical': score}, actor=pokja[0], now=now)


def test_auditors_see_the_superseded_version(client, opened_tender, pokja, cast, as_user):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    now = clock.now()
    decision.propose(tender, actor=pokja[0], now=now)
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=pokja[1], now=now
    )
    service.reopen(tender, reason='Sanggah diterima', actor=pokja[0], now=now)
    fail = {'qualification': {'passed': False, 'reason': 'Pengalaman tidak terbukti'}}
    recording.record(tender, bids[1].id, fail, actor=pokja[0], now=now)
    db.session.commit()
    _row, value = auth_ops.create_token(cast['auditor'], 'uji', now=now)
    db.session.commit()
    h = {'Authorization': f'Bearer {value}'}
    url = f'/api/v1/tenders/{tender.code}/evaluation'
    old = client.get(f'{url}?version=1', headers=h).get_json()
    assert (old['version'], old['current']) == (1, False)
    assert old['result']['winner'] == str(bids[1].id)
    assert [p['status'] for p in old['proposals']] == ['approved']
    new = client.get(url, headers=h).get_json()
    assert (new['version'], new['current']) == (2, True)
    assert new['result']['winner'] == str(bids[0].id)
    assert [v['reason'] for v in new['versions']] == ['', 'Sanggah diterima']
    assert client.get(f'{url}?version=9', headers=h).status_code == 404
    page = as_user(cast['auditor']).get(f'/tenders/{tender.code}/evaluation/?version=1')
    assert page.status_code == 200
    assert 'digantikan' in page.get_data(as_text=True)


def test_approving_a_proposal_that_is_no_longer_pending_is_refused(
    client, opened_tender, pokja, token
):
    """A member approves the proposal the page showed: when another member proposed a
    different result meanwhile, the approval is refused (409) and nothing is written."""
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    now = clock.now()
    seen = decision.propose(tender, actor=pokja[0], now=now)
    recording.record(
        tender, bids[1].id, {'technical': {'passed': False, 'reason': 'x'}}, actor=pokja[2], now=now
    )
    recording.record(tender, bids[0].id, {'pembuktian': OK}, actor=pokja[2], now=now)
    current = decision.propose(tender, actor=pokja[2], now=now)
    db.session.commit()
    assert seen.status == 'superseded' and current.winner_bid_id != seen.winner_bid_id
    with pytest.raises(Conflict, match=f'#{seen.id}'):
        decision.approve(tender, proposal_id=seen.id, actor=pokja[1], now=now)
    url = f'/api/v1/tenders/{tender.code}/result/approvals'
    response = client.post(url, json={'proposal': seen.id}, headers=token(pokja[1]))
    assert response.status_code == 409
    assert f'#{current.id}' in response.get_json()['error']['message']
    db.session.refresh(current)
    assert current.status == 'pending' and len(current.approvals) == 1
    response = client.post(url, json={'proposal': current.id}, headers=token(pokja[1]))
    assert response.status_code == 200 and response.get_json()['status'] == 'approved'


def test_the_approve_button_names_the_proposal_shown(opened_tender, pokja, as_user):
    tender, bids = opened_tender()
    evaluate_all(tender, bids, pokja[0])
    seen = decision.propose(tender, actor=pokja[0], now=clock.now())
    db.session.commit()
    client = as_user(pokja[1])
    page = client.get(f'/tenders/{tender.code}/evaluation/')
    assert f'name="proposal_id" value="{seen.id}"'.encode() in page.data
    url = f'/tenders/{tender.code}/evaluation/approve'
    assert client.post(url, data={'proposal_id': str(seen.id + 1000)}).status_code == 409
    assert client.post(url, data={}).status_code == 422
    response = client.post(url, data={'proposal_id': str(seen.id)})
    assert response.status_code == 302
    db.session.refresh(seen)
    assert seen.status == 'approved'
