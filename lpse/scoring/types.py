"""Plain data the evaluation methods read (bids, parameters) and return (a ranking)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

#: jasa_konsultansi = consultancy (seleksi, two files); the other categories are barang (goods),
#: pekerjaan_konstruksi (works) and jasa_lainnya (other services).
CONSULTANCY = 'jasa_konsultansi'
#: Stages in SPSE order; ``pembuktian`` is the check of original qualification documents.
STAGES = ('administration', 'qualification', 'technical', 'price', 'pembuktian')
TIE_BREAKS = ('technical_score', 'tkdn', 'small_business', 'pokja_decision')
TKDN_FORMULAS = ('lkpp2022', 'legacy')

PASSED = 'passed'
FAILED = 'failed'
NOT_EVALUATED = 'not_evaluated'


@dataclass(frozen=True)
class Verdict:
    """A Pokja verdict on one stage (or on a clarification); a failure always states why."""

    passed: bool
    reason: str = ''


@dataclass(frozen=True)
class BoqItem:
    """One line of the bill of quantities (BoQ) in the tender documents, with its HPS unit price."""

    id: str
    quantity: Decimal
    hps_unit_price: Decimal | None = None
    description: str = ''
    unit: str = ''
    lump_sum: bool = False


@dataclass(frozen=True)
class PriceLine:
    """One priced line of a bid; ``unit_price`` None means the bidder left it unpriced."""

    item: str
    quantity: Decimal
    unit_price: Decimal | None
    unit: str = ''


@dataclass(frozen=True)
class Vendor:
    """The bidding company (penyedia); ``small_business`` covers usaha kecil and koperasi."""

    name: str
    npwp: str = ''
    small_business: bool = False


@dataclass(frozen=True)
class LifeCycle:
    """Operating (O_t) and maintenance (M_t) costs for years 1..n and residual value S of a bid."""

    operating: tuple[Decimal, ...]
    maintenance: tuple[Decimal, ...]
    residual: Decimal = Decimal(0)


#: Outcomes of the clarification and negotiation (seleksi) with an invited firm.
AGREED = 'agreed'
NEGOTIATION_FAILED = 'failed'


@dataclass(frozen=True)
class NegotiatedLine:
    """The negotiated unit price (HN) of one priced line; never above the offer's."""

    item: str
    unit_price: Decimal


@dataclass(frozen=True)
class Negotiation:
    """The clarification and negotiation with a firm (seleksi): agreed, with the negotiated
    unit prices of the lines that changed, or failed, with the reason (the next-ranked firm is
    invited)."""

    status: str
    lines: tuple[NegotiatedLine, ...] = ()
    reason: str = ''

    @property
    def failed(self) -> bool:
        return self.status == NEGOTIATION_FAILED


@dataclass(frozen=True)
class Bid:
    """An opened bid with the Pokja's recorded verdicts; ``tkdn`` is a percentage (0–100).

    ``verdicts`` holds administration, qualification, technical and (optionally) pembuktian.
    ``clarification`` is the recorded outcome of the price-reasonableness clarification.
    ``tie_break_order`` is a recorded Pokja decision between tied bids (1 = preferred).
    ``negotiation`` is the recorded clarification and negotiation (consultancy methods only).
    For consultancy, an empty price (no lines, no declared total) means File II was not opened.
    """

    id: str
    vendor: Vendor
    verdicts: Mapping[str, Verdict]
    lines: tuple[PriceLine, ...] = ()
    declared_total: Decimal | None = None
    tkdn: Decimal = Decimal(0)
    technical_score: Decimal | None = None
    criterion_scores: Mapping[str, Decimal] = field(default_factory=dict)
    clarification: Verdict | None = None
    tie_break_order: int | None = None
    life_cycle: LifeCycle | None = None
    negotiation: Negotiation | None = None


@dataclass(frozen=True)
class Criterion:
    """A technical evaluation criterion and its weight (weights sum to 1)."""

    id: str
    weight: Decimal
    description: str = ''


@dataclass(frozen=True)
class TkdnRule:
    """Domestic-product price preference: KP = TKDN × max_preference, for goods only."""

    formula: str = 'lkpp2022'
    max_preference: Decimal = Decimal('0.25')
    min_tkdn: Decimal = Decimal(25)
    hps_above: Decimal = Decimal(1_000_000_000)


@dataclass(frozen=True)
class Params:
    """Per-tender evaluation settings, frozen at publication under ``rules_version``.

    ``technical_weight``/``price_weight`` are Bt/Bh (merit point) or Wt/Wb (qcbs);
    ``budget`` is the pagu; ``discount_rate`` r and ``years`` n drive life-cycle cost.
    """

    rules_version: str
    category: str
    contract_type: str = 'unit_price'
    hps: Decimal | None = None
    budget: Decimal | None = None
    boq: tuple[BoqItem, ...] = ()
    technical_weight: Decimal | None = None
    price_weight: Decimal | None = None
    technical_threshold: Decimal | None = None
    technical_criteria: tuple[Criterion, ...] = ()
    tkdn: TkdnRule = TkdnRule()
    reasonableness_ratio: Decimal = Decimal('0.80')
    unbalanced_ratio: Decimal = Decimal('1.10')
    tie_break: tuple[str, ...] = TIE_BREAKS
    discount_rate: Decimal | None = None
    years: int | None = None


@dataclass(frozen=True)
class StageResult:
    """Outcome of one stage for one bid: passed, failed or not_evaluated, with the reason."""

    status: str
    reason: str = ''


@dataclass(frozen=True)
class Flag:
    """Something the Pokja must look at (clarification, correction); not a verdict by itself."""

    code: str
    detail: str


@dataclass(frozen=True)
class BidResult:
    """The evaluation of one bid: prices, scores (exact), stage outcomes, flags and rank."""

    bid_id: str
    vendor: Vendor
    tkdn: Decimal
    declared_total: Decimal | None
    corrected_total: Decimal | None
    evaluated_price: Decimal | None
    preference: Decimal | None
    scores: Mapping[str, Decimal]
    stages: Mapping[str, StageResult]
    flags: tuple[Flag, ...]
    corrections: tuple[str, ...]
    rank: int | None
    negotiation: Negotiation | None = None
    #: HN: the total at the negotiated unit prices (agreed negotiations only).
    negotiated_total: Decimal | None = None

    @property
    def failed(self) -> bool:
        return any(s.status == FAILED for s in self.stages.values())


@dataclass(frozen=True)
class Ranking:
    """The result of a tender evaluation: ranked bids, winner and reserves, or why it failed."""

    method: str
    rules_version: str
    results: tuple[BidResult, ...]
    winner: str | None
    reserves: tuple[str, ...]
    failure_reason: str | None
    unresolved_tie: tuple[str, ...]
    formulas: tuple[str, ...]
    #: Bids tied (after the whole tie-break chain) for a reserve place: the Pokja must record
    #: its decision (tie-break order) before the result can be proposed.
    unresolved_reserve_tie: tuple[str, ...] = ()

    @property
    def negotiated_total(self) -> Decimal | None:
        """HN of the winner: the contract price when its negotiation was agreed."""
        return None if self.winner is None else self.result(self.winner).negotiated_total

    def result(self, bid_id: str) -> BidResult:
        return next(r for r in self.results if r.bid_id == bid_id)
