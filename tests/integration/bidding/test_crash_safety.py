"""Crash safety of bid submission (issue 5): SIGKILL the real server (gunicorn, 2 gthread
workers) at random moments while many vendors submit sealed envelopes concurrently, restart it,
and check that nothing acknowledged was lost and nothing stored is half-written.

The server runs in its own process group on 127.0.0.1 with its own data folder and its own
database: a SQLite file in tmp_path, or — when LPSE_TEST_DATABASE_URL is set — a database of
its own (``lpse_crash_<pid>``) created on that PostgreSQL server and dropped afterwards (the
shared test database is never touched: the server would otherwise write into it while the
suite truncates it). The random seed is printed; ``LPSE_CRASH_SEED`` replays a run.

What a SIGKILL can and cannot show: it proves the *order* of the steps (blob in place before
the row is committed, row committed before the answer, no blob ever visible under its hash
while incomplete). It cannot show that the fsyncs happen (the page cache survives a killed
process); that needs a power cut, see docs/ARCHITECTURE.md "Crash safety and the deadline rush".
"""

import os
import random
import time
from pathlib import Path

import pytest

from . import crash_server as cs

PG_URL = os.environ.get('LPSE_TEST_DATABASE_URL')
VENDORS = 10
ENVELOPES_PER_VENDOR = 3  # each supersedes the one before
ENVELOPE_SIZE = 1024 * 1024
KILLS = 3
ATTEMPTS = 40  # per envelope, across kills and restarts
CLIENT_DEADLINE = 90  # seconds: every client thread stops by then, whatever happens


@pytest.fixture
def database(tmp_path):
    """A database of the crash test's own: SQLite in tmp_path, or a fresh PostgreSQL one."""
    with cs.own_database(tmp_path, 'crash') as url:
        yield url


@pytest.fixture
def world(database, tmp_path):
    return cs.build_world(
        database,
        tmp_path / 'data',
        tmp_path / 'envelopes',
        vendors=VENDORS,
        envelopes_per_vendor=ENVELOPES_PER_VENDOR,
        size=ENVELOPE_SIZE,
        key_pool=4,
    )


def _server(world, tmp_path, **env):
    return cs.world_server(world, tmp_path, LPSE_BID_LOCK_SECONDS=2, **env)


@pytest.mark.slow
def test_sigkill_during_concurrent_submissions_loses_nothing(world, tmp_path):
    seed = int(os.environ.get('LPSE_CRASH_SEED') or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    print(f'crash seed {seed} (replay with LPSE_CRASH_SEED={seed})')
    server = _server(world, tmp_path).start()
    load = cs.Load(world, server.port, attempts=ATTEMPTS, deadline=CLIENT_DEADLINE)
    load.start()
    hits = []
    try:
        for _kill in range(KILLS):
            # A random moment, then the next instant an upload is in flight (uploads are fast:
            # a fixed pause could fall after the whole load had finished).
            time.sleep(rng.uniform(0.0, 0.4))
            give_up = time.monotonic() + 20
            while load.in_flight == 0 and time.monotonic() < give_up and load.running():
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.05))
            hits.append(load.in_flight)
            server.kill()
            time.sleep(rng.uniform(0.0, 0.5))
            server.start()
        finished = load.join()
    finally:
        server.stop()
    problems, facts = cs.check_store(world.database_url, world.data_dir, load.receipts)
    print(f'in flight at each kill: {hits}; stored: {facts}')

    assert problems == []
    assert finished and not load.gave_up, f'not acknowledged after the last restart: {load.gave_up}'
    assert load.unexpected == []
    assert sum(hits) > 0, 'no kill landed during an upload: the run proved nothing'
    # Every envelope was acknowledged once the server stayed up; the second one is current.
    assert len({d['receipt']['receipt_number'] for _e, d in load.receipts}) == (
        VENDORS * ENVELOPES_PER_VENDOR
    )
    assert facts['bids'] == VENDORS * ENVELOPES_PER_VENDOR
    # Temp files of killed uploads stay only under blobs/incoming, never under a hash name
    # (check_store reports any other file); see test_incoming_swept_on_start below.
    assert all(name.startswith('up-') for name in facts['temp_leftovers'])


@pytest.mark.slow
def test_crash_check_catches_commit_before_rename(world, tmp_path):
    """The same harness against a deliberately wrong write order (row committed, then the PDF
    receipt, then the blob renamed into place): a kill in that window leaves a row without
    its blob, and the check must say so. The kill is aimed: the moment a committed row's blob
    is still missing."""
    server = _server(world, tmp_path, LPSE_CRASH_VARIANT='commit-before-rename').start()
    load = cs.Load(world, server.port, attempts=ATTEMPTS, deadline=CLIENT_DEADLINE)
    load.stop_at = time.monotonic() + 20
    load.start()
    try:
        assert _wait_for_row_without_blob(world, deadline=time.monotonic() + 20)
        server.kill()
    finally:
        server.stop()
        load.stop_at = 0
        load.join()
    problems, _facts = cs.check_store(world.database_url, world.data_dir, load.receipts)
    assert any('has no blob' in p for p in problems), problems


def _wait_for_row_without_blob(world, *, deadline):
    from sqlalchemy import create_engine, text

    engine = create_engine(world.database_url)
    blobs = Path(world.data_dir) / 'blobs'
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                shas = conn.execute(text('SELECT sha256 FROM bid')).scalars().all()
            if any(not (blobs / s[:2] / s).exists() for s in shas):
                return True
            time.sleep(0.02)
        return False
    finally:
        engine.dispose()


def test_incoming_swept_on_start(tmp_path):
    """What a SIGKILL mid-upload leaves (a temp file under blobs/incoming) is gone once the
    app has started again."""
    from lpse import create_app

    incoming = tmp_path / 'data' / 'blobs' / 'incoming'
    incoming.mkdir(parents=True)
    left = incoming / 'up-killed'
    left.write_bytes(b'0' * 1024)
    old = time.time() - 2 * 24 * 3600
    os.utime(left, (old, old))
    fresh = incoming / 'up-live'
    fresh.write_bytes(b'1' * 1024)
    app = create_app(
        {'LPSE_DATA_DIR': str(tmp_path / 'data'), 'SQLALCHEMY_DATABASE_URI': 'sqlite://'}
    )
    with app.test_request_context():
        app.preprocess_request()
    assert not left.exists()
    assert fresh.exists()  # a live upload of another worker is left alone
