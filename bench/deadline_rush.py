"""The deadline rush (issue 5, "Speed"): N vendors each upload a sealed envelope of S MB in one
burst through gunicorn (2 gthread workers), against the real submission endpoint and against a
bare Flask endpoint that only streams the body to disk (the baseline). Prints figures; asserts
nothing.

    .venv/bin/python bench/deadline_rush.py --quick          # 10 vendors × 2 MB, a smoke run
    .venv/bin/python bench/deadline_rush.py                  # 100 vendors × 10 MB
    .venv/bin/python bench/deadline_rush.py --database \\
        'postgresql+psycopg://postgres@/lpse_rush?host=/tmp/devpg&port=54330'

Everything (SQLite file, data folder, envelopes) lives in a temporary folder that is removed
at the end; `--database` must name a database of the benchmark's own (it is migrated and filled:
its tables must be empty). Only 127.0.0.1 is used. See bench/README.md.
"""

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / 'tests' / 'integration' / 'bidding'))

MB = 1024 * 1024


# --- the baseline server (gunicorn loads `deadline_rush:baseline_app()`) -----------------------


def baseline_app():
    """A bare Flask app: the same URL, the body streamed to a file, fsynced, renamed; no auth,
    no checks, no database. What the hardware and gunicorn give at best. With
    RUSH_BASELINE_SHA256=1 it also hashes the body once as it streams (the floor: the one pass
    over the bytes a content-addressed, signature-checked store cannot skip)."""
    import hashlib
    import uuid

    from flask import Flask, jsonify, request

    app = Flask('baseline')
    root = Path(os.environ['RUSH_BASELINE_DIR'])
    root.mkdir(parents=True, exist_ok=True)
    hashing = os.environ.get('RUSH_BASELINE_SHA256') == '1'

    @app.get('/')
    @app.get('/health')  # what a balancer checks (bench/cluster.py)
    def index():
        return 'baseline'

    @app.post('/api/v1/tenders/<code>/bids')
    def bids(code):
        name = uuid.uuid4().hex
        tmp, size = root / f'{name}.part', 0
        sha = hashlib.sha256() if hashing else None
        with open(tmp, 'wb') as out:
            while chunk := request.stream.read(64 * 1024):
                out.write(chunk)
                size += len(chunk)
                if sha is not None:
                    sha.update(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, root / name)
        return jsonify({'receipt': {'receipt_number': name, 'envelope_size': size}}), 201

    return app


# --- the burst ------------------------------------------------------------------------------------


def burst(port, world, skip=0):
    """Every vendor (after the first `skip`, the warm-up ones) submits its envelope at once (a
    barrier); per-request times and outcome."""
    import crash_server as cs

    n = len(world.tokens) - skip
    barrier = threading.Barrier(n + 1)
    results = [None] * n

    def vendor(v):
        env = world.envelopes[skip + v][0]
        barrier.wait()
        start = time.monotonic()
        try:
            status, doc = cs.submit(
                port, world.tender_code, world.tokens[skip + v], env, timeout=600
            )
        except OSError as exc:
            status, doc = f'error: {exc}', None
        ok = status in (200, 201) and bool(doc and 'receipt' in doc)
        results[v] = (ok, _refusal(status, doc), time.monotonic() - start, env.size, start)

    threads = [threading.Thread(target=vendor, args=(v,), daemon=True) for v in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.monotonic()
    for t in threads:
        t.join(timeout=900)
    wall = time.monotonic() - began
    done = [r for r in results if r is not None]
    accepted = [r for r in done if r[0]]
    latencies = sorted(r[2] for r in accepted)
    refused = {}
    for r in done:
        if not r[0]:
            refused[str(r[1])] = refused.get(str(r[1]), 0) + 1
    return {
        'vendors': n,
        'accepted': len(accepted),
        'refused': refused,
        'wall': wall,
        'mb_per_s': sum(r[3] for r in accepted) / MB / wall if wall else 0.0,
        'p50': _pct(latencies, 50),
        'p95': _pct(latencies, 95),
        'p99': _pct(latencies, 99),
    }


def _refusal(status, doc):
    """A refusal's status and who gave it: the app's error code (JSON), or, without a JSON
    body, the balancer or gunicorn in front of it (e.g. HAProxy's 503 "no server available")."""
    if isinstance(doc, dict) and isinstance(doc.get('error'), dict):
        return f'{status} {doc["error"].get("code")}'
    if isinstance(status, int) and status not in (200, 201):
        return f'{status} (not from the app)'
    return status


def _pct(values, p):
    if not values:
        return float('nan')
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method='inclusive')[p - 1]


