"""The opening as data for pages and the API: the ceremony state and the opened bids."""

import json

from flask import url_for
from sqlalchemy import select

from lpse.bids.models import Bid
from lpse.extensions import db
from lpse.opening import labels, permissions, shares, state
from lpse.opening.ceremony import opening_job
from lpse.opening.models import OpenedBid
from lpse.tenders.keys import key_of


def _iso(moment):
    return moment.isoformat().replace('+00:00', 'Z') if moment else None


def _job_state(job) -> dict | None:
    """The opening job once the k-th share is in: poll this state until `opened`."""
    if job is None:
        return None
    return {'id': job.id, 'status': job.status, 'done': job.done, 'total': job.total}


def ceremony_state(tender, kind, *, full=False) -> dict:
    """One ceremony's state; who released (names) only when `full` (the tender's officers and
    auditors) — everyone else sees the count, so no one can tell which members are missing."""
    ceremony = state.ceremony_of(tender, kind)
    releases = ceremony.releases if ceremony is not None else []
    result = {
        'kind': kind,
        'shares_received': len(releases),
        'released_by': [
            {'name': r.user.name, 'via': r.via, 'released_at': _iso(r.released_at)}
            for r in releases
        ]
        if full
        else None,
        'opened': ceremony is not None and ceremony.opened_at is not None,
        'opened_at': _iso(ceremony.opened_at) if ceremony else None,
        'job': _job_state(opening_job(ceremony)),
        'minutes_document_id': ceremony.minutes_document_id if ceremony else None,
        'audit_checkpoint': (
            {'seq': ceremony.checkpoint.seq, 'hash': ceremony.checkpoint.hash}
            if ceremony is not None and ceremony.checkpoint is not None
            else None
        ),
    }
    if result['opened']:
        counts = {'opened': 0, 'not_openable': 0, 'not_opened': 0}
        for row in ceremony.results:
            counts[row.result] += 1
        result['results'] = counts
    return result


def opening_state(tender, user, now, *, full=None) -> dict:
    """GET /tenders/{code}/opening: k of n, per ceremony what came in, and what `user` may do.

    `full` (default: `user` is an officer of the tender or an auditor) adds who released."""
    if full is None:
        full = permissions.is_overseer(tender, user)
    row = key_of(tender)
    problem = permissions.release_problem(tender, user, now) if user is not None else None
    member = user is not None and tender.is_member(user)
    return {
        'tender_code': tender.code,
        'tender_version': tender.version,
        'submission_files': tender.submission_files,
        'bid_deadline': _iso(tender.bid_deadline),
        'threshold': row.threshold if row else tender.threshold,
        'members': len(row.shares) if row else len(tender.members),
        'pending': state.pending_kind(tender),
        'opened': state.is_opened(tender),
        'key_published': row is not None and row.published_key_pem is not None,
        'ceremonies': [ceremony_state(tender, k, full=full) for k in state.ceremony_kinds(tender)],
        'you': {
            'member': member,
            'may_release': member and problem is None,
            'refusal': problem.message if member and problem is not None else None,
            'custody': ('server' if shares.server_held(tender, user) else 'self')
            if member
            else None,
        },
    }


def opened_rows(tender) -> list[OpenedBid]:
    return db.session.scalars(
        select(OpenedBid)
        .join(Bid, Bid.id == OpenedBid.bid_id)
        .where(OpenedBid.tender_id == tender.id)
        .order_by(Bid.kind.desc(), OpenedBid.id)
    ).all()


def bid_entry(row: OpenedBid, *, priced: bool = True) -> dict:
    """One opened (or not) bid as the API lists it."""
    bid = row.bid
    content = json.loads(row.bid_json) if row.bid_json else None
    entry = {
        'id': bid.id,
        'vendor': {'name': bid.vendor.company_name, 'npwp': bid.vendor.npwp},
        'envelope': bid.kind,
        'status': bid.status,
        'receipt_number': bid.receipt_number,
        'sha256': bid.sha256,
        'size': bid.size,
        'received_at': _iso(bid.received_at),
        'result': row.result,
        'reason': row.reason,
        'reason_label': labels.reason_label(row),
        'reason_detail': row.reason_detail,
        'signature_valid': row.signature_valid,
        'declared_total': str(row.declared_total) if row.declared_total is not None else None,
        'tkdn': str(row.tkdn) if row.tkdn is not None else None,
        'validity_days': row.validity_days,
        'technical_pass': row.technical_pass,
        'price_lines': content.get('price_lines', []) if content and priced else [],
        'attachments': [
            {'name': a['name'], 'size': a['size'], 'sha256': a['sha256']}
            for a in (content or {}).get('attachments', [])
        ],
    }
    return entry


def bids_listing(tender, user) -> list[dict]:
    full = permissions.can_read_bid(tender, user)
    entries = []
    for row in opened_rows(tender):
        entry = bid_entry(row)
        if not full:
            entry.pop('attachments')
            entry['reason_detail'] = None  # may name another company's certificate
        entry['envelope_url'] = (
            url_for('opening.envelope', code=tender.code, bid_id=row.bid_id)
            if permissions.can_download_key(tender, user)
            else None
        )
        entries.append(entry)
    return entries
