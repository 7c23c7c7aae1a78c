"""The per-envelope work of an opening, on a few threads: read the blob, check its SHA-256
against the receipt, decrypt, verify, inspect the package. Workers touch no database and no
request: they get plain values and return small ones (never the attachments' bytes).

Each envelope is opened as a stream (`lpse.crypto.envelope_stream`): read in 4 MiB chunks, each
hashed and its ciphertext decrypted into the worker's own plaintext buffer (reused from one
envelope to the next), then the signature and the package are checked in that buffer without a
copy. What stays in Python per envelope is small (headers, the RSA operations, bid.json), and
hashlib, zlib and OpenSSL release the GIL on large buffers, so the threads keep every core busy.
An envelope the stream path does not open is read and opened in full, as before, and that
path's outcome is the one recorded."""

import hashlib
import logging
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from lpse.bids.package import TenderTerms
from lpse.crypto import envelope_stream
from lpse.opening import unseal
from lpse.opening.models import NotOpenableReason

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One envelope to open: where it is, what it must be, and who may have signed it."""

    sha256: str
    vendor_user_id: int
    received_at: datetime
    terms: TenderTerms


@dataclass(frozen=True)
class Found:
    """What a worker found: an outcome without the package's file contents."""

    reason: NotOpenableReason | None
    detail: str | None
    signature_valid: bool | None
    content_key: bytes | None
    bid: dict | None


class MissingBlob(Exception):
    """An envelope's blob is not in the store (restore it before opening)."""


# What one worker holds at its peak, in envelope sizes: its plaintext buffer on the stream path;
# the envelope, the decrypted SignedData and a copy of the signed content on the full path (an
# envelope the stream path refused). Workers are limited so that this times their number fits
# in half the free memory.
ENVELOPE_COPIES = 3
MAX_WORKERS = 4
UNKNOWN_LARGEST = 1 << 30  # the plaintext buffer's bound when the caller gives no largest size


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes (None where there is no such file)."""
    try:
        with open('/proc/meminfo') as fh:
            for line in fh:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def workers(largest: int = 0, *, memory: int | None = None) -> int:
    """How many envelopes to open at once: one per core (at most four), fewer when the largest
    envelope's working set would not fit, that many times, in half the available memory."""
    count = max(1, min(MAX_WORKERS, os.cpu_count() or 1))
    memory = available_memory() if memory is None else memory
    if largest > 0 and memory:
        count = max(1, min(count, (memory // 2) // (ENVELOPE_COPIES * largest)))
    return count


def plaintext_buffers(largest: int = 0):
    """buffer(size): the calling thread's plaintext buffer, at least `size` bytes, reused from
    one envelope to the next — never far more than the `largest` envelope (a blob altered at
    rest may declare any length in its header)."""
    local = threading.local()
    limit = largest + envelope_stream.CHUNK + 64 if largest else UNKNOWN_LARGEST

    def buffer(size: int) -> memoryview:
        if size > limit:
            raise ValueError('the envelope declares more bytes than any bid has')
        mine = getattr(local, 'buffer', None)
        if mine is None or len(mine) < size:
            local.buffer = mine = bytearray(size)
        return memoryview(mine)

    return buffer


def examine_all(
    jobs: Iterable[Job], *, store, tender_key, ca_cert, signer_records, largest: int = 0
) -> Iterator:
    """The Found of every job, in order; `signer_records` maps a certificate serial (hex) to
    (fingerprint, SignerRecord) for the certificates of the bidders' accounts; `largest` (the
    biggest envelope, in bytes) bounds the number of workers by memory."""
    count = workers(largest)
    buffer = plaintext_buffers(largest)

    def examine(job: Job) -> Found:
        return _examine(job, store, tender_key, ca_cert, signer_records, buffer)

    with ThreadPoolExecutor(count, thread_name_prefix='opening') as pool:
        pending = deque()
        for job in jobs:
            pending.append(pool.submit(examine, job))
            if len(pending) >= 2 * count:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _examine(job: Job, store, tender_key, ca_cert, signer_records, buffer=None) -> Found:
    opened = None
    if buffer is not None:
        try:
            with store.open(job.sha256) as fh:
                opened = envelope_stream.open_stream(fh, tender_key, buffer)
        except OSError:
            raise MissingBlob(job.sha256) from None
        except Exception:  # not opened as a stream: the full path says why
            opened = None
    if opened is None:
        try:
            with store.open(job.sha256) as fh:
                data = fh.read()
        except OSError:
            raise MissingBlob(job.sha256) from None
        digest = hashlib.sha256(data).hexdigest()
    else:
        data, digest = opened.signed, opened.sha256
    if digest != job.sha256:
        return Found(
            NotOpenableReason.bad_envelope,
            'the stored envelope no longer matches the SHA-256 of its receipt',
            None,
            None,
            None,
        )

    def record(cert):
        from lpse.crypto import pki

        found = signer_records.get(format(cert.serial_number, 'x'))
        if found is None or found[0] != pki.certificate_fingerprint(cert):
            return None
        return found[1]

    checks = {
        'ca_cert': ca_cert,
        'vendor_user_id': job.vendor_user_id,
        'received_at': job.received_at,
        'terms': job.terms,
        'signer_record': record,
    }
    try:
        if opened is None:
            outcome = unseal.open_bid(data, tender_key=tender_key, **checks)
        else:
            outcome = unseal.check_signed(data, cek=opened.content_key, **checks)
    except Exception as exc:
        log.warning('opening: unexpected %s examining %s', type(exc).__name__, job.sha256)
        return Found(
            NotOpenableReason.bad_envelope,
            f'the envelope cannot be processed ({type(exc).__name__})',
            None,
            None,
            None,
        )
    return Found(
        outcome.reason,
        outcome.detail,
        outcome.signature_valid,
        outcome.content_key,
        outcome.package.bid if outcome.opened else None,
    )
