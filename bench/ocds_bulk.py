"""Benchmark of the OCDS bulk export (issue 15, "Speed"): seeds N published tenders (the listing
benchmark's data, spread over one year) with the audit events their releases are replayed from
(schedule, publication, and a cancellation for some), then times `bulk.regenerate` and prints
releases per second and MB per second of gzipped and of raw JSON lines.

    .venv/bin/python bench/ocds_bulk.py                     # SQLite, 10,000 tenders
    .venv/bin/python bench/ocds_bulk.py --size 100000

The audit events are inserted directly (the chain's hashes are placeholders: the export reads
payloads, never hashes), so seeding takes seconds, not the hours of 100k real publications."""

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade
from listing import NOW, seed
from sqlalchemy import func, insert, select

from lpse import clock, create_app
from lpse.audit import AuditEvent, AuditEventTender
from lpse.extensions import db
from lpse.opendata import bulk
from lpse.tenders.models import ScheduleEntry, Tender


def seed_events(batch=20_000):
    """schedule_set, published (and cancelled/failed) events for every seeded tender."""
    tenders = db.session.execute(
        select(Tender.id, Tender.status, Tender.published_at).order_by(Tender.published_at)
    ).all()
    windows = {}
    for row in db.session.execute(select(ScheduleEntry)).scalars():
        windows.setdefault(row.tender_id, {})[row.stage] = {
            'start': row.starts_at.isoformat(),
            'end': row.ends_at.isoformat(),
        }
    rows, seq = [], db.session.scalar(select(func.max(AuditEvent.seq))) or 0

    def event(tender_id, at, action, **payload):
        nonlocal seq
        seq += 1
        rows.append(
            {
                'seq': seq,
                'occurred_at': at,
                'action': action,
                'object_type': 'tender',
                'object_id': str(tender_id),
                'payload': json.dumps(payload),
                'prev_hash': f'{seq - 1:064x}',
                'hash': f'{seq:064x}',
            }
        )
        if len(rows) >= batch:
            insert_events(rows)

    for tender_id, status, published in tenders:
        event(tender_id, published, 'tender.schedule_set', schedule=windows[tender_id])
        event(tender_id, published, 'tender.published')
        if status in ('cancelled', 'failed'):
            action = 'tender.cancelled' if status == 'cancelled' else 'tender.failed'
            event(tender_id, published + timedelta(days=3), action, reason='Bench')
    if rows:
        insert_events(rows)
    db.session.commit()
    return seq


def insert_events(rows):
    """The events and the log's tender index beside them (the feed finds events through it)."""
    db.session.execute(insert(AuditEvent), rows)
    index = [{'seq': r['seq'], 'tender_id': int(r['object_id'])} for r in rows]
    db.session.execute(insert(AuditEventTender), index)
    rows.clear()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=10_000)
    parser.add_argument(
        '--database', help='an empty PostgreSQL database (URL); default: a SQLite file'
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.database or f'sqlite:///{folder}/ocds.db'
    app = create_app({'SQLALCHEMY_DATABASE_URI': url, 'LPSE_DATA_DIR': folder})
    with app.app_context():
        upgrade()
        clock.set_now(NOW)
        started = time.perf_counter()
        seed(args.size, random.Random(args.size), years=1)
        events = seed_events()
        print(
            f'seeded {args.size} tenders, up to log seq {events}, '
            f'in {time.perf_counter() - started:.1f} s'
        )
        started = time.perf_counter()
        index = bulk.regenerate(now=NOW)
        took = time.perf_counter() - started
    releases = sum(f['releases'] for f in index['files'])
    zipped = sum(f['size'] for f in index['files'])
    raw = sum(
        len(gzip.decompress((Path(folder) / 'ocds' / f['file']).read_bytes()))
        for f in index['files']
    )
    print(f'{len(index["files"])} file(s), {releases} releases in {took:.1f} s')
    print(f'{releases / took:.0f} releases/s')
    print(f'{zipped / took / 1e6:.2f} MB/s gzipped ({zipped / 1e6:.1f} MB)')
    print(f'{raw / took / 1e6:.2f} MB/s raw JSON lines ({raw / 1e6:.1f} MB)')


if __name__ == '__main__':
    main()
