"""The per-envelope work of an opening, on a few threads: read the blob, check its SHA-256
against the receipt, decrypt, verify, inspect the package. hashlib, zlib and the AEAD release
the GIL on large buffers, so two cores open about twice as fast. Workers touch no database and
no request: they get plain values and return small ones (never the attachments' bytes), and at
most two envelopes per worker are in memory at once."""

import hashlib
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from lpse.bids.package import TenderTerms
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


# What one worker holds at its peak, in envelope sizes: the envelope, the decrypted SignedData
# and the signed content taken out of it (the package's files are hashed as a stream and not
# kept). Workers are limited so that this times their number fits in half the free memory.
ENVELOPE_COPIES = 3
MAX_WORKERS = 4


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


def examine_all(
    jobs: Iterable[Job], *, store, tender_key, ca_cert, signer_records, largest: int = 0
) -> Iterator:
    """The Found of every job, in order; `signer_records` maps a certificate serial (hex) to
    (fingerprint, SignerRecord) for the certificates of the bidders' accounts; `largest` (the
    biggest envelope, in bytes) bounds the number of workers by memory."""
    count = workers(largest)

    def examine(job: Job) -> Found:
        return _examine(job, store, tender_key, ca_cert, signer_records)

    with ThreadPoolExecutor(count, thread_name_prefix='opening') as pool:
        pending = deque()
        for job in jobs:
            pending.append(pool.submit(examine, job))
            if len(pending) >= 2 * count:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _examine(job: Job, store, tender_key, ca_cert, signer_records) -> Found:
    try:
        with store.open(job.sha256) as fh:
            data = fh.read()
    except OSError:
        raise MissingBlob(job.sha256) from None
    if hashlib.sha256(data).hexdigest() != job.sha256:
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

    try:
        outcome = unseal.open_bid(
            data,
            tender_key=tender_key,
            ca_cert=ca_cert,
            vendor_user_id=job.vendor_user_id,
            received_at=job.received_at,
            terms=job.terms,
            signer_record=record,
        )
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
