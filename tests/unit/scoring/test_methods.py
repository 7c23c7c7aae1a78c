"""Worked examples for every method; expected numbers are written out by hand."""

from decimal import Decimal

import pytest

from lpse.scoring.case import result_to_dict
from lpse.scoring.methods import METHODS, UnknownMethodError, evaluate
from lpse.scoring.types import (
    FAILED,
    NOT_EVALUATED,
    PASSED,
    Criterion,
    LifeCycle,
    Verdict,
)

from .factories import d, make_bid, make_params


def shown(ranking, bid_id):
    """The displayed (rounded) result of one bid."""
    return next(b for b in result_to_dict(ranking)['bids'] if b['id'] == bid_id)


def test_registry_holds_every_method():
    assert sorted(METHODS) == [
        'fixed_budget',
        'least_cost',
        'life_cycle_cost',
        'lowest_price',
        'merit_point',
        'qcbs',
        'quality',
    ]


def test_unknown_method():
    with pytest.raises(UnknownMethodError, match="'cheapest'"):
        evaluate('cheapest', make_params(), [])


# lowest_price -------------------------------------------------------------


def test_lowest_price_winner_and_two_reserves():
    bids = [make_bid(i, t) for i, t in [('A', 900_000), ('B', 850_000), ('C', 950_000)]]
    bids.append(make_bid('D', 920_000))
    ranking = evaluate('lowest_price', make_params(category='jasa_lainnya'), bids)
    assert ranking.winner == 'B'
    assert ranking.reserves == ('A', 'D')
    assert [r.rank for r in ranking.results] == [1, 2, 3, 4]
    assert ranking.failure_reason is None


def test_single_valid_bid_can_win_with_no_reserve():
    ranking = evaluate('lowest_price', make_params(), [make_bid('A', 900_000)])
    assert (ranking.winner, ranking.reserves) == ('A', ())


def test_failed_stage_excludes_bid_with_its_reason():
    bids = [
        make_bid('A', 850_000, fail={'administration': 'jaminan penawaran tidak sah'}),
        make_bid('B', 900_000),
    ]
    ranking = evaluate('lowest_price', make_params(), bids)
    assert ranking.winner == 'B'
    a = ranking.result('A')
    assert a.rank is None
    assert a.stages['administration'].reason == 'jaminan penawaran tidak sah'


def test_failed_pembuktian_promotes_the_reserve():
    proof = Verdict(False, 'SBU asli tidak dapat ditunjukkan')
    bids = [
        make_bid('A', 850_000, verdicts={**make_bid('x').verdicts, 'pembuktian': proof}),
        make_bid('B', 900_000),
        make_bid('C', 950_000),
    ]
    ranking = evaluate('lowest_price', make_params(), bids)
    assert (ranking.winner, ranking.reserves) == ('B', ('C',))
    assert ranking.result('A').stages['pembuktian'].status == FAILED


@pytest.mark.parametrize(
    ('bids', 'reason'),
    [
        ([], 'no bids'),
        ([make_bid('A', 1_000_001), make_bid('B', 1_200_000)], 'all bids above HPS'),
        (
            [make_bid('A', 1_000_001), make_bid('B', 900_000, fail={'technical': 'spek kurang'})],
            'no bid passes evaluation',
        ),
    ],
)
def test_failed_tender_reason(bids, reason):
    ranking = evaluate('lowest_price', make_params(), bids)
    assert ranking.winner is None
    assert ranking.reserves == ()
    assert ranking.failure_reason == reason


# ties ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ('a', 'b', 'winner'),
    [
        ({'nt': 80}, {'nt': 85}, 'B'),  # higher technical score
        ({'tkdn': 30}, {'tkdn': 20}, 'A'),  # higher TKDN
        ({}, {'small': True}, 'B'),  # small business / cooperative
        ({'tie_break_order': 2}, {'tie_break_order': 1}, 'B'),  # recorded Pokja decision
    ],
)
def test_each_tie_break_link(a, b, winner):
    params = make_params(category='jasa_lainnya')
    bids = [make_bid('A', 900_000, **a), make_bid('B', 900_000, **b)]
    ranking = evaluate('lowest_price', params, bids)
    assert ranking.winner == winner
    assert ranking.unresolved_tie == ()


