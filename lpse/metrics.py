"""Prometheus metrics (prometheus-client): request latency by endpoint and status, bid uploads,
and what the scrape reads from the database (docs/OPERATIONS.md, Monitoring).

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty folder, emptied at
each start) before the app is imported: every worker then writes its samples there and any
worker's /metrics adds them all up."""

import os
import time

from flask import g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as PROCESS_REGISTRY

REQUEST_SECONDS = Histogram(
    'lpse_request_duration_seconds',
    'Time to answer a request, by endpoint and status',
    ('endpoint', 'method', 'status'),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
BID_UPLOADS = Counter(
    'lpse_bid_uploads_total',
    'Sealed-bid envelopes received: accepted (new), repeated (already held) or refused',
    ('result',),
)
BID_BATCH_SIZE = Histogram(
    'lpse_bid_record_batch_size',
    'Submissions of one process recorded together in one transaction (bids.recording)',
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
BID_BATCH_SECONDS = Histogram(
    'lpse_bid_record_batch_seconds',
    'Time one batch of submissions took to record and commit (the audit head lock held)',
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
JOB_FAILURES = Counter(
    'lpse_job_failures_total',
    'Attempts of a job (by kind; `tick`: a round of the clock) that failed in this process',
    ('job',),
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def _start():
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop('metrics_started', None)
    if started is not None:
        REQUEST_SECONDS.labels(
            endpoint=request.endpoint or 'unmatched',
            method=request.method,
            status=str(response.status_code),
        ).observe(time.perf_counter() - started)
    return response


def init_app(app) -> None:
    app.before_request(_start)
    app.after_request(_observe)


def bid_uploads(result: str, count: int = 1) -> None:
    if count:
        BID_UPLOADS.labels(result=result).inc(count)


def bid_batch(size: int, seconds: float) -> None:
    BID_BATCH_SIZE.observe(size)
    BID_BATCH_SECONDS.observe(seconds)


def job_failed(job: str) -> None:
    JOB_FAILURES.labels(job=job).inc()


def exposition(gauges: dict[str, tuple[str, float | dict]]) -> bytes:
    """The text format: this process's (or, in multiprocess mode, every worker's) metrics and
    ``gauges`` read for this scrape: {name: (help, value)}, or {name: (help, {labels: value})}
    with ``labels`` a tuple of (label, value) pairs, all with the same labels."""
    if os.environ.get('PROMETHEUS_MULTIPROC_DIR'):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = PROCESS_REGISTRY
    scrape = CollectorRegistry()
    for name, (text, value) in gauges.items():
        if not isinstance(value, dict):
            Gauge(name, text, registry=scrape).set(value)
            continue
        names = [label for label, _ in next(iter(value), ())]
        gauge = Gauge(name, text, names, registry=scrape)
        for labels, number in value.items():
            gauge.labels(**dict(labels)).set(number)
    return generate_latest(registry) + generate_latest(scrape)
