"""Benchmark of the public tender list: seeds N published tenders and prints p50/p95 server time.

    .venv/bin/python bench/listing.py                        # SQLite, 10,000 and 100,000
    .venv/bin/python bench/listing.py --sizes 10000 \\
        --database 'postgresql+psycopg://postgres@/lpse_bench?host=/tmp/devpg&port=54330'
    ... --explain      # print every query plan of every request first
    ... --reuse        # keep the seeded data of an earlier run (schema bench_<size>, or the
                       # SQLite files of --sqlite-dir)
    ... --years 20     # spread publication over 20 years instead of 2
    ... --archive      # the same publishing rate at every size (100k over 20 years)

Each size gets its own PostgreSQL schema `bench_<size>`, dropped and re-seeded unless --reuse:
never point it at data you want to keep. Times are measured around the WSGI call (routing,
queries, rendering), with the clock frozen so the derived stages are stable. Besides p50, p95 and
the fastest run, each request's **work** is printed, which the machine's load does not change:
PostgreSQL buffers touched (EXPLAIN (ANALYZE, BUFFERS) of every query the request ran, with its
planner settings) or SQLite rows visited (a progress handler's calls), and the share of it spent
counting the matches (capped at COUNT_CAP). The figures are printed, never asserted; after the
last size a summary gives, per request, the p95 at each size, the growth ratios from the
smallest to the largest size of the p95, of the work, of the page's work (without the count)
and of the count's (logarithmic growth from 10k to 100k would be about log(100k)/log(10k) =
1.25; linear would be 10) and PASS/FAIL against p95 <= 50 ms at the largest size.

By default every size is published over the same two years, so 100k has ten times as many
tenders in flight (in each stage) as 10k: a stage's own result set grows tenfold. With
--archive the publishing rate stays the same and only the archive grows."""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import create_engine, event, insert, text

from lpse import clock, create_app
from lpse.agencies.models import Agency
from lpse.extensions import db
from lpse.tenders import search, stage_index
from lpse.tenders.models import ScheduleEntry, SearchToken, StageHold, StageWindow, Tender
from lpse.tenders.stages import GATES, STAGES, Window

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
AGENCIES = [
    ('KOTABDG', 'Pemerintah Kota Bandung', 'Asia/Jakarta'),
    ('KOTASBY', 'Pemerintah Kota Surabaya', 'Asia/Jakarta'),
    ('KOTAMKS', 'Pemerintah Kota Makassar', 'Asia/Makassar'),
    ('KOTAJYP', 'Pemerintah Kota Jayapura', 'Asia/Jayapura'),
    ('PROVKALTIM', 'Pemerintah Provinsi Kalimantan Timur', 'Asia/Makassar'),
    ('PROVNTT', 'Pemerintah Provinsi Nusa Tenggara Timur', 'Asia/Makassar'),
    ('KABBOGOR', 'Pemerintah Kabupaten Bogor', 'Asia/Jakarta'),
    ('KABSLEMAN', 'Pemerintah Kabupaten Sleman', 'Asia/Jakarta'),
    ('KABMIMIKA', 'Pemerintah Kabupaten Mimika', 'Asia/Jayapura'),
    ('KEMENPUPR', 'Kementerian Pekerjaan Umum dan Perumahan Rakyat', 'Asia/Jakarta'),
    ('KEMENKES', 'Kementerian Kesehatan', 'Asia/Jakarta'),
    ('KEMENDIKBUD', 'Kementerian Pendidikan dan Kebudayaan', 'Asia/Jakarta'),
]
WORKS = [
    ('Pembangunan', 'pekerjaan_konstruksi'),
    ('Rehabilitasi', 'pekerjaan_konstruksi'),
    ('Peningkatan', 'pekerjaan_konstruksi'),
    ('Pemeliharaan Berkala', 'pekerjaan_konstruksi'),
    ('Pengadaan', 'barang'),
    ('Belanja Modal', 'barang'),
    ('Jasa Konsultansi Perencanaan', 'jasa_konsultansi'),
    ('Jasa Konsultansi Pengawasan', 'jasa_konsultansi'),
    ('Jasa Kebersihan', 'jasa_lainnya'),
    ('Jasa Keamanan', 'jasa_lainnya'),
]
OBJECTS = [
    'Jalan Lingkar Utara',
    'Jembatan Sungai',
    'Gedung Sekolah Dasar Negeri',
    'Puskesmas Pembantu',
    'Saluran Drainase Perkotaan',
    'Rumah Sakit Umum Daerah',
    'Kantor Kelurahan',
    'Pasar Tradisional',
    'Alat Kesehatan',
    'Laptop dan Komputer Sekolah',
    'Kendaraan Operasional',
    'Jaringan Irigasi',
    'Tempat Pembuangan Akhir',
    'Gedung Olahraga',
    'Dermaga Penyeberangan',
]
PLACES = ['Kecamatan Utara', 'Kecamatan Selatan', 'Distrik Abepura', 'Desa Sukamaju', 'Kota Lama']
HOURS = [
    (0, 120),
    (1, 240),
    (72, 144),
    (144, 264),
    (264, 270),
    (288, 384),
    (360, 384),
    (384, 400),
    (408, 416),
    (432, 552),
    (576, 600),
    (624, 720),
]


