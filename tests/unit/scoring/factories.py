"""Factories for evaluation tests: a passing bid and a tender's parameters, overridable."""

from decimal import Decimal

from lpse.scoring.types import Bid, Params, PriceLine, Vendor, Verdict

PASS = Verdict(True)


def d(value) -> Decimal:
    return Decimal(str(value))


def make_params(**overrides) -> Params:
    """Lump-sum goods tender with HPS Rp1,000,000 unless overridden."""
    values = {
        'rules_version': 'test/1',
        'category': 'barang',
        'contract_type': 'lump_sum',
        'hps': d(1_000_000),
    }
    values.update(overrides)
    return Params(**values)


def make_bid(bid_id, total=None, *, nt=None, tkdn=0, small=False, fail=None, **overrides) -> Bid:
    """A bid passing administration, qualification and technical; ``fail`` = {stage: reason}."""
    verdicts = dict.fromkeys(('administration', 'qualification', 'technical'), PASS)
    for stage, reason in (fail or {}).items():
        verdicts[stage] = Verdict(False, reason)
    values = {
        'id': bid_id,
        'vendor': Vendor(f'PT {bid_id}', '01.234.567.8-901.000', small),
        'verdicts': verdicts,
        'declared_total': None if total is None else d(total),
        'tkdn': d(tkdn),
        'technical_score': None if nt is None else d(nt),
    }
    values.update(overrides)
    return Bid(**values)


def lines(*rows) -> tuple[PriceLine, ...]:
    """Price lines from (item, quantity, unit_price) rows; unit_price None = unpriced."""
    return tuple(PriceLine(item, d(q), None if p is None else d(p)) for item, q, p in rows)
