"""Seleksi: clarification and negotiation after the ranking (DOMAIN §9), hand-computed.

QCBS, Wt 0.8 / Wb 0.2, BoQ: item 1 × 10 (orang-bulan), item 2 × 2 (laporan).
A: NT 90, B = 10 × 20000 + 2 × 30000 = 260000, NB = 100 × 200000 / 260000 = 76.92,
   NK = 72 + 15.38 = 87.38 (rank 1)
B: NT 80, B = 10 × 15000 + 2 × 25000 = 200000, NB = 100, NK = 64 + 20 = 84.00 (rank 2)
C: NT 75, B = 10 × 18000 + 2 × 30000 = 240000, NB = 83.33, NK = 60 + 16.67 = 76.67 (rank 3)
"""

import copy
import json

import pytest

from lpse.console import main
from lpse.scoring.case import CaseError, evaluate_file, parse_case, result_to_dict
from lpse.scoring.methods import evaluate

PASSED = {'passed': True}


def _bid(bid_id, nt, p1, p2):
    return {
        'id': bid_id,
        'vendor': {'name': f'PT {bid_id}'},
        'price_lines': [
            {'item': '1', 'quantity': '10', 'unit_price': p1},
            {'item': '2', 'quantity': '2', 'unit_price': p2},
        ],
        'verdicts': dict.fromkeys(('administration', 'qualification', 'technical'), PASSED),
        'technical': {'score': nt},
    }


def case(method='qcbs'):
    return {
        'format': 'lpse-evaluation-case/1',
        'method': method,
        'parameters': {
            'rules_version': 'test/1',
            'category': 'jasa_konsultansi',
            'contract_type': 'unit_price',
            'hps': '300000',
            'boq': [
                {'id': '1', 'description': 'Tenaga ahli', 'quantity': '10', 'unit': 'OB'},
                {'id': '2', 'description': 'Laporan', 'quantity': '2', 'unit': 'buku'},
            ],
            'weights': {'technical': '0.8', 'price': '0.2'},
            'technical_threshold': '70',
        },
        'bids': [
            _bid('A', '90', '20000', '30000'),
            _bid('B', '80', '15000', '25000'),
            _bid('C', '75', '18000', '30000'),
        ],
    }


def negotiate(data, bid_id, negotiation):
    bid = next(b for b in data['bids'] if b['id'] == bid_id)
    bid['negotiation'] = negotiation
    return data


def result(data):
    parsed = parse_case(copy.deepcopy(data))
    return result_to_dict(evaluate(parsed.method, parsed.params, parsed.bids))


def test_without_negotiation_the_result_is_unchanged():
    out = result(case())
    assert (out['winner'], out['reserves']) == ('A', ['B', 'C'])
    assert [b['scores']['NK'] for b in out['bids']] == ['87.38', '84.00', '76.67']
    assert 'negotiated_total' not in out
    assert all('negotiation' not in b for b in out['bids'])


def test_agreed_negotiation_gives_the_winner_its_negotiated_total():
    data = negotiate(
        case(), 'A', {'status': 'agreed', 'lines': [{'item': '1', 'unit_price': '19000'}]}
    )
    out = result(data)
    # HN = 10 × 19000 + 2 × 30000 (not negotiated) = 250000; the ranking itself is unchanged.
    assert (out['winner'], out['reserves'], out['negotiated_total']) == ('A', ['B', 'C'], '250000')
    first = out['bids'][0]
    assert first['corrected_total'] == '260000'
    assert first['negotiation'] == {'status': 'agreed', 'reason': '', 'negotiated_total': '250000'}
    assert out['formulas'][-1].startswith('negotiation: HN =')


def test_first_firm_fails_second_awarded_at_its_negotiated_price():
    data = negotiate(case(), 'A', {'status': 'failed', 'reason': 'tenaga ahli tidak sepakat'})
    negotiate(data, 'B', {'status': 'agreed', 'lines': [{'item': '2', 'unit_price': '22500'}]})
    out = result(data)
    # HN(B) = 10 × 15000 + 2 × 22500 = 195000.
    assert (out['winner'], out['reserves'], out['negotiated_total']) == ('B', ['C'], '195000')
    assert [(b['id'], b['rank']) for b in out['bids']] == [('A', 1), ('B', 2), ('C', 3)]
    assert out['bids'][0]['negotiation'] == {
        'status': 'failed',
        'reason': 'tenaga ahli tidak sepakat',
        'negotiated_total': None,
    }