def warm_up(port, world, count):
    """`count` bids at once before anything is measured, so that each worker has opened its
    database connections, configured the ORM and unlocked the system key (argon2id, once per
    process): the rush is measured on a running server, as at a real deadline. Untimed."""
    if count:
        figures = burst(port, dataclasses.replace(world, tokens=world.tokens[:count]))
        if figures['accepted'] != count:
            print(f'  warm-up: only {figures["accepted"]}/{count} accepted {figures["refused"]}')


def run_server(app, env, world, args, label, log_path):
    import crash_server as cs

    server = cs.Server(
        app,
        env,
        workers=args.workers,
        threads=args.threads,
        log_path=log_path,
        cwd=BENCH if app.startswith('deadline_rush') else cs.HERE,
    ).start(timeout=120)
    try:
        warm_up(server.port, world, args.warmup)
        idle = server.rss()
        cpu = server.cpu_seconds()
        server.start_sampling(0.05)
        figures = burst(server.port, world, skip=args.warmup)
        figures['peak_rss'] = server.stop_sampling()
        figures['cpu'] = server.cpu_seconds() - cpu
        figures['idle_rss'] = idle
    finally:
        server.stop()
    figures['label'] = label
    return figures


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy so far (every process: the app, its database,
    the balancer, the client), from /proc/stat; 0 where there is none."""
    try:
        with open('/proc/stat') as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf('SC_CLK_TCK')


def show(f):
    refused = f', refused {f["refused"]}' if f['refused'] else ''
    machine = ''
    if f.get('machine_cpu'):
        cores = os.cpu_count() or 1
        machine = (
            f'; machine CPU {f["machine_cpu"]:.1f} s = '
            f'{f["machine_cpu"] / (f["wall"] * cores):.0%} of {cores} cores '
            f'({1000 * f["machine_cpu"] / max(1, f["vendors"]):.0f} ms per bid, all processes)'
        )
    print(
        f'  {f["label"]:<9} accepted {f["accepted"]}/{f["vendors"]}{refused}; '
        f'{f["mb_per_s"]:.1f} MB/s over {f["wall"]:.1f} s; time to receipt '
        f'p50 {f["p50"]:.2f} s, p95 {f["p95"]:.2f} s, p99 {f["p99"]:.2f} s; '
        f'server memory peak {f["peak_rss"] / MB:.0f} MB (idle {f["idle_rss"] / MB:.0f} MB); '
        f'server CPU {f["cpu"]:.1f} s ({1000 * f["cpu"] / max(1, f["vendors"]):.0f} ms per bid)'
        f'{machine}'
    )


# --- one world per run: database, data folder, envelopes ---------------------------------------


class Place:
    """A database + data folder of the benchmark's own, removed (or emptied) afterwards."""

    def __init__(self, tmp, name, database):
        self.dir = Path(tmp) / name
        self.dir.mkdir()
        self.data = self.dir / 'data'
        self.envelopes = self.dir / 'envelopes'
        self.database = database
        self.url = database or f'sqlite:///{self.dir / "lpse.db"}'

    def reset(self):
        """An existing PostgreSQL database is emptied (the benchmark owns it)."""
        if self.database:
            from sqlalchemy import create_engine, text

            engine = create_engine(self.database)
            with engine.begin() as conn:
                conn.execute(text('DROP SCHEMA public CASCADE'))
                conn.execute(text('CREATE SCHEMA public'))
            engine.dispose()

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def make_world(place, vendors, size_mb, keys, log, warmup=0):
    import crash_server as cs

    place.reset()
    t = time.monotonic()
    world = cs.build_world(
        place.url,
        place.data,
        place.envelopes,
        vendors=vendors + warmup,
        size=int(size_mb * MB) - 32 * 1024,  # the envelope itself comes out just under S MB
        keys=keys,
        log=lambda *_: None,
    )
    sizes = [e.size for es in world.envelopes for e in es]
    log(
        f'  prepared {vendors} (+{warmup} warm-up) vendors × {statistics.mean(sizes) / MB:.2f} MB '
        f'envelopes in {time.monotonic() - t:.0f} s'
    )
    return world


