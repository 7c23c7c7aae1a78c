"""A tiny transparency log built from the pure modules: audit events as RFC 9162 leaves, a real
Ed25519 log key, real proofs, served over real HTTP with the endpoints of /api/v1/log."""

import base64
import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lpse.audit import canonical_fields
from lpse.crypto import merkle, note
from lpse.crypto.canonical import canonical_json

ORIGIN = 'lpse.example.go.id/audit'


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def event(seq: int, marker: str = '') -> dict:
    """An exported audit record, as the entries endpoint shows it."""
    return {
        'seq': seq,
        'occurred_at': f'2026-03-01T08:00:{seq % 60:02d}.000000Z',
        'actor_id': 7,
        'actor_ip': '10.0.0.7',
        'action': 'bid.submitted',
        'object_type': 'bid',
        'object_id': str(seq),
        'payload': {'tender': 'KOTAUJI-2026-00001', 'catatan': f'penawaran ke-{seq}{marker}'},
    }


def event_leaf(record: dict) -> bytes:
    return merkle.leaf_hash(canonical_json(canonical_fields(record)).encode('utf-8'))


class TransparencyLog:
    """The log: its events, their leaf hashes, its signer; `checkpoint()` signs the current tree."""

    def __init__(self, signer: note.Signer | None = None, origin: str = ORIGIN):
        self.origin = origin
        self.signer = signer or note.Signer(origin, Ed25519PrivateKey.generate())
        self.events: list[dict] = []

    def append(self, count: int, marker: str = '') -> 'TransparencyLog':
        start = len(self.events)
        self.events += [event(seq, marker) for seq in range(start + 1, start + count + 1)]
        return self

    @property
    def leaves(self) -> list[bytes]:
        return [event_leaf(record) for record in self.events]

    def subtree(self, level: int, index: int) -> bytes:
        return merkle.root(self.leaves[index << level : (index + 1) << level])

    def checkpoint_text(self) -> str:
        return note.format_checkpoint(self.origin, len(self.events), merkle.root(self.leaves))

    def checkpoint(self, *cosignatures: note.Signature) -> bytes:
        return note.sign_note(self.checkpoint_text(), self.signer, cosignatures=cosignatures)

    def consistency(self, old: int, new: int) -> dict:
        proof = merkle.consistency_proof(old, new, self.subtree)
        return {'from': old, 'to': new, 'proof': [b64(h) for h in proof]}

    def inclusion(self, index: int, size: int) -> dict:
        proof = merkle.inclusion_proof(index, size, self.subtree)
        leaf = self.leaves[index]
        return {
            'index': index,
            'tree_size': size,
            'leaf_hash': b64(leaf),
            'proof': list(map(b64, proof)),
        }


class LogServer:
    """Serves a TransparencyLog; tests swap `log`, or set `checkpoint_note` / `proof_answer` to
    make it lie. Cosignatures posted are checked against `witness` and kept in `received`."""

    def __init__(self, log: TransparencyLog):
        self.log = log
        self.checkpoint_note: bytes | None = None
        self.proof_answer: object = None
        self.witness: note.Verifier | None = None
        self.received: list[dict] = []
        self.proof_requests: list[tuple[int, int]] = []

    def answer(self, method: str, path: str, query: dict, body: bytes):
        if method == 'GET' and path == '/api/v1/log/checkpoint':
            return 200, 'text/plain; charset=utf-8', self.checkpoint_note or self.log.checkpoint()
        if method == 'GET' and path == '/api/v1/log/proof/consistency':
            old, new = int(query['from'][0]), int(query['to'][0])
            self.proof_requests.append((old, new))
            proof = self.proof_answer
            if proof is None:
                proof = self.log.consistency(old, new)
            data = proof if isinstance(proof, bytes) else json.dumps(proof).encode()
            return 200, 'application/json', data
        if method == 'POST' and path == '/api/v1/log/cosignatures':
            posted = json.loads(body)
            try:
                note.verify_cosignature(posted['checkpoint'], posted['cosignature'], self.witness)
            except (note.NoteError, ValueError, TypeError) as exc:
                error = {'error': {'code': 'bad_cosignature', 'message': str(exc)}}
                return 422, 'application/json', json.dumps(error).encode()
            self.received.append(posted)
            return 201, 'application/json', b'{}'
        error = {'error': {'code': 'not_found', 'message': 'no such endpoint'}}
        return 404, 'application/json', json.dumps(error).encode()


@contextlib.contextmanager
def serve(server: LogServer):
    """The log on http://127.0.0.1:<port> while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def _respond(self):
            url = urlsplit(self.path)
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length) if length else b''
            status, content_type, data = server.answer(
                self.command, url.path, parse_qs(url.query), body
            )
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _respond  # noqa: N815 (the names http.server calls)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{httpd.server_address[1]}'
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