def test_second_firm_invited_before_it_agrees_has_no_negotiated_total_yet():
    data = negotiate(case(), 'A', {'status': 'failed', 'reason': 'harga tidak sepakat'})
    out = result(data)
    assert (out['winner'], out['reserves'], out['negotiated_total']) == ('B', ['C'], None)


def test_every_firm_failing_leaves_no_winner():
    data = case()
    for bid_id in 'ABC':
        negotiate(data, bid_id, {'status': 'failed', 'reason': 'tidak sepakat'})
    out = result(data)
    assert (out['winner'], out['reserves'], out['negotiated_total']) == (None, [], None)


def test_quality_opens_the_next_file_two_after_a_failed_negotiation():
    data = case('quality')
    del data['parameters']['weights']
    negotiate(data, 'A', {'status': 'failed', 'reason': 'metodologi tidak sepakat'})
    negotiate(data, 'B', {'status': 'agreed', 'lines': [{'item': '1', 'unit_price': '14000'}]})
    out = result(data)
    # HN(B) = 10 × 14000 + 2 × 25000 = 190000; C's File II stays closed.
    assert (out['winner'], out['negotiated_total']) == ('B', '190000')
    assert out['bids'][2]['stages']['price']['status'] == 'not_evaluated'


def test_lump_sum_negotiation_lowers_the_declared_total_by_the_line_differences():
    data = case()
    data['parameters']['contract_type'] = 'lump_sum'
    del data['parameters']['boq']
    for bid, total in zip(data['bids'], ('260000', '200000', '240000'), strict=True):
        bid['declared_total'] = total
    negotiate(data, 'A', {'status': 'agreed', 'lines': [{'item': '2', 'unit_price': '25000'}]})
    # HN = 260000 − 2 × (30000 − 25000) = 250000.
    assert result(data)['negotiated_total'] == '250000'


@pytest.mark.parametrize(
    ('negotiation', 'message'),
    [
        (
            {'status': 'agreed', 'lines': [{'item': '1', 'unit_price': '20001'}]},
            'bids[0].negotiation.lines[0].unit_price: the negotiated price 20001 exceeds the '
            "offer's unit price 20000 for item '1'",
        ),
        (
            {'status': 'agreed', 'lines': [{'item': '9', 'unit_price': '1'}]},
            "bids[0].negotiation.lines[0].item: '9' is not a line of the offer",
        ),
        (
            {
                'status': 'agreed',
                'lines': [{'item': '1', 'unit_price': '1'}, {'item': '1', 'unit_price': '2'}],
            },
            "bids[0].negotiation.lines[1]: duplicate '1'",
        ),
        ({'status': 'failed'}, 'bids[0].negotiation.reason: a failed negotiation needs a reason'),
        ({'status': 'maybe'}, 'bids[0].negotiation.status:'),
    ],
)
def test_a_negotiation_breaking_the_rules_is_refused(negotiation, message):
    with pytest.raises(CaseError, match=None) as refused:
        parse_case(negotiate(case(), 'A', negotiation))
    assert str(refused.value).startswith(message)


def test_methods_without_negotiation_refuse_one():
    data = case()
    data['method'] = 'merit_point'
    data['parameters']['category'] = 'jasa_lainnya'
    negotiate(data, 'A', {'status': 'agreed'})
    with pytest.raises(CaseError, match='method merit_point has no negotiation'):
        parse_case(data)


def test_lpse_evaluate_gives_the_same_result(tmp_path, capsys):
    data = negotiate(case(), 'A', {'status': 'failed', 'reason': 'tenaga ahli tidak sepakat'})
    negotiate(data, 'B', {'status': 'agreed', 'lines': [{'item': '2', 'unit_price': '22500'}]})
    path = tmp_path / 'case.json'
    path.write_text(json.dumps(data), encoding='utf-8')
    assert evaluate_file(path) == result(data)
    assert main(['evaluate', str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == result(data)
