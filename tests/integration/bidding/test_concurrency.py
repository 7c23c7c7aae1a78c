"""Concurrent submissions through a real server (gunicorn, 2 gthread workers × 8 threads, its
own database — SQLite by default, where every write is serialised): a burst of vendors at once
each gets its receipt on the first try — no "database is locked", no 500, no retry — and a
vendor whose upload process was killed can bid again as soon as its short lock expires, while
a second bid during a live (heartbeat-refreshed) upload is refused.

Real time is used here (a real server); no assertion is about speed."""

import http.client
import os
import sqlite3
import threading
import time

import pytest

from . import crash_server as cs

PG_URL = os.environ.get('LPSE_TEST_DATABASE_URL')
VENDORS = 16
ENVELOPE_SIZE = 200 * 1024


@pytest.fixture
def database(tmp_path):
    with cs.own_database(tmp_path, 'burst') as url:
        yield url


@pytest.fixture
def world(database, tmp_path):
    return cs.build_world(
        database,
        tmp_path / 'data',
        tmp_path / 'envelopes',
        vendors=VENDORS,
        envelopes_per_vendor=2,
        size=ENVELOPE_SIZE,
        key_pool=4,
    )


@pytest.fixture
def slow_world(database, tmp_path):
    """One vendor, two 1.5 MB envelopes: long enough to trickle past the lock's expiry
    while every 64 KB read still completes well within it."""
    return cs.build_world(
        database,
        tmp_path / 'data',
        tmp_path / 'envelopes',
        vendors=1,
        envelopes_per_vendor=2,
        size=1536 * 1024,
        key_pool=1,
    )


def _server(world, tmp_path, **env):
    return cs.world_server(world, tmp_path, **env)


