"""Price rules shared by the methods: arithmetic correction, HPS checks and TKDN preference."""

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from lpse.scoring.numbers import exact
from lpse.scoring.types import (
    CONSULTANCY,
    FAILED,
    PASSED,
    Bid,
    Flag,
    Params,
    StageResult,
    TkdnRule,
)

HUNDRED = Decimal(100)


def rupiah(amount: Decimal) -> str:
    """Money for display: whole rupiah, half up, as a plain decimal string."""
    with exact():
        return format(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP), 'f')


def percent(ratio: Decimal) -> str:
    """A ratio as a percentage for messages: 0.80 → '80%'."""
    with exact():
        return f'{(ratio * HUNDRED).normalize():f}%'


@dataclass(frozen=True)
class Correction:
    """Corrected total P (None when no price was offered), what changed, and what to flag."""

    total: Decimal | None
    notes: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()


def correct(bid: Bid, params: Params) -> Correction:
    """Koreksi aritmatik: for unit-price contracts recompute P from the BoQ quantities."""
    if not bid.lines and bid.declared_total is None:
        return Correction(None)
    if params.contract_type == 'lump_sum':
        total = bid.declared_total
        if total is None:
            total = sum((line.quantity * (line.unit_price or 0) for line in bid.lines), Decimal(0))
        return Correction(total, ('lump sum: total not corrected',))
    if not bid.lines:
        return Correction(None, ('no priced bill of quantities to correct',))
    if not params.boq:
        return Correction(bid.declared_total, ('no BoQ in the case: total not corrected',))
    return _correct_unit_price(bid, params)


def _correct_unit_price(bid: Bid, params: Params) -> Correction:
    lines = {}
    for line in bid.lines:
        if line.item in lines:
            raise ValueError(f'bid {bid.id}: item {line.item} priced twice')
        lines[line.item] = line
    notes, flags, total = [], [], Decimal(0)
    for item in params.boq:
        line = lines.pop(item.id, None)
        if line is None or line.unit_price is None:
            flags.append(Flag('unpriced_item', f'{item.id}: no unit price, priced 0'))
            continue
        if item.lump_sum and params.contract_type == 'gabungan':
            total += line.quantity * line.unit_price
            continue
        if line.quantity != item.quantity:
            notes.append(f'{item.id}: quantity {line.quantity} forced to BoQ {item.quantity}')
        total += item.quantity * line.unit_price
    for extra in lines:
        flags.append(Flag('item_not_in_boq', f'{extra}: not in the BoQ, removed'))
    if bid.declared_total is not None and bid.declared_total != total:
        flags.append(
            Flag(
                'arithmetic_correction',
                f'declared {rupiah(bid.declared_total)}, corrected {rupiah(total)}',
            )
        )
    return Correction(total, tuple(notes), tuple(flags))


def negotiated_total(bid: Bid, params: Params) -> Decimal | None:
    """HN: the bid's corrected total at the negotiated unit prices (lines not negotiated keep
    the offer's); None unless the negotiation was agreed. Lump sum (or no BoQ): P less
    Σ bid quantity × (offered − negotiated unit price)."""
    talk = bid.negotiation
    if talk is None or talk.failed:
        return None
    agreed = {line.item: line.unit_price for line in talk.lines}
    if params.contract_type == 'lump_sum' or not params.boq:
        total = correct(bid, params).total
        for line in bid.lines:
            if line.item in agreed:
                total -= line.quantity * (line.unit_price - agreed[line.item])
        return total
    lines = tuple(
        replace(line, unit_price=agreed.get(line.item, line.unit_price)) for line in bid.lines
    )
    return correct(replace(bid, lines=lines, declared_total=None), params).total


def unbalanced_flags(bid: Bid, params: Params) -> tuple[Flag, ...]:
    """Harga satuan timpang: a unit price above unbalanced_ratio × the HPS unit price."""
    hps_prices = {i.id: i.hps_unit_price for i in params.boq if i.hps_unit_price is not None}
    flags = []
    for line in bid.lines:
        ceiling = hps_prices.get(line.item)
        if ceiling is None or line.unit_price is None:
            continue
        if line.unit_price > params.unbalanced_ratio * ceiling:
            flags.append(
                Flag(
                    'unbalanced_unit_price',
                    f'{line.item}: unit price {line.unit_price} above '
                    f'{percent(params.unbalanced_ratio)} of HPS unit price {ceiling}',
                )
            )
    return tuple(flags)


@dataclass(frozen=True)
class PriceCheck:
    """The price stage of one bid; ``above`` names the ceiling (HPS, pagu) it exceeded."""

    stage: StageResult
    flags: tuple[Flag, ...] = ()
    above: str | None = None


def price_stage(bid: Bid, total: Decimal | None, params: Params, *, ceiling: str) -> PriceCheck:
    """Price verdict: offered, above the ceiling (HPS or pagu) fails, below 80% needs clarifying."""
    if total is None:
        return PriceCheck(StageResult(FAILED, 'no price offered'))
    if total <= 0:
        return PriceCheck(StageResult(FAILED, 'corrected total is zero'))
    limit = params.budget if ceiling == 'budget' else params.hps
    if limit is not None and total > limit:
        name = 'pagu (budget)' if ceiling == 'budget' else 'HPS'
        reason = f'corrected total {rupiah(total)} above {name} {rupiah(limit)}'
        return PriceCheck(StageResult(FAILED, reason), above=name)
    if params.category == CONSULTANCY or params.hps is None:
        return PriceCheck(StageResult(PASSED))
    flags = unbalanced_flags(bid, params)
    if total >= params.reasonableness_ratio * params.hps:
        return PriceCheck(StageResult(PASSED), flags)
    floor = percent(params.reasonableness_ratio)
    flags += (Flag('below_reasonable_price', f'corrected total below {floor} of HPS'),)
    outcome = bid.clarification
    if outcome is None:
        reason = f'below {floor} of HPS: clarification outcome not recorded'
        return PriceCheck(StageResult(FAILED, reason), flags)
    if not outcome.passed:
        reason = f'price clarification failed: {outcome.reason}'
        return PriceCheck(StageResult(FAILED, reason), flags)
    reason = f'below {floor} of HPS, clarified: {outcome.reason}'
    return PriceCheck(StageResult(PASSED, reason), flags)


def tkdn_applies(bid: Bid, params: Params) -> bool:
    """Preference only for goods, HPS above the threshold (Rp1 bn) and TKDN at least 25%."""
    rule = params.tkdn
    return (
        params.category == 'barang'
        and params.hps is not None
        and params.hps > rule.hps_above
        and bid.tkdn >= rule.min_tkdn
    )


def preference(tkdn: Decimal, rule: TkdnRule) -> Decimal:
    """KP = TKDN × maximum preference (TKDN as a percentage)."""
    return tkdn / HUNDRED * rule.max_preference


def evaluated_price(price: Decimal, kp: Decimal, formula: str) -> Decimal:
    """HEA, used only for ranking: lkpp2022 (1 − KP) × P, legacy P / (1 + KP)."""
    if formula == 'legacy':
        return price / (1 + kp)
    if formula == 'lkpp2022':
        return (1 - kp) * price
    raise ValueError(f'unknown TKDN formula {formula!r}')


TKDN_TEXT = {
    'lkpp2022': 'TKDN preference (LKPP 2022): KP = TKDN × max preference; HEA = (1 − KP) × P',
    'legacy': 'TKDN preference (legacy): KP = TKDN × max preference; HEA = P / (1 + KP)',
}
