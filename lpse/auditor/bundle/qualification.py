"""The prequalification of a prequalified tender in its audit bundle (`qualification/`): every
vendor's submission with the Pokja's verdicts and score, each announced result exactly as the
log hashed it, the approvals, the objections and their answers, and the shortlist in force —
the firms that alone may download the documents and bid. The signed qualification forms and the
BA/announcement PDFs are issued documents (`documents/`, checked there)."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lpse.auditor.bundle import layout
from lpse.auditor.bundle.contents import Item, json_bytes, row_json
from lpse.extensions import db
from lpse.tenders.prequalification.models import (
    QualificationApproval,
    QualificationObjection,
    QualificationSubmission,
)
from lpse.tenders.prequalification.shortlist import current_result, ranked, results_of


def qualification_items(tender):
    if not tender.method.prequalifies:
        return
    submissions = db.session.scalars(
        select(QualificationSubmission)
        .where(QualificationSubmission.tender_id == tender.id)
        .options(selectinload(QualificationSubmission.vendor))
        .order_by(QualificationSubmission.id)
    ).all()
    listing = [
        {**row_json(s), 'vendor_name': s.vendor.company_name, 'vendor_npwp': s.vendor.npwp}
        for s in submissions
    ]
    yield Item(
        layout.QUALIFICATION_SUBMISSIONS,
        'qualification',
        'qualification submissions with verdicts and scores',
        json_bytes(listing),
    )
    results = results_of(tender)
    for result in results:
        yield Item(
            layout.qualification_result(result.id),
            'qualification_result',
            f'qualification result {result.id} as announced',
            result.result_json.encode('utf-8'),
        )
    rows = [{k: v for k, v in row_json(r).items() if k != 'result_json'} for r in results]
    yield Item(
        layout.QUALIFICATION_RESULTS,
        'qualification',
        'announced qualification results (withdrawn ones too)',
        json_bytes(rows),
    )
    approvals = db.session.scalars(
        select(QualificationApproval)
        .where(QualificationApproval.tender_id == tender.id)
        .order_by(QualificationApproval.id)
    ).all()
    yield Item(
        'qualification/approvals.json',
        'qualification',
        'approvals of qualification results',
        json_bytes([row_json(a) for a in approvals]),
    )
    objections = db.session.scalars(
        select(QualificationObjection)
        .where(QualificationObjection.result_id.in_([r.id for r in results]))
        .order_by(QualificationObjection.id)
    ).all()
    yield Item(
        'qualification/objections.json',
        'qualification',
        'objections to qualification results and answers',
        json_bytes([row_json(o) for o in objections]),
    )
    yield Item(
        layout.SHORTLIST,
        'shortlist',
        'the shortlist in force',
        json_bytes(shortlist_document(current_result(tender))),
    )


def shortlist_document(result) -> dict:
    """The shortlist file: which result it comes from and its firms in rank order (none while
    no result is in force — before the announcement or after an accepted objection)."""
    if result is None:
        return {'result': None, 'result_sha256': None, 'shortlist': []}
    return {
        'result': result.id,
        'result_sha256': result.result_sha256,
        'announced_at': result.announced_at.isoformat(),
        'shortlist': [shortlist_entry(v) for v in ranked(result.result)],
    }


def shortlist_entry(vendor) -> dict:
    """One shortlisted firm as shortlist.json lists it (the verifier rebuilds it the same way)."""
    return {
        'rank': vendor['rank'],
        'vendor_id': vendor['vendor_id'],
        'name': vendor['name'],
        'npwp': vendor['npwp'],
        'score': vendor['score'],
    }
