"""Arithmetic correction, HPS ceiling, reasonableness, unbalanced prices and TKDN preference."""

from decimal import Decimal

import pytest

from lpse.scoring.correction import (
    correct,
    evaluated_price,
    preference,
    rupiah,
    tkdn_applies,
)
from lpse.scoring.methods import evaluate
from lpse.scoring.types import FAILED, PASSED, BoqItem, TkdnRule, Verdict

from .factories import d, lines, make_bid, make_params

BOQ = (
    BoqItem('1', d(10), d(5_000), 'Galian tanah', 'm3'),
    BoqItem('2', d(4), d(20_000), 'Beton K-250', 'm3'),
)


def unit_price(**overrides):
    values = {'category': 'pekerjaan_konstruksi', 'contract_type': 'unit_price', 'boq': BOQ}
    return make_params(**{**values, **overrides})


def codes(result):
    return [f.code for f in result.flags]


def test_line_total_is_boq_quantity_times_bid_unit_price():
    bid = make_bid('A', 106_000, lines=lines(('1', 12, 4_000), ('2', 4, 19_000)))
    fixed = correct(bid, unit_price())
    assert fixed.total == Decimal(116_000)  # 10 × 4,000 + 4 × 19,000; quantity 12 forced to 10
    assert fixed.notes == ('1: quantity 12 forced to BoQ 10',)
    assert [f.detail for f in fixed.flags] == ['declared 106000, corrected 116000']


def test_unpriced_item_counts_zero():
    bid = make_bid('A', lines=lines(('1', 10, 4_000), ('2', 4, None)))
    fixed = correct(bid, unit_price())
    assert fixed.total == Decimal(40_000)
    assert [f.code for f in fixed.flags] == ['unpriced_item']


def test_missing_item_counts_zero_and_extra_item_is_removed():
    bid = make_bid('A', lines=lines(('1', 10, 4_000), ('9', 1, 50_000)))
    fixed = correct(bid, unit_price())
    assert fixed.total == Decimal(40_000)
    assert sorted(f.code for f in fixed.flags) == ['item_not_in_boq', 'unpriced_item']


def test_lump_sum_total_is_not_corrected():
    bid = make_bid('A', 106_000, lines=lines(('1', 10, 4_000), ('2', 4, 19_000)))
    fixed = correct(bid, unit_price(contract_type='lump_sum'))
    assert fixed.total == Decimal(106_000)


def test_gabungan_keeps_bid_quantity_of_lump_sum_items_only():
    boq = (BoqItem('1', d(10), d(5_000)), BoqItem('2', d(1), d(80_000), lump_sum=True))
    bid = make_bid('A', lines=lines(('1', 12, 4_000), ('2', 2, 30_000)))
    fixed = correct(bid, unit_price(contract_type='gabungan', boq=boq))
    assert fixed.total == Decimal(100_000)  # 10 × 4,000 + 2 × 30,000


def test_correction_changes_the_ranking():
    # A declares the lowest total but wrote item 2 as 66,000 instead of 4 × 19,000 = 76,000.
    a = make_bid('A', 106_000, lines=lines(('1', 10, 4_000), ('2', 4, 19_000)))
    b = make_bid('B', 113_000, lines=lines(('1', 10, 4_500), ('2', 4, 17_000)))
    ranking = evaluate('lowest_price', unit_price(hps=d(130_000)), [a, b])
    assert ranking.winner == 'B'
    assert ranking.reserves == ('A',)
    assert ranking.result('A').corrected_total == Decimal(116_000)
    assert ranking.result('A').rank == 2
    assert ranking.result('B').corrected_total == Decimal(113_000)


@pytest.mark.parametrize(
    ('total', 'status'), [(1_000_000, PASSED), (999_999, PASSED), (1_000_001, FAILED)]
)
def test_hps_ceiling_boundary(total, status):
    ranking = evaluate('lowest_price', make_params(), [make_bid('A', total)])
    price = ranking.result('A').stages['price']
    assert price.status == status
    if status == FAILED:
        assert price.reason == 'corrected total 1000001 above HPS 1000000'
        assert ranking.failure_reason == 'all bids above HPS'


