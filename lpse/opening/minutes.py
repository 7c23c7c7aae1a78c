"""BA Pembukaan Penawaran (DOMAIN §4): the opening minutes, issued once per ceremony inside the
opening's transaction, signed and stored as a blob with its SHA-256."""

import contextlib

from flask_babel import force_locale
from sqlalchemy import event, select

from lpse import storage
from lpse.bids.models import Bid
from lpse.documents import operations as documents
from lpse.extensions import db
from lpse.i18n import rupiah, with_wib
from lpse.opening import labels
from lpse.opening.models import OpenedBid
from lpse.opening.state import commitment_matches

TITLE = 'Berita Acara Pembukaan Penawaran'


def _stamp(moment) -> str:
    return moment.strftime('%Y-%m-%d %H:%M:%S UTC')


def minutes_context(tender, ceremony, *, now, checkpoint) -> dict:
    """Plain data (stored with the document) for templates/pdf/opening_minutes.html."""
    priced = ceremony.kind in ('single', 'price')
    rows = db.session.scalars(
        select(OpenedBid).where(OpenedBid.ceremony_id == ceremony.id).order_by(OpenedBid.id)
    ).all()
    bids = []
    for row in rows:
        bid: Bid = row.bid
        bids.append(
            {
                'vendor': bid.vendor.company_name,
                'npwp': bid.vendor.npwp,
                'receipt_number': bid.receipt_number,
                'status': bid.status,
                'received_at': with_wib(bid.received_at, tender.timezone),
                'sha256': bid.sha256,
                'size': bid.size,
                'result': row.result,
                'result_label': labels.reason_label(row),
                # generic only: the minutes go to every bidder (technical detail: officers' pages)
                'detail': str(labels.PUBLIC_DETAILS.get(row.reason, ''))
                if row.result == 'not_openable'
                else None,
                'signature': {True: 'sah', False: 'tidak sah', None: '–'}[row.signature_valid],
                'declared_total': rupiah(row.declared_total, cents=True)
                if priced and row.declared_total is not None
                else None,
            }
        )
    bidders = sorted(
        {(b['vendor'], b['npwp']) for b in bids}, key=lambda pair: (pair[0].casefold(), pair[1])
    )
    members = [
        {
            'name': r.user.name,
            'nip': r.user.nip,
            'role': 'Anggota Pokja',
            'via': str(labels.VIA_LABELS[r.via]),
            'at': with_wib(r.released_at, tender.timezone),
        }
        for r in ceremony.releases
    ]
    return {
        'title': TITLE,
        'agency_name': tender.agency.name,
        'document_number': f'BAPP/{tender.code}/v{tender.version}/{ceremony.kind}',
        'tender_code': tender.code,
        'tender_version': tender.version,
        'tender_title': tender.title,
        'kind': ceremony.kind,
        'kind_label': str(labels.KIND_LABELS[ceremony.kind]),
        'priced': priced,
        'opened_at_utc': _stamp(now),
        'opened_at': with_wib(now, tender.timezone),
        'deadline': with_wib(tender.bid_deadline, tender.timezone),
        'threshold': len(members),
        'members_total': len(tender.members),
        'members': members,
        'bidders': [{'name': n, 'npwp': p} for n, p in bidders],
        'bids': bids,
        'counts': {k: sum(1 for b in bids if b['result'] == k) for k in labels.RESULT_LABELS},
        'commitment_matches': commitment_matches(tender, ceremony),
        'checkpoint': {'seq': checkpoint.seq, 'hash': checkpoint.hash},
        'key_published': ceremony.kind == ('price' if tender.submission_files == 2 else 'single'),
    }


def issue_minutes(tender, ceremony, *, now, checkpoint):
    """Render, sign and store the minutes (flushes; the opening's transaction commits).

    The signed PDF is written to the blob store before the commit; should the opening roll back,
    the blob is deleted again, so no signed minutes of an opening that never happened remain."""
    with force_locale('id'):
        context = minutes_context(tender, ceremony, now=now, checkpoint=checkpoint)
        document = documents.issue_document(
            'opening_minutes',
            'pdf/opening_minutes.html',
            context,
            tender=tender,
            now=now,
            checkpoint=checkpoint,
        )
    _discard_on_rollback(document.blob_sha256)
    return document


_PENDING = 'opening_minutes_blobs'


def _discard_on_rollback(sha256: str) -> None:
    session = db.session()
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = set()
        event.listen(session, 'after_commit', _kept)
        event.listen(session, 'after_rollback', _discard)
    pending.add(sha256)


def _kept(session) -> None:
    session.info.get(_PENDING, set()).clear()


def _discard(session) -> None:
    """Delete the minutes written in a transaction that rolled back. Each PDF is unique (its
    signature and timestamp), so no committed document shares the blob."""
    pending = session.info.get(_PENDING, set())
    store = storage.blob_store()
    while pending:
        sha256 = pending.pop()
        # An orphan left here (the store unreachable) is removed by `flask lpse blobs-sweep`.
        with contextlib.suppress(Exception):
            store.delete(sha256)
