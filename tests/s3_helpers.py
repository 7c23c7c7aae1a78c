"""A real HTTP S3 endpoint for the tests: `moto_server` (PyPI `moto[server]`) as a subprocess.

`LPSE_TEST_BLOB_STORE=s3` runs the whole suite on the S3 store against it (see conftest); the
S3 store's own tests start it whatever the switch says. One server per test process, on a
private port: 54339 for a plain run, 54340 + N for the xdist worker gwN (another free port if
that one is taken); each worker stops its own at the end of the session, and the server dies
with the process that started it. An
endpoint already running elsewhere can be named with LPSE_TEST_S3_ENDPOINT instead.
"""

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

BASE_PORT = 54339
CREDENTIALS = {'AWS_ACCESS_KEY_ID': 'lpse-test', 'AWS_SECRET_ACCESS_KEY': 'lpse-test-secret'}
REGION = 'us-east-1'

_server: dict = {}


def _port() -> int:
    worker = os.environ.get('PYTEST_XDIST_WORKER', '')
    if worker.startswith('gw') and worker[2:].isdigit():
        return BASE_PORT + 1 + int(worker[2:])
    return BASE_PORT


def _die_with_parent():  # pragma: no cover — runs in the child before exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _up(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f'{endpoint}/moto-api/', timeout=1):
            return True
    except OSError as exc:
        return getattr(exc, 'code', None) is not None  # any HTTP answer means it is up


def endpoint() -> str:
    """The endpoint, starting the server on first use."""
    os.environ.update({k: os.environ.get(k) or v for k, v in CREDENTIALS.items()})
    given = os.environ.get('LPSE_TEST_S3_ENDPOINT')
    if given:
        return given
    if 'endpoint' in _server:
        return _server['endpoint']
    port = _port()
    with socket.socket() as probe:
        if probe.connect_ex(('127.0.0.1', port)) == 0:  # another test run has it: any free one
            with socket.socket() as free:
                free.bind(('127.0.0.1', 0))
                port = free.getsockname()[1]
    url = f'http://127.0.0.1:{port}'
    binary = Path(sys.executable).with_name('moto_server')
    process = subprocess.Popen(
        [str(binary), '-H', '127.0.0.1', '-p', str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    _server.update(process=process, endpoint=url)
    atexit.register(stop)
    deadline = time.monotonic() + 60  # importing moto on a loaded machine takes a while
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'moto_server exited with {process.returncode}')
        if _up(url):
            return url
        time.sleep(0.05)
    stop()
    raise RuntimeError('moto_server did not start')


def stop() -> None:
    process = _server.pop('process', None)
    _server.pop('endpoint', None)
    _server.pop('bucket', None)
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client():
    from lpse.storage_s3 import _client

    return _client(endpoint(), REGION, 'path')


def new_bucket(name: str | None = None) -> str:
    name = name or f'lpse-{uuid.uuid4().hex[:20]}'
    with contextlib.suppress(Exception):  # BucketAlreadyOwnedByYou
        client().create_bucket(Bucket=name)
    return name


def worker_bucket() -> str:
    if 'bucket' not in _server:
        worker = os.environ.get('PYTEST_XDIST_WORKER', 'main')
        _server['bucket'] = new_bucket(f'lpse-test-{worker}')
    return _server['bucket']


def app_config() -> dict:
    """What makes an app use the S3 store: this worker's bucket, a fresh prefix per app, so
    tests see only their own blobs."""
    return {
        'LPSE_BLOB_STORE': 's3',
        'LPSE_S3_ENDPOINT': endpoint(),
        'LPSE_S3_BUCKET': worker_bucket(),
        'LPSE_S3_REGION': REGION,
        'LPSE_S3_PREFIX': f'{uuid.uuid4().hex}/',
    }


def enabled() -> bool:
    return os.environ.get('LPSE_TEST_BLOB_STORE', 'file') == 's3'
