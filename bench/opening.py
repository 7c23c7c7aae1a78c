"""The opening ceremony at scale (issue 6, "Speed"): N sealed bids of S MB are submitted
(untimed), then the k-th share is released and the whole opening is timed: rebuilding the key,
opening, verifying and inspecting every envelope, recording the results, the audit events and
checkpoint, and issuing the signed minutes — one transaction. Next to it, in the same run,
AES-256-GCM decryption of the same number of bytes (the physical limit of the work) and the
per-envelope work alone (decrypt + verify + ZIP inspection, no database). Prints figures;
asserts nothing.

    .venv/bin/python bench/opening.py                    # 20 bids × 10 MB (a quick run)
    .venv/bin/python bench/opening.py --bids 200         # the issue's 200 × 10 MB
    .venv/bin/python bench/opening.py --bids 50 --size-mb 2 \\
        --database 'postgresql+psycopg://postgres@/lpse_bench?host=/tmp/devpg&port=54330'

Everything lives in a temporary folder removed at the end; `--database` must name a database
of the benchmark's own (migrated and filled). Peak memory is the highest resident set size
sampled during the opening, above the resident size just before it."""

import argparse
import base64
import functools
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for extra in ('tests', 'tests/integration', 'tests/integration/bidding'):
    sys.path.insert(0, str(ROOT / extra))

MB = 1024 * 1024


def rss() -> int:
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Sample the resident set size every 5 ms while the block runs."""

    def __enter__(self):
        self.base = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def reset(url):
    """Empty the benchmark's own PostgreSQL database."""
    from sqlalchemy import create_engine, text

    if 'lpse_test' in url:
        raise SystemExit('never the shared test database: give the benchmark a database of its own')
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text('DROP SCHEMA public CASCADE'))
        conn.execute(text('CREATE SCHEMA public'))
    engine.dispose()


