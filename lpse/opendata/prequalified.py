"""The prakualifikasi in a prequalified tender's releases (procurementMethod `selective`: only
the qualified firms are invited to bid). Once a qualification result is announced, the release
carries what its announcement published: the BA and the announcement (documentType
`shortlistedFirms`) in `tender.documents`, and the shortlist in structured form as the bids
extension has it — one `invited` bid detail per shortlisted firm, the firm a party
(`interestedParty` until it bids), and the counts of requests to participate, qualified and
disqualified firms. A result an accepted objection withdrew keeps its documents (marked
withdrawn) and loses its shortlist; no one's qualification data or verdicts are published."""

from sqlalchemy import select

from lpse.extensions import db
from lpse.opendata.parts import issued, ref, stamp, url, vendor_party
from lpse.tenders.prequalification.models import QualificationResult
from lpse.tenders.prequalification.shortlist import ranked


def load(snaps) -> dict[int, QualificationResult]:
    wanted = {r for snap in snaps for r, _withdrawn in snap.qualification}
    if not wanted:
        return {}
    rows = db.session.scalars(select(QualificationResult).where(QualificationResult.id.in_(wanted)))
    return {row.id: row for row in rows}


def in_force(snap, results) -> QualificationResult | None:
    """The announced result standing at this snapshot (the newest not withdrawn)."""
    standing = [results[r] for r, withdrawn in snap.qualification if not withdrawn]
    return standing[-1] if standing else None


def documents(tender, snap, results) -> list[dict]:
    """Every announced result's BA and announcement, oldest first."""
    found = []
    for result_id, withdrawn in snap.qualification:
        row = results[result_id]
        note = ' (dibatalkan karena sanggah diterima)' if withdrawn else ''
        for attribute, kind, title, document_type in (
            ('report_document_id', 'ba', 'BA Hasil Prakualifikasi', 'evaluationReports'),
            (
                'notice_document_id',
                'pengumuman',
                'Pengumuman Hasil Prakualifikasi',
                'shortlistedFirms',
            ),
        ):
            link = url('prequalification.result_pdf', code=tender.code, result_id=row.id, kind=kind)
            document = issued(
                getattr(row, attribute),
                title=title + note,
                document_type=document_type,
                link=link,
            )
            if document is not None:
                document['datePublished'] = stamp(row.announced_at, tender.timezone)
                found.append(document)
    return found


def parties(result) -> list[dict]:
    """The shortlisted firms of the result in force, as parties."""
    if result is None:
        return []
    return [{**vendor_party(v), 'roles': ['interestedParty']} for v in ranked(result.result)]


def bids(tender, result) -> dict:
    """The bids extension's view of the result in force: one invitation per shortlisted firm
    and the counts behind it."""
    if result is None:
        return {}
    vendors = result.result['vendors']
    passed = sum(1 for v in vendors if v['passed'])
    return {
        'statistics': [
            {'id': 'requests', 'measure': 'requests', 'value': len(vendors)},
            {'id': 'qualifiedBidders', 'measure': 'qualifiedBidders', 'value': passed},
            {
                'id': 'disqualifiedBidders',
                'measure': 'disqualifiedBidders',
                'value': len(vendors) - passed,
            },
        ],
        'details': [
            {
                'id': f'prakualifikasi-{result.id}-{v["rank"]}',
                'date': stamp(result.announced_at, tender.timezone),
                'status': 'invited',
                'tenderers': [ref(vendor_party(v))],
            }
            for v in ranked(result.result)
        ],
    }
