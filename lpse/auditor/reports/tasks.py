"""The XLSX and PDF reports as jobs (built by the worker, the download when ready): one job per
reader, format, filters and state of the rows; taking the file is logged as `read.report` while
the reader is still an auditor with a current assignment."""

import hashlib
import json
from zoneinfo import ZoneInfo

from flask import abort
from flask_babel import lazy_gettext as _l

from lpse import audit, clock, jobs
from lpse.auditor.reports import exports, figures
from lpse.auditor.reports.filters import Filters
from lpse.auditor.reports.models import TenderReportMark
from lpse.auth.models import Role, User
from lpse.auth.scope import reads_within, scope_of, user_zone
from lpse.extensions import db
from lpse.proxies import client_ip

FORMATS = {
    'xlsx': ('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'),
    'pdf': ('application/pdf', 'pdf'),
}


def describe(filters: Filters) -> str:
    args = filters.query_args()
    return ', '.join(f'{k}={v}' for k, v in sorted(args.items())) or 'semua tender'


def request_report(fmt: str, filters: Filters, user):
    """The report job of ``user`` for these filters as the rows are now (the caller commits)."""
    mark = db.session.get(TenderReportMark, 1)
    state = mark.last_seq if mark else 0
    digest = hashlib.sha256(json.dumps(filters.query_args(), sort_keys=True).encode()).hexdigest()
    reach = scope_of(user).fingerprint()  # a narrowed reader does not get the wider file
    key = f'{fmt}:{user.id}:{state}:{digest[:32]}:{reach}'
    return jobs.submit(f'audit.report.{fmt}', key=key, actor=user, fmt=fmt, **filters.query_args())


def record_download(job, user, *, now, ip=None):
    info = job.result_info
    audit.record_read(
        'report',
        ('report', job.id),
        actor=user,
        now=now,
        ip=ip,
        format=info.get('format'),
        filters=info.get('filters'),
    )


def _may_take(job, user):
    """Only while the reader's assignment is current and reaches what it reached when the file
    was built (an admin always)."""
    if not (
        user.has_role(Role.admin) or reads_within(user, job.result_info.get('scope'), clock.now())
    ):
        abort(403)
    record_download(job, user, now=clock.now(), ip=client_ip())


def _build(job, fmt, params):
    from lpse.auditor.reports.filters import parse_filters

    user = db.session.get(User, job.actor_id)
    filters = parse_filters(params)
    now = clock.now()
    reach = scope_of(user)
    tables = []
    for n, key in enumerate(figures.TABLES):
        job.progress(n, len(figures.TABLES))
        tables.append(figures.table(key, filters, reach, now=now, limit=None))
    text = describe(filters)
    if fmt == 'xlsx':
        data = exports.xlsx_bytes(tables, text)
    else:
        data = exports.pdf_bytes(
            tables, filters_text=text, now=now, owner=user, reach=reach.fingerprint()
        )
    content_type, ext = FORMATS[fmt]
    stamp = now.astimezone(ZoneInfo(user_zone(user))).strftime('%Y%m%d-%H%M')  # reader's time
    info = {'format': fmt, 'filters': text, 'scope': reach.fingerprint()}
    job.store_result(data, f'laporan-audit-{stamp}.{ext}', content_type, info)


@jobs.task('audit.report.xlsx', label=_l('Laporan audit (XLSX)'), on_read=_may_take)
def build_xlsx(job, *, fmt='xlsx', **params):
    _build(job, 'xlsx', params)


@jobs.task('audit.report.pdf', label=_l('Laporan audit (PDF)'), on_read=_may_take)
def build_pdf(job, *, fmt='pdf', **params):
    _build(job, 'pdf', params)
