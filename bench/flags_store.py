"""The stored red flags against a database (issue 15, "Speed": incremental update after one new
bid ≤ 1 s): seeds N published tenders with their log events (bench/ocds_bulk.py's data), times
a rebuild of every tender's stored flags (`store.refresh_all`), then one new event of one tender
(what a bid upload logs) and the incremental `store.refresh` that follows — which must
recompute that tender only. The rules' own cost at 100,000 tenders is bench/flags.py.

    .venv/bin/python bench/flags_store.py                  # SQLite, 10,000 tenders
    .venv/bin/python bench/flags_store.py --size 2000 --database 'postgresql+psycopg://…'
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade
from listing import NOW, seed
from ocds_bulk import insert_events, seed_events
from sqlalchemy import select

from lpse import clock, create_app
from lpse.extensions import db
from lpse.redflags import store
from lpse.tenders.models import Tender


def _event(seq, tender_id) -> dict:
    return {
        'seq': seq,
        'occurred_at': NOW,
        'action': 'bid.submitted',
        'object_type': 'tender',
        'object_id': str(tender_id),
        'payload': '{}',
        'prev_hash': f'{seq - 1:064x}',
        'hash': f'{seq:064x}',
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=10_000)
    parser.add_argument('--rounds', type=int, default=20, help='incremental updates timed')
    parser.add_argument('--database', help='an empty PostgreSQL database (URL)')
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.database or f'sqlite:///{folder}/flags.db'
    app = create_app({'SQLALCHEMY_DATABASE_URI': url, 'LPSE_DATA_DIR': folder})
    with app.app_context():
        upgrade()
        clock.set_now(NOW)
        seed(args.size, random.Random(args.size), years=1)
        seq = seed_events()
        started = time.perf_counter()
        rebuilt = store.refresh_all(now=NOW)
        full = time.perf_counter() - started
        print(f'rebuild: {rebuilt} tenders in {full:.1f} s ({full / rebuilt * 1e3:.2f} ms each)')
        ids = db.session.scalars(select(Tender.id).where(Tender.bid_deadline < NOW)).all()
        rng, times = random.Random(1), []
        for _ in range(args.rounds):
            seq += 1  # one new bid's event, inserted as the seeding does (placeholder hashes)
            insert_events([_event(seq, rng.choice(ids))])
            db.session.commit()
            started = time.perf_counter()
            count = store.refresh(now=NOW)
            times.append(time.perf_counter() - started)
            assert count == 1, count
        print(
            f'incremental after one new event: median {statistics.median(times) * 1e3:.1f} ms, '
            f'max {max(times) * 1e3:.1f} ms over {args.rounds} rounds (target ≤ 1000 ms)'
        )


if __name__ == '__main__':
    main()
