"""Evaluation methods (DOMAIN §3): pure functions over plain data, registered by their key."""

from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal

from lpse.scoring import correction as price
from lpse.scoring.numbers import exact
from lpse.scoring.ranking import TIE_KEYS, Assessed, build_ranking, id_key
from lpse.scoring.types import (
    CONSULTANCY,
    FAILED,
    NOT_EVALUATED,
    PASSED,
    Bid,
    Flag,
    Params,
    Ranking,
    StageResult,
)

Method = Callable[[list[Bid], Params], Ranking]

#: Every method by its key, as chosen per tender at publication.
METHODS: dict[str, Method] = {}
#: Methods for consultancy (seleksi, two files); the others are for goods, works, other services.
CONSULTANCY_METHODS = ('qcbs', 'quality', 'fixed_budget', 'least_cost')
#: Methods after whose ranking the Pokja negotiates with the first-ranked firm (seleksi).
NEGOTIATING_METHODS = CONSULTANCY_METHODS
NEGOTIATION_TEXT = (
    'negotiation: HN = corrected total at the negotiated unit prices (each ≤ the offer); '
    'a failed negotiation passes the award to the next-ranked bid'
)
HUNDRED = Decimal(100)
NOT_OPENED = 'File II not opened: technical evaluation not passed'
LOWER_NOT_OPENED = 'File II not opened: a bid with a higher technical score won'


class UnknownMethodError(ValueError):
    """No evaluation method is registered under this key."""


def method(key: str) -> Callable[[Method], Method]:
    """Register an evaluation method under its key."""

    def register(fn: Method) -> Method:
        METHODS[key] = fn
        return fn

    return register


def evaluate(method_key: str, params: Params, bids: Iterable[Bid]) -> Ranking:
    """Evaluate the bids of one tender with the method registered under ``method_key``."""
    try:
        fn = METHODS[method_key]
    except KeyError:
        raise UnknownMethodError(f'unknown evaluation method {method_key!r}') from None
    bids = list(bids)
    with exact():
        ranking = fn(bids, params)
    if any(bid.negotiation for bid in bids):
        ranking = replace(ranking, formulas=(*ranking.formulas, NEGOTIATION_TEXT))
    return ranking


def technical_score(bid: Bid, params: Params) -> Decimal | None:
    """NT: the weighted sum of criterion scores when criteria are set, else the single score."""
    if params.technical_criteria and bid.criterion_scores:
        return sum(
            (c.weight * bid.criterion_scores[c.id] for c in params.technical_criteria),
            Decimal(0),
        )
    return bid.technical_score


def _file_one(bid: Bid, params: Params, *, needs_score: bool) -> Assessed:
    """Administration, qualification, technical (with threshold) and pembuktian verdicts."""
    a = Assessed(bid)
    for stage in ('administration', 'qualification', 'technical'):
        verdict = bid.verdicts.get(stage)
        if verdict is None:
            a.stages[stage] = StageResult(FAILED, 'no verdict recorded')
        else:
            a.stages[stage] = StageResult(PASSED if verdict.passed else FAILED, verdict.reason)
    proof = bid.verdicts.get('pembuktian')
    a.stages['pembuktian'] = (
        StageResult(NOT_EVALUATED, 'not yet checked')
        if proof is None
        else StageResult(PASSED if proof.passed else FAILED, proof.reason)
    )
    nt = technical_score(bid, params)
    if nt is not None:
        a.scores['NT'] = nt
    if a.stages['technical'].status == PASSED:
        threshold = params.technical_threshold
        if nt is None and (needs_score or threshold is not None):
            a.stages['technical'] = StageResult(FAILED, 'no technical score')
        elif threshold is not None and nt < threshold:
            a.stages['technical'] = StageResult(
                FAILED, f'technical score {nt:.2f} below threshold {threshold}'
            )
    return a


def _open_price(a: Assessed, params: Params, *, ceiling: str = 'hps') -> None:
    """Correct the price, check it, and set the evaluated price (HEA when TKDN applies)."""
    fix = price.correct(a.bid, params)
    a.corrected_total, a.corrections = fix.total, fix.notes
    a.flags.extend(fix.flags)
    check = price.price_stage(a.bid, fix.total, params, ceiling=ceiling)
    a.stages['price'] = check.stage
    a.flags.extend(check.flags)
    a.above_ceiling = check.above
    if fix.total is None:
        return
    a.evaluated_price = fix.total
    a.negotiated_total = price.negotiated_total(a.bid, params)
    if price.tkdn_applies(a.bid, params):
        a.preference = price.preference(a.bid.tkdn, params.tkdn)
        a.evaluated_price = price.evaluated_price(fix.total, a.preference, params.tkdn.formula)
        a.flags.append(
            Flag('tkdn_preference', f'evaluated price {price.rupiah(a.evaluated_price)}')
        )


