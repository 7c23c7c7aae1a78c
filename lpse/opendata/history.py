"""A tender's public history: its audit events replayed in order, one snapshot of what the
public knew at each public change (the release of that change describes the tender as it was
then, never as it is now). Nothing is stored for open data: the hash-chained log is the source.

What changes after publication is replayed from the events' payloads (schedule, documents,
addenda, answers, status, the prequalification results, announcements, the award); what
publication froze (title, HPS, BoQ, method, agency) is read from the tender."""

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select

from lpse.audit import AuditEvent, AuditEventTender
from lpse.extensions import db

# The public changes: the audit action → the release's tags. A later kind of change is one line
# here and one handler below. A contract is public once both parties signed it (its drafts and
# reviews are between the PPK and the winner).
PUBLIC = {
    'tender.published': ('tender',),
    'tender.document_added': ('tenderUpdate',),
    'tender.addendum_issued': ('tenderAmendment',),
    'tender.schedule_changed': ('tenderAmendment',),
    'tender.question_answered': ('tenderUpdate',),
    'tender.cancelled': ('tenderCancellation',),
    'tender.failed': ('tenderUpdate',),
    'qualification.announced': ('tenderUpdate',),
    'qualification.objection_answered': ('tenderUpdate',),
    'winner.announced': ('award',),
    'winner.announcement_withdrawn': ('awardUpdate',),
    'award.issued': ('awardUpdate',),
    'contract.signed': ('contract',),
    'contract.spmk_issued': ('implementation',),
    'contract.amendment.signed': ('contractAmendment',),
    'contract.handed_over': ('contractTermination',),
}
# Public only when they change what the public sees (their handler returns no change else).
QUIET_UNLESS_CHANGED = {'qualification.objection_answered'}


@dataclass(frozen=True)
class PublishedDocument:
    kind: str
    version: int
    sha256: str
    size: int
    media_type: str
    at: datetime
    addendum: int | None = None


@dataclass(frozen=True)
class Snapshot:
    """The public state of one tender right after the audit event ``seq``."""

    seq: int = 0
    at: datetime | None = None
    action: str = ''
    published: bool = False
    status: str = 'active'
    schedule: dict = field(default_factory=dict)  # stage → (start, end), aware datetimes
    documents: tuple = ()
    amendments: tuple = ()  # dicts: id, date, rationale, description
    answered: tuple = ()  # ids of the questions answered so far (public with their answers)
    qualification: tuple = ()  # (prequalification result id, withdrawn)
    announcements: tuple = ()  # (announcement id, withdrawn)
    end_reason: str | None = None  # why it was cancelled or failed (public on the tender page)
    award_letter: int | None = None
    drafts: dict = field(default_factory=dict)  # object id → the last draft's terms (not public)
    contract: dict | None = None  # the signed contract as published (see _contract_signed)

    @property
    def tags(self) -> list[str]:
        return list(PUBLIC[self.action])


def _window(value) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(value['start']), datetime.fromisoformat(value['end'])


def _schedule(state, data):
    moved = {stage: _window(w) for stage, w in (data.get('schedule') or data['changes']).items()}
    return {'schedule': {**state.schedule, **moved}}


def _schedule_changed(state, data):
    amendment = {'rationale': data['reason'], 'description': 'Perubahan jadwal'}
    return _schedule(state, data) | _amended(state, amendment)


def _amended(state, amendment):
    number = str(len(state.amendments) + 1)
    return {'amendments': (*state.amendments, {'id': number, 'date': state.at, **amendment})}


def _document(state, data, *, addendum=None):
    document = PublishedDocument(
        kind=data['kind'],
        version=data['document_version'],
        sha256=data['sha256'],
        size=data['size'],
        media_type=data['media_type'],
        at=state.at,
        addendum=addendum,
    )
    return {'documents': (*state.documents, document)}


def _addendum(state, data):
    amendment = {'rationale': data['reason'], 'description': f'Adendum {data["number"]}'}
    return _document(state, data, addendum=data['number']) | _amended(state, amendment)


def _announced(state, data):
    return {'announcements': (*state.announcements, (data['announcement'], False))}


def _withdrawn(state, data):
    return {
        'announcements': tuple(
            (row, withdrawn or row == data['announcement'])
            for row, withdrawn in state.announcements
        )
    }


def _qualified(state, data):
    return {'qualification': (*state.qualification, (int(data['object_id']), False))}


