"""The per-envelope work of an opening, on a few threads: read the blob, check its SHA-256
against the receipt, decrypt, verify, inspect the package. hashlib, zlib and the AEAD release
the GIL on large buffers, so two cores open about twice as fast. Workers touch no database and
no request: they get plain values and return small ones (never the attachments' bytes), and at
most two envelopes per worker are in memory at once."""

import hashlib
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from lpse.bids.package import TenderTerms
from lpse.opening import unseal
from lpse.opening.models import NotOpenableReason


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


def workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def examine_all(jobs: Iterable[Job], *, store, tender_key, ca_cert, signer_records) -> Iterator:
    """The Found of every job, in order; `signer_records` maps a certificate serial (hex) to
    (fingerprint, SignerRecord) for the certificates of the bidders' accounts."""
    count = workers()

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

    outcome = unseal.open_bid(
        data,
        tender_key=tender_key,
        ca_cert=ca_cert,
        vendor_user_id=job.vendor_user_id,
        received_at=job.received_at,
        terms=job.terms,
        signer_record=record,
    )
    return Found(
        outcome.reason,
        outcome.detail,
        outcome.signature_valid,
        outcome.content_key,
        outcome.package.bid if outcome.opened else None,
    )