def _one_file(bids: list[Bid], params: Params, *, needs_score: bool = False) -> list[Assessed]:
    """Goods, works, other services: every bid's single file is opened and priced."""
    assessed = []
    for bid in bids:
        a = _file_one(bid, params, needs_score=needs_score)
        _open_price(a, params)
        assessed.append(a)
    return assessed


def _two_file(bids: list[Bid], params: Params, *, ceiling: str = 'hps') -> list[Assessed]:
    """Consultancy: File II (price) is opened only for bids passing File I with the threshold."""
    assessed = []
    for bid in bids:
        a = _file_one(bid, params, needs_score=True)
        if a.passes('administration', 'qualification', 'technical'):
            _open_price(a, params, ceiling=ceiling)
        else:
            a.stages['price'] = StageResult(NOT_EVALUATED, NOT_OPENED)
        assessed.append(a)
    return assessed


def _price_formulas(params: Params) -> list[str]:
    if params.contract_type == 'lump_sum':
        texts = ['lump sum: corrected total P = declared total (no arithmetic correction)']
    else:
        texts = [
            'arithmetic correction: P = Σ BoQ quantity × bid unit price; unpriced item = 0; '
            'item not in BoQ removed; unit prices never changed'
        ]
    if params.contract_type == 'gabungan':
        texts.append('gabungan: lump-sum BoQ items keep the bid quantity × bid unit price')
    if params.hps is not None:
        texts.append('P > HPS → fails')
    if params.category == CONSULTANCY or params.hps is None:
        return texts
    texts.append(
        f'P < {price.percent(params.reasonableness_ratio)} × HPS → clarification; '
        'the recorded outcome decides'
    )
    texts.append(
        f'unit price > {price.percent(params.unbalanced_ratio)} × HPS unit price → '
        'flagged unbalanced'
    )
    if params.category == 'barang':
        rule = params.tkdn
        texts.append(
            f'{price.TKDN_TEXT[rule.formula]} '
            f'(max preference {price.percent(rule.max_preference)}; '
            f'goods, HPS > {price.rupiah(rule.hps_above)}, TKDN ≥ {rule.min_tkdn}%; '
            'HEA for ranking only, contract value stays P)'
        )
    return texts


def _price_scores(assessed: list[Assessed], name: str) -> None:
    """NH or NB = 100 × lowest evaluated price / evaluated price, over bids passing so far."""
    scored = [a for a in assessed if a.passes()]
    if not scored:
        return
    lowest = min(a.evaluated_price for a in scored)
    for a in scored:
        a.scores[name] = HUNDRED * lowest / a.evaluated_price


@method('lowest_price')
def lowest_price(bids: list[Bid], params: Params) -> Ranking:
    """Harga terendah (sistem gugur): pass/fail stages, winner = lowest evaluated price."""
    assessed = _one_file(bids, params)
    formulas = [*_price_formulas(params), 'winner = lowest evaluated price (HEA or P)']
    return build_ranking('lowest_price', params, assessed, lambda a: a.evaluated_price, formulas)


@method('merit_point')
def merit_point(bids: list[Bid], params: Params) -> Ranking:
    """Sistem nilai: NA = Bt·NT + Bh·(100·Pmin/P) over technically passing bids."""
    assessed = _one_file(bids, params, needs_score=True)
    _price_scores(assessed, 'NH')
    bt, bh = params.technical_weight, params.price_weight
    for a in assessed:
        if 'NH' in a.scores:
            a.scores['NA'] = bt * a.scores['NT'] + bh * a.scores['NH']
    formulas = [
        *_price_formulas(params),
        f'technical threshold NT ≥ {params.technical_threshold}',
        'NH = 100 × Pmin / P (evaluated prices of bids passing all stages)',
        f'NA = {bt} × NT + {bh} × NH',
        'winner = highest NA',
    ]
    return build_ranking('merit_point', params, assessed, lambda a: -a.scores['NA'], formulas)


