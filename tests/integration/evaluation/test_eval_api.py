"""The evaluation API: worksheet entries, the live ranking, bad input, who sees what."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.auth import operations as auth_ops
from lpse.evaluation.models import EvaluationVersion, WorksheetEntry
from lpse.extensions import db

from .conftest import DEFAULT_BIDS, BidSpec

OK = {'passed': True}
FILE_ONE = {'administration': OK, 'qualification': OK, 'technical': OK}


@pytest.fixture
def token(app):
    def make(user):
        _row, value = auth_ops.create_token(user, 'uji', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {value}'}

    return make


def put(client, tender, bid, body, headers):
    return client.put(
        f'/api/v1/tenders/{tender.code}/bids/{bid.id}/evaluation', json=body, headers=headers
    )


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        db.session.scalar(select(func.count()).select_from(WorksheetEntry)),
        db.session.scalar(select(func.count()).select_from(EvaluationVersion)),
    )


def test_entries_are_attributed_audited_and_rank_live(client, opened_tender, pokja, token):
    tender, bids = opened_tender()
    h1, h2 = token(pokja[0]), token(pokja[1])
    response = put(client, tender, bids[0], FILE_ONE, h1)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body['version'] == 1
    assert body['entries']['administration']['entered_by']['id'] == pokja[0].id
    assert body['result']['rank'] == 1  # the only bid evaluated so far
    assert body['winner'] == str(bids[0].id)

    # A second member evaluates the cheapest bid: the live ranking changes at once.
    assert put(client, tender, bids[1], FILE_ONE, h2).status_code == 200
    live = client.get(f'/api/v1/tenders/{tender.code}/evaluation', headers=h1).get_json()
    assert live['result']['winner'] == str(bids[1].id)
    assert [b['id'] for b in live['result']['bids'] if b['rank']] == [
        str(bids[1].id),
        str(bids[0].id),
    ]
    third = next(b for b in live['result']['bids'] if b['id'] == str(bids[2].id))
    assert third['rank'] is None
    assert third['stages']['administration'] == {
        'status': 'failed',
        'reason': 'belum dievaluasi',
    }
    sheet = {w['bid']: w for w in live['worksheets']}
    assert sheet[bids[1].id]['entries']['technical']['entered_by']['id'] == pokja[1].id

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'evaluation.entry_recorded')
    ).all()
    assert len(events) == 6
    assert {e.actor_id for e in events} == {pokja[0].id, pokja[1].id}


def test_a_failed_verdict_is_shown_with_its_reason(client, opened_tender, pokja, token):
    tender, bids = opened_tender()
    h = token(pokja[0])
    body = {**FILE_ONE, 'qualification': {'passed': False, 'reason': 'SBU tidak sesuai'}}
    result = put(client, tender, bids[1], body, h).get_json()['result']
    assert result['rank'] is None
    assert result['stages']['qualification'] == {'status': 'failed', 'reason': 'SBU tidak sesuai'}


def test_an_entry_replaces_the_previous_one_of_its_kind(client, opened_tender, pokja, token):
    tender, bids = opened_tender()
    h = token(pokja[0])
    put(client, tender, bids[0], {'administration': {'passed': False, 'reason': 'x'}}, h)
    body = put(client, tender, bids[0], {'administration': OK}, token(pokja[2])).get_json()
    assert body['entries']['administration']['passed'] is True
    assert body['entries']['administration']['entered_by']['id'] == pokja[2].id
    assert db.session.scalar(select(func.count()).select_from(WorksheetEntry)) == 1


BAD = [
    ({'technical': {'passed': True, 'score': '100.01'}}, 'technical.score'),
    ({'technical': {'passed': True, 'score': '-1'}}, 'technical.score'),
    ({'technical': {'passed': True, 'score': 12.5}}, 'technical.score'),
    ({'technical': {'passed': True, 'score': '80.123'}}, 'technical.score'),
    ({'administration': {'passed': False}}, 'administration.reason'),
    ({'administration': {'passed': False, 'reason': '   '}}, 'administration.reason'),
    ({'administration': {'passed': 'ya'}}, 'administration.passed'),
    ({'administration': OK, 'qualification': {'passed': False}}, 'qualification.reason'),
    ({'price': OK}, 'price'),
    ({}, 'entries'),
    ({'tie_break_order': 0}, 'tie_break_order'),
    ({'clarification': OK}, 'clarification'),  # not below 80% of HPS
]


@pytest.mark.parametrize(('body', 'where'), BAD)
def test_bad_entries_are_refused_and_nothing_is_written(
    client, opened_tender, pokja, token, body, where
):
    tender, bids = opened_tender()
    h = token(pokja[0])
    before = counts()
    response = put(client, tender, bids[0], body, h)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()['error']['code'] == 'validation_failed'
    assert counts() == before, where


def test_a_bid_that_was_not_opened_cannot_be_evaluated(client, opened_tender, pokja, token):
    specs = [
        BidSpec('PT Satu', {1: Decimal('450000'), 2: Decimal('480000')}),
        BidSpec('PT Rusak', {1: Decimal('400000'), 2: Decimal('470000')}, openable=False),
    ]
    tender, bids = opened_tender(specs)
    h = token(pokja[0])
    before = counts()
    response = put(client, tender, bids[1], FILE_ONE, h)
    assert response.status_code == 409
    assert 'tidak dibuka' in response.get_json()['error']['message']
    assert counts() == before
    live = client.get(f'/api/v1/tenders/{tender.code}/evaluation', headers=h).get_json()
    assert [b['id'] for b in live['result']['bids']] == [str(bids[0].id)]


def test_a_bid_of_another_tender_is_not_found(client, opened_tender, pokja, token):
    tender, _bids = opened_tender()
    _other, other_bids = opened_tender()
    response = put(client, tender, other_bids[0], FILE_ONE, token(pokja[0]))
    assert response.status_code == 404


def test_scored_methods_need_a_technical_score(client, opened_tender, pokja, token):
    tender, bids = opened_tender(
        evaluation_method='merit_point',
        method_params={
            'weights': {'technical': '0.7', 'price': '0.3'},
            'technical_threshold': '70',
        },
    )
    h = token(pokja[0])
    response = put(client, tender, bids[0], FILE_ONE, h)
    assert response.status_code == 422
    assert 'nilai teknis' in response.get_json()['error']['message']
    scored = {**FILE_ONE, 'technical': {'passed': True, 'score': '80'}}
    body = put(client, tender, bids[0], scored, h).get_json()
    assert body['entries']['technical']['score'] == '80.00'
    assert body['result']['scores'] == {'NT': '80.00', 'NH': '100.00', 'NA': '86.00'}


def test_only_this_tenders_pokja_may_enter(client, opened_tender, cast, token):
    tender, bids = opened_tender()
    for who, status in [
        ('pokja_other', 403),
        ('ppk', 403),
        ('auditor', 403),
        ('vendor', 403),
    ]:
        response = put(client, tender, bids[0], FILE_ONE, token(cast[who]))
        assert response.status_code == status, who
    assert put(client, tender, bids[0], FILE_ONE, {}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(WorksheetEntry)) == 0


def test_who_sees_the_live_ranking(client, opened_tender, cast, token):
    tender, _bids = opened_tender()
    url = f'/api/v1/tenders/{tender.code}/evaluation'
    for who, status in [
        ('pokja', 200),
        ('ppk', 200),
        ('auditor', 200),
        ('pokja_other', 403),
        ('vendor', 403),
        ('admin', 403),
    ]:
        assert client.get(url, headers=token(cast[who])).status_code == status, who
    assert client.get(url).status_code == 401
    export_url = f'/api/v1/tenders/{tender.code}/evaluation/export'
    assert client.get(export_url, headers=token(cast['vendor'])).status_code == 403
    assert client.get(export_url, headers=token(cast['auditor'])).status_code == 200


def test_entries_before_opening_are_refused(client, create_tender, cast, token):
    from lpse.tenders.stages import Stage

    tender = create_tender(Stage.bid_opening)
    response = client.get(f'/api/v1/tenders/{tender.code}/evaluation', headers=token(cast['pokja']))
    assert response.status_code == 200
    assert response.get_json()['result']['bids'] == []


def test_a_price_below_80_percent_of_hps_waits_for_its_clarification(
    client, opened_tender, pokja, token
):
    cheap = BidSpec('PT Murah', {1: Decimal('350000'), 2: Decimal('375000')})  # 1,100,000,000
    tender, bids = opened_tender([*DEFAULT_BIDS[:2], cheap])
    h = token(pokja[0])
    for bid in bids:
        assert put(client, tender, bid, FILE_ONE, h).status_code == 200
    result = put(client, tender, bids[2], {'pembuktian': OK}, h).get_json()['result']
    assert result['rank'] is None
    assert result['stages']['price'] == {
        'status': 'failed',
        'reason': 'below 80% of HPS: clarification outcome not recorded',
    }
    assert 'below_reasonable_price' in {f['code'] for f in result['flags']}
    refused = put(client, tender, bids[2], {'clarification': {'passed': False}}, h)
    assert refused.status_code == 422
    body = {'clarification': {'passed': True, 'reason': 'Harga wajar: stok lama gudang sendiri'}}
    clarified = put(client, tender, bids[2], body, h).get_json()
    assert clarified['result']['rank'] == 1
    assert clarified['winner'] == str(bids[2].id)
    assert clarified['entries']['clarification']['entered_by']['id'] == pokja[0].id
