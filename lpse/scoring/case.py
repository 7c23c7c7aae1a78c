"""Evaluation case files: read and validate a case, recompute it anywhere, write the result."""

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from lpse.scoring.correction import rupiah
from lpse.scoring.methods import CONSULTANCY_METHODS, METHODS, NEGOTIATING_METHODS, evaluate
from lpse.scoring.numbers import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS, exact
from lpse.scoring.types import (
    CONSULTANCY,
    STAGES,
    Bid,
    BidResult,
    BoqItem,
    Criterion,
    LifeCycle,
    NegotiatedLine,
    Negotiation,
    Params,
    PriceLine,
    Ranking,
    TkdnRule,
    Vendor,
    Verdict,
)

CASE_FORMAT = 'lpse-evaluation-case/1'
RESULT_FORMAT = 'lpse-evaluation-result/1'
SCHEMA_PATH = Path(__file__).with_name('case.schema.json')
SCORE_NAMES = ('NT', 'NH', 'NA', 'NB', 'NK')
SCORED_METHODS = ('merit_point', *CONSULTANCY_METHODS)
NEEDS_WEIGHTS = ('merit_point', 'qcbs')
NEEDS_THRESHOLD = ('merit_point', 'qcbs', 'least_cost')
HUNDRED = Decimal(100)


class CaseError(ValueError):
    """An evaluation case that cannot be evaluated; the message names the offending field."""


@dataclass(frozen=True)
class Case:
    """A validated evaluation case, ready for :func:`lpse.scoring.methods.evaluate`."""

    method: str
    params: Params
    bids: tuple[Bid, ...]


class _JsonFloat(str):
    """A JSON number with a fraction or exponent, kept as text so it can be refused."""


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding='utf-8'))


def evaluate_file(path: str | Path) -> dict:
    """Read a case file, evaluate it and return the result as JSON-ready data."""
    case = load_case(path)
    return result_to_dict(evaluate(case.method, case.params, case.bids))


def load_case(path: str | Path) -> Case:
    """Read and validate a case file (JSON Schema plus the semantic checks)."""
    try:
        text = Path(path).read_text(encoding='utf-8')
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(f'{path}: cannot read the case file: {exc}') from None
    try:
        data = json.loads(text, parse_float=_JsonFloat, parse_constant=_JsonFloat)
    except json.JSONDecodeError as exc:
        raise CaseError(
            f'{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}'
        ) from None
    return parse_case(data)


def parse_case(data: object) -> Case:
    """Validate decoded case data and build the dataclasses the methods take."""
    _refuse_floats(data, '')
    method = data.get('method') if isinstance(data, dict) else None
    if isinstance(method, str) and method not in METHODS:
        known = ', '.join(sorted(METHODS))
        raise CaseError(f'method: unknown evaluation method {method!r} (known: {known})')
    parameters = data.get('parameters') if isinstance(data, dict) else None
    tie_break = parameters.get('tie_break') if isinstance(parameters, dict) else None
    if isinstance(tie_break, list) and 'upload_time' in tie_break:
        raise CaseError('parameters.tie_break: upload time is never a tie-break')
    error = best_match(Draft202012Validator(schema()).iter_errors(data))
    if error is not None:
        message = error.message
        if error.validator in ('pattern', 'maximum') and error.instance not in (True, False):
            message = (
                f'{error.instance!r} is not a non-negative decimal number ("1250000.50") of at '
                f'most {MAX_INTEGER_DIGITS} digits before the point and '
                f'{MAX_FRACTION_DIGITS} after it'
            )
        raise CaseError(f'{_path(error.absolute_path) or "(case)"}: {message}')
    case = _build(data)
    _check(case, data)
    return case