def life_cycle_cost(a: Assessed, params: Params) -> Decimal:
    """LCC = P + Σ_{t=1..n} (O_t + M_t) / (1+r)^t − S / (1+r)^n."""
    growth = 1 + params.discount_rate
    plan = a.bid.life_cycle
    total = a.evaluated_price
    for year, (o, m) in enumerate(zip(plan.operating, plan.maintenance, strict=True), start=1):
        total += (o + m) / growth**year
    return total - plan.residual / growth**params.years


@method('life_cycle_cost')
def life_cycle_cost_method(bids: list[Bid], params: Params) -> Ranking:
    """Penilaian biaya selama umur ekonomis: winner = lowest life-cycle cost."""
    assessed = _one_file(bids, params)
    for a in assessed:
        if not a.passes():
            continue
        if a.bid.life_cycle is None:
            a.stages['price'] = StageResult(FAILED, 'no operating/maintenance costs stated')
            continue
        a.scores['LCC'] = life_cycle_cost(a, params)
    formulas = [
        *_price_formulas(params),
        'LCC = P + Σ_{t=1..n} (O_t + M_t) / (1 + r)^t − S / (1 + r)^n '
        f'(r = {params.discount_rate}, n = {params.years}; O, M, S stated by each bid)',
        'winner = lowest LCC',
    ]
    return build_ranking('life_cycle_cost', params, assessed, lambda a: a.scores['LCC'], formulas)


def _consultancy_formulas(params: Params) -> list[str]:
    return [
        f'NT ≥ threshold {params.technical_threshold}; File II opened only for bids passing File I',
        *_price_formulas(params),
    ]


@method('qcbs')
def qcbs(bids: list[Bid], params: Params) -> Ranking:
    """Kualitas dan biaya: NK = Wt·NT + Wb·(100·Bmin/B), winner = highest NK."""
    assessed = _two_file(bids, params)
    _price_scores(assessed, 'NB')
    wt, wb = params.technical_weight, params.price_weight
    for a in assessed:
        if 'NB' in a.scores:
            a.scores['NK'] = wt * a.scores['NT'] + wb * a.scores['NB']
    formulas = [
        *_consultancy_formulas(params),
        'NB = 100 × Bmin / B',
        f'NK = {wt} × NT + {wb} × NB',
        'winner = highest NK, then clarification and negotiation',
    ]
    return build_ranking('qcbs', params, assessed, lambda a: -a.scores['NK'], formulas)


@method('least_cost')
def least_cost(bids: list[Bid], params: Params) -> Ranking:
    """Biaya terendah: NT at least the threshold, then winner = lowest corrected price B."""
    assessed = _two_file(bids, params)
    formulas = [*_consultancy_formulas(params), 'winner = lowest corrected B']
    return build_ranking('least_cost', params, assessed, lambda a: a.evaluated_price, formulas)


@method('fixed_budget')
def fixed_budget(bids: list[Bid], params: Params) -> Ranking:
    """Pagu anggaran: B above the budget fails; winner = highest NT among the rest."""
    assessed = _two_file(bids, params, ceiling='budget')
    formulas = [
        f'NT ≥ threshold {params.technical_threshold}; File II opened only for bids passing File I',
        f'B > pagu {price.rupiah(params.budget)} → fails',
        'winner = highest NT among bids within the pagu',
    ]
    return build_ranking('fixed_budget', params, assessed, lambda a: -a.scores['NT'], formulas)


@method('quality')
def quality(bids: list[Bid], params: Params) -> Ranking:
    """Kualitas: winner = highest NT; only the winner's File II is opened (HPS as ceiling)."""
    assessed = []
    for bid in bids:
        a = _file_one(bid, params, needs_score=True)
        a.stages['price'] = StageResult(NOT_EVALUATED, NOT_OPENED)
        assessed.append(a)
    candidates = [a for a in assessed if a.passes('administration', 'qualification', 'technical')]
    candidates.sort(
        key=lambda a: (
            -a.scores['NT'],
            *(TIE_KEYS[k](a) for k in params.tie_break),
            id_key(a.bid.id),
        )
    )
    opened = None
    for a in candidates:
        if opened is not None:
            a.stages['price'] = StageResult(NOT_EVALUATED, LOWER_NOT_OPENED)
            continue
        _open_price(a, params)
        if a.passes('price') and not (a.bid.negotiation and a.bid.negotiation.failed):
            opened = a
    formulas = [
        *_consultancy_formulas(params),
        'winner = highest NT; File II opened in NT order until one passes (B ≤ HPS)',
    ]
    return build_ranking('quality', params, assessed, lambda a: -a.scores['NT'], formulas)
