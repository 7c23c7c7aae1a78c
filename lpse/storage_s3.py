"""The blob store on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Garage), via boto3.

Chosen with ``LPSE_BLOB_STORE=s3``; ``LPSE_S3_ENDPOINT`` (empty for AWS), ``LPSE_S3_BUCKET``,
``LPSE_S3_REGION``, ``LPSE_S3_PREFIX`` (a key prefix, so one bucket can serve several
instances) and ``LPSE_S3_PART_SIZE``; credentials come from boto3's usual chain
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` in the environment, a profile, an instance
role), never from the application's configuration.

A write streams the upload in chunks to a spool file on this node (hashing it, and hashing each
multipart part, as it goes), lets ``check(path)`` refuse it, then sends it under its SHA-256:

- small blobs in one ``PutObject``, larger ones as a multipart upload whose parts are read from
  the spool file in slices, so memory stays flat whatever the bid size;
- every request carries its SHA-256 (``x-amz-checksum-sha256``): the server refuses bytes that
  do not match, and the checksum it reports afterwards is compared with ours;
- the final write is conditional (``If-None-Match: *``): two nodes storing the same bid never
  overwrite each other. "Already exists" is success only when the stored object holds the same
  bytes; different bytes under a content address are corruption, never silently replaced;
- a failed multipart upload is aborted; one left by a killed process is found and aborted by
  `sweep_incoming` (``flask lpse blobs-sweep``).

Reads stream the object's body (`open`); nothing outside the store knows where blobs live.
"""

import base64
import contextlib
import hashlib
import io
import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from lpse.storage import (
    CHUNK,
    SHA256_RE,
    BlobCorrupt,
    BlobStore,
    BlobTooLarge,
)

log = logging.getLogger(__name__)

MIN_PART = 5 * 1024 * 1024  # S3's smallest part (but the last)
DEFAULT_PART = 8 * 1024 * 1024
MAX_PARTS = 10_000
_CONDITION_FAILED = {'PreconditionFailed', 'ConditionalRequestConflict', '412', '409'}
_MISSING = {'NoSuchKey', '404', 'NotFound'}
_BAD_DIGEST = {'BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'InvalidChecksum'}

_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def _client(endpoint, region, addressing):
    """One boto3 client per endpoint and process (clients are thread-safe; making one is slow)."""
    key = (endpoint, region, addressing)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            import boto3
            from botocore.config import Config as BotoConfig

            config = BotoConfig(
                region_name=region,
                retries={'mode': 'standard', 'max_attempts': 5},
                s3={'addressing_style': addressing},
                # We send and check SHA-256 ourselves; no extra CRC trailer on every request.
                request_checksum_calculation='when_required',
                response_checksum_validation='when_required',
            )
            client = boto3.session.Session().client(
                's3', endpoint_url=endpoint or None, config=config
            )
            _clients[key] = client
    return client


def spool_dir(config) -> str | None:
    spool = config.get('LPSE_S3_SPOOL_DIR')
    if not spool and config.get('LPSE_DATA_DIR'):
        spool = str(Path(config['LPSE_DATA_DIR']) / 'spool')
    return spool


def sweep_spool(config, *, older_than: float) -> int:
    """Spool files killed uploads left on this node (no network: run at start-up)."""
    folder = spool_dir(config)
    if not folder:
        return 0
    return S3Store(None, '-', spool_dir=folder).sweep_incoming(older_than=older_than, uploads=False)


def from_config(config) -> 'S3Store':
    """The factory `LPSE_BLOB_STORE = 's3'` uses (registered in lpse.storage)."""
    bucket = config.get('LPSE_S3_BUCKET')
    if not bucket:
        raise RuntimeError('LPSE_BLOB_STORE=s3 needs LPSE_S3_BUCKET')
    endpoint = config.get('LPSE_S3_ENDPOINT') or None
    spool = spool_dir(config)
    return S3Store(
        _client(
            endpoint,
            config.get('LPSE_S3_REGION') or 'us-east-1',
            'path' if endpoint else 'auto',  # MinIO, Ceph, Garage: path-style by default
        ),
        bucket,
        prefix=config.get('LPSE_S3_PREFIX') or '',
        part_size=int(config.get('LPSE_S3_PART_SIZE') or DEFAULT_PART),
        spool_dir=spool,
    )


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode('ascii')


def _code(exc) -> str:
    error = getattr(exc, 'response', {}).get('Error', {})
    return str(error.get('Code', ''))


def _status(exc) -> int:
    return int(getattr(exc, 'response', {}).get('ResponseMetadata', {}).get('HTTPStatusCode', 0))


class _Slice(io.RawIOBase):
    """``length`` bytes of ``fh`` from ``offset``, as a seekable stream botocore can send (and
    rewind on a retry) without reading the part into memory."""

    def __init__(self, fh, offset: int, length: int):
        self._fh, self._start, self._length, self._pos = fh, offset, length, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, pos, whence=os.SEEK_SET):
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        self._pos = max(0, min(self._length, base + pos))
        return self._pos

    def read(self, size=-1):
        left = self._length - self._pos
        if size is None or size < 0 or size > left:
            size = left
        if size <= 0:
            return b''
        self._fh.seek(self._start + self._pos)
        data = self._fh.read(size)
        self._pos += len(data)
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def __len__(self):
        return self._length


