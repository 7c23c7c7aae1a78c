"""`lpse submit` against a tiny local server, and `lpse verify-receipt`."""

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lpse.console import main
from lpse.crypto import receipts

from .test_receipts import receipt_fields

TOKEN = 'tok_3f9a0c'
CHUNK = 64 * 1024


class StubServer:
    """Stands in for POST /api/v1/tenders/{code}/bids: checks the request, streams the body
    into a hash (never holding it), and answers with a signed receipt or a JSON error."""

    def __init__(self, system):
        self.system = system
        self.requests: list[dict] = []
        self.refuse: tuple[int, str, str] | None = None
        self.lie = False

    def __call__(self, environ, start_response):
        digest, size, stream = hashlib.sha256(), 0, environ['wsgi.input']
        length = int(environ.get('CONTENT_LENGTH') or 0)
        while size < length and (chunk := stream.read(min(CHUNK, length - size))):
            digest.update(chunk)
            size += len(chunk)
        self.requests.append(
            {
                'method': environ['REQUEST_METHOD'],
                'path': environ['PATH_INFO'],
                'authorization': environ.get('HTTP_AUTHORIZATION'),
                'content_type': environ.get('CONTENT_TYPE'),
                'content_length': length,
                'sha256': digest.hexdigest(),
                'size': size,
            }
        )
        if self.refuse:
            status, code, message = self.refuse
            body = {'error': {'code': code, 'message': message}}
            return self._json(start_response, f'{status} Refused', body)
        fields = receipt_fields() | {'envelope_sha256': digest.hexdigest(), 'envelope_size': size}
        if self.lie:
            fields['envelope_size'] += 1
        doc = receipts.sign_receipt(fields, key=self.system.key, cert=self.system.cert)
        return self._json(start_response, '201 Created', doc)

    @staticmethod
    def _json(start_response, status, body):
        data = json.dumps(body).encode()
        start_response(
            status, [('Content-Type', 'application/json'), ('Content-Length', str(len(data)))]
        )
        return [data]


@pytest.fixture
def server(system):
    stub = StubServer(system)
    httpd = make_server('127.0.0.1', 0, stub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    stub.url = f'http://127.0.0.1:{httpd.server_port}'
    yield stub
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture
def envelope(tmp_path) -> Path:
    path = tmp_path / 'bid.p7m'
    path.write_bytes(b'0\x83' + os.urandom(200_000))
    return path


def submit(server, path: Path, *extra: str) -> int:
    args = ['submit', '--server', server.url, '--token', TOKEN, '--tender', 'KEMKES-2026-00001']
    return main([*args, *extra, str(path)])


def test_submit_streams_the_file_and_saves_the_receipt(server, envelope, pki_files, capsys):
    assert submit(server, envelope, '--ca', str(pki_files.ca)) == 0
    [request] = server.requests
    assert request == {
        'method': 'POST',
        'path': '/api/v1/tenders/KEMKES-2026-00001/bids',
        'authorization': f'Bearer {TOKEN}',
        'content_type': 'application/pkcs7-mime',
        'content_length': envelope.stat().st_size,
        'sha256': hashlib.sha256(envelope.read_bytes()).hexdigest(),
        'size': envelope.stat().st_size,
    }
    saved = json.loads(Path(f'{envelope}.receipt.json').read_text(encoding='utf-8'))
    assert saved['receipt']['envelope_sha256'] == request['sha256']
    out = capsys.readouterr().out
    assert 'OK: the receipt signature verifies' in out
    assert 'KEMKES-2026-00001/1/000123' in out


def test_server_error_message_is_shown(server, envelope, capsys):
    server.refuse = (409, 'bid_exists', 'Penawaran yang sama sudah diterima.')
    assert submit(server, envelope) == 1
    err = capsys.readouterr().err
    assert 'Penawaran yang sama sudah diterima. (409 bid_exists)' in err
    assert not Path(f'{envelope}.receipt.json').exists()


def test_receipt_for_other_bytes_is_refused(server, envelope, capsys):
    server.lie = True
    assert submit(server, envelope) == 1
    assert 'but' in capsys.readouterr().err


def test_no_token_over_plain_http_to_a_remote_server(envelope, capsys):
    args = ['submit', '--server', 'http://lpse.example.go.id', '--token', TOKEN]
    assert main([*args, '--tender', 'X', str(envelope)]) == 1
    assert 'plain http' in capsys.readouterr().err


# The client runs in its own process so that only its memory is measured, not the stub's
# (werkzeug's server drains a closed socket with a 10 MB read).
MEASURE = """
import sys, tracemalloc
from lpse.console import build_parser, main
build_parser()
from lpse.bids import transfer
from lpse.crypto import receipts
tracemalloc.start()
status = main(sys.argv[1:])
print('PEAK', tracemalloc.get_traced_memory()[1], 'STATUS', status)
"""


def test_submit_memory_stays_small_for_a_30_mb_bid(server, tmp_path):
    path = tmp_path / 'big.p7m'
    with path.open('wb') as fh:
        for _ in range(30):
            fh.write(os.urandom(1024 * 1024))
    args = ['--server', server.url, '--token', TOKEN, '--tender', 'KEMKES-2026-00001', str(path)]
    result = subprocess.run(
        [sys.executable, '-c', MEASURE, 'submit', *args], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    peak, status = result.stdout.split('PEAK ')[1].split(' STATUS ')
    assert int(status) == 0
    assert server.requests[0]['size'] == 30 * 1024 * 1024
    assert int(peak) < 5 * 1024 * 1024, f'peak {int(peak) / 1e6:.1f} MB'
    assert 'uploading big.p7m: 100%' in result.stderr


@pytest.fixture
def receipt_file(tmp_path, system, envelope) -> Path:
    fields = receipt_fields(envelope.read_bytes())
    doc = receipts.sign_receipt(fields, key=system.key, cert=system.cert)
    path = tmp_path / 'receipt.json'
    path.write_text(json.dumps(doc), encoding='utf-8')
    return path


def test_verify_receipt_ok(receipt_file, envelope, pki_files, capsys):
    args = ['verify-receipt', str(receipt_file), '--bid', str(envelope), '--ca', str(pki_files.ca)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith('OK')
    assert 'PT Maju Jaya (NPWP 012345678901000)' in out
    assert '10:00:00.123 WIT' in out and '08:00:00.123 WIB' in out


def test_verify_receipt_refuses_other_bid_and_edits(receipt_file, envelope, pki_files, capsys):
    other = envelope.with_name('other.p7m')
    other.write_bytes(envelope.read_bytes()[:-1])
    args = ['verify-receipt', str(receipt_file), '--bid', str(other), '--ca', str(pki_files.ca)]
    assert main(args) == 1
    assert 'FAILED: the bid file' in capsys.readouterr().err
    doc = json.loads(receipt_file.read_text(encoding='utf-8'))
    doc['receipt']['vendor_name'] = 'PT Lain'
    receipt_file.write_text(json.dumps(doc), encoding='utf-8')
    assert main(['verify-receipt', str(receipt_file), '--ca', str(pki_files.ca)]) == 1
    assert 'signature does not verify' in capsys.readouterr().err


def test_verify_receipt_with_the_wrong_ca(receipt_file, pki_files, capsys):
    args = ['verify-receipt', str(receipt_file), '--ca', str(pki_files.tender_cert)]
    assert main(args) == 1
    assert 'was not issued by this CA' in capsys.readouterr().err
