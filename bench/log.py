"""Benchmark of the transparency log (issue 13, "Speed"): appends with and without the Merkle
tree next to bare inserts of the same rows, proof times at the largest size, and the
reconciliation of a database of N tenders.

    .venv/bin/python bench/log.py                       # SQLite, 1,000,000 events, 10,000 tenders
    .venv/bin/python bench/log.py --events 100000 --tenders 1000      # a quicker run
    .venv/bin/python bench/log.py --database 'postgresql+psycopg://postgres@/lpse_bench?host=…'

The three append runs write the same events in transactions of --batch events each, into fresh
tables: "bare" inserts the audit_event rows alone (the chain hashes precomputed), "chain" is
`audit.record` with the tree switched off (head lock, chain hash), "tree" is `audit.record` as
the application runs it. Then --queries random inclusion proofs (random leaf, tree size = the
whole log) and consistency proofs (random older size) are computed from the stored subtrees
and their p50/p95 printed. Last, --tenders tenders are seeded (bench/listing.py's seeder), given
a state baseline, and `statelog.reconcile()` is timed. The append runs alternate --rounds times
(the best of each kind is kept: a busy moment on the machine hits all three alike). Figures are
printed, never asserted; the summary gives PASS/FAIL against the issue's targets (tree ≥ 80 %
of bare; proofs p95 ≤ 10 ms) and against the right-sized one: an append must lock and move
the head in the transaction of the change it records (three statements where a bare insert has
one), so the tree's own cost is measured against `audit.record` without it (≥ 80 %).
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import text

from lpse import audit, clock, create_app, statelog, tlog
from lpse.crypto.canonical import canonical_json
from lpse.extensions import db

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
# The clock of the append runs and proofs: wall time, or this process's CPU time with --cpu
# (SQLite runs in the process: on a machine busy with other work, CPU time is the fairer one).
ticks = time.perf_counter
LOG_TABLES = ('audit_event', 'audit_tree_node', 'audit_head')


def empty_log():
    dialect = db.engine.dialect.name
    db.session.commit()
    with db.engine.begin() as conn:
        for table in LOG_TABLES:
            if dialect == 'postgresql':
                conn.execute(text(f'TRUNCATE {table}'))
            else:
                conn.execute(text(f'DROP TRIGGER IF EXISTS {table}_no_delete'))
                conn.execute(text(f'DELETE FROM {table}'))  # noqa: S608 — our own table names


def payload(i):
    return {'tender': f'KOTAUJI-2026-{i % 10_000:05d}', 'sha256': f'{i:064x}', 'n': i}


def run_bare(n, batch):
    """The same rows inserted one INSERT each, without head, chain or tree: the floor of an
    append (the chain hashes are computed, as the rows must carry them)."""
    empty_log()
    prev = audit.GENESIS_HASH
    table = audit.AuditEvent.__table__
    start = ticks()
    for i in range(1, n + 1):
        fields = {
            'seq': i,
            'occurred_at': NOW,
            'actor_id': None,
            'actor_ip': '203.0.113.7',
            'action': 'bench.event',
            'object_type': 'thing',
            'object_id': str(i),
            'payload': canonical_json(payload(i)),
        }
        stamp = dict(fields, occurred_at=NOW.strftime('%Y-%m-%dT%H:%M:%S.%fZ'))
        new = audit.chain_hash(prev, stamp)
        db.session.connection().execute(table.insert(), {**fields, 'prev_hash': prev, 'hash': new})
        prev = new
        if i % batch == 0:
            db.session.commit()
    db.session.commit()
    return n / (ticks() - start)


def run_record(n, batch, *, tree=True):
    empty_log()
    saved = tlog.append, tlog.store
    if not tree:
        tlog.append = lambda size, edge, leaf: ([], edge)
        tlog.store = lambda rows: None
    try:
        start = ticks()
        for i in range(1, n + 1):
            audit.record(
                'bench.event', ('thing', i), actor=None, now=NOW, ip='203.0.113.7', **payload(i)
            )
            if i % batch == 0:
                db.session.commit()
        db.session.commit()
        return n / (ticks() - start)
    finally:
        tlog.append, tlog.store = saved


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def proofs(size, queries, rng):
    inclusion, consistency = [], []
    for _ in range(queries):
        index = rng.randrange(size)
        start = ticks()
        tlog.inclusion_proof(index, size, size)
        inclusion.append((ticks() - start) * 1000)
        old = rng.randrange(1, size + 1)
        start = ticks()
        tlog.consistency_proof(old, size, size)
        consistency.append((ticks() - start) * 1000)
        db.session.rollback()
    return percentiles(inclusion), percentiles(consistency)


def reconcile_time(tenders, rng):
    from listing import seed

    seed(tenders, rng)
    start = time.perf_counter()
    logged = statelog.baseline(now=NOW)
    db.session.commit()
    baseline_s = time.perf_counter() - start
    start = time.perf_counter()
    differences = statelog.reconcile()
    return logged, baseline_s, time.perf_counter() - start, len(differences)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--events', type=int, default=1_000_000)
    parser.add_argument('--batch', type=int, default=1000, help='events per transaction')
    parser.add_argument('--queries', type=int, default=1000)
    parser.add_argument('--tenders', type=int, default=10_000)
    parser.add_argument('--database', help='a PostgreSQL URL (emptied!); SQLite by default')
    parser.add_argument(
        '--rounds', type=int, default=2, help='runs of each kind, alternating; the best is kept'
    )
    parser.add_argument(
        '--cpu',
        action='store_true',
        help="time appends and proofs by this process's CPU (SQLite only)",
    )
    args = parser.parse_args(argv)
    if args.cpu:
        global ticks
        if args.database:
            parser.error('--cpu measures SQLite only (PostgreSQL works in other processes)')
        ticks = time.process_time
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f'sqlite:///{tmp}/log.db'
        app = create_app({'SQLALCHEMY_DATABASE_URI': url, 'LPSE_DATA_DIR': tmp})
        with app.app_context():
            if args.database:
                with db.engine.begin() as conn:
                    conn.execute(text('DROP SCHEMA public CASCADE; CREATE SCHEMA public'))
            upgrade()
            clock.set_now(NOW)
            clock_name = 'CPU time of this process' if args.cpu else 'wall time'
            print(
                f'{db.engine.dialect.name}, {args.events:,} events, batches of {args.batch}, '
                f'appends timed by {clock_name}'
            )
            bare = chain = tree = 0
            for _ in range(args.rounds):  # alternating, so a busy moment hits all three alike
                bare = max(bare, run_bare(args.events, args.batch))
                chain = max(chain, run_record(args.events, args.batch, tree=False))
                tree = max(tree, run_record(args.events, args.batch, tree=True))
            print(f'  bare inserts        {bare:12,.0f} events/s  (best of {args.rounds})')
            print(f'  record without tree {chain:12,.0f} events/s  ({chain / bare:.0%} of bare)')
            print(
                f'  record with tree    {tree:12,.0f} events/s  ({tree / bare:.0%} of bare, '
                f'{tree / chain:.0%} of without)'
            )
            (inc50, inc95), (con50, con95) = proofs(args.events, args.queries, rng)
            print(f'  inclusion proof at {args.events:,}: p50 {inc50:.2f} ms, p95 {inc95:.2f} ms')
            print(f'  consistency proof at {args.events:,}: p50 {con50:.2f} ms, p95 {con95:.2f} ms')
            logged, baseline_s, seconds, diffs = reconcile_time(args.tenders, rng)
            print(
                f'  {args.tenders:,} tenders: baseline of {logged:,} rows {baseline_s:.1f} s, '
                f'reconcile {seconds:.1f} s ({diffs} differences)'
            )
            print('summary:')
            print(
                f'  tree append vs bare insert {tree / bare:.0%} (target ≥ 80 %): '
                f'{"PASS" if tree >= 0.8 * bare else "FAIL"}'
            )
            print(
                f'  tree append vs record without tree {tree / chain:.0%} (right-sized target '
                f'≥ 80 %): {"PASS" if tree >= 0.8 * chain else "FAIL"}'
            )
            print(
                f'  proofs p95 {max(inc95, con95):.2f} ms (target ≤ 10 ms): '
                f'{"PASS" if max(inc95, con95) <= 10 else "FAIL"}'
            )


if __name__ == '__main__':
    main()
