"""A cluster survives a node killed during the deadline rush (issue 17 point 4): PostgreSQL,
the S3 store (moto_server, a real HTTP S3 endpoint), a Redis queue, three gunicorn nodes and a
worker behind HAProxy (harness.py); 60 vendors each
send two sealed envelopes (the second supersedes the first) through the balancer from their own
loopback address, while one node after another is SIGKILLed at five moments of the rush and
started again. Afterwards every acknowledged bid is in the database and in the store byte for
byte with a receipt that verifies; the worker's clock round commits the bid set at the
deadline and the commitment names exactly the current envelopes; after `flask lpse
blobs-sweep` no orphan blob remains in the bucket and no bid's blob is gone; the log verifies;
reconciliation finds nothing; the bids carry the client's address, not the balancer's.

Runs on PostgreSQL only (SQLite is one machine's database); the random seed is printed and
LPSE_CRASH_SEED replays a run."""

import json
import os
import random
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from bidding import crash_server as cs

from cluster import harness

PG_URL = os.environ.get('LPSE_TEST_DATABASE_URL')
VENDORS = 60
ENVELOPES_PER_VENDOR = 2
ENVELOPE_SIZE = 1024 * 1024
KILL_AT = (0.1, 0.3, 0.5, 0.7, 0.85)  # share of the uploads acknowledged when a node dies
DEADLINE_IN = timedelta(seconds=180)  # from the world's creation: the rush ends well before
CLIENT = '127.0.0.2'  # the vendors' address, seen by the nodes only through X-Forwarded-For

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(not PG_URL, reason='the cluster runs on PostgreSQL (the PG run of CI)'),
]


@pytest.fixture
def s3():
    """The S3 store's settings: moto_server (started once), a bucket of this test's own."""
    import s3_helpers

    return {**s3_helpers.app_config(), 'LPSE_S3_BUCKET': s3_helpers.new_bucket()}


@pytest.fixture
def world(tmp_path, s3):
    if harness.missing_tools():
        pytest.fail(f'missing {harness.missing_tools()}: run scripts/system-deps.sh')
    with cs.own_database(tmp_path, 'cluster') as url:
        yield cs.build_world(
            url,
            tmp_path / 'data',
            tmp_path / 'envelopes',
            vendors=VENDORS,
            envelopes_per_vendor=ENVELOPES_PER_VENDOR,
            size=ENVELOPE_SIZE,
            key_pool=4,
            deadline_in=DEADLINE_IN,
            config=s3,
        )


def test_a_node_killed_at_five_moments_of_the_rush_loses_nothing(world, s3, tmp_path):
    built = time.monotonic()
    seed = int(os.environ.get('LPSE_CRASH_SEED') or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    print(f'cluster seed {seed} (replay with LPSE_CRASH_SEED={seed})')
    cluster = harness.Cluster(world, tmp_path / 'cluster', **s3).start()
    total = VENDORS * ENVELOPES_PER_VENDOR
    hits = []
    try:
        load = cs.Load(world, cluster.port, attempts=60, deadline=100, source=CLIENT)
        load.start()
        restarts = {}
        for n, share in enumerate(KILL_AT):
            node = cluster.nodes[n % len(cluster.nodes)]
            if node in restarts:
                restarts.pop(node).join()
            give_up = time.monotonic() + 60
            while len(load.receipts) < share * total and time.monotonic() < give_up:
                time.sleep(0.005)
            while load.in_flight == 0 and load.running() and time.monotonic() < give_up:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.05))
            hits.append((len(load.receipts), load.in_flight))
            node.kill()
            # Started again a moment later while the rush goes on through the other nodes.
            restarts[node] = threading.Thread(target=_restart, args=(node, rng.uniform(0.2, 1.0)))
            restarts[node].start()
        for thread in restarts.values():
            thread.join()
        finished = load.join()
        rush_seconds = time.monotonic() - built
        print(
            f'(acknowledged, in flight) at each kill: {hits}; rush done {rush_seconds:.0f} s '
            'after the world was built'
        )
        assert finished and not load.gave_up, f'never acknowledged: {load.gave_up}'
        assert load.unexpected == []
        assert all(flying > 0 for _done, flying in hits), hits
        assert len(hits) == 5 and len({done for done, _f in hits}) == 5, hits
        # The deadline passes; the worker's clock round (every minute) commits the bid set.
        commitment = _wait_for_commitment(world, timeout=DEADLINE_IN.total_seconds() + 150)
    finally:
        cluster.stop()
    problems = check_cluster(world, s3, load.receipts, commitment)
    assert problems == []


