"""The deadline rush on a cluster (issue 17, "Speed"): N vendors × S MB sealed envelopes in one
burst through HAProxy, on 1 node and on 3 nodes (gunicorn, PostgreSQL, Redis queue and a worker
as in tests/integration/cluster/harness.py), each next to the bare-upload baseline
(deadline_rush.baseline_app: the body streamed to disk, nothing else) on the same topology.
Prints throughput, time to receipt and memory; asserts nothing.

    .venv/bin/python bench/cluster.py --database 'postgresql+psycopg://postgres@/lpse_cluster?host=/tmp/lpse-pg&port=54329'
    .venv/bin/python bench/cluster.py --quick --database …     # 20 vendors × 2 MB

`--database` names a database of the benchmark's own (emptied, migrated, filled). On a 2-core
machine every node shares the same two cores, so 3 nodes cannot be faster than one: the figure
is reported with the CPU time per bid, which is what more cores would divide. See bench/README.md.
"""

import argparse
import os
import sys
import tempfile
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
        cpu = sum(n.cpu_seconds() for n in cluster.nodes)
        for n in cluster.nodes:
            n.start_sampling(0.05)
        figures = rush.burst(cluster.port, world, skip=args.warmup)
        figures['peak_rss'] = max(n.stop_sampling() for n in cluster.nodes)
        figures['cpu'] = sum(n.cpu_seconds() for n in cluster.nodes) - cpu
        figures['idle_rss'] = min(n.rss() for n in cluster.nodes)
    finally:
        cluster.stop()
    figures['label'] = label
    return figures


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
    results = {}
    with tempfile.TemporaryDirectory(prefix='lpse-cluster-') as tmp:
        for nodes in (1, 3):
            place = rush.Place(tmp, f'n{nodes}', args.database)
            world = rush.make_world(place, args.vendors, args.size_mb, keys, print, args.warmup)
            results[(nodes, 'lpse')] = run(
                world, place, args, nodes=nodes, baseline=False, label=f'lpse×{nodes}'
            )
            results[(nodes, 'baseline')] = run(
                world, place, args, nodes=nodes, baseline=True, label=f'bare×{nodes}'
            )
            if args.floor:
                results[(nodes, 'floor')] = run(
                    world,
                    place,
                    args,
                    nodes=nodes,
                    baseline=True,
                    floor=True,
                    label=f'sha×{nodes}',
                )
    print(f'results (load now {rush._load()})')
    for f in results.values():
        rush.show(f)
    for nodes in (1, 3):
        lpse, bare = results[(nodes, 'lpse')], results[(nodes, 'baseline')]
        ratio = lpse['mb_per_s'] / bare['mb_per_s'] if bare['mb_per_s'] else float('nan')
        print(f'  {nodes} node(s): lpse/baseline throughput {ratio:.0%} (target ≥ 90%)')
        if (nodes, 'floor') in results:
            floor = results[(nodes, 'floor')]
            print(
                f'  {nodes} node(s): floor (bare + one SHA-256 pass)/baseline '
                f'{floor["mb_per_s"] / bare["mb_per_s"]:.0%}, lpse/floor '
                f'{lpse["mb_per_s"] / floor["mb_per_s"]:.0%}'
            )
    one, three = results[(1, 'lpse')]['mb_per_s'], results[(3, 'lpse')]['mb_per_s']
    print(
        f'  3 nodes / 1 node: {three / one:.2f}× (target ≥ 2.5× where there are cores for three '
        f'nodes; this machine has {os.cpu_count()})'
    )


if __name__ == '__main__':
    main()