def _load():
    return ' '.join(f'{x:.2f}' for x in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--vendors', type=int, default=100)
    parser.add_argument('--size-mb', type=float, default=10)
    parser.add_argument('--quick', action='store_true', help='10 vendors × 2 MB, memory at 1/20')
    parser.add_argument('--database', help='a PostgreSQL URL of a database of its own (emptied)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--keys', type=int, default=8, help='RSA keys shared by the vendors')
    parser.add_argument('--memory-vendors', type=int, default=10)
    parser.add_argument('--memory-sizes', default='1,50', help='S values (MB) to compare')
    parser.add_argument('--skip-memory', action='store_true')
    parser.add_argument(
        '--warmup', type=int, default=8, help='untimed bids first, to each server (0: cold)'
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.vendors, args.size_mb = 10, 2
        args.memory_vendors, args.memory_sizes = 4, '1,20'
    if args.database and 'lpse_test' in args.database:
        parser.error('never the shared test database: give the benchmark a database of its own')

    import crash_server as cs

    log = print
    print(
        f'deadline rush: {args.vendors} vendors × {args.size_mb:g} MB, gunicorn '
        f'{args.workers} workers × {args.threads} threads (gthread), '
        f'{"PostgreSQL" if args.database else "SQLite"}; {args.warmup} untimed warm-up bids '
        f'per server first; load {_load()}, {os.cpu_count()} CPUs'
    )
    t = time.monotonic()
    keys = cs.generate_keys(args.keys, processes=os.cpu_count() or 2)
    log(f'  {args.keys} vendor RSA-3072 keys in {time.monotonic() - t:.0f} s (process pool)')
    tmp = tempfile.mkdtemp(prefix='lpse-rush-')
    cap = str(max(50 * MB, int(max(args.size_mb, 50) * MB) + MB))
    try:
        place = Place(tmp, 'rush', args.database)
        world = make_world(place, args.vendors, args.size_mb, keys, log, args.warmup)
        env = cs.server_env(place.url, place.data, LPSE_BID_MAX_SIZE=cap)
        env['LPSE_MAX_CONTENT_LENGTH'] = str(int(cap) + MB)
        lpse = run_server('crash_server:create()', env, world, args, 'lpse', place.dir / 'lpse.log')
        base_env = dict(env, RUSH_BASELINE_DIR=str(place.dir / 'baseline'))
        base_env['PYTHONPATH'] = os.pathsep.join([str(BENCH), env['PYTHONPATH']])
        baseline = run_server(
            'deadline_rush:baseline_app()', base_env, world, args, 'baseline', place.dir / 'b.log'
        )
        memory = []
        if not args.skip_memory:
            for size in [float(s) for s in args.memory_sizes.split(',')]:
                shutil.rmtree(place.dir, ignore_errors=True)
                place = Place(tmp, f'memory-{size:g}', args.database)
                mworld = make_world(place, args.memory_vendors, size, keys, log, args.warmup)
                menv = cs.server_env(place.url, place.data, LPSE_BID_MAX_SIZE=cap)
                menv['LPSE_MAX_CONTENT_LENGTH'] = str(int(cap) + MB)
                f = run_server(
                    'crash_server:create()', menv, mworld, args, f'S={size:g}', place.dir / 'l.log'
                )
                memory.append((size, f))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f'results (load now {_load()})')
    show(lpse)
    show(baseline)
    ratio = lpse['mb_per_s'] / baseline['mb_per_s'] if baseline['mb_per_s'] else float('nan')
    print(f'  throughput lpse/baseline: {ratio:.0%} (target ≥ 70%)')
    print(f'  every bid accepted: {"yes" if lpse["accepted"] == lpse["vendors"] else "NO"}')
    if memory:
        print(f'memory, {args.memory_vendors} vendors at once')
        for _size, f in memory:
            show(f)
        (s1, f1), (s2, f2) = memory[0], memory[-1]
        print(
            f'  peak at S={s2:g} minus peak at S={s1:g}: '
            f'{(f2["peak_rss"] - f1["peak_rss"]) / MB:+.0f} MB '
            f'(target: a constant, not growing with S)'
        )


if __name__ == '__main__':
    main()
