"""The export round trip: the case a finished evaluation exports, fed to `lpse evaluate`,
prints exactly the published result."""

import json
from decimal import Decimal

import pytest

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.console import main
from lpse.evaluation import decision, recording, service
from lpse.extensions import db

from .conftest import DEFAULT_BIDS, BidSpec

OK = {'passed': True}
FILE_ONE = {'administration': OK, 'qualification': OK, 'technical': OK}

# Declares the lowest total (item 1 priced for 100 m3 instead of the BoQ's 1000) but is the
# dearest once corrected: 1000 × 490,000 + 2000 × 495,000 = 1,480,000,000.
CORRECTED = BidSpec(
    'PT Salah Hitung',
    {1: Decimal('490000'), 2: Decimal('495000')},
    changes={
        'price_lines': [
            {'item': '1', 'quantity': '100', 'unit': 'm3', 'unit_price': '490000'},
            {'item': '2', 'quantity': '2000', 'unit': 'm2', 'unit_price': '495000'},
            {'item': '9', 'quantity': '1', 'unit': 'ls', 'unit_price': '5000000'},
        ],
        'declared_total': '1039000000',
    },
)


@pytest.fixture
def token(app):
    def make(user):
        _row, value = auth_ops.create_token(user, 'uji', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {value}'}

    return make


def decide(tender, bids, pokja, *, extra=None):
    now = clock.now()
    for bid in bids:
        recording.record(tender, bid.id, {**FILE_ONE, **(extra or {})}, actor=pokja[0], now=now)
    winner = int(service.live_result(tender).winner)
    recording.record(tender, winner, {'pembuktian': OK}, actor=pokja[1], now=now)
    decision.propose(tender, actor=pokja[0], now=now)
    decision.approve(
        tender, proposal_id=decision.pending_proposal(tender).id, actor=pokja[2], now=now
    )
    db.session.commit()


def recompute(tmp_path, case, capsys):
    path = tmp_path / 'case.json'
    path.write_text(json.dumps(case, ensure_ascii=False), encoding='utf-8')
    capsys.readouterr()
    assert main(['evaluate', str(path)]) == 0
    return capsys.readouterr().out


def test_export_reproduces_the_published_result(
    client, opened_tender, pokja, cast, token, tmp_path, capsys
):
    tender, bids = opened_tender([*DEFAULT_BIDS, CORRECTED])
    decide(tender, bids, pokja)
    h = token(pokja[0])
    exported = client.get(f'/api/v1/tenders/{tender.code}/evaluation/export', headers=h)
    assert exported.status_code == 200
    assert 'attachment' in exported.headers['Content-Disposition']
    case = exported.get_json()
    assert case['format'] == 'lpse-evaluation-case/1'
    assert case['method'] == 'lowest_price'

    printed = recompute(tmp_path, case, capsys)
    published = service.decided_result(tender).result_dict
    assert json.loads(printed) == published
    # Byte for byte, as `lpse evaluate` prints it.
    assert printed == json.dumps(published, indent=2, ensure_ascii=False) + '\n'

    # The arithmetic correction moved the declared-cheapest bid to the bottom.
    corrected = next(b for b in published['bids'] if b['id'] == str(bids[3].id))
    assert corrected['declared_total'] == '1039000000'
    assert corrected['corrected_total'] == '1480000000'
    assert corrected['rank'] == 4
    assert {f['code'] for f in corrected['flags']} == {'arithmetic_correction', 'item_not_in_boq'}
    assert published['winner'] == str(bids[1].id)

    # After the announcement (recorded by the announcement work) a losing bidder sees the
    # same result and can recompute it from the same export.
    tender.winner_announced_at = clock.now()
    db.session.commit()
    vendor = token(bids[0].vendor.user)
    public = client.get(f'/api/v1/tenders/{tender.code}/evaluation', headers=vendor)
    assert public.status_code == 200
    assert public.get_json()['public'] is True
    assert public.get_json()['result'] == published
    assert 'worksheets' not in public.get_json()
    again = client.get(f'/api/v1/tenders/{tender.code}/evaluation/export', headers=vendor)
    assert again.get_json() == case
    assert client.get(f'/api/v1/tenders/{tender.code}/evaluation').status_code == 200


def test_before_the_decision_the_export_is_the_live_case(
    client, opened_tender, pokja, token, tmp_path, capsys
):
    tender, bids = opened_tender()
    recording.record(tender, bids[0].id, FILE_ONE, actor=pokja[0], now=clock.now())
    db.session.commit()
    h = token(pokja[0])
    case = client.get(f'/api/v1/tenders/{tender.code}/evaluation/export', headers=h).get_json()
    live = client.get(f'/api/v1/tenders/{tender.code}/evaluation', headers=h).get_json()
    assert json.loads(recompute(tmp_path, case, capsys)) == live['result']


def test_tkdn_preference_in_a_goods_tender_round_trips(
    client, opened_tender, pokja, token, tmp_path, capsys
):
    specs = [
        BidSpec('PT Produk Dalam Negeri', {1: Decimal('450000'), 2: Decimal('480000')}, '40'),
        BidSpec('PT Impor', {1: Decimal('400000'), 2: Decimal('470000')}, '10'),
    ]
    tender, bids = opened_tender(specs, category='barang')
    decide(tender, bids, pokja)
    published = service.decided_result(tender).result_dict
    first = published['bids'][0]
    # KP = 40% × 25% = 10%; HEA = 0.9 × 1,410,000,000 = 1,269,000,000 < 1,340,000,000.
    assert first['id'] == str(bids[0].id)
    assert first['corrected_total'] == '1410000000'
    assert first['evaluated_price'] == '1269000000'
    assert first['tkdn_preference'] == '10.00'
    h = token(pokja[0])
    case = client.get(f'/api/v1/tenders/{tender.code}/evaluation/export', headers=h).get_json()
    assert json.loads(recompute(tmp_path, case, capsys)) == published


def test_merit_point_with_criteria_round_trips(
    client, opened_tender, pokja, token, tmp_path, capsys
):
    tender, bids = opened_tender(
        evaluation_method='merit_point',
        method_params={
            'weights': {'technical': '0.7', 'price': '0.3'},
            'technical_threshold': '60',
            'technical_criteria': [
                {'id': 'metode', 'weight': '0.6'},
                {'id': 'personel', 'weight': '0.4'},
            ],
        },
    )
    now = clock.now()
    scores = [('90', '80'), ('70', '60'), ('95', '90')]
    for bid, (a, b) in zip(bids, scores, strict=True):
        technical = {'passed': True, 'criteria': {'metode': a, 'personel': b}}
        recording.record(
            tender, bid.id, {**FILE_ONE, 'technical': technical}, actor=pokja[0], now=now
        )
    db.session.commit()
    ranking = service.live_result(tender)
    # NT: 86, 66, 93; NH = 100 × 1,340,000,000 / P; NA = 0.7 NT + 0.3 NH.
    nt = {r.bid_id: r.scores['NT'] for r in ranking.results}
    assert nt == {
        str(bids[0].id): Decimal('86.00'),
        str(bids[1].id): Decimal('66.00'),
        str(bids[2].id): Decimal('93.00'),
    }
    na = ranking.result(str(bids[2].id)).scores['NA']
    # 0.7 × 93 + 0.3 × 100 × 1,340,000,000 / 1,460,000,000 = 65.1 + 27.5342… = 92.63
    assert na.quantize(Decimal('0.01')) == Decimal('92.63')
    assert ranking.winner == str(bids[2].id)
    h = token(pokja[0])
    case = client.get(f'/api/v1/tenders/{tender.code}/evaluation/export', headers=h).get_json()
    assert case['bids'][0]['technical'] == {'criteria': {'metode': '90.00', 'personel': '80.00'}}
    live = client.get(f'/api/v1/tenders/{tender.code}/evaluation', headers=h).get_json()
    assert json.loads(recompute(tmp_path, case, capsys)) == live['result']