def _burst(port, world, number):
    """Every vendor submits envelope `number` at the same moment; (status, doc) per vendor."""
    barrier = threading.Barrier(len(world.tokens))
    results = [None] * len(world.tokens)

    def vendor(v):
        barrier.wait()
        results[v] = cs.submit(port, world.tender_code, world.tokens[v], world.envelopes[v][number])

    threads = [threading.Thread(target=vendor, args=(v,)) for v in range(len(world.tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


class Blocker:
    """Another writer holding SQLite's write lock for `seconds` (a long maintenance job): the
    submissions wait for it (LPSE_BID_DB_BUSY_SECONDS) instead of failing after the 10 s
    connection default."""

    def __init__(self, database_url, seconds):
        self.path, self.seconds = database_url.removeprefix('sqlite:///'), seconds
        self.taken = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute('BEGIN IMMEDIATE')
            self.taken.set()
            time.sleep(self.seconds)
            conn.execute('ROLLBACK')
        finally:
            conn.close()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(30)
        return self

    def __exit__(self, *exc):
        self.thread.join(60)


@pytest.mark.slow
def test_a_burst_of_concurrent_submissions_all_get_receipts(world, tmp_path):
    server = _server(world, tmp_path).start()
    try:
        first = _burst(server.port, world, 0)
        if PG_URL:
            second = _burst(server.port, world, 1)  # each supersedes the vendor's first bid
        else:
            with Blocker(world.database_url, 12):
                second = _burst(server.port, world, 1)
    finally:
        server.stop()
    for results in (first, second):
        statuses = [status for status, _doc in results]
        assert statuses == [201] * VENDORS, [(s, d) for s, d in results if s != 201] or (
            tmp_path / 'gunicorn.log'
        ).read_text()[-3000:]
    log = (tmp_path / 'gunicorn.log').read_text()
    assert 'database is locked' not in log and 'Traceback' not in log
    receipts = [
        (world.envelopes[v][n], doc)
        for n, r in enumerate((first, second))
        for v, (_s, doc) in enumerate(r)
    ]
    problems, facts = cs.check_store(world.database_url, world.data_dir, receipts)
    assert problems == []
    assert facts['bids'] == 2 * VENDORS and facts['stale_locks'] == 0


def _start_slow_upload(port, world, v, *, send_until):
    """Open an upload of vendor v's first envelope and trickle its body until `send_until`
    (monotonic); returns the open connection (never finished) and when its last bytes left."""
    env = world.envelopes[v][0]
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    conn.putrequest('POST', f'/api/v1/tenders/{world.tender_code}/bids')
    for name, value in (
        ('Authorization', f'Bearer {world.tokens[v]}'),
        ('Content-Type', cs.P7M),
        ('Content-Length', str(env.size)),
        (cs.SIGNATURE_HEADER, env.signature_b64),
    ):
        conn.putheader(name, value)
    conn.endheaders()
    with open(env.path, 'rb') as fh:
        body = fh.read()
    sent = 0
    last_sent = time.monotonic()
    while time.monotonic() < send_until and sent < len(body) - 1024:
        conn.send(body[sent : sent + 32 * 1024])
        last_sent = time.monotonic()
        sent += 32 * 1024
        time.sleep(0.25)
    return conn, last_sent


@pytest.mark.slow
def test_a_killed_upload_frees_its_vendor_within_the_short_lock(slow_world, tmp_path):
    """LPSE_BID_LOCK_SECONDS=8 with a 1 s heartbeat: an upload trickling for 11 s keeps its lock
    (a second bid meanwhile is refused: 409 upload_in_progress); then the server is SIGKILLed
    mid-upload and restarted: the vendor is refused until the lock expires, then accepted."""
    env = {'LPSE_BID_LOCK_SECONDS': 8, 'LPSE_BID_LOCK_HEARTBEAT': 1}
    server = _server(slow_world, tmp_path, **env).start()
    v = 0
    try:
        start = time.monotonic()
        holder = {}
        trickle = threading.Thread(
            target=lambda: holder.setdefault(
                'conn', _start_slow_upload(server.port, slow_world, v, send_until=start + 11)
            )
        )
        trickle.start()
        time.sleep(10)  # past the 8 s expiry: only the heartbeat keeps the lock
        status, doc = cs.submit(
            server.port, slow_world.tender_code, slow_world.tokens[v], slow_world.envelopes[v][1]
        )
        assert status == 409 and doc['error']['code'] == 'upload_in_progress', (status, doc)
        trickle.join(30)
        killed_at = time.monotonic()
        server.kill()  # the upload's process dies holding the lock
        conn, last_sent = holder['conn']
        conn.close()
        server.start()
        asked_at = time.monotonic()
        status, doc = cs.submit(
            server.port, slow_world.tender_code, slow_world.tokens[v], slow_world.envelopes[v][1]
        )
        # The lock's last heartbeat came with the last bytes read: it holds at least until
        # last_sent + 8 s - 1 s (heartbeat); 2 s of slack for a loaded machine. A slower restart
        # asks past that and only the release below is checked.
        if asked_at - last_sent < 5:
            assert status == 409 and doc['error']['code'] == 'upload_in_progress', (status, doc)
            assert '8 detik' in doc['error']['message']
        deadline = time.monotonic() + 20
        while status != 201 and time.monotonic() < deadline:
            time.sleep(0.5)
            status, doc = cs.submit(
                server.port,
                slow_world.tender_code,
                slow_world.tokens[v],
                slow_world.envelopes[v][1],
            )
        waited = time.monotonic() - killed_at
    finally:
        server.stop()
    assert status == 201, (status, doc)
    assert waited < 25  # the old 120 s lock would have kept the vendor out


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's database-wide write lock")
def test_a_database_locked_past_the_busy_timeout_answers_503_and_keeps_nothing(
    app, tender, bidder, token
):
    """In-process: the write lock is taken by another writer just as the envelope has been
    streamed and checked, and held past LPSE_BID_DB_BUSY_SECONDS: a 503 with Retry-After (the
    vendor retries), never a 500, and neither row nor blob is kept."""
    import base64
    import io

    from sqlalchemy import func, select

    from lpse.bids.models import Bid
    from lpse.extensions import db

    from .conftest import P7M, VENDOR_KEY, seal, stored_files

    app.config['LPSE_BID_DB_BUSY_SECONDS'] = 1
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    blocker = sqlite3.connect(
        app.config['SQLALCHEMY_DATABASE_URI'].removeprefix('sqlite:///'),
        timeout=10,
        isolation_level=None,
    )

    class Blocking(io.BytesIO):
        def _last_byte_read(self):
            if self.tell() == len(p7m) and not blocker.in_transaction:
                blocker.execute('BEGIN IMMEDIATE')  # the body is in; another writer wins

        def readinto(self, buffer):
            n = super().readinto(buffer)
            self._last_byte_read()
            return n

        def read(self, n=-1):
            data = super().read(n)
            self._last_byte_read()
            return data

    before = stored_files(app)
    try:
        response = app.test_client().post(
            f'/api/v1/tenders/{tender.code}/bids',
            input_stream=Blocking(p7m),
            headers={
                **token(bidder),
                'Content-Type': P7M,
                'Content-Length': str(len(p7m)),
                'X-LPSE-Submission-Signature': base64.b64encode(sig).decode(),
            },
        )
    finally:
        if blocker.in_transaction:
            blocker.execute('ROLLBACK')
        blocker.close()
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()['error']['code'] == 'busy'
    assert int(response.headers['Retry-After']) >= 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0
    assert [p for p in stored_files(app) if 'incoming' not in p.parts] == [
        p for p in before if 'incoming' not in p.parts
    ]