def test_chain_order_matters():
    bids = [make_bid('A', 900_000, nt=90), make_bid('B', 900_000, nt=80, small=True)]
    default = evaluate('lowest_price', make_params(), bids)
    small_first = evaluate('lowest_price', make_params(tie_break=('small_business',)), bids)
    assert (default.winner, small_first.winner) == ('A', 'B')


def test_unresolved_tie_needs_a_pokja_decision_and_never_uses_order():
    bids = [make_bid('B', 900_000), make_bid('A', 900_000)]
    ranking = evaluate('lowest_price', make_params(), bids)
    assert ranking.winner is None
    assert ranking.unresolved_tie == ('A', 'B')
    assert ranking.failure_reason is None
    assert [r.rank for r in ranking.results] == [1, 1]


# merit_point --------------------------------------------------------------

MERIT = {
    'category': 'jasa_lainnya',
    'technical_weight': d('0.7'),
    'price_weight': d('0.3'),
    'technical_threshold': d(70),
}


def test_merit_point_na_with_weights():
    bids = [
        make_bid('A', 900_000, nt=80),
        make_bid('B', 850_000, nt=75),
        make_bid('C', 820_000, nt=65),  # below the threshold: not part of Pmin
    ]
    ranking = evaluate('merit_point', make_params(**MERIT), bids)
    assert ranking.winner == 'A'
    assert ranking.reserves == ('B',)
    # NH(A) = 100 × 850,000 / 900,000 = 94.44; NA(A) = 0.7 × 80 + 0.3 × 94.44 = 84.33
    assert shown(ranking, 'A')['scores'] == {'NT': '80.00', 'NH': '94.44', 'NA': '84.33'}
    # NH(B) = 100; NA(B) = 0.7 × 75 + 0.3 × 100 = 82.50
    assert shown(ranking, 'B')['scores'] == {'NT': '75.00', 'NH': '100.00', 'NA': '82.50'}
    c = ranking.result('C')
    assert c.stages['technical'].reason == 'technical score 65.00 below threshold 70'
    assert 'NH' not in c.scores


def test_merit_point_nt_from_weighted_criteria():
    criteria = (Criterion('metode', d('0.6')), Criterion('personil', d('0.4')))
    bid = make_bid('A', 900_000, criterion_scores={'metode': d(80), 'personil': d(90)})
    ranking = evaluate('merit_point', make_params(technical_criteria=criteria, **MERIT), [bid])
    assert ranking.result('A').scores['NT'] == Decimal(84)  # 0.6 × 80 + 0.4 × 90


# life_cycle_cost ----------------------------------------------------------


def test_life_cycle_cost_discounts_over_n_years_with_residual():
    params = make_params(category='barang', hps=d(1_100_000), discount_rate=d('0.10'), years=3)
    a = make_bid(
        'A',
        1_000_000,
        life_cycle=LifeCycle(
            (d(100_000),) * 3, (d(10_000), d(20_000), d(30_000)), residual=d(200_000)
        ),
    )
    b = make_bid('B', 950_000, life_cycle=LifeCycle((d(150_000),) * 3, (d(20_000),) * 3))
    ranking = evaluate('life_cycle_cost', params, [a, b])
    # A: 1,000,000 + 110,000/1.1 + 120,000/1.21 + 130,000/1.331 − 200,000/1.331
    #  = 1,000,000 + 100,000 + 99,173.55 + 97,670.92 − 150,262.96 = 1,146,581.52
    assert shown(ranking, 'A')['scores']['LCC'] == '1146582'
    # B: 950,000 + 170,000 × (1/1.1 + 1/1.21 + 1/1.331) = 1,372,764.84
    assert shown(ranking, 'B')['scores']['LCC'] == '1372765'
    assert ranking.winner == 'A'  # despite B's lower price


def test_life_cycle_cost_without_stated_costs_fails_price():
    params = make_params(discount_rate=d('0.1'), years=1)
    ranking = evaluate('life_cycle_cost', params, [make_bid('A', 900_000)])
    assert ranking.result('A').stages['price'].reason == 'no operating/maintenance costs stated'


# consultancy --------------------------------------------------------------

CONSULTANCY = {
    'category': 'jasa_konsultansi',
    'hps': d(500_000),
    'technical_threshold': d(70),
}


