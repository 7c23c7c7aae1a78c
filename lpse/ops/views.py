"""/health (the balancer's check: database reachable, blob store writable) and /metrics
(Prometheus text format, for the networks in LPSE_METRICS_ALLOW). Neither says anything secret:
no exception text, no path, no address (docs/OPERATIONS.md, Monitoring)."""

import logging

from flask import Blueprint, Response, abort, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from lpse import clock, metrics, proxies, statelog, storage
from lpse.bids import commitment
from lpse.extensions import db
from lpse.jobs import operations as job_ops
from lpse.jobs import queue as job_queue
from lpse.jobs.models import JobStatus

bp = Blueprint('ops', __name__)
log = logging.getLogger(__name__)


@bp.get('/health')
def health():
    problems = {}
    if not _database_up():
        problems['database'] = 'unreachable'
    try:
        storage.blob_store().probe()
    except NotImplementedError:
        pass  # a store that cannot be probed without writing a blob is not checked here
    except Exception as exc:  # any failure of the store is the same answer to the balancer
        log.warning('health: blob store not writable (%s)', type(exc).__name__)
        problems['blob_store'] = 'not writable'
    if problems:
        response = jsonify({'status': 'unavailable', 'problems': problems})
        response.status_code = 503
    else:
        response = jsonify({'status': 'ok'})
    response.headers['Cache-Control'] = 'no-store'
    return response


def _database_up() -> bool:
    try:
        db.session.execute(text('SELECT 1'))
        return True
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning('health: database unreachable (%s)', type(exc).__name__)
        return False


@bp.get('/metrics')
def metrics_page():
    allowed = proxies.parse_networks(current_app.config['LPSE_METRICS_ALLOW'])
    if not proxies.in_networks(proxies.client_ip(), allowed):
        abort(403)
    return Response(metrics.exposition(_database_gauges()), content_type=metrics.CONTENT_TYPE)


def _database_gauges() -> dict[str, tuple[str, float]]:
    """What the scrape reads from the database: the same on every node."""
    try:
        pending = commitment.pending_count(now=clock.now())
        counts = job_ops.counts_by_kind()
        failed, running = (
            db.session.scalar(
                select(func.count(statelog.ReconcileRun.id)).where(
                    statelog.ReconcileRun.status == status
                )
            )
            for status in ('failed', 'running')
        )
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning('metrics: database unreachable (%s)', type(exc).__name__)
        return {'lpse_database_up': ('Whether the database answered this scrape', 0)}
    jobs = _job_gauges(counts)
    return {
        **jobs,
        'lpse_database_up': ('Whether the database answered this scrape', 1),
        'lpse_bidset_commitments_pending': (
            'Tenders past their bid deadline whose bid-set commitment the deadline job owes',
            pending,
        ),
        'lpse_reconcile_runs_failed': ('Reconciliation runs that ended in an error', failed),
        'lpse_reconcile_runs_running': ('Reconciliation runs in progress', running),
    }


def _job_gauges(counts) -> dict:
    """Jobs by kind and status from the job table (the same on every node), and the messages
    waiting in the queue."""
    gauges = {}
    for status in JobStatus:
        by_kind = {(('kind', kind),): n for (kind, state), n in counts.items() if state == status}
        if by_kind:
            gauges[f'lpse_jobs_{status}'] = (f'Jobs now {status}, by kind', by_kind)
    depth = job_queue.depth(current_app._get_current_object())
    if depth is not None:
        gauges['lpse_job_queue_depth'] = (
            'Messages waiting in the job queue (due or retrying)',
            depth,
        )
    return gauges