def _refuse_floats(value: object, path: str) -> None:
    if isinstance(value, _JsonFloat):
        raise CaseError(
            f'{path or "(case)"}: {value} is a JSON float; write numbers as decimal strings '
            f'("{value}") or integers to avoid binary rounding'
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f'{path}.{key}' if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_floats(item, f'{path}[{index}]')


def _path(parts) -> str:
    text = ''
    for part in parts:
        text += f'[{part}]' if isinstance(part, int) else (f'.{part}' if text else part)
    return text


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _verdict(data: dict | None) -> Verdict | None:
    return None if data is None else Verdict(data['passed'], data.get('reason', ''))


def _build(data: dict) -> Case:
    p = data['parameters']
    weights = p.get('weights', {})
    tkdn = p.get('tkdn', {})
    lcc = p.get('life_cycle', {})
    defaults = Params(rules_version='', category='')
    params = Params(
        rules_version=p['rules_version'],
        category=p['category'],
        contract_type=p.get('contract_type', defaults.contract_type),
        hps=_dec(p.get('hps')),
        budget=_dec(p.get('budget')),
        boq=tuple(
            BoqItem(
                id=i['id'],
                quantity=_dec(i['quantity']),
                hps_unit_price=_dec(i.get('hps_unit_price')),
                description=i.get('description', ''),
                unit=i.get('unit', ''),
                lump_sum=i.get('lump_sum', False),
            )
            for i in p.get('boq', [])
        ),
        technical_weight=_dec(weights.get('technical')),
        price_weight=_dec(weights.get('price')),
        technical_threshold=_dec(p.get('technical_threshold')),
        technical_criteria=tuple(
            Criterion(c['id'], _dec(c['weight']), c.get('description', ''))
            for c in p.get('technical_criteria', [])
        ),
        tkdn=TkdnRule(
            formula=tkdn.get('formula', defaults.tkdn.formula),
            max_preference=_dec(tkdn.get('max_preference', defaults.tkdn.max_preference)),
            min_tkdn=_dec(tkdn.get('min_tkdn', defaults.tkdn.min_tkdn)),
            hps_above=_dec(tkdn.get('hps_above', defaults.tkdn.hps_above)),
        ),
        reasonableness_ratio=_dec(p.get('reasonableness_ratio', defaults.reasonableness_ratio)),
        unbalanced_ratio=_dec(p.get('unbalanced_ratio', defaults.unbalanced_ratio)),
        tie_break=tuple(p.get('tie_break', defaults.tie_break)),
        discount_rate=_dec(lcc.get('discount_rate')),
        years=lcc.get('years'),
    )
    return Case(data['method'], params, tuple(_bid(b) for b in data['bids']))


def _bid(b: dict) -> Bid:
    technical = b.get('technical', {})
    plan = b.get('life_cycle')
    return Bid(
        id=b['id'],
        vendor=Vendor(
            b['vendor']['name'],
            b['vendor'].get('npwp', ''),
            b['vendor'].get('small_business', False),
        ),
        verdicts={stage: _verdict(v) for stage, v in b['verdicts'].items()},
        lines=tuple(
            PriceLine(
                line['item'], _dec(line['quantity']), _dec(line['unit_price']), line.get('unit', '')
            )
            for line in b.get('price_lines', [])
        ),
        declared_total=_dec(b.get('declared_total')),
        tkdn=_dec(b.get('tkdn', 0)),
        technical_score=_dec(technical.get('score')),
        criterion_scores={k: _dec(v) for k, v in technical.get('criteria', {}).items()},
        clarification=_verdict(b.get('clarification')),
        tie_break_order=b.get('tie_break_order'),
        life_cycle=None
        if plan is None
        else LifeCycle(
            tuple(_dec(x) for x in plan['operating']),
            tuple(_dec(x) for x in plan['maintenance']),
            _dec(plan.get('residual', 0)),
        ),
        negotiation=_negotiation(b.get('negotiation')),
    )


def _negotiation(data: dict | None) -> Negotiation | None:
    if data is None:
        return None
    return Negotiation(
        status=data['status'],
        lines=tuple(
            NegotiatedLine(line['item'], _dec(line['unit_price'])) for line in data.get('lines', [])
        ),
        reason=data.get('reason', ''),
    )


def _check(case: Case, data: dict) -> None:
    """Semantic checks the schema cannot express; the first problem found is raised."""
    _check_parameters(case.method, case.params, data['parameters'])
    seen = set()
    for index, bid in enumerate(case.bids):
        where = f'bids[{index}]'
        if bid.id in seen:
            raise CaseError(f'{where}.id: duplicate bid id {bid.id!r}')
        seen.add(bid.id)
        _check_bid(case.method, case.params, bid, where)


def _check_parameters(method: str, p: Params, raw: dict) -> None:
    consultancy = p.category == CONSULTANCY
    if consultancy != (method in CONSULTANCY_METHODS):
        kind = 'consultancy (jasa_konsultansi)' if consultancy else 'goods, works, other services'
        raise CaseError(f'parameters.category: method {method} is not used for {kind}')
    if method == 'fixed_budget' and p.budget is None:
        raise CaseError('parameters.budget: required by fixed_budget (the pagu)')
    if method != 'fixed_budget' and p.hps is None:
        raise CaseError(f'parameters.hps: required by {method}')
    if method in NEEDS_WEIGHTS and p.technical_weight is None:
        raise CaseError(f'parameters.weights: required by {method}')
    if p.technical_weight is not None and p.technical_weight + p.price_weight != 1:
        total = p.technical_weight + p.price_weight
        raise CaseError(f'parameters.weights: technical + price must be 1, not {total}')
    if method in NEEDS_THRESHOLD and p.technical_threshold is None:
        raise CaseError(f'parameters.technical_threshold: required by {method}')
    if p.technical_threshold is not None:
        _score('parameters.technical_threshold', p.technical_threshold)
    if p.technical_criteria and sum(c.weight for c in p.technical_criteria) != 1:
        raise CaseError('parameters.technical_criteria: weights must sum to 1')
    _unique('parameters.technical_criteria', [c.id for c in p.technical_criteria])
    _unique('parameters.boq', [i.id for i in p.boq])
    _unique('parameters.tie_break', list(p.tie_break))
    if p.contract_type != 'lump_sum' and not p.boq:
        raise CaseError(f'parameters.boq: required for a {p.contract_type} contract')
    if not 0 <= p.tkdn.max_preference < 1:
        # KP = 1 makes HEA = (1 − KP) × P zero (a division by zero in NH = Pmin / HEA).
        raise CaseError(
            'parameters.tkdn.max_preference: a fraction from 0 up to (not including) 1 '
            f'(0.25 = 25%), not {p.tkdn.max_preference}'
        )
    for name in ('reasonableness_ratio', 'unbalanced_ratio'):
        if getattr(p, name) <= 0:
            raise CaseError(f'parameters.{name}: must be above 0')
    if method == 'life_cycle_cost' and p.years is None:
        raise CaseError('parameters.life_cycle: required by life_cycle_cost (discount_rate, years)')


def _check_bid(method: str, p: Params, bid: Bid, where: str) -> None:
    for stage, verdict in bid.verdicts.items():
        if not verdict.passed and not verdict.reason.strip():
            raise CaseError(f'{where}.verdicts.{stage}.reason: a failed verdict needs a reason')
    if bid.clarification and not bid.clarification.passed and not bid.clarification.reason.strip():
        raise CaseError(f'{where}.clarification.reason: a failed clarification needs a reason')
    if bid.tkdn > HUNDRED:
        raise CaseError(f'{where}.tkdn: a percentage between 0 and 100, not {bid.tkdn}')
    _unique(f'{where}.price_lines', [line.item for line in bid.lines])
    if bid.technical_score is not None:
        _score(f'{where}.technical.score', bid.technical_score)
    for name, value in bid.criterion_scores.items():
        _score(f'{where}.technical.criteria.{name}', value)
    if bid.criterion_scores:
        wanted = {c.id for c in p.technical_criteria}
        if set(bid.criterion_scores) != wanted:
            raise CaseError(
                f'{where}.technical.criteria: score exactly the criteria '
                f'{sorted(wanted)} of parameters.technical_criteria'
            )
    technical_passed = bid.verdicts['technical'].passed
    if (
        method in SCORED_METHODS
        and technical_passed
        and not (bid.technical_score is not None or bid.criterion_scores)
    ):
        raise CaseError(f'{where}.technical: {method} needs a technical score')
    if method == 'life_cycle_cost' and (bid.lines or bid.declared_total is not None):
        plan = bid.life_cycle
        if plan is None:
            raise CaseError(f'{where}.life_cycle: life_cycle_cost needs O_t, M_t and S per bid')
        for name in ('operating', 'maintenance'):
            if len(getattr(plan, name)) != p.years:
                raise CaseError(f'{where}.life_cycle.{name}: needs {p.years} yearly amounts')
    if bid.negotiation is not None:
        _check_negotiation(method, bid, f'{where}.negotiation')


def _check_negotiation(method: str, bid: Bid, where: str) -> None:
    """HN per line may not exceed the offer; only negotiating methods and opened prices."""
    talk = bid.negotiation
    if method not in NEGOTIATING_METHODS:
        raise CaseError(f'{where}: method {method} has no negotiation')
    if not bid.lines and bid.declared_total is None:
        raise CaseError(f'{where}: no price offered (File II not opened) to negotiate')
    if talk.failed and not talk.reason.strip():
        raise CaseError(f'{where}.reason: a failed negotiation needs a reason')
    if talk.failed and talk.lines:
        raise CaseError(f'{where}.lines: a failed negotiation has no negotiated prices')
    _unique(f'{where}.lines', [line.item for line in talk.lines])
    offered = {line.item: line.unit_price for line in bid.lines}
    for index, line in enumerate(talk.lines):
        here = f'{where}.lines[{index}]'
        if line.item not in offered:
            raise CaseError(f'{here}.item: {line.item!r} is not a line of the offer')
        offer = offered[line.item]
        if offer is None:
            raise CaseError(f'{here}.item: {line.item!r} was left unpriced in the offer')
        if line.unit_price > offer:
            raise CaseError(
                f'{here}.unit_price: the negotiated price {line.unit_price} exceeds the '
                f"offer's unit price {offer} for item {line.item!r}"
            )


def _score(where: str, value: Decimal) -> None:
    if not 0 <= value <= HUNDRED:
        raise CaseError(f'{where}: a score between 0 and 100, not {value}')


def _unique(where: str, values: list[str]) -> None:
    for index, value in enumerate(values):
        if value in values[:index]:
            raise CaseError(f'{where}[{index}]: duplicate {value!r}')


def result_to_dict(ranking: Ranking) -> dict:
    """The ranking as JSON-ready data: money in whole rupiah, scores to 2 decimals, as strings."""
    with exact():
        return _result_to_dict(ranking)


def _result_to_dict(ranking: Ranking) -> dict:
    return {
        'format': RESULT_FORMAT,
        'method': ranking.method,
        'rules_version': ranking.rules_version,
        'formulas': list(ranking.formulas),
        'winner': ranking.winner,
        'reserves': list(ranking.reserves),
        'failure_reason': ranking.failure_reason,
        'unresolved_tie': list(ranking.unresolved_tie),
        **(
            {'unresolved_reserve_tie': list(ranking.unresolved_reserve_tie)}
            if ranking.unresolved_reserve_tie
            else {}
        ),
        'stage_counts': {
            stage: {
                status: sum(1 for r in ranking.results if r.stages[stage].status == status)
                for status in ('passed', 'failed', 'not_evaluated')
            }
            for stage in STAGES
        },
        'bids': [_bid_to_dict(r) for r in ranking.results],
        **(
            {'negotiated_total': _money(ranking.negotiated_total)}
            if any(r.negotiation for r in ranking.results)
            else {}
        ),
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else rupiah(value)


def _bid_to_dict(r: BidResult) -> dict:
    scores = {name: score_text(r.scores[name]) for name in SCORE_NAMES if name in r.scores}
    if 'LCC' in r.scores:
        scores['LCC'] = rupiah(r.scores['LCC'])
    return {
        'id': r.bid_id,
        'vendor': {
            'name': r.vendor.name,
            'npwp': r.vendor.npwp,
            'small_business': r.vendor.small_business,
        },
        'rank': r.rank,
        'declared_total': _money(r.declared_total),
        'corrected_total': _money(r.corrected_total),
        'evaluated_price': _money(r.evaluated_price),
        'tkdn': score_text(r.tkdn),
        'tkdn_preference': None if r.preference is None else score_text(r.preference * HUNDRED),
        'scores': scores,
        'stages': {s: {'status': v.status, 'reason': v.reason} for s, v in r.stages.items()},
        'flags': [{'code': f.code, 'detail': f.detail} for f in r.flags],
        'corrections': list(r.corrections),
        **({} if r.negotiation is None else {'negotiation': _negotiation_to_dict(r)}),
    }


def _negotiation_to_dict(r: BidResult) -> dict:
    return {
        'status': r.negotiation.status,
        'reason': r.negotiation.reason,
        'negotiated_total': _money(r.negotiated_total),
    }


def score_text(value: Decimal) -> str:
    """A score (or percentage) for display: two decimals, half up."""
    with exact():
        return format(value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP), 'f')