def aes_gcm_rate(sizes: list[int]) -> float:
    """MB/s of AES-256-GCM decryption over the same byte counts as the envelopes."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    aead = AESGCM(key)
    cipher = {size: aead.encrypt(nonce, os.urandom(size), None) for size in set(sizes)}
    aead.decrypt(nonce, cipher[sizes[0]], None)  # warm up
    start = time.perf_counter()
    for size in sizes:
        aead.decrypt(nonce, cipher[size], None)
    return sum(sizes) / MB / (time.perf_counter() - start)


def sha256_rate(sizes: list[int]) -> float:
    """MB/s of one SHA-256 pass over the same byte counts."""
    import hashlib

    data = {size: os.urandom(size) for size in set(sizes)}
    start = time.perf_counter()
    for size in sizes:
        hashlib.sha256(data[size]).digest()
    return sum(sizes) / MB / (time.perf_counter() - start)


def floor_rate(sizes: list[int]) -> float:
    """MB/s of the opening's real floor (issue 17): per envelope one AES-256-GCM decryption and
    three SHA-256 passes (envelope, signed content, attachments) over its bytes, the envelopes
    spread over every core (both primitives release the GIL on large buffers)."""
    import hashlib
    from concurrent.futures import ThreadPoolExecutor

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    aead = AESGCM(key)
    cipher = {size: aead.encrypt(nonce, os.urandom(size), None) for size in set(sizes)}

    def one(size):
        plain = aead.decrypt(nonce, cipher[size], None)
        for _ in range(3):
            hashlib.sha256(plain).digest()

    one(sizes[0])  # warm up
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        start = time.perf_counter()
        list(pool.map(one, sizes))
        return sum(sizes) / MB / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--bids', type=int, default=20, help='sealed bids (default 20)')
    parser.add_argument('--size-mb', type=float, default=10, help='size of each bid (10)')
    parser.add_argument('--database', help='a PostgreSQL URL of the benchmark (default SQLite)')
    parser.add_argument('--keys', type=int, default=4, help='RSA keys shared by the vendors (4)')
    parser.add_argument(
        '--in-memory-packages',
        action='store_true',
        help='read packages with lpse.bids.package.read_package, every entry kept in memory '
        '(the behaviour before the streaming reader; for comparing peak memory)',
    )
    args = parser.parse_args(argv)
    if args.in_memory_packages:
        from lpse.bids.package import read_package
        from lpse.opening import stream_package

        stream_package.read_package = lambda content, **kw: read_package(content)
    work = Path(tempfile.mkdtemp(prefix='lpse-opening-'))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path):
    import crash_server

    size = int(args.size_mb * MB)
    database = args.database or f'sqlite:///{work / "bench.db"}'
    if args.database:
        reset(database)
    print(
        f'opening benchmark: {args.bids} bids × {args.size_mb:g} MB, database '
        f'{"PostgreSQL" if args.database else "SQLite"}, {os.cpu_count()} CPUs, packages '
        f'{"in memory" if args.in_memory_packages else "streamed"}'
    )
    started = time.perf_counter()
    world = crash_server.build_world(
        database,
        work / 'data',
        work / 'envelopes',
        vendors=args.bids,
        size=size,
        key_pool=args.keys,
        log=lambda m: print(f'  setup: {m}', flush=True),
    )
    print(f'  setup: sealed in {time.perf_counter() - started:.0f} s')
    import opening_helpers

    from lpse import clock, create_app, pki_service
    from lpse.bids import commitment, submission
    from lpse.extensions import db
    from lpse.opening import shares
    from lpse.opening.models import OpenedBid
    from lpse.tenders.models import Tender

    app = create_app(crash_server.app_overrides(database, work / 'data'))
    with app.app_context():
        tender = db.session.scalar(db.select(Tender).where(Tender.code == world.tender_code))
        real_system_key = pki_service.system_key
        pki_service.system_key = functools.cache(real_system_key)  # setup only: no argon2 per bid
        from lpse.vendors.models import Vendor

        vendors = {v.company_name: v for v in db.session.scalars(db.select(Vendor))}
        sizes = []
        for mine in world.envelopes:
            for env in mine:
                vendor = vendors[f'PT Penyedia Rush {env.vendor:03d}']
                user = vendor.user
                with open(env.path, 'rb') as fh:
                    upload = submission.Upload(
                        fh, base64.b64decode(env.signature_b64), None, env.size
                    )
                    submission.receive(tender, user, vendor, upload, now=clock.now())
                db.session.commit()
                sizes.append(env.size)
                os.unlink(env.path)
        print(f'  setup: {len(sizes)} bids received')
        clock.set_now(tender.bid_deadline)
        commitment.commit_bid_set(tender, now=clock.now())
        members = tender.pokja
        opening_helpers.release(tender, members[0])
        pki_service.system_key = real_system_key
        total_mb = sum(sizes) / MB

        limit = aes_gcm_rate(sizes)
        hashing = sha256_rate(sizes)
        floor = floor_rate(sizes)
        alone = per_envelope_rate(tender, members[:2], sizes)
        share = opening_helpers.decrypted_share(tender, members[1])
        with PeakRss() as memory:
            start = time.perf_counter()
            shares.release_share(tender, members[1], share, via='cli', now=clock.now())
            db.session.commit()
            elapsed = time.perf_counter() - start
        opened = db.session.scalar(
            db.select(db.func.count()).select_from(OpenedBid).where(OpenedBid.result == 'opened')
        )
        rate = total_mb / elapsed
        print()
        print(f'ran: {len(sizes)} bids, {total_mb:.1f} MB of envelopes, {opened} opened')
        print(f'AES-256-GCM decryption, same bytes     {limit:9.1f} MB/s  (the physical limit)')
        print(
            f'SHA-256 of the same bytes, one pass    {hashing:9.1f} MB/s  '
            '(opening needs three: envelope, signed content, attachments)'
        )
        print(
            f'floor: AES-GCM + 3 × SHA-256, {os.cpu_count()} cores {floor:9.1f} MB/s  '
            '(the real floor of the per-envelope work)'
        )
        print(
            f'per-envelope work alone (no database)  {alone:9.1f} MB/s  '
            f'({alone / floor:.0%} of the floor; {alone / limit:.0%} of one-core AES-GCM)'
        )
        print(
            f'whole opening ceremony                 {rate:9.1f} MB/s  '
            f'({rate / floor:.0%} of the floor; {elapsed:.2f} s)'
        )
        print(
            f'target: per-envelope work ≥ 50% of the floor: '
            f'{"PASS" if alone >= floor / 2 else "FAIL"}'
        )
        print(
            f'peak memory during the opening: +{(memory.peak - memory.base) / MB:.0f} MB '
            f'(RSS {memory.peak / MB:.0f} MB)'
        )


def per_envelope_rate(tender, members, sizes) -> float:
    """The envelope work alone (decrypt, verify, inspect every bid with the rebuilt key, on
    the ceremony's worker threads), without the database writes, audit and minutes."""
    import dataclasses

    import opening_helpers

    from lpse import pki_service, storage
    from lpse.bids import sealing
    from lpse.bids.models import Bid
    from lpse.crypto import shamir
    from lpse.extensions import db
    from lpse.opening import ceremony, workers
    from lpse.tenders.keys import require_key

    row = require_key(tender)
    shares = [opening_helpers.decrypted_share(tender, m) for m in members]
    key = shamir.recover_tender_key(row.protected_key, shamir.combine_shares(shares))
    bids = db.session.scalars(db.select(Bid).where(Bid.tender_id == tender.id)).all()
    jobs = [
        workers.Job(
            b.sha256,
            b.vendor.user_id,
            b.received_at,
            dataclasses.replace(sealing.terms_for(tender, b.vendor), envelopes=(b.kind,)),
        )
        for b in bids
    ]
    records = ceremony._signer_records({b.vendor.user_id for b in bids})
    start = time.perf_counter()
    found = workers.examine_all(
        jobs,
        store=storage.blob_store(),
        tender_key=key,
        ca_cert=pki_service.require_authority().ca_cert,
        signer_records=records,
        largest=max(sizes),
    )
    for outcome in found:
        assert outcome.bid is not None, outcome.detail
    return sum(sizes) / MB / (time.perf_counter() - start)


if __name__ == '__main__':
    main()
