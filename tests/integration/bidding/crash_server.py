"""A real LPSE server for the crash-safety test and the deadline-rush benchmark.

* `create()` is the WSGI factory gunicorn loads (``crash_server:create()``): the production
  app, configured from the environment. With ``LPSE_CRASH_VARIANT=commit-before-rename`` it
  runs a deliberately wrong write order (the row is committed while the blob is still a temp
  file, renamed only after the PDF receipt), to show the crash test catches it.
* `build_world` makes, on a database and data folder of its own: the schema (migrated), the CA,
  a published tender in its upload stage *at the real clock*, verified vendors with signing
  certificates and API tokens, and pre-sealed envelopes with their submission signatures.
* `Server` starts gunicorn in its own process group on 127.0.0.1, waits until it answers,
  SIGKILLs or stops the whole group, and samples its memory (sum of RSS over the group).
* `check_store` is the after-crash audit: receipts ↔ rows ↔ blobs ↔ audit chain.

Only loopback addresses; every loop is bounded; nothing here touches the shared test database.
"""

import base64
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
TESTS = ROOT / 'tests'
for _path in (TESTS, TESTS / 'integration'):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

CA_PASSPHRASE = 'frasa-sandi-ca-uji-0123456789'  # the same as tests/pki_helpers.py
SYSTEM_PASSPHRASE = 'frasa-sandi-sistem-uji-0123456789'
P7M = 'application/pkcs7-mime'
SIGNATURE_HEADER = 'X-LPSE-Submission-Signature'
VENDOR_KEY_BASE = 100  # pki_helpers key numbers of the vendor key pool
# 409: the upload lock of a killed request, until it expires (seconds); 502: a balancer whose
# node died under the request; 503: the database was busy past LPSE_BID_DB_BUSY_SECONDS
# (nothing stored; Retry-After). A 500 is never retried: it counts as unexpected
# (test_concurrency.py shows a burst on SQLite gets no error at all).
RETRYABLE = {409, 502, 503}


# --- the WSGI factory gunicorn loads ----------------------------------------------------------


def create():
    from lpse import create_app

    app = create_app()
    if os.environ.get('LPSE_CRASH_VARIANT') == 'commit-before-rename':
        _wrong_write_order()
    return app


def _wrong_write_order():
    """The bug the crash test must catch: commit the row (and answer) before the blob is in
    place. `put_stream` leaves the checked upload as its temp file; the rename happens after
    the commit, a moment later, as a careless "move it later" would."""
    from lpse import storage
    from lpse.bids import submission

    pending = threading.local()
    original_put = storage.FileStore.put_stream
    original_receive = submission.receive_many

    def put_stream(self, fileobj, *, max_size, check=None):
        incoming = self.root / 'incoming'
        incoming.mkdir(parents=True, exist_ok=True)
        tmp = incoming / f'late-{uuid.uuid4().hex}'
        sha, size = hashlib.sha256(), 0
        with open(tmp, 'wb') as out:
            while chunk := fileobj.read(64 * 1024):
                size += len(chunk)
                if size > max_size:
                    tmp.unlink()
                    raise storage.BlobTooLarge(max_size)
                sha.update(chunk)
                out.write(chunk)
        if check is not None:
            check(tmp)
        pending.move = (tmp, self.path(sha.hexdigest()))
        return sha.hexdigest(), size

    def receive_many(*args, **kw):
        try:
            return original_receive(*args, **kw)
        finally:
            move = getattr(pending, 'move', None)
            pending.move = None
            if move is not None:
                time.sleep(0.3)  # "later": the row is committed, the blob not yet in place
                move[1].parent.mkdir(parents=True, exist_ok=True)
                os.replace(*move)

    assert original_put is not None
    storage.FileStore.put_stream = put_stream
    submission.receive_many = receive_many


# --- the world: tender, vendors, envelopes ----------------------------------------------------


@dataclasses.dataclass
class Envelope:
    vendor: int
    number: int
    path: str = dataclasses.field(repr=False)
    signature_b64: str = dataclasses.field(repr=False)
    sha256: str
    size: int


@dataclasses.dataclass
class World:
    tender_code: str
    tokens: list  # one bearer token per vendor
    envelopes: list  # list of lists of Envelope, per vendor
    database_url: str
    data_dir: str