def _restart(node, pause):
    time.sleep(pause)
    node.start(probe='/health')


def _wait_for_commitment(world, *, timeout):
    from sqlalchemy import create_engine, text

    engine = create_engine(world.database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                document = conn.execute(text('SELECT document FROM bid_set_commitment')).scalar()
            if document:
                return json.loads(document)
            time.sleep(1)
    finally:
        engine.dispose()
    raise AssertionError('the worker made no bid-set commitment after the deadline')


def check_cluster(world, s3, receipts, commitment) -> list[str]:
    """What must hold after the rush, through the blob store's own interface (whatever the
    store is): a list of problems, empty when all is well."""
    import hashlib

    from sqlalchemy import select

    from lpse import checkpoints, create_app, pki_service, statelog, storage
    from lpse.bids.commitment import verify_commitment
    from lpse.bids.models import Bid, BidStatus
    from lpse.cli import lpse_cli
    from lpse.crypto import receipts as receipt_docs
    from lpse.extensions import db

    problems = []
    app = create_app({**cs.app_overrides(world.database_url, world.data_dir), **s3})
    with app.app_context():
        authority = pki_service.require_authority()
        store = storage.blob_store()
        swept = app.test_cli_runner().invoke(lpse_cli, ['blobs-sweep', '--older-than', '0'])
        if swept.exit_code != 0:
            problems.append(f'blobs-sweep failed: {swept.output}')
        print(swept.output.strip())
        referenced = storage.referenced_hashes(db.session)
        orphans = [sha for sha, _at in store.list_blobs() if sha not in referenced]
        if orphans:
            problems.append(f'orphan blobs after the sweep: {orphans}')
        rows = {b.receipt_number: b for b in db.session.scalars(select(Bid))}
        last = {}
        for env, doc in receipts:
            number = doc['receipt']['receipt_number']
            bid = rows.get(number)
            if bid is None:
                problems.append(f'acknowledged receipt {number} has no bid row')
                continue
            data = Path(env.path).read_bytes()
            try:
                receipt_docs.verify_receipt(
                    doc, ca_cert=authority.ca_cert, envelope=data, signer=authority.system_cert
                )
            except Exception as error:
                problems.append(f'receipt {number} does not verify: {error!r}')
            with store.open(bid.sha256) as fh:
                stored = hashlib.sha256(fh.read()).hexdigest()
            if not (bid.sha256 == env.sha256 == stored and bid.size == env.size):
                problems.append(f'bid {number}: stored bytes differ from what was sent')
            if bid.ip != CLIENT:
                problems.append(f'bid {number} carries the address {bid.ip}, not the client')
            if (env.vendor not in last) or env.number > last[env.vendor].number:
                last[env.vendor] = env
        fields = verify_commitment(commitment, system_cert=authority.system_cert)
        current = sorted(b.sha256 for b in rows.values() if b.status == BidStatus.current.value)
        if fields['envelopes'] != current:
            problems.append('the commitment does not name exactly the current envelopes')
        if sorted(e.sha256 for e in last.values()) != current:
            problems.append('the current bids are not the last envelope of each vendor')
        verification = checkpoints.verify_database()
        if not verification.ok:
            problems.append(f'the log does not verify: {verification}')
        differences = statelog.reconcile()
        if differences:
            problems.append(f'reconciliation: {differences[:5]}')
        db.session.remove()
        db.engine.dispose()
    return problems
