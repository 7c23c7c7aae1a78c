"""Red-flag rules at scale (issue 15, "Speed"): 100,000 tenders, 500,000 bids, 20,000 vendors of
clean random data, built in memory as the rules' facts (lpse.redflags.rules).

Prints the time of a full recomputation (every tender's rules, then every agency's rotation),
of the incremental update after one new bid (that tender's rules and its agency's rotation;
target ≤ 1 s), and the flags found per rule — on clean data every count should be 0 (no false
positive). Loading the facts from the database (lpse.redflags.facts) is not measured here.

    .venv/bin/python bench/flags.py                      # 100,000 / 500,000 / 20,000
    .venv/bin/python bench/flags.py --tenders 10000 --vendors 2000
"""

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lpse.redflags import rules
from lpse.redflags.rules import AwardFact, BidFact, OpenedFact, TenderFacts, VendorFact

AGENTS = ('Mozilla/5.0 (Windows NT 10.0)', 'Mozilla/5.0 (X11; Linux)', 'Mozilla/5.0 (Mac)')
LINES = 5


def vendor(v: int) -> VendorFact:
    return VendorFact(
        v,
        f'PT Uji {v}',
        {
            'phone': (f'8{v:08d}',),
            'email': (f'v{v}@contoh.co.id',),
            'address': (f'jl. uji {v} kota {v % 500}',),
            'director_nik': (f'3174{v:012d}',),
            'director_name': (f'direktur {v}',),
        },
    )


def ip(v: int) -> str:
    return f'10.{v // 256 % 256}.{v % 256}.{1 + v // 65536}'  # one /24 per vendor


def tender(n: int, bidders: list[int], rng: random.Random, vendors) -> tuple[TenderFacts, int]:
    deadline = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n % 8760)
    winner_total = Decimal(rng.randrange(500_000, 5_000_000)) * 1000
    hps = (winner_total / Decimal(rng.uniform(0.80, 0.95))).quantize(Decimal('1'))
    bids, opened = [], []
    for k, v in enumerate(bidders):
        bid_id = n * 10 + k
        received = deadline - timedelta(hours=24 * (k + 1) + rng.uniform(0, 20))
        bids.append(BidFact(bid_id, v, received, ip(v), rng.choice(AGENTS)))
        total = winner_total if k == 0 else winner_total * Decimal(rng.uniform(1.06, 1.5))
        opened.append(
            OpenedFact(
                bid_id,
                v,
                total.quantize(Decimal('0.01')),
                {f'i{i}': str(rng.randrange(1_000, 10_000_000)) for i in range(LINES)},
                ((f'penawaran-{v}.pdf', f'{bid_id:064x}'),),
            )
        )
    facts = TenderFacts(
        code=f'UJI{n % 1000:03d}-2026-{n:06d}',
        hps=hps,
        published_at=deadline - timedelta(days=20),
        deadline=deadline,
        min_bid_window=timedelta(days=6),
        bids=tuple(bids),
        vendors={v: vendors[v] for v in bidders},
        opened=tuple(opened),
        winner_vendor_id=bidders[0],
    )
    return facts, n % 1000  # agency


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--tenders', type=int, default=100_000)
    parser.add_argument('--bids-per-tender', type=int, default=5)
    parser.add_argument('--vendors', type=int, default=20_000)
    parser.add_argument('--seed', type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vendors = {v: vendor(v) for v in range(1, args.vendors + 1)}
    started = time.perf_counter()
    tenders, by_agency = [], {}
    for n in range(args.tenders):
        bidders = rng.sample(range(1, args.vendors + 1), args.bids_per_tender)
        facts, agency = tender(n, bidders, rng, vendors)
        tenders.append(facts)
        by_agency.setdefault(agency, []).append(
            AwardFact(facts.code, frozenset(bidders), bidders[0])
        )
    built = time.perf_counter() - started
    bids = sum(len(t.bids) for t in tenders)
    print(
        f'{len(tenders):,} tenders, {bids:,} bids, {len(vendors):,} vendors '
        f'(built in {built:.1f} s)'
    )

    counts = Counter()
    started = time.perf_counter()
    for facts in tenders:
        counts.update(f.rule for f in rules.evaluate(facts))
    for awards in by_agency.values():
        counts.update(f.rule for f in rules.rotation(awards))
    full = time.perf_counter() - started
    print(f'full recomputation: {full:.2f} s ({full / len(tenders) * 1e6:.0f} µs per tender)')

    target = tenders[len(tenders) // 2]
    newcomer = next(v for v in range(1, args.vendors + 1) if v not in target.vendors)
    late = BidFact(10**9, newcomer, target.deadline - timedelta(hours=30), ip(newcomer), AGENTS[0])
    started = time.perf_counter()
    updated = replace(
        target,
        bids=(*target.bids, late),
        vendors={**target.vendors, newcomer: vendors[newcomer]},
    )
    incremental_flags = rules.evaluate(updated)
    agency = (len(tenders) // 2) % 1000
    rules.rotation(by_agency[agency])
    incremental = time.perf_counter() - started
    verdict = 'PASS' if incremental <= 1 else 'FAIL'
    print(f'incremental after one new bid: {incremental * 1000:.2f} ms ({verdict}, target ≤ 1 s)')

    print('flags on clean random data (false positives):', dict(counts) or 0)
    print('flags after the new bid:', [f.rule for f in incremental_flags] or 0)
    return 1 if counts or incremental_flags else 0


if __name__ == '__main__':
    sys.exit(main())