def seed(n, rng, years=2):
    agencies = []
    for code, name, zone in AGENCIES:
        agency = Agency(code=code, name=name, timezone=zone, created_at=NOW)
        db.session.add(agency)
        agencies.append(agency)
    db.session.flush()
    tenders, schedule, tokens, windows, holds = [], [], [], [], []
    for i in range(1, n + 1):
        agency = rng.choice(agencies)
        work, category = rng.choice(WORKS)
        title = f'{work} {rng.choice(OBJECTS)} {rng.choice(PLACES)}'
        published = NOW - timedelta(minutes=rng.randrange(0, years * 365 * 24 * 60))
        base = published + timedelta(hours=1)
        hps = Decimal(rng.randrange(50, 50_000)) * 1_000_000
        old = base + timedelta(hours=720) < NOW
        row = {
            'id': i,
            'code': f'{agency.code}-{published.year}-{i:05d}',
            'version': 1,
            'superseded': False,
            'status': rng.choices(['published', 'cancelled', 'failed'], [96, 2, 2])[0],
            'title': title,
            'description': f'{title}. Tahun anggaran {published.year}, lokasi {agency.name}.',
            'category': category,
            'selection_method': 'seleksi' if category == 'jasa_konsultansi' else 'tender',
            'contract_type': 'unit_price',
            'agency_id': agency.id,
            'funding_source': 'APBD',
            'fiscal_year': published.year,
            'pagu': hps * Decimal('1.1'),
            'hps': hps,
            'business_size': 'kecil' if hps < 15_000_000_000 else 'non_kecil',
            'location': agency.name,
            'timezone': agency.timezone,
            'submission_files': 2 if category == 'jasa_konsultansi' else 1,
            'evaluation_method': 'qcbs' if category == 'jasa_konsultansi' else 'lowest_price',
            'method_params': '{}',
            'rules_version': 'bench',
            'created_at': published,
            'published_at': published,
            'bid_deadline': base + timedelta(hours=HOURS[3][1]),
        }
        for name in GATES.values():
            row[name] = base + timedelta(hours=700) if old else None
        tenders.append(row)
        timeline = {
            stage: Window(base + timedelta(hours=a), base + timedelta(hours=b))
            for stage, (a, b) in zip(STAGES, HOURS, strict=True)
        }
        for position, (stage, window) in enumerate(timeline.items(), start=1):
            schedule.append(
                {
                    'tender_id': i,
                    'stage': stage.value,
                    'position': position,
                    'starts_at': window.start,
                    'ends_at': window.end,
                }
            )
        # Every seeded tender is listed: the rows the flush listeners would write.
        tokens += search.index_rows(row, agency.code, agency.name)
        spans, hold = stage_index.timeline_rows(row, timeline)
        windows += spans
        holds.append(hold)
        if len(schedule) > 60_000:
            _flush(tenders, schedule, tokens, windows, holds)
    _flush(tenders, schedule, tokens, windows, holds)
    db.session.commit()