def _qualification_withdrawn(state, data):
    """An objection answered: a release only when accepting it withdrew the result (a
    rejected one changes nothing the public sees)."""
    if not data.get('withdrawn'):
        return {}
    return {
        'qualification': tuple(
            (row, withdrawn or row == data['withdrawn']) for row, withdrawn in state.qualification
        )
    }


def _drafted(state, data):
    return {'drafts': {**state.drafts, data['object_id']: data}}


def _contract_signed(state, data):
    terms = state.drafts[data['object_id']]
    contract = {
        'id': data['object_id'],
        'number': terms['number'],
        'value': terms['value'],
        'starts_on': terms.get('starts_on'),
        'ends_on': terms.get('ends_on'),
        'signed_at': state.at,
        'status': 'active',
        'documents': (('contract', data['document'], state.at),),
        'amendments': (),
    }
    return {'contract': contract}


def _contract_amended(state, data):
    terms, contract = state.drafts[data['object_id']], state.contract
    amendment = {
        'id': terms['number'],
        'date': state.at,
        'rationale': terms.get('reason') or '',
        'description': f'Adendum kontrak {terms["number"]}',
    }
    changed = {
        'value': terms.get('new_value') or contract['value'],
        'ends_on': terms.get('new_ends_on') or contract['ends_on'],
        'amendments': (*contract['amendments'], amendment),
        'documents': (*contract['documents'], ('amendment', data['document'], state.at)),
    }
    return {'contract': {**contract, **changed}}


def _contract_document(kind, status=None):
    def handler(state, data):
        contract = state.contract
        documents = (*contract['documents'], (kind, data['document'], state.at))
        return {'contract': {**contract, 'documents': documents, 'status': status or 'active'}}

    return handler


HANDLERS = {
    'tender.schedule_set': _schedule,
    'tender.schedule_changed': _schedule_changed,
    'tender.document_added': _document,
    'tender.addendum_issued': _addendum,
    'tender.published': lambda state, data: {'published': True},
    'tender.question_answered': lambda state, data: {
        'answered': (*state.answered, data['question_id'])
    },
    'tender.cancelled': lambda state, data: {'status': 'cancelled', 'end_reason': data['reason']},
    'tender.failed': lambda state, data: {'status': 'unsuccessful', 'end_reason': data['reason']},
    'qualification.announced': _qualified,
    'qualification.objection_answered': _qualification_withdrawn,
    'winner.announced': _announced,
    'winner.announcement_withdrawn': _withdrawn,
    'award.issued': lambda state, data: {'award_letter': data['award'], 'status': 'complete'},
    'contract.drafted': _drafted,
    'contract.signed': _contract_signed,
    'contract.spmk_issued': _contract_document('spmk'),
    'contract.amendment.drafted': _drafted,
    'contract.amendment.signed': _contract_amended,
    'contract.handed_over': _contract_document('bast', 'terminated'),
}


def events_of(tender_ids) -> dict[int, list]:
    """The audit events about each tender (the tender itself, its contract and amendments:
    the log's tender index), oldest first."""
    rows = db.session.execute(
        select(
            AuditEvent.seq,
            AuditEvent.occurred_at,
            AuditEvent.action,
            AuditEvent.object_id,
            AuditEvent.payload,
            AuditEventTender.tender_id,
        )
        .join(AuditEventTender, AuditEventTender.seq == AuditEvent.seq)
        .where(
            AuditEventTender.tender_id.in_(list(tender_ids)),
            AuditEvent.action.in_(HANDLERS),
        )
        .order_by(AuditEvent.seq)
    ).all()
    found = {tender_id: [] for tender_id in tender_ids}
    for row in rows:
        found[row.tender_id].append(row)
    return found


def snapshots(events) -> list[Snapshot]:
    """The public snapshots of one tender's events: one per public change after publication
    (changes to a draft build the state the announcement shows, but are no release)."""
    state, result = Snapshot(), []
    for event in events:
        handler = HANDLERS.get(event.action)
        if handler is None:  # not part of the public state (a question, a download…)
            continue
        data = {**json.loads(event.payload), 'object_id': event.object_id}
        moved = replace(state, seq=event.seq, at=event.occurred_at, action=event.action)
        changes = handler(moved, data)
        if not changes and event.action in QUIET_UNLESS_CHANGED:
            continue
        state = replace(moved, **changes)
        if state.published and event.action in PUBLIC:
            result.append(state)
    return result
