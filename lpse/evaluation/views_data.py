"""The evaluation as JSON for the API (and the pages' data): the live view for the Pokja,
PPK and auditors, the public view after announcement."""

import json

from flask_babel import lazy_gettext as _l

from lpse.errors import NotFound
from lpse.evaluation import announcement, decision, export, worksheets
from lpse.evaluation.models import ProposalStatus
from lpse.tenders.models import TenderStatus


def _time(moment):
    return moment.isoformat() if moment else None


def _person(user):
    return {'id': user.id, 'name': user.name} if user is not None else None


def entry_json(entry) -> dict:
    out = {
        'entered_by': _person(entry.entered_by),
        'entered_at': _time(entry.entered_at),
    }
    if entry.kind == 'tie_break':
        return {'order': entry.tie_order, **out}
    out = {'passed': entry.passed, 'reason': entry.reason, **out}
    if entry.score is not None:
        out['score'] = format(entry.score, 'f')
    if entry.criteria:
        out['criteria'] = json.loads(entry.criteria)
    return out


def worksheet_json(p, entries) -> dict:
    return {
        'bid': p.bid.id,
        'vendor': p.vendor.company_name,
        'entries': {kind: entry_json(e) for kind, e in sorted(entries.items())},
    }


def bid_worksheet_json(tender, p) -> dict:
    version = worksheets.current_version(tender)
    result = export.result_of(export.build_case(tender))
    mine = next(b for b in result['bids'] if b['id'] == str(p.bid.id))
    return {
        'version': version.number if version else None,
        **worksheet_json(p, worksheets.entries_of(version, p.bid.id) if version else {}),
        'result': mine,
        'winner': result['winner'],
    }


def version_json(v) -> dict:
    return {
        'number': v.number,
        'created_at': _time(v.created_at),
        'reason': v.reason,
        'superseded_at': _time(v.superseded_at),
    }


def proposal_json(tender, proposal) -> dict:
    return {
        'id': proposal.id,
        'version': proposal.version.number,
        'status': proposal.status,
        'winner': proposal.winner_bid_id,
        'reserves': proposal.reserve_bid_ids,
        'note': proposal.note,
        'proposed_by': _person(proposal.proposed_by),
        'proposed_at': _time(proposal.proposed_at),
        'approvals': [
            {'by': _person(a.user), 'approved_at': _time(a.approved_at)} for a in proposal.approvals
        ],
        'approvals_needed': decision.approvals_needed(tender),
        'decided_at': _time(proposal.decided_at),
    }


def live_json(tender, number=None) -> dict:
    """Everything the Pokja works with: versions, worksheets, live ranking, proposals — of the
    current version, or of an older one (``number``) as it stood when superseded."""
    version = worksheets.current_version(tender)
    if number is not None:
        version = next((v for v in worksheets.versions(tender) if v.number == number), None)
        if version is None:
            raise NotFound(_l('Versi evaluasi itu tidak ada.'))
    table = worksheets.entries_of(version) if version else {}
    proposals = [
        proposal_json(tender, p)
        for p in (version.proposals if version else ())
        if p.status != ProposalStatus.superseded
    ]
    return {
        'tender': tender.code,
        'tender_version': tender.version,
        'public': False,
        'version': version.number if version else None,
        'current': version is None or version.is_current,
        'versions': [version_json(v) for v in worksheets.versions(tender)],
        'winner_decided_at': _time(tender.winner_decided_at),
        'result': export.result_of(export.build_case(tender, version)),
        'worksheets': [
            worksheet_json(p, table.get(p.bid.id, {})) for p in worksheets.participants(tender)
        ],
        'proposals': proposals,
        'approvals_needed': decision.approvals_needed(tender),
    }


def public_case(tender) -> dict:
    proposal = decision.approved_proposal(tender)
    if proposal is None:
        raise NotFound(_l('Belum ada hasil evaluasi yang ditetapkan.'))
    return json.loads(proposal.case_json)


def public_json(tender) -> dict:
    """The announced result: the decided ranking (never the worksheets' authors)."""
    proposal = decision.approved_proposal(tender)
    if proposal is None:
        raise NotFound(_l('Belum ada hasil evaluasi yang ditetapkan.'))
    return {
        'tender': tender.code,
        'tender_version': tender.version,
        'public': True,
        'version': proposal.version.number,
        'winner_decided_at': _time(proposal.decided_at),
        'result': json.loads(proposal.result_json),
    }


def withdrawn_announcements(tender) -> list:
    return [a for a in announcement.announcements_of(tender) if a.withdrawn_at is not None]


def withdrawn_json(tender) -> dict:
    """After an accepted objection withdrew the announcement: the public sees that the
    result was withdrawn, why, and whether the evaluation is running again or the tender
    failed — never the new version's worksheets before its own announcement."""
    rows = withdrawn_announcements(tender)
    failed = tender.status == TenderStatus.failed
    return {
        'tender': tender.code,
        'tender_version': tender.version,
        'public': True,
        'state': 'failed' if failed else 'reevaluation',
        'result': None,
        'withdrawn': [
            {
                'announcement': a.id,
                'announced_at': _time(a.announced_at),
                'withdrawn_at': _time(a.withdrawn_at),
                'reason': a.withdrawn_reason,
            }
            for a in rows
        ],
        'message': str(
            _l('Pengumuman pemenang ditarik; tender dinyatakan gagal.')
            if failed
            else _l('Pengumuman pemenang ditarik; evaluasi ulang sedang berlangsung.')
        ),
    }


def negotiation_json(tender, row) -> dict:
    """A recorded negotiation (seleksi) with the firm's negotiated total (HN) and who is
    invited now (the next-ranked firm after a failure)."""
    result = export.result_of(export.build_case(tender))
    mine = next(b for b in result['bids'] if b['id'] == str(row.bid_id))
    return {
        'version': row.version.number,
        'bid': row.bid_id,
        'vendor': row.bid.vendor.company_name,
        'status': row.status,
        'technical_notes': row.technical_notes,
        'price_notes': row.price_notes,
        'reason': row.reason,
        'lines': row.negotiated_lines,
        'corrected_total': mine['corrected_total'],
        'negotiated_total': mine.get('negotiation', {}).get('negotiated_total'),
        'entered_by': _person(row.entered_by),
        'entered_at': _time(row.entered_at),
        'document': row.document_id,
        'invited': int(result['winner']) if result['winner'] is not None else None,
    }