def _flush(tenders, schedule, tokens, windows, holds):
    tables = (Tender, ScheduleEntry, SearchToken, StageWindow, StageHold)
    for model, rows in zip(tables, (tenders, schedule, tokens, windows, holds), strict=True):
        if rows:
            db.session.execute(insert(model), rows)
            rows.clear()


def measure(client, url, repeat):
    client.get(url).close()  # warm caches and templates
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        response.close()
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], times[0]


def deep_cursor(app, fraction=0.5):
    """The cursor of the row half way down the newest-first list: a page ~50,000 deep at 100k."""
    with app.app_context():
        total = db.session.scalar(text('SELECT count(*) FROM tender'))
        row = db.session.execute(
            text(
                'SELECT published_at, id FROM tender ORDER BY published_at DESC, id DESC '
                'LIMIT 1 OFFSET :o'
            ),
            {'o': int(total * fraction)},
        ).one()
        moment = row.published_at
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return search._encode(moment.replace(tzinfo=UTC), row.id)


def search_cursor(app, q, sort):
    """The cursor after the first page of a search (for a second page)."""
    with app.app_context():
        clock.set_now(NOW)
        page = search.run(search.Query(q=q, sort=sort), NOW, count=False)
        db.session.rollback()
        return page.next_cursor or ''


def print_plans(client, name, path, show=True):
    """The plan of every query one request runs: EXPLAIN QUERY PLAN (SQLite) or EXPLAIN
    ANALYZE (PostgreSQL, with the listing's SET LOCAL settings); returns the PostgreSQL
    buffers (8 kB pages) the request's queries touched: (all of them, the total's count)."""
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(('SELECT', 'WITH', 'SET LOCAL')):
            statements.append((statement, parameters))

    event.listen(db.engine, 'before_cursor_execute', capture)
    try:
        client.get(path).close()
    finally:
        event.remove(db.engine, 'before_cursor_execute', capture)
    postgres = db.engine.dialect.name == 'postgresql'
    out = print if show else (lambda *_a: None)
    out(f'\n=== {name}: {path}')
    buffers = counted = 0
    with db.engine.begin() as conn:
        for statement, parameters in statements:
            if statement.startswith('SET LOCAL'):  # replayed: the planner settings of the run
                conn.exec_driver_sql(statement)
                continue
            if 'tender' not in statement:
                continue
            prefix = 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ' if postgres else 'EXPLAIN QUERY PLAN '
            out('--- ' + ' '.join(statement.split())[:160])
            lines = [
                ' | '.join(str(v) for v in row)
                for row in conn.exec_driver_sql(prefix + statement, parameters)
            ]
            out('\n'.join('    ' + line for line in lines))
            top = next((line for line in lines if 'Buffers:' in line), '')
            touched = sum(int(v) for v in re.findall(r'(?:hit|read)=(\d+)', top))
            buffers += touched
            counted += touched if is_total_count(statement) else 0
    if postgres:
        out(f'=== {name}: {buffers} buffers')
    return buffers, counted


def is_total_count(statement):
    """The statement counting the matches for "N tenders found" (capped at COUNT_CAP): the
    page's own walk, unordered (its inner SELECT names the ids), not a planning count."""
    return statement.startswith('SELECT count(*)') and ' AS id' in statement[:300]


def sqlite_steps(client, path):
    """The work of one request on SQLite, whatever the machine's load: the calls of a
    progress handler set to fire at every instruction, which SQLite checks at its loop and
    jump instructions — about one per row or index entry visited: (all of them, the total's
    count), each statement's share being the steps until the next statement starts."""
    steps = [0]
    counting = [False]
    counted = [0]

    def tick():
        steps[0] += 1
        counted[0] += counting[0]
        return 0

    def attach(dbapi_connection, _record):
        dbapi_connection.set_progress_handler(tick, 1)

    def starts(_conn, _cursor, statement, *_args):
        counting[0] = is_total_count(statement)

    db.session.remove()  # the request reuses this app context's session and its connection
    db.engine.dispose()
    event.listen(db.engine, 'connect', attach)
    event.listen(db.engine, 'before_cursor_execute', starts)
    try:
        client.get(path).close()
    finally:
        event.remove(db.engine, 'connect', attach)
        event.remove(db.engine, 'before_cursor_execute', starts)
        db.session.remove()
        db.engine.dispose()
    return steps[0], counted[0]


