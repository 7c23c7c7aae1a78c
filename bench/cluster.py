"""The deadline rush on a cluster (issue 17, "Speed"): N vendors × S MB sealed envelopes in one
burst through HAProxy, on 1 node and on 3 nodes (gunicorn, PostgreSQL, Redis queue and a worker
as in tests/integration/cluster/harness.py), each next to the bare-upload baseline
(deadline_rush.baseline_app: the body streamed to disk, nothing else) on the same topology.
Prints throughput, time to receipt and memory; asserts nothing.

    .venv/bin/python bench/cluster.py --database 'postgresql+psycopg://postgres@/lpse_cluster?host=/tmp/lpse-pg&port=54329'
    .venv/bin/python bench/cluster.py --quick --database …     # 20 vendors × 2 MB
    .venv/bin/python bench/cluster.py --floor --rounds 3 --database …  # + the floor, medians

`--database` names a database of the benchmark's own (emptied, migrated, filled). On a 2-core
machine every node shares the same two cores, so 3 nodes cannot be faster than one: the figure
is reported with the CPU time per bid, which is what more cores would divide. See bench/README.md.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# tests/integration first: its `cluster` package (the harness), not this file, is `cluster`.
for path in (
    ROOT / 'tests',
    ROOT / 'tests' / 'integration' / 'bidding',
    ROOT / 'tests' / 'integration',
):
    sys.path.insert(0, str(path))
sys.path.append(str(BENCH))

import deadline_rush as rush  # noqa: E402

MB = rush.MB


def run(world, place, args, *, nodes, baseline, label, floor=False):
    import crash_server as cs
    from cluster import harness

    cap = str(max(50 * MB, int(max(args.size_mb, 50) * MB) + MB))
    extra = {'LPSE_BID_MAX_SIZE': cap, 'LPSE_MAX_CONTENT_LENGTH': str(int(cap) + MB)}
    if baseline:
        extra['RUSH_BASELINE_DIR'] = str(place.dir / f'baseline-{label}')
        extra['RUSH_BASELINE_SHA256'] = '1' if floor else '0'
    cluster = harness.Cluster(
        world,
        place.dir / f'{label}',
        nodes=nodes,
        workers=args.workers,
        threads=args.threads,
        app='deadline_rush:baseline_app()' if baseline else 'crash_server:create()',
        with_worker=not baseline,
        cwd=BENCH if baseline else cs.HERE,
        **extra,
    )
    if baseline:
        for node in cluster.nodes:
            node.env = dict(
                node.env, PYTHONPATH=os.pathsep.join([str(BENCH), node.env['PYTHONPATH']])
            )
    cluster.start()
    try:
        rush.warm_up(cluster.port, world, args.warmup)
        if cluster.worker is not None:
            settle(cluster.worker.proc.pid)
        cpu = sum(n.cpu_seconds() for n in cluster.nodes)
        machine = rush.machine_busy_seconds()
        for n in cluster.nodes:
            n.start_sampling(0.05)
        figures = rush.burst(cluster.port, world, skip=args.warmup)
        figures['machine_cpu'] = rush.machine_busy_seconds() - machine
        figures['peak_rss'] = max(n.stop_sampling() for n in cluster.nodes)
        figures['cpu'] = sum(n.cpu_seconds() for n in cluster.nodes) - cpu
        figures['idle_rss'] = min(n.rss() for n in cluster.nodes)
    finally:
        cluster.stop()
    figures['label'] = label
    return figures


def settle(pid, *, window=1.0, quiet=0.05, timeout=60):
    """Until the job worker has started (imports, the app, its first clock round): less than
    `quiet` s of CPU in `window` s. In production it runs long before a deadline; started with
    the cluster, its ~1.5 s of start-up CPU would otherwise fall inside the burst."""
    from crash_server import process_cpu_seconds

    deadline = time.monotonic() + timeout
    before = process_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = process_cpu_seconds(pid)
        if now - before < quiet:
            return
        before = now


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--database', required=True, help='PostgreSQL URL, a database of its own')
    parser.add_argument('--vendors', type=int, default=100)
    parser.add_argument('--size-mb', type=float, default=10)
    parser.add_argument('--quick', action='store_true', help='20 vendors × 2 MB')
    parser.add_argument('--workers', type=int, default=2, help='gunicorn workers per node')
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--keys', type=int, default=8)
    parser.add_argument('--warmup', type=int, default=8)
    parser.add_argument(
        '--rounds', type=int, default=1, help='repeat everything; the median of each ratio'
    )
    parser.add_argument(
        '--floor',
        action='store_true',
        help='also the bare upload hashing the body once (SHA-256): the unavoidable floor',
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.vendors, args.size_mb = 20, 2
    if 'lpse_test' in args.database:
        parser.error('never the shared test database: give the benchmark a database of its own')

    import crash_server as cs

    print(
        f'cluster rush: {args.vendors} vendors × {args.size_mb:g} MB through HAProxy, gunicorn '
        f'{args.workers} workers × {args.threads} threads per node, PostgreSQL, Redis queue; '
        f'load {rush._load()}, {os.cpu_count()} CPUs'
    )
    keys = cs.generate_keys(args.keys, processes=os.cpu_count() or 2)
    rounds = []
    with tempfile.TemporaryDirectory(prefix='lpse-cluster-') as tmp:
        for number in range(1, args.rounds + 1):
            rounds.append(one_round(tmp, number, args, keys))
            print(f'round {number} (load now {rush._load()})')
            ratios = report(rounds[-1])
    if len(rounds) > 1:
        every = [report(r, quiet=True) for r in rounds]
        print(f'median of {len(rounds)} rounds (each ratio within its own round)')
        for name in ratios:
            values = sorted(r[name] for r in every)
            shown = '{:.2f}×' if name.endswith('/ 1 node') else '{:.0%}'
            print(
                f'  {name}: {shown.format(statistics.median(values))} '
                f'(rounds: {", ".join(shown.format(v) for v in values)})'
            )


def one_round(tmp, number, args, keys):
    """lpse, the bare upload (and the floor) on 1 node then on 3 nodes: their figures."""
    results = {}
    for nodes in (1, 3):
        place = rush.Place(tmp, f'n{nodes}-r{number}', args.database)
        world = rush.make_world(place, args.vendors, args.size_mb, keys, print, args.warmup)
        results[(nodes, 'lpse')] = run(
            world, place, args, nodes=nodes, baseline=False, label=f'lpse×{nodes}'
        )
        results[(nodes, 'baseline')] = run(
            world, place, args, nodes=nodes, baseline=True, label=f'bare×{nodes}'
        )
        if args.floor:
            results[(nodes, 'floor')] = run(
                world, place, args, nodes=nodes, baseline=True, floor=True, label=f'sha×{nodes}'
            )
    return results


def _ratio(part, whole):
    return part / whole if whole else float('nan')


def report(results, *, quiet=False):
    """Print a round's figures and ratios (unless `quiet`); the ratios by name."""
    say = (lambda *_a: None) if quiet else print
    if not quiet:
        for f in results.values():
            rush.show(f)
    ratios = {}
    for nodes in (1, 3):
        lpse, bare = results[(nodes, 'lpse')], results[(nodes, 'baseline')]
        ratio = _ratio(lpse['mb_per_s'], bare['mb_per_s'])
        ratios[f'{nodes} node(s) lpse/baseline (target ≥ 90%)'] = ratio
        say(f'  {nodes} node(s): lpse/baseline throughput {ratio:.0%} (target ≥ 90%)')
        if (nodes, 'floor') in results:
            floor = results[(nodes, 'floor')]
            below = ratios[f'{nodes} node(s) floor/baseline'] = _ratio(
                floor['mb_per_s'], bare['mb_per_s']
            )
            share = ratios[f'{nodes} node(s) lpse/floor'] = _ratio(
                lpse['mb_per_s'], floor['mb_per_s']
            )
            say(
                f'  {nodes} node(s): floor (bare + one SHA-256 pass)/baseline {below:.0%}, '
                f'lpse/floor {share:.0%}'
            )
    one, three = results[(1, 'lpse')]['mb_per_s'], results[(3, 'lpse')]['mb_per_s']
    scale = ratios['lpse 3 nodes / 1 node'] = _ratio(three, one)
    say(
        f'  3 nodes / 1 node: {scale:.2f}× (target ≥ 2.5× where there are cores for three '
        f'nodes; this machine has {os.cpu_count()})'
    )
    return ratios


if __name__ == '__main__':
    main()
