"""Properties every ranking keeps, whatever the bids."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lpse.scoring.case import result_to_dict
from lpse.scoring.methods import METHODS, evaluate
from lpse.scoring.types import FAILED, LifeCycle, Verdict

from .factories import d, make_bid, make_params

GOODS = make_params(technical_weight=d('0.7'), price_weight=d('0.3'), technical_threshold=d(60))
GOODS_LCC = make_params(discount_rate=d('0.08'), years=2)
CONSULTANCY = make_params(
    category='jasa_konsultansi',
    budget=d(1_000_000),
    technical_weight=d('0.8'),
    price_weight=d('0.2'),
    technical_threshold=d(60),
)
PARAMS = {
    key: CONSULTANCY
    if key in ('qcbs', 'quality', 'fixed_budget', 'least_cost')
    else GOODS_LCC
    if key == 'life_cycle_cost'
    else GOODS
    for key in METHODS
}


@st.composite
def bids(draw, min_size=0):
    count = draw(st.integers(min_size, 6))
    made = []
    for index in range(count):
        fail = draw(st.sampled_from([None, {'administration': 'dokumen tidak lengkap'}]))
        clarified = draw(st.sampled_from([None, Verdict(True, 'wajar'), Verdict(False, 'tidak')]))
        made.append(
            make_bid(
                f'B{index}',
                draw(st.integers(1, 1_200_000)),
                nt=draw(st.integers(0, 100)),
                tkdn=draw(st.integers(0, 100)),
                small=draw(st.booleans()),
                fail=fail,
                clarification=clarified,
                tie_break_order=draw(st.none() | st.integers(1, 3)),
                life_cycle=LifeCycle((d(draw(st.integers(0, 99_999))),) * 2, (d(1_000),) * 2),
            )
        )
    return made


methods = st.sampled_from(sorted(METHODS))


@settings(max_examples=60, deadline=None)
@given(methods, bids(), st.randoms(use_true_random=False))
def test_ranking_does_not_depend_on_bid_order(key, given_bids, random):
    shuffled = list(given_bids)
    random.shuffle(shuffled)
    first = result_to_dict(evaluate(key, PARAMS[key], given_bids))
    assert result_to_dict(evaluate(key, PARAMS[key], shuffled)) == first


@settings(max_examples=60, deadline=None)
@given(bids(min_size=1), st.data())
def test_lowering_a_price_never_worsens_its_rank(given_bids, data):
    params = make_params(category='jasa_lainnya')
    before = evaluate('lowest_price', params, given_bids)
    ranked = [r for r in before.results if r.rank is not None]
    if not ranked:
        return
    target = data.draw(st.sampled_from(ranked))
    cut = data.draw(st.integers(1, int(target.declared_total)))
    lowered = [
        b
        if b.id != target.bid_id
        else make_bid(
            b.id,
            b.declared_total - cut + 1,
            nt=b.technical_score,
            tkdn=b.tkdn,
            small=b.vendor.small_business,
            clarification=Verdict(True, 'wajar'),
            tie_break_order=b.tie_break_order,
        )
        for b in given_bids
    ]
    after = evaluate('lowest_price', params, lowered).result(target.bid_id)
    assert after.rank is not None
    assert after.rank <= target.rank


@settings(max_examples=60, deadline=None)
@given(methods, bids())
def test_scores_stay_within_0_and_100(key, given_bids):
    for result in evaluate(key, PARAMS[key], given_bids).results:
        for name, value in result.scores.items():
            if name != 'LCC':
                assert 0 <= value <= 100, (name, value)


@settings(max_examples=60, deadline=None)
@given(methods, bids())
def test_every_failing_bid_carries_a_reason(key, given_bids):
    ranking = evaluate(key, PARAMS[key], given_bids)
    for result in ranking.results:
        for stage in result.stages.values():
            if stage.status == FAILED:
                assert stage.reason.strip()
        assert (result.rank is None) == result.failed
    if ranking.winner is None and not ranking.unresolved_tie:
        assert ranking.failure_reason


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(['merit_point', 'qcbs']), bids(min_size=1))
def test_price_score_is_at_most_100_and_the_lowest_gets_100(key, given_bids):
    name = 'NH' if key == 'merit_point' else 'NB'
    scored = [r for r in evaluate(key, PARAMS[key], given_bids).results if name in r.scores]
    for result in scored:
        assert 0 < result.scores[name] <= 100
    if scored:
        lowest = min(r.evaluated_price for r in scored)
        assert all((r.scores[name] == 100) == (r.evaluated_price == lowest) for r in scored)