def test_qcbs_nb_nk_and_file_two_only_for_technical_pass():
    params = make_params(technical_weight=d('0.8'), price_weight=d('0.2'), **CONSULTANCY)
    bids = [
        make_bid('A', 480_000, nt=90),
        make_bid('B', 400_000, nt=75),
        make_bid('C', 300_000, nt=65),  # File II stays sealed
        make_bid('D', 520_000, nt=85),  # above HPS
    ]
    ranking = evaluate('qcbs', params, bids)
    assert (ranking.winner, ranking.reserves) == ('A', ('B',))
    # NB(A) = 100 × 400,000 / 480,000 = 83.33; NK(A) = 0.8 × 90 + 0.2 × 83.33 = 88.67
    assert shown(ranking, 'A')['scores'] == {'NT': '90.00', 'NB': '83.33', 'NK': '88.67'}
    assert shown(ranking, 'B')['scores'] == {'NT': '75.00', 'NB': '100.00', 'NK': '80.00'}
    c = ranking.result('C')
    assert c.corrected_total is None
    assert c.stages['price'].status == NOT_EVALUATED
    assert ranking.result('D').stages['price'].status == FAILED


def test_quality_opens_file_two_in_technical_order():
    bids = [
        make_bid('A', 550_000, nt=92),  # opened first, above HPS
        make_bid('B', 450_000, nt=88),  # opened second, wins
        make_bid('C', 300_000, nt=80),  # never opened
        make_bid('D', 200_000, nt=60),  # below the threshold
    ]
    ranking = evaluate('quality', make_params(**CONSULTANCY), bids)
    assert (ranking.winner, ranking.reserves) == ('B', ('C',))
    assert ranking.result('A').stages['price'].reason == 'corrected total 550000 above HPS 500000'
    assert ranking.result('C').stages['price'].status == NOT_EVALUATED
    assert ranking.result('C').corrected_total is None
    assert ranking.result('D').stages['technical'].status == FAILED


@pytest.mark.parametrize(('price', 'status'), [(500_000, PASSED), (500_001, FAILED)])
def test_fixed_budget_pagu_boundary(price, status):
    params = make_params(
        category='jasa_konsultansi', hps=None, budget=d(500_000), technical_threshold=d(70)
    )
    bids = [make_bid('A', price, nt=90), make_bid('C', 450_000, nt=80)]
    ranking = evaluate('fixed_budget', params, bids)
    assert ranking.result('A').stages['price'].status == status
    assert ranking.winner == ('A' if status == PASSED else 'C')
    if status == FAILED:
        reason = 'corrected total 500001 above pagu (budget) 500000'
        assert ranking.result('A').stages['price'].reason == reason


def test_least_cost_lowest_price_above_threshold():
    bids = [
        make_bid('A', 400_000, nt=72),
        make_bid('B', 420_000, nt=95),
        make_bid('C', 300_000, nt='69.99'),
    ]
    ranking = evaluate('least_cost', make_params(**CONSULTANCY), bids)
    assert (ranking.winner, ranking.reserves) == ('A', ('B',))
    assert ranking.result('C').stages['technical'].reason == (
        'technical score 69.99 below threshold 70'
    )
    assert ranking.result('C').stages['price'].status == NOT_EVALUATED


def test_a_tie_for_a_reserve_place_is_left_to_the_pokja_and_ids_sort_as_numbers():
    bids = [make_bid('12', 900_000), make_bid('9', 900_000), make_bid('100', 800_000)]
    ranking = evaluate('lowest_price', make_params(), bids)
    assert ranking.winner == '100'
    assert ranking.reserves == ()
    assert ranking.unresolved_reserve_tie == ('9', '12')
    assert [r.rank for r in ranking.results] == [1, 2, 2]
    assert result_to_dict(ranking)['unresolved_reserve_tie'] == ['9', '12']
    decided = [
        make_bid('12', 900_000, tie_break_order=1),
        make_bid('9', 900_000, tie_break_order=2),
    ]
    ranking = evaluate('lowest_price', make_params(), [*decided, bids[2]])
    assert (ranking.winner, ranking.reserves) == ('100', ('12', '9'))
    assert ranking.unresolved_reserve_tie == ()


def test_a_tie_below_the_reserve_places_needs_no_decision():
    prices = (('A', 900_001), ('B', 900_002), ('C', 900_003), ('D', 900_004), ('E', 900_004))
    bids = [make_bid(n, price) for n, price in prices]
    ranking = evaluate('lowest_price', make_params(), bids)
    assert (ranking.winner, ranking.reserves, ranking.unresolved_reserve_tie) == (
        'A',
        ('B', 'C'),
        (),
    )