@pytest.mark.parametrize(
    ('total', 'clarification', 'status', 'flagged'),
    [
        (800_000, None, PASSED, False),
        (799_999, None, FAILED, True),
        (799_999, Verdict(True, 'harga wajar, rincian diterima'), PASSED, True),
        (799_999, Verdict(False, 'tidak dapat menjelaskan harga'), FAILED, True),
    ],
)
def test_below_80_percent_needs_clarification(total, clarification, status, flagged):
    bid = make_bid('A', total, clarification=clarification)
    result = evaluate('lowest_price', make_params(), [bid]).result('A')
    assert result.stages['price'].status == status
    assert ('below_reasonable_price' in codes(result)) is flagged
    if status == FAILED:
        assert result.stages['price'].reason


@pytest.mark.parametrize(('price', 'flagged'), [(22_000, False), (22_001, True)])
def test_unbalanced_unit_price_boundary(price, flagged):
    bid = make_bid('A', lines=lines(('1', 10, 4_000), ('2', 4, price)))
    result = evaluate('lowest_price', unit_price(hps=d(130_000)), [bid]).result('A')
    assert ('unbalanced_unit_price' in codes(result)) is flagged
    assert result.stages['price'].status == PASSED  # a flag, not a verdict


def test_unbalanced_ratio_is_configurable():
    bid = make_bid('A', lines=lines(('1', 10, 4_000), ('2', 4, 21_001)))
    params = unit_price(hps=d(130_000), unbalanced_ratio=d('1.05'))
    result = evaluate('lowest_price', params, [bid]).result('A')
    assert 'unbalanced_unit_price' in codes(result)


def test_tkdn_legacy_worked_example_of_domain():
    kp = preference(d(50), TkdnRule(formula='legacy', max_preference=d('0.15')))
    assert kp == Decimal('0.075')
    assert rupiah(evaluated_price(d(1_000_000), kp, 'legacy')) == '930233'


def test_tkdn_lkpp2022_formula():
    kp = preference(d(40), TkdnRule())
    assert kp == Decimal('0.10')
    assert evaluated_price(d(1_000_000_000), kp, 'lkpp2022') == Decimal(900_000_000)


GOODS_OVER_1BN = {'hps': d(1_200_000_000)}


def test_tkdn_preference_changes_the_ranking_but_not_the_contract_value():
    x = make_bid('X', 1_000_000_000, tkdn=40)
    y = make_bid('Y', 950_000_000)
    ranking = evaluate('lowest_price', make_params(**GOODS_OVER_1BN), [x, y])
    assert ranking.winner == 'X'
    assert ranking.result('X').evaluated_price == Decimal(900_000_000)
    assert ranking.result('X').corrected_total == Decimal(1_000_000_000)
    assert ranking.result('Y').evaluated_price == Decimal(950_000_000)


def test_tkdn_legacy_in_a_tender():
    params = make_params(
        tkdn=TkdnRule(formula='legacy', max_preference=d('0.15')), **GOODS_OVER_1BN
    )
    result = evaluate('lowest_price', params, [make_bid('X', 1_000_000_000, tkdn=50)]).result('X')
    assert rupiah(result.evaluated_price) == '930232558'


@pytest.mark.parametrize(
    ('category', 'hps', 'tkdn', 'applies'),
    [
        ('barang', 1_000_000_001, 25, True),
        ('barang', 1_000_000_001, '24.99', False),
        ('barang', 1_000_000_000, 50, False),
        ('pekerjaan_konstruksi', 2_000_000_000, 50, False),
        ('jasa_lainnya', 2_000_000_000, 50, False),
    ],
)
def test_tkdn_applies_only_to_goods_above_1bn_with_tkdn_25(category, hps, tkdn, applies):
    params = make_params(category=category, hps=d(hps))
    bid = make_bid('A', 900_000_000, tkdn=tkdn)
    assert tkdn_applies(bid, params) is applies
    result = evaluate('lowest_price', params, [bid]).result('A')
    expected = Decimal('843750000') if applies else Decimal(900_000_000)  # KP 6.25% at TKDN 25
    assert result.evaluated_price == expected