def generate_keys(count, processes=2):
    """RSA-3072 keys made in a process pool (keygen is the slow part of preparing vendors)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        pems = list(pool.map(_key_pem, range(count)))
    return [load_pem_private_key(p, None) for p in pems]


def _key_pem(_n):
    from cryptography.hazmat.primitives import serialization

    from lpse.crypto import pki

    return pki.generate_key().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def app_overrides(database_url, data_dir):
    return {
        'SQLALCHEMY_DATABASE_URI': database_url,
        'LPSE_DATA_DIR': str(data_dir),
        'LPSE_STAGE_MIN_DURATIONS': {},
        'LPSE_STAGE_MIN_GAPS': {},
        'LPSE_CA_PASSPHRASE': CA_PASSPHRASE,
        'LPSE_SYSTEM_KEY_PASSPHRASE': SYSTEM_PASSPHRASE,
    }


def build_world(
    database_url,
    data_dir,
    envelope_dir,
    *,
    vendors,
    envelopes_per_vendor=1,
    size,
    key_pool=4,
    keys=None,
    deadline_in=None,
    config=None,
    log=lambda *_: None,
):
    """Everything a burst of submissions needs, made before anything is timed.

    Vendors share a small pool of RSA keys (`key_pool`, or the given `keys`), each vendor with
    a certificate of its own: the server checks that the submission signer's *certificate*
    belongs to the submitting account (serial, owner, fingerprint), not that no two
    certificates share a key, so the rules hold while keygen stays cheap. `deadline_in` (a
    timedelta): the bid deadline that long from now, instead of ~3 days. `config`: more app
    settings (the blob store)."""
    import pki_helpers
    from flask_migrate import upgrade
    from tenders.factories import PDF, schedule_at
    from tenders.factories import draft_data as tender_draft
    from vendor_helpers import verify_vendor

    from lpse import clock, create_app
    from lpse.agencies import operations as agency_ops
    from lpse.auth import operations as auth_ops
    from lpse.auth import passwords
    from lpse.auth.models import User, UserRole
    from lpse.bids import sealing
    from lpse.bids.models import EnvelopeKind
    from lpse.bids.package import build_package
    from lpse.crypto import detached, envelope
    from lpse.extensions import db
    from lpse.tenders import documents, operations, publication
    from lpse.tenders import keys as tender_keys
    from lpse.tenders import schedule as tender_schedule
    from lpse.tenders.stages import GATES, STAGES, Stage

    envelope_dir = Path(envelope_dir)
    envelope_dir.mkdir(parents=True, exist_ok=True)
    if keys is not None:
        key_pool = len(keys)
        for i, k in enumerate(keys):
            pki_helpers._cache.setdefault('keys', {})[VENDOR_KEY_BASE + i] = k
    app = create_app({**app_overrides(database_url, data_dir), **(config or {})})
    with app.app_context():
        upgrade()
        clock.set_now(None)
        now = clock.now()
        pki_helpers.install_authority()
        agency = agency_ops.create_agency(
            code='KOTAUJI',
            name='Pemerintah Kota Uji',
            timezone='Asia/Makassar',
            actor=None,
            now=now,
        )
        agency_ops.add_work_unit(agency, code='DPU', name='Dinas PU', actor=None, now=now)
        db.session.commit()
        password_hash = passwords.hash_password(secrets.token_urlsafe(16))

        def person(email, *roles, agency=None):
            user = User(
                email=email,
                name=email.split('@')[0].replace('.', ' ').title(),
                password_hash=password_hash,
                agency=agency,
                active=True,
                session_version=1,
                must_change_password=False,
                created_at=now,
            )
            user.role_rows = [UserRole(role=r) for r in roles]
            db.session.add(user)
            db.session.commit()
            return user

        pokja = [person(f'pokja{i}@uji.go.id', 'pokja', agency=agency) for i in (1, 2, 3)]
        ppk = person('ppk@uji.go.id', 'ppk', agency=agency)
        pki_helpers.certify_pokja(pokja)
        log('officers ready')
        # The upload stage around the real clock: opened 30 minutes ago, open ~3 days more.
        base = now - timedelta(hours=72, minutes=30)
        if deadline_in is not None:
            base = now + deadline_in - (schedule_at(now)[Stage.bid_submission].end - now)
        cast = {'ppk': ppk, 'pokja': pokja[0], 'pokja2': pokja[1], 'pokja3': pokja[2]}
        tender = operations.create_draft(
            agency=agency, data=tender_draft(cast), actor=pokja[0], now=base - timedelta(hours=2)
        )
        tender_schedule.set_schedule(
            tender, schedule_at(base), actor=pokja[0], now=base - timedelta(hours=2)
        )
        documents.add_document(
            tender,
            kind='dokumen_pemilihan',
            title='Dokumen Pemilihan',
            fileobj=_bytes_io(PDF),
            filename='dokpil.pdf',
            reason='',
            actor=pokja[0],
            now=base - timedelta(hours=2),
        )
        publication.publish_tender(tender, actor=pokja[0], now=base - timedelta(hours=1))
        for gated, name in GATES.items():
            if gated in STAGES and STAGES.index(gated) < STAGES.index(Stage.bid_submission):
                setattr(tender, name, tender.schedule[gated].end)
        db.session.commit()
        recipient = tender_keys.require_key(tender).certificate
        log(f'tender {tender.code} published')
        tokens, envelopes = [], []
        for v in range(vendors):
            user = person(f'penyedia{v:03d}@contoh.co.id', 'vendor')
            vendor = verify_vendor(user, company=f'PT Penyedia Rush {v:03d}')
            key_index = VENDOR_KEY_BASE + v % key_pool
            cert = pki_helpers.certify(user, key_index).x509
            _row, token = auth_ops.create_token(user, 'rush', now=now)
            db.session.commit()
            tokens.append(token)
            mine = []
            for n in range(envelopes_per_vendor):
                bid = sealing.bid_document(
                    tender,
                    vendor,
                    EnvelopeKind.single,
                    prices={1: Decimal(400000 + n), 2: Decimal('450000')},
                    tkdn='40',
                    validity_days=90,
                )
                filler = max(0, size - 16 * 1024)
                package = build_package(bid, [('surat-penawaran.pdf', PDF + os.urandom(filler))])
                signer_key = pki_helpers.key(key_index)
                p7m = envelope.seal(
                    package, signer_key=signer_key, signer_cert=cert, recipient_cert=recipient
                )
                signature = detached.sign_detached(p7m, key=signer_key, cert=cert)
                path = envelope_dir / f'v{v:03d}-{n}.p7m'
                path.write_bytes(p7m)
                mine.append(
                    Envelope(
                        vendor=v,
                        number=n,
                        path=str(path),
                        signature_b64=base64.b64encode(signature).decode(),
                        sha256=hashlib.sha256(p7m).hexdigest(),
                        size=len(p7m),
                    )
                )
            envelopes.append(mine)
            if (v + 1) % 10 == 0:
                log(f'{v + 1}/{vendors} vendors sealed')
        code = tender.code
        db.session.remove()
        db.engine.dispose()
    return World(code, tokens, envelopes, database_url, str(data_dir))


def _bytes_io(data):
    import io

    return io.BytesIO(data)


# --- the server ---------------------------------------------------------------------------------


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def server_env(database_url, data_dir, **extra):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(('LPSE_', 'DATABASE_URL', 'FLASK_'))
    }
    env.update(
        {
            'LPSE_ENV': 'production',
            'LPSE_SECRET_KEY': secrets.token_urlsafe(40),
            'DATABASE_URL': database_url,
            'LPSE_DATA_DIR': str(data_dir),
            'LPSE_CA_PASSPHRASE': CA_PASSPHRASE,
            'LPSE_SYSTEM_KEY_PASSPHRASE': SYSTEM_PASSPHRASE,
            'LPSE_BID_RATE_LIMIT': '100000',
            'PYTHONPATH': os.pathsep.join([str(HERE), str(ROOT)]),
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Server:
    """gunicorn (gthread) in a process group of its own, on 127.0.0.1:port."""

    def __init__(self, app, env, *, port=None, workers=2, threads=8, log_path=None, cwd=HERE):
        self.app, self.env, self.workers, self.threads = app, env, workers, threads
        self.port = port or free_port()
        self.cwd = cwd
        self.log_path = log_path
        self.proc = None
        self.peak_rss = 0
        self._sampler = None
        self._sampling = threading.Event()

    def command(self):
        return [
            sys.executable,
            '-m',
            'gunicorn',
            '--bind',
            f'127.0.0.1:{self.port}',
            '--workers',
            str(self.workers),
            '--worker-class',
            'gthread',
            '--threads',
            str(self.threads),
            '--timeout',
            '300',
            '--graceful-timeout',
            '10',
            '--log-level',
            'warning',
            self.app,
        ]

    def start(self, timeout=60, probe='/'):
        log = open(self.log_path, 'ab') if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.command(),
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: one killpg reaches every worker
        )
        if log is not subprocess.DEVNULL:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f'gunicorn exited with {self.proc.returncode}')
            conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=5)
            try:
                conn.request('GET', probe)
                conn.getresponse().read()
                return self
            except OSError:
                time.sleep(0.1)
            finally:
                conn.close()
        self.kill()
        raise RuntimeError('gunicorn did not answer in time')

    def kill(self):
        """SIGKILL the master and every worker at once (a power cut, as far as processes go)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._wait_group_gone()
        self.proc = None

    def stop(self):
        """A clean stop: SIGTERM, gunicorn finishes the requests in flight."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self._wait_group_gone()
        self.proc = None

    def _wait_group_gone(self, timeout=10):
        pgid = self.pgid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _group_members(pgid):
            time.sleep(0.05)

    @property
    def pgid(self):
        return self._pgid

    @property
    def proc(self):
        return self._proc

    @proc.setter
    def proc(self, value):
        self._proc = value
        if value is not None:
            self._pgid = value.pid

    def rss(self):
        """The resident memory of the whole group (master + workers), in bytes."""
        total = 0
        for pid in _group_members(self._pgid):
            try:
                with open(f'/proc/{pid}/statm') as fh:
                    total += int(fh.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
            except (OSError, ValueError, IndexError):
                continue
        return total

    def cpu_seconds(self):
        """CPU time (user + system) used so far by the group's live processes, in seconds."""
        total = 0.0
        for pid in _group_members(self._pgid):
            try:
                total += process_cpu_seconds(pid)
            except (OSError, ValueError, IndexError):
                continue
        return total

    def start_sampling(self, interval=0.05):
        self.peak_rss = self.rss()
        self._sampling.clear()

        def sample():
            while not self._sampling.wait(interval):
                self.peak_rss = max(self.peak_rss, self.rss())

        self._sampler = threading.Thread(target=sample, daemon=True)
        self._sampler.start()

    def stop_sampling(self):
        self._sampling.set()
        if self._sampler is not None:
            self._sampler.join(timeout=5)
        return self.peak_rss


