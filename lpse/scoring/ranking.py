"""Ordering of passing bids: the method's key, then the configurable tie-break chain."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from lpse.scoring.types import (
    FAILED,
    NOT_EVALUATED,
    STAGES,
    Bid,
    BidResult,
    Flag,
    Params,
    Ranking,
    StageResult,
)

#: Tie-break links, each a sort key where lower is better. Upload time is deliberately absent.
TIE_KEYS: dict[str, Callable[['Assessed'], object]] = {
    'technical_score': lambda a: -(a.scores.get('NT') or 0),
    'tkdn': lambda a: -a.bid.tkdn,
    'small_business': lambda a: 0 if a.bid.vendor.small_business else 1,
    'pokja_decision': lambda a: (
        (0, a.bid.tie_break_order) if a.bid.tie_break_order is not None else (1, 0)
    ),
}

TIE_TEXT = {
    'technical_score': 'higher technical score',
    'tkdn': 'higher TKDN',
    'small_business': 'small business / cooperative',
    'pokja_decision': 'recorded Pokja decision',
}


@dataclass
class Assessed:
    """Work in progress on one bid while a method evaluates it."""

    bid: Bid
    stages: dict[str, StageResult] = field(default_factory=dict)
    corrected_total: Decimal | None = None
    evaluated_price: Decimal | None = None
    preference: Decimal | None = None
    scores: dict[str, Decimal] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    corrections: tuple[str, ...] = ()
    above_ceiling: str | None = None
    negotiated_total: Decimal | None = None

    def passes(self, *stages: str) -> bool:
        """True when none of the given stages (all but pembuktian by default) failed."""
        names = stages or STAGES[:-1]
        return all(self.stages.get(s, StageResult(NOT_EVALUATED)).status != FAILED for s in names)


def tie_break_formula(params: Params) -> str:
    chain = '; '.join(TIE_TEXT[key] for key in params.tie_break) or 'none'
    return f'ties: {chain} (never upload time)'


def build_ranking(
    method: str,
    params: Params,
    assessed: list[Assessed],
    key: Callable[[Assessed], object],
    formulas: list[str],
) -> Ranking:
    """Rank bids passing every stage by ``key`` (lower first) then the tie-break chain."""
    eligible = [a for a in assessed if a.passes(*STAGES)]

    def full_key(a: Assessed) -> tuple:
        return (key(a), *(TIE_KEYS[k](a) for k in params.tie_break))

    # Bid ids only order the display of bids still tied (they share a rank): never a tie-break.
    eligible.sort(key=lambda a: (full_key(a), id_key(a.bid.id)))
    ranks: dict[str, int] = {}
    for position, a in enumerate(eligible, start=1):
        previous = eligible[position - 2] if position > 1 else None
        same = previous is not None and full_key(previous) == full_key(a)
        ranks[a.bid.id] = ranks[previous.bid.id] if same else position
    # A failed negotiation (seleksi) passes the award to the next-ranked firm; the ranks stay.
    invited = [a for a in eligible if not (a.bid.negotiation and a.bid.negotiation.failed)]
    top = ranks[invited[0].bid.id] if invited else None
    first = [a.bid.id for a in invited if ranks[a.bid.id] == top]
    winner = first[0] if len(first) == 1 else None
    reserves: list[str] = []
    reserve_tie: tuple[str, ...] = ()
    if winner:
        for a in invited[1:3]:
            tied = [b.bid.id for b in invited if ranks[b.bid.id] == ranks[a.bid.id]]
            if len(tied) > 1:
                reserve_tie = tuple(tied)
                break
            reserves.append(a.bid.id)
    rest = sorted((a for a in assessed if a.bid.id not in ranks), key=lambda a: id_key(a.bid.id))
    results = tuple(_result(a, ranks.get(a.bid.id)) for a in [*eligible, *rest])
    return Ranking(
        method=method,
        rules_version=params.rules_version,
        results=results,
        winner=winner,
        reserves=tuple(reserves),
        failure_reason=_failure_reason(assessed, eligible),
        unresolved_tie=tuple(first) if len(first) > 1 else (),
        formulas=(*formulas, tie_break_formula(params)),
        unresolved_reserve_tie=reserve_tie,
    )


def id_key(bid_id: str) -> tuple:
    """Bid ids in numeric order ("9" before "12"), other ids after them as text."""
    text = str(bid_id)
    return (0, int(text), '') if text.isascii() and text.isdecimal() else (1, 0, text)


def _failure_reason(assessed: list[Assessed], eligible: list[Assessed]) -> str | None:
    if not assessed:
        return 'no bids'
    if eligible:
        return None
    ceilings = {a.above_ceiling for a in assessed}
    if None not in ceilings and len(ceilings) == 1:
        return f'all bids above {ceilings.pop()}'
    return 'no bid passes evaluation'


def _result(a: Assessed, rank: int | None) -> BidResult:
    return BidResult(
        bid_id=a.bid.id,
        vendor=a.bid.vendor,
        tkdn=a.bid.tkdn,
        declared_total=a.bid.declared_total,
        corrected_total=a.corrected_total,
        evaluated_price=a.evaluated_price,
        preference=a.preference,
        scores=dict(a.scores),
        stages={s: a.stages.get(s, StageResult(NOT_EVALUATED)) for s in STAGES},
        flags=tuple(a.flags),
        corrections=a.corrections,
        rank=rank,
        negotiation=a.bid.negotiation,
        negotiated_total=a.negotiated_total,
    )