def work(client, path):
    """Load-independent work of one request: PostgreSQL buffers, or SQLite rows visited —
    (all of it, the share of the capped count of matches)."""
    if db.engine.dialect.name == 'postgresql':
        return print_plans(client, '', path, show=False)
    return sqlite_steps(client, path)


TARGET_P95_MS = 50.0


def run(url, n, repeat, explain=False, reuse=False, years=2):
    """Seed ``n`` tenders into ``url`` (or reuse them) and measure; {request: (p50, p95)}."""
    app = create_app({'SQLALCHEMY_DATABASE_URI': url, 'LPSE_DATA_DIR': tempfile.mkdtemp()})
    with app.app_context():
        upgrade()
        clock.set_now(NOW)
        started = time.perf_counter()
        if reuse and db.session.scalar(text('SELECT count(*) FROM tender')) == n:
            db.session.rollback()
        else:
            seed(n, random.Random(n), years)
        seeded = time.perf_counter() - started
        if url.startswith('postgresql'):
            with db.engine.connect() as conn:
                # A steady state, as autovacuum leaves it: statistics and the visibility map
                # (index-only scans of the search index need it).
                conn.execution_options(isolation_level='AUTOCOMMIT').execute(text('VACUUM ANALYZE'))
        else:
            db.session.execute(text('ANALYZE'))
            db.session.commit()
    cursor = deep_cursor(app)
    cases = {
        'list, first page': '/tenders/',
        'list, search "jembatan sungai"': '/tenders/?q=jembatan+sungai',
        'list, search prefix "puskes"': '/tenders/?q=puskes',
        'list, filters (stage+category+agency+HPS)': '/tenders/?stage=completed&category='
        'pekerjaan_konstruksi&agency=KOTAMKS&hps_min=1000000000&hps_max=20000000000',
        'list, filter stage=bid_submission': '/tenders/?stage=bid_submission',
        'list, filter stage=evaluation (none in it)': '/tenders/?stage=evaluation',
        'list, search + stage (common word)': '/tenders/?q=pembangunan&stage=bid_opening',
        'list, sort deadline': '/tenders/?sort=deadline',
        'list, deep page (row n/2, keyset)': f'/tenders/?after={cursor}',
        'list, search + filters (year+category+HPS)': '/tenders/?q=sekolah&year=2025&category='
        'barang&hps_min=1000000000',
        'list, search prefix "jal", sort HPS, page 2': '/tenders/?q=jal&sort=hps&after='
        + search_cursor(app, 'jal', 'hps'),
        'API list, search + year': '/api/v1/tenders?q=gedung&year=2025',
        'API list, first page': '/api/v1/tenders',
    }
    client = app.test_client()
    print(f'\n{n:,} tenders on {url.split(":")[0]} (seeded in {seeded:.1f} s)')
    if explain:
        with app.app_context():
            clock.set_now(NOW)
            for name, path in cases.items():
                print_plans(client, name, path)
    unit = 'buffers' if url.startswith('postgresql') else 'visits'
    print(f'  {"request":50} {"p50 ms":>8} {"p95 ms":>8} {"min ms":>8} {unit:>9} {"in count":>9}')
    results = {}
    with app.app_context():
        clock.set_now(NOW)
        for name, path in cases.items():
            p50, p95, low = measure(client, path, repeat)
            done, counted = work(client, path)
            results[name] = (p50, p95, low, done, counted)
            print(f'  {name:50} {p50:8.1f} {p95:8.1f} {low:8.1f} {done:9d} {counted:9d}')
        db.engine.dispose()
    print(f'  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs after the run)')
    return results


def _growth(values):
    """Largest over smallest size, or '-' with a single size."""
    if len(values) < 2 or not values[0]:
        return '-'
    return f'{values[-1] / values[0]:.2f}x'