def world_server(world, tmp_path, **env):
    """The tests' server for `world`: the app on its database and data folder, 2 gthread
    workers × 8 threads, gunicorn's log in tmp_path; `env` adds LPSE_* settings."""
    return Server(
        'crash_server:create()',
        server_env(world.database_url, world.data_dir, **env),
        workers=2,
        threads=8,
        log_path=tmp_path / 'gunicorn.log',
    )


def process_cpu_seconds(pid) -> float:
    """CPU time (user + system) process `pid` has used so far, in seconds (/proc/<pid>/stat)."""
    with open(f'/proc/{pid}/stat') as fh:
        fields = fh.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')  # utime, stime


def _group_members(pgid):
    members = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as fh:
                fields = fh.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != 'Z':  # fields: state, ppid, pgrp, …
            members.append(int(entry))
    return members


# --- a client -----------------------------------------------------------------------------------


def submit(port, code, token, env: Envelope, *, timeout=120, source=None):
    """POST one envelope as the raw body, streamed from its file; (status, json or None)."""
    conn = http.client.HTTPConnection(
        '127.0.0.1', port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        # The server may answer early (a 409 before the body) and close: read that answer.
        with (
            open(env.path, 'rb') as body,
            contextlib.suppress(BrokenPipeError, ConnectionResetError),
        ):
            conn.request(
                'POST',
                f'/api/v1/tenders/{code}/bids',
                body=body,
                headers={
                    'Authorization': f'Bearer {token}',
                    'Content-Type': P7M,
                    'Content-Length': str(env.size),
                    SIGNATURE_HEADER: env.signature_b64,
                },
            )
        response = conn.getresponse()
        data = response.read()
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        return response.status, doc
    finally:
        conn.close()


class Load:
    """One client thread per vendor, submitting its envelopes in order, each until a receipt
    comes back (bounded attempts; connection errors while a server is down are retried).
    `source`: the client's own loopback address (to see it come through a balancer)."""

    def __init__(self, world, port, *, attempts, deadline, source=None):
        self.world, self.port, self.attempts, self.source = world, port, attempts, source
        self.receipts, self.unexpected, self.gave_up = [], [], []
        self.in_flight = 0
        self.lock = threading.Lock()
        self.stop_at = time.monotonic() + deadline
        self.threads = [
            threading.Thread(target=self._vendor, args=(v,), daemon=True)
            for v in range(len(world.tokens))
        ]

    def start(self):
        for t in self.threads:
            t.start()

    def running(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self):
        for t in self.threads:
            t.join(timeout=max(0.1, self.stop_at - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)

    def _vendor(self, v):
        for env in self.world.envelopes[v]:
            for _attempt in range(self.attempts):
                if time.monotonic() > self.stop_at:
                    self.gave_up.append(env)
                    return
                with self.lock:
                    self.in_flight += 1
                try:
                    status, doc = submit(
                        self.port,
                        self.world.tender_code,
                        self.world.tokens[v],
                        env,
                        source=self.source,
                    )
                except (OSError, http.client.HTTPException):  # refused, reset, cut by the kill
                    time.sleep(0.3)
                    continue
                finally:
                    with self.lock:
                        self.in_flight -= 1
                if status in (200, 201) and doc and 'receipt' in doc:
                    with self.lock:
                        self.receipts.append((env, doc))
                    break
                if status not in RETRYABLE:
                    self.unexpected.append((env.path, status, doc))
                time.sleep(0.5)
            else:
                self.gave_up.append(env)
                return


# --- after the crash ----------------------------------------------------------------------------


def check_store(database_url, data_dir, receipts):
    """Problems (a list of strings; empty is good) and facts (a dict) about the stored state.

    receipts: (Envelope, receipt document) for every submission a client got a 200/201 for."""
    from sqlalchemy import select

    from lpse import checkpoints, create_app
    from lpse.audit import AuditEvent
    from lpse.bids.models import Bid, BidUploadLock
    from lpse.extensions import db

    problems, facts = [], {}
    blobs = Path(data_dir) / 'blobs'
    app = create_app(app_overrides(database_url, data_dir))
    with app.app_context():
        rows = db.session.scalars(select(Bid)).all()
        by_number = {b.receipt_number: b for b in rows}
        for env, doc in receipts:
            fields = doc.get('receipt', {})
            number = fields.get('receipt_number')
            bid = by_number.get(number)
            if bid is None:
                problems.append(f'acknowledged receipt {number} has no bid row')
                continue
            if bid.sha256 != env.sha256 or fields.get('envelope_sha256') != env.sha256:
                problems.append(f'receipt {number}: envelope hash differs from the row')
            if fields.get('envelope_size') != env.size or bid.size != env.size:
                problems.append(f'receipt {number}: envelope size differs')
        for bid in rows:
            path = blobs / bid.sha256[:2] / bid.sha256
            if not path.is_file():
                problems.append(f'bid {bid.receipt_number} has no blob {bid.sha256[:12]}…')
            elif _sha256_file(path) != bid.sha256 or path.stat().st_size != bid.size:
                problems.append(f'bid {bid.receipt_number}: blob content differs from its hash')
            event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == bid.audit_seq))
            if event is None or bid.sha256 not in json.dumps(event.as_record()):
                problems.append(f'bid {bid.receipt_number}: no bid.submitted event with its hash')
        blob_files = [p for p in blobs.glob('??/*') if p.is_file()]
        for path in blob_files:
            if _sha256_file(path) != path.name:
                problems.append(f'blob {path.name[:12]}… is truncated or altered')
        incoming = blobs / 'incoming'
        leftovers = sorted(p.name for p in incoming.iterdir()) if incoming.is_dir() else []
        stray = [p for p in blobs.rglob('*') if p.is_file() and p.parent.name != 'incoming']
        stray = [p for p in stray if p not in set(blob_files)]
        if stray:
            problems.append(f'files in the blob store outside incoming/ not named by hash: {stray}')
        verification = checkpoints.verify_database()
        if not verification.ok:
            problems.append(f'audit chain does not verify: {verification}')
        facts.update(
            bids=len(rows),
            blobs=len(blob_files),
            acknowledged=len(receipts),
            audit_events=verification.count,
            temp_leftovers=leftovers,
            stale_locks=len(db.session.scalars(select(BidUploadLock)).all()),
        )
        db.session.remove()
        db.engine.dispose()
    return problems, facts


def _sha256_file(path):
    sha = hashlib.sha256()
    with open(path, 'rb') as fh:
        while chunk := fh.read(1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()


# --- PostgreSQL: a database of our own on the test server --------------------------------------


def create_database(server_url, name):
    """Create `name` on the server of `server_url`; return its SQLAlchemy URL."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url)
    engine = create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(server_url, name):
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url)
    engine = create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@contextlib.contextmanager
def own_database(tmp_path, label):
    """A database of the test's own: the SQLite file `<label>.db` in tmp_path, or — when
    LPSE_TEST_DATABASE_URL is set — a fresh PostgreSQL database `lpse_<label>_<pid>` on that
    server, dropped afterwards (the shared test database is never touched)."""
    server_url = os.environ.get('LPSE_TEST_DATABASE_URL')
    if not server_url:
        yield f'sqlite:///{tmp_path / f"{label}.db"}'
        return
    name = f'lpse_{label}_{os.getpid()}'
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)
