"""File plumbing of the `lpse` bid commands: progress lines, atomic writes, streamed upload and
download."""

import base64
import hashlib
import http.client
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from lpse import api_client

CHUNK = 64 * 1024
PROGRESS_THRESHOLD = 4 * 1024 * 1024  # smaller files finish before a progress line helps
MIB = 1024 * 1024


class Progress:
    """A progress line on stderr for large files: updated in place on a terminal, in 10% steps
    otherwise (so logs stay short)."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None):
        self.label, self.total = label, total
        self.stream = stream or sys.stderr
        self.enabled = total >= PROGRESS_THRESHOLD
        self.tty = self.enabled and self.stream.isatty()
        self.step = 1 if self.tty else 10
        self.shown = -1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        percent = min(100, done * 100 // self.total)
        if percent // self.step == self.shown:
            return
        self.shown = percent // self.step
        line = f'{self.label}: {percent:3d}% ({done / MIB:.1f} of {self.total / MIB:.1f} MB)'
        end = '' if self.tty and percent < 100 else '\n'
        print(('\r' if self.tty else '') + line, end=end, file=self.stream, flush=True)


def read_with_progress(path: Path, label: str) -> bytes:
    """Read a whole file (attachments go into the package in memory), showing progress."""
    size = path.stat().st_size
    progress, parts, done = Progress(label, size), [], 0
    with path.open('rb') as fh:
        while chunk := fh.read(CHUNK * 16):
            parts.append(chunk)
            done += len(chunk)
            progress.update(done)
    return b''.join(parts)


def write_atomic(path: Path, data: bytes, *, label: str | None = None, mode: int = 0o644) -> None:
    """Write a file so that it is either complete or absent: temp file, fsync, rename, fsync dir."""
    directory = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as out:
            progress = Progress(label or f'writing {path.name}', len(data))
            view = memoryview(data)
            for pos in range(0, len(data), CHUNK * 16):
                out.write(view[pos : pos + CHUNK * 16])
                progress.update(min(pos + CHUNK * 16, len(data)))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@dataclass(frozen=True)
class Upload:
    """What came back from the server, and what was sent."""

    status: int
    body: bytes
    content_type: str
    sha256: str
    size: int


def upload_bid(
    server: str,
    token: str,
    tender: str,
    path: Path,
    *,
    signature: bytes | None = None,
    kind: str | None = None,
    timeout: float = 600,
) -> Upload:
    """POST a sealed bid to {server}/api/v1/tenders/{code}/bids, streamed from the file, with
    its detached submission signature (base64) in X-LPSE-Submission-Signature."""
    conn, base = api_client.connect(server, timeout=timeout)
    target = f'{base}/api/v1/tenders/{quote(tender, safe="")}/bids'
    if kind:
        target += f'?envelope={quote(kind, safe="")}'
    extra = []
    if signature is not None:
        extra.append(('X-LPSE-Submission-Signature', base64.b64encode(signature).decode('ascii')))
    try:
        with path.open('rb') as fh:
            size = os.fstat(fh.fileno()).st_size
            conn.putrequest('POST', target, skip_accept_encoding=True)
            for name, value in (
                *api_client.auth_headers(token).items(),
                ('Content-Type', 'application/pkcs7-mime'),
                ('Content-Length', str(size)),
                *extra,
            ):
                conn.putheader(name, value)
            conn.endheaders()
            digest, sent = _send_file(conn, fh, size, path.name)
        response = conn.getresponse()
        with response:
            body = api_client.read_limited(response)
            return Upload(
                response.status, body, response.getheader('Content-Type', ''), digest, sent
            )
    except (OSError, http.client.HTTPException) as exc:
        raise api_client.ApiError(f'the upload to {conn.host} failed: {exc}') from None
    finally:
        conn.close()


def _send_file(conn, fh, size: int, name: str) -> tuple[str, int]:
    progress, digest, sent = Progress(f'uploading {name}', size), hashlib.sha256(), 0
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
        conn.send(chunk)
        sent += len(chunk)
        progress.update(sent)
    if sent != size:
        raise api_client.ApiError(f'{name} changed size while it was being sent')
    return digest.hexdigest(), sent


def download_to(server: str, token: str, target: str, path: Path, *, timeout: float = 600):
    """GET {server}{target} into `path`, streamed (memory flat in the file's size) into a temp
    file renamed into place only when complete: (SHA-256, size) of what arrived, or ApiError
    with the server's refusal (nothing written)."""
    conn, base = api_client.connect(server, timeout=timeout)
    directory = path.resolve().parent
    try:
        conn.request('GET', base + target, headers=api_client.auth_headers(token))
        response = conn.getresponse()
        with response:
            if response.status >= 400:
                refusal = api_client.error_text(response.status, api_client.read_limited(response))
                raise api_client.ApiError(f'the server refused: {refusal}')
            total = int(response.getheader('Content-Length') or 0)
            progress = Progress(f'downloading {path.name}', total)
            digest, done = hashlib.sha256(), 0
            fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=directory)
            try:
                with os.fdopen(fd, 'wb') as out:
                    while chunk := response.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        progress.update(done)
                    out.flush()
                    os.fsync(out.fileno())
                if total and done != total:
                    raise api_client.ApiError(f'the download stopped at {done} of {total} bytes')
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except (OSError, http.client.HTTPException) as exc:
        raise api_client.ApiError(f'the download from {conn.host} failed: {exc}') from None
    finally:
        conn.close()
    return digest.hexdigest(), done