def summary(engine, by_size):
    """Per request: p95 at each size, the growth ratios smallest → largest of the p95, of the
    load-independent work (buffers or VM steps), of that work without the capped count of
    matches (the page itself) and of the count alone, PASS/FAIL against the p95 target.

    The count stops after COUNT_CAP matches, so its work is bounded by COUNT_CAP divided by how
    often a walked row matches — whatever the table's size; it grows only until the cap is
    reached (at 10k a rare filter combination may count every match, at 100k it stops)."""
    sizes = sorted(by_size)
    small, large = sizes[0], sizes[-1]
    heads = ''.join(f'{f"p95 {n // 1000}k":>10}' for n in sizes)
    growth = f'{small // 1000}k→{large // 1000}k'
    print(
        f'\nSummary on {engine}: target p95 <= {TARGET_P95_MS:.0f} ms at {large:,}; growth {growth}'
    )
    print(
        f'  {"request":50}{heads} {"p95":>7} {"work":>7} {"page":>7} {"count":>7}  '
        f'{"count work":>16}  verdict'
    )
    failed = 0
    for name in by_size[large]:
        p95s = [by_size[n][name][1] for n in sizes]
        works = [by_size[n][name][3] for n in sizes]
        counts = [by_size[n][name][4] for n in sizes]
        pages = [w - c for w, c in zip(works, counts, strict=True)]
        ok = p95s[-1] <= TARGET_P95_MS
        failed += not ok
        cells = ''.join(f'{p:10.1f}' for p in p95s)
        ratios = ' '.join(f'{_growth(v):>7}' for v in (p95s, works, pages, counts))
        count_work = ' → '.join(str(c) for c in counts)
        verdict = 'PASS' if ok else 'FAIL'
        print(f'  {name:50}{cells} {ratios}  {count_work:>16}  {verdict}')
    print(f'  {"all requests":50}{"":>{10 * len(sizes) + 51}}  {"FAIL" if failed else "PASS"}')
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument(
        '--database',
        help='PostgreSQL URL (its schemas bench_<size> are replaced!); default: SQLite files',
    )
    parser.add_argument(
        '--years',
        type=int,
        default=2,
        help='publication dates spread over this many years back (2: 10x the tenders in flight '
        'at 100k as at 10k; 20 at 100k: the same publishing rate as 2 at 10k)',
    )
    parser.add_argument(
        '--archive',
        action='store_true',
        help='publish at the same rate at every size: --years for the smallest, proportionally '
        'more for the others (10k over 2 years, 100k over 20), as an archive grows',
    )
    parser.add_argument('--sqlite-dir', help='folder of the SQLite files (default: a temp one)')
    parser.add_argument(
        '--reuse', action='store_true', help='keep an already seeded database of the same size'
    )
    parser.add_argument('--repeat', type=int, default=40)
    parser.add_argument(
        '--explain', action='store_true', help="print each request's query plans first"
    )
    args = parser.parse_args()
    by_size = {}
    folder = args.sqlite_dir or tempfile.mkdtemp()
    sizes = [int(s) for s in args.sizes.split(',')]
    for n in sizes:
        years = args.years * n // min(sizes) if args.archive else args.years
        if args.database:
            # One schema per size and spread (kept for --reuse), found through the search_path.
            schema = f'bench_{n}' if years == 2 else f'bench_{n}_{years}y'
            engine = create_engine(args.database)
            with engine.begin() as conn:
                if not args.reuse:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS {schema} CASCADE'))
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS {schema}'))
            engine.dispose()
            joiner = '&' if '?' in args.database else '?'
            url = f'{args.database}{joiner}options=-csearch_path%3D{schema}'
        else:
            path = Path(folder) / f'bench-{n}-{years}y.db'
            if not args.reuse:
                path.unlink(missing_ok=True)
            url = f'sqlite:///{path}'
        print(f'\n{n:,} tenders published over {years} years')
        by_size[n] = run(url, n, args.repeat, args.explain, args.reuse, years)
    summary('PostgreSQL' if args.database else 'SQLite', by_size)


if __name__ == '__main__':
    main()