class _Spooled:
    """What the spool copy learned: the whole hash, the size and each part's hash."""

    def __init__(self, sha256: str, size: int, parts: list[bytes]):
        self.sha256, self.size, self.parts = sha256, size, parts


def _spool(fileobj, fd, max_size: int, part_size: int) -> _Spooled:
    """Copy in chunks to the spool file, hashing the whole and every part-sized slice."""
    whole, part, in_part, size, parts = hashlib.sha256(), hashlib.sha256(), 0, 0, []
    with os.fdopen(fd, 'wb') as out:
        while chunk := fileobj.read(CHUNK):
            size += len(chunk)
            if size > max_size:
                raise BlobTooLarge(max_size)
            whole.update(chunk)
            out.write(chunk)
            view = memoryview(chunk)
            while view:
                take = min(len(view), part_size - in_part)
                part.update(view[:take])
                in_part += take
                view = view[take:]
                if in_part == part_size:
                    parts.append(part.digest())
                    part, in_part = hashlib.sha256(), 0
    if in_part or not parts:
        parts.append(part.digest())
    return _Spooled(whole.hexdigest(), size, parts)


class S3Store(BlobStore):
    """Blobs as objects ``<prefix><sha256>`` in one bucket."""

    def __init__(self, client, bucket, *, prefix='', part_size=DEFAULT_PART, spool_dir=None):
        if part_size < MIN_PART:
            raise ValueError(f'LPSE_S3_PART_SIZE must be at least {MIN_PART} bytes')
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.part_size = part_size
        self.spool_dir = Path(spool_dir) if spool_dir else Path(tempfile.gettempdir())

    # --- names ----------------------------------------------------------------------------

    def key(self, sha256: str) -> str:
        if not SHA256_RE.match(sha256 or ''):
            raise ValueError('not a SHA-256 hex digest')
        return f'{self.prefix}{sha256}'

    def expected_checksum(self, parts: list[bytes]) -> str:
        """The SHA-256 checksum S3 reports: of the bytes for one part, of the parts' digests
        (a "composite" checksum, ``…-N``) for a multipart upload."""
        if len(parts) == 1:
            return _b64(parts[0])
        return f'{_b64(hashlib.sha256(b"".join(parts)).digest())}-{len(parts)}'

    # --- reading --------------------------------------------------------------------------

    def exists(self, sha256: str) -> bool:
        return self._head(self.key(sha256)) is not None

    def stored_at(self, sha256: str) -> float | None:
        head = self._head(self.key(sha256))
        return None if head is None else _timestamp(head['LastModified'])

    def open(self, sha256: str):
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except Exception as exc:
            if _code(exc) in _MISSING or _status(exc) == 404:
                raise FileNotFoundError(sha256) from None
            raise
        return response['Body']  # a streaming body: read(n), iteration, close

    def list_blobs(self) -> Iterator[tuple[str, float]]:
        paginator = self.client.get_paginator('list_objects_v2')
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get('Contents', ()):
                name = item['Key'][len(self.prefix) :]
                if SHA256_RE.match(name):
                    yield name, item['LastModified'].timestamp()

    def _head(self, key):
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode='ENABLED')
        except Exception as exc:
            if _code(exc) in _MISSING or _status(exc) == 404:
                return None
            raise

    # --- writing --------------------------------------------------------------------------

    def put_stream(self, fileobj, *, max_size, check=None):
        _make_spool(self.spool_dir)
        fd, name = tempfile.mkstemp(dir=self.spool_dir, prefix='up-')
        path = Path(name)
        try:
            spooled = _spool(fileobj, fd, max_size, self.part_size)
            if check is not None:
                check(path)
            self._send(path, spooled)
            return spooled.sha256, spooled.size
        finally:
            path.unlink(missing_ok=True)

    def _send(self, path: Path, spooled: _Spooled) -> None:
        key = self.key(spooled.sha256)
        for _attempt in range(3):
            head = self._head(key)
            # Already stored (a resubmission): touch it so the sweep leaves it. Gone meanwhile
            # (a sweep removed it between our look and our touch): write it again.
            if head is not None and self._require_same(key, head, spooled) and self._touch(key):
                return
            try:
                if len(spooled.parts) == 1:
                    response = self._put_single(path, key, spooled)
                else:
                    response = self._put_multipart(path, key, spooled)
            except Exception as exc:
                if _code(exc) in _CONDITION_FAILED or _status(exc) in (409, 412):
                    # Another node stored this key between our look and our write.
                    if self._require_same(key, self._head(key), spooled):
                        return
                    continue  # and it was removed since: try again
                if _code(exc) in _BAD_DIGEST:
                    raise BlobCorrupt(f'{spooled.sha256}: the server got other bytes') from exc
                raise
            self._verify_written(key, response, spooled)
            return
        raise BlobCorrupt(f'{spooled.sha256}: the object kept appearing and vanishing')

    def _put_single(self, path, key, spooled):
        with open(path, 'rb') as fh:
            return self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=fh,
                ContentLength=spooled.size,
                ChecksumAlgorithm='SHA256',
                ChecksumSHA256=_b64(spooled.parts[0]),
                IfNoneMatch='*',
            )

    def _put_multipart(self, path, key, spooled):
        upload = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ChecksumAlgorithm='SHA256'
        )
        upload_id = upload['UploadId']
        try:
            parts = []
            with open(path, 'rb') as fh:
                for number, digest in enumerate(spooled.parts, start=1):
                    offset = (number - 1) * self.part_size
                    length = min(self.part_size, spooled.size - offset)
                    checksum = _b64(digest)
                    sent = self.client.upload_part(
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=_Slice(fh, offset, length),
                        ContentLength=length,
                        ChecksumSHA256=checksum,
                    )
                    parts.append(
                        {'ETag': sent['ETag'], 'PartNumber': number, 'ChecksumSHA256': checksum}
                    )
            return self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={'Parts': parts},
                IfNoneMatch='*',
            )
        except BaseException:
            self._abort(key, upload_id)
            raise

    def _touch(self, key) -> bool:
        """Make the object young again (a copy onto itself), so the orphan sweep leaves it
        until the row that refers to it commits; False if it is gone."""
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={'Bucket': self.bucket, 'Key': key},
                MetadataDirective='REPLACE',
                ChecksumAlgorithm='SHA256',
            )
        except Exception as exc:
            if _code(exc) in _MISSING or _status(exc) == 404:
                return False
            raise
        return True

    def _abort(self, key, upload_id) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except Exception as exc:  # the sweep aborts it later
            log.warning('could not abort multipart upload of %s: %s', key, exc)

    def _verify_written(self, key, response, spooled) -> None:
        """The checksum the server computed must be ours; if it is not, the object we just made
        holds other bytes: remove it and refuse."""
        reported = (response or {}).get('ChecksumSHA256')
        head = self._head(key)
        if head is None:
            raise BlobCorrupt(f'{spooled.sha256}: not found after writing it')
        reported = head.get('ChecksumSHA256') or reported
        size_ok = head.get('ContentLength') in (None, spooled.size)
        if size_ok and (reported is None or self._checksum_matches(reported, spooled)):
            return
        with contextlib.suppress(Exception):
            self.client.delete_object(Bucket=self.bucket, Key=key)
        raise BlobCorrupt(f'{spooled.sha256}: the server stored other bytes (checksum {reported})')

    def _checksum_matches(self, reported: str, spooled: _Spooled) -> bool:
        # Some servers leave out the "-N" of a composite checksum; a copy has the checksum of
        # the whole object.
        expected = self.expected_checksum(spooled.parts)
        whole = _b64(bytes.fromhex(spooled.sha256))
        return reported.split('-')[0] in (expected.split('-')[0], whole)

    def _require_same(self, key, head, spooled) -> bool:
        """An object has this key: True when it holds these bytes, False when it is gone by
        now; other bytes are corruption."""
        if head is None:
            return False
        if head.get('ContentLength') == spooled.size:
            reported = head.get('ChecksumSHA256')
            if reported and self._checksum_matches(reported, spooled):
                return True
            # No checksum, or a composite one of other parts (a node with another part size):
            # compare the bytes themselves.
            found = self._hash_of(key)
            if found is None or found == spooled.sha256:
                return found is not None
        raise BlobCorrupt(f'{spooled.sha256}: the store holds other bytes under this hash')

    def _hash_of(self, key) -> str | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)['Body']
        except Exception as exc:
            if _code(exc) in _MISSING or _status(exc) == 404:
                return None
            raise
        sha = hashlib.sha256()
        with contextlib.closing(body):
            while chunk := body.read(CHUNK):
                sha.update(chunk)
        return sha.hexdigest()

    # --- removing -------------------------------------------------------------------------

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def probe(self) -> None:
        key = f'{self.prefix}probe/{uuid.uuid4().hex}'
        self.client.put_object(Bucket=self.bucket, Key=key, Body=b'ok')
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def incomplete_uploads(self) -> Iterator[tuple[str, str, float]]:
        """(key, upload id, started at) of every multipart upload not completed nor aborted."""
        paginator = self.client.get_paginator('list_multipart_uploads')
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get('Uploads', ()):
                yield upload['Key'], upload['UploadId'], _timestamp(upload['Initiated'])

    def sweep_incoming(self, *, older_than: float, dry_run: bool = False, uploads=True) -> int:
        """Abort multipart uploads and delete spool files older than ``older_than`` seconds
        (left by killed processes; live uploads of other nodes are younger)."""
        cutoff, removed = time.time() - older_than, 0
        for key, upload_id, started in list(self.incomplete_uploads()) if uploads else ():
            if started < cutoff:
                if not dry_run:
                    self._abort(key, upload_id)
                removed += 1
        if self.spool_dir.is_dir():
            for leftover in self.spool_dir.glob('up-*'):
                try:
                    if leftover.stat().st_mtime < cutoff:
                        if not dry_run:
                            leftover.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue
        return removed


def _timestamp(value) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def _make_spool(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
