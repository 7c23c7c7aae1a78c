"""What goes into a tender's audit bundle: every item as (path, kind, meaning, source), read
from the database and the blob store. Small items are bytes; blobs are opened only when the
writer copies them, so collecting never holds a bid in memory."""

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import selectinload

from lpse import audit, checkpoints, clock, pki_service, tlog
from lpse.auditor.bundle import layout
from lpse.auth.models import User
from lpse.bids.commitment import commitment_of
from lpse.bids.models import Bid
from lpse.contracts.models import Contract, ContractAmendment
from lpse.documents.models import IssuedDocument
from lpse.evaluation import decision
from lpse.evaluation.models import (
    EvaluationVersion,
    ResultApproval,
    ResultProposal,
    WorksheetEntry,
)
from lpse.evaluation.objection_models import Announcement, AwardLetter, Objection
from lpse.extensions import db
from lpse.opening.models import OpeningCeremony
from lpse.redflags import report as redflags
from lpse.tenders import documents as tender_documents
from lpse.tenders.keys import key_of
from lpse.tenders.models import Tender
from lpse.tenders.prequalification.shortlist import results_of
from lpse.tenders.questions import questions_of
from lpse.tenders.schedule import changes_of

# Columns never copied out: key material other than the published tender key, and what the
# bundle does not need to prove anything (a browser's user agent).
SECRET_COLUMNS = {'content_key', 'protected_key', 'user_agent', 'password_hash', 'totp_secret'}


@dataclass(frozen=True)
class Item:
    """One file of the bundle: `data` (bytes) or `blob` (the SHA-256 of a stored blob)."""

    path: str
    kind: str
    what: str
    data: bytes | None = None
    blob: str | None = None
    size: int | None = None
    version: int | None = None  # an earlier version of the package (versions/N/…)


def row_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode('ascii')
    return value


def row_json(row) -> dict:
    """A model row as JSON values (who did what is named by `*_by_id` + `log/users.json`)."""
    return {
        column.name: row_value(getattr(row, column.key))
        for column in row.__table__.columns
        if column.name not in SECRET_COLUMNS
    }


def json_bytes(value) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).encode('utf-8') + b'\n'


def _rows(model, *where):
    return db.session.scalars(select(model).where(*where).order_by(model.id)).all()


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def tender_items(tender):
    yield Item('tender/tender.json', 'tender', 'tender as announced', json_bytes(row_json(tender)))
    schedule = {
        stage.value: {'start': w.start.isoformat(), 'end': w.end.isoformat()}
        for stage, w in tender.schedule.items()
    }
    yield Item('tender/schedule.json', 'schedule', 'current schedule (UTC)', json_bytes(schedule))
    history = [row_json(c) for c in changes_of(tender)]
    yield Item('tender/schedule-history.json', 'schedule', 'schedule changes', json_bytes(history))
    questions = [row_json(q) for q in questions_of(tender)]
    yield Item('tender/questions.json', 'questions', 'aanwijzing Q&A', json_bytes(questions))
    addenda = [row_json(a) for a in tender_documents.addenda_of(tender)]
    yield Item('tender/addenda.json', 'addenda', 'addenda', json_bytes(addenda))
    docs = tender_documents.documents_of(tender)
    yield Item(
        'tender/documents.json',
        'tender_document',
        'document versions',
        json_bytes([row_json(d) for d in docs]),
    )
    for d in docs:
        path = f'tender/documents/{d.kind}-v{d.version}-{d.id}.{d.download_name.rsplit(".", 1)[-1]}'
        yield Item(
            path, 'tender_document', f'{d.title} (version {d.version})', blob=d.sha256, size=d.size
        )
    key = key_of(tender)
    if key is not None:
        yield Item(
            layout.TENDER_CERT,
            'tender_certificate',
            'tender certificate',
            key.certificate_pem.encode(),
        )
        if key.published_key_pem:
            yield Item(
                layout.TENDER_KEY,
                'tender_key',
                'published tender private key',
                key.published_key_pem.encode(),
            )


def bid_items(tender):
    bids = db.session.scalars(
        select(Bid)
        .where(Bid.tender_id == tender.id)
        .options(selectinload(Bid.vendor))
        .order_by(Bid.id)
    ).all()
    listing = []
    for bid in bids:
        listing.append(
            {
                **row_json(bid),
                'vendor_name': bid.vendor.company_name,
                'vendor_npwp': bid.vendor.npwp,
            }
        )
        yield Item(
            layout.envelope(bid.id),
            'envelope',
            f'sealed bid of {bid.vendor.company_name}',
            blob=bid.sha256,
            size=bid.size,
        )
        yield Item(
            layout.submission_signature(bid.id),
            'submission_signature',
            'submission signature (detached CMS)',
            bytes(bid.submission_signature),
        )
        yield Item(
            layout.receipt(bid.id), 'receipt', 'signed receipt', bid.receipt_json.encode('utf-8')
        )
    for row in listing:
        row.pop('submission_signature', None)
        row.pop('receipt_json', None)
    yield Item(
        layout.BIDS, 'bids', 'every bid (current, superseded, withdrawn)', json_bytes(listing)
    )
    commitment = commitment_of(tender)
    if commitment is not None:
        yield Item(
            layout.COMMITMENT,
            'commitment',
            'signed bid-set commitment',
            commitment.document.encode('utf-8'),
        )


def opening_items(tender):
    ceremonies = _rows(OpeningCeremony, OpeningCeremony.tender_id == tender.id)
    results = [{**row_json(c), 'results': [row_json(r) for r in c.results]} for c in ceremonies]
    if results:
        yield Item(
            layout.OPENING, 'opening', 'opening ceremonies and per-bid results', json_bytes(results)
        )


def evaluation_items(tender):
    versions = _rows(EvaluationVersion, EvaluationVersion.tender_id == tender.id)
    if not versions:
        return
    ids = [v.id for v in versions]
    entries = _rows(WorksheetEntry, WorksheetEntry.version_id.in_(ids))
    proposals = _rows(ResultProposal, ResultProposal.version_id.in_(ids))
    approvals = _rows(ResultApproval, ResultApproval.proposal_id.in_([p.id for p in proposals]))
    yield Item(
        'evaluation/versions.json',
        'evaluation',
        'evaluation versions',
        json_bytes([row_json(v) for v in versions]),
    )
    yield Item(
        'evaluation/worksheets.json',
        'evaluation',
        'worksheet entries: who entered what',
        json_bytes([row_json(e) for e in entries]),
    )
    yield Item(
        'evaluation/proposals.json',
        'evaluation',
        'result proposals',
        json_bytes([row_json(p) for p in proposals]),
    )
    yield Item(
        'evaluation/approvals.json',
        'evaluation',
        'approvals of proposals',
        json_bytes([row_json(a) for a in approvals]),
    )
    decided = decision.approved_proposal(tender)
    if decided is not None:
        yield Item(
            layout.CASE,
            'case',
            'evaluation case (lpse evaluate)',
            decided.case_json.encode('utf-8'),
        )
        yield Item(
            layout.RESULT,
            'result',
            'the approved (published) result',
            decided.result_json.encode('utf-8'),
        )


def after_award_items(tender):
    announcements = _rows(Announcement, Announcement.tender_id == tender.id)
    if announcements:
        yield Item(
            'award/announcements.json',
            'announcement',
            'winner announcements',
            json_bytes([row_json(a) for a in announcements]),
        )
    objections = _rows(Objection, Objection.tender_id == tender.id)
    if objections:
        listing = [
            {**row_json(o), 'attachments': [row_json(a) for a in o.attachments]} for o in objections
        ]
        yield Item(
            'objections/objections.json',
            'objection',
            'objections (sanggah) and answers',
            json_bytes(listing),
        )
        for o in objections:
            for a in o.attachments:
                yield Item(
                    f'objections/{o.id}/{a.id}-{a.filename}',
                    'objection_attachment',
                    'objection attachment',
                    blob=a.sha256,
                    size=a.size,
                )
    awards = _rows(AwardLetter, AwardLetter.tender_id == tender.id)
    if awards:
        yield Item(
            'award/award.json',
            'award',
            'letter of award (SPPBJ)',
            json_bytes([row_json(a) for a in awards]),
        )
    for contract in _rows(Contract, Contract.tender_id == tender.id):
        amendments = _rows(ContractAmendment, ContractAmendment.contract_id == contract.id)
        data = {**row_json(contract), 'amendments': [row_json(a) for a in amendments]}
        yield Item(
            f'contract/{contract.id}/contract.json',
            'contract',
            'contract and amendments',
            json_bytes(data),
        )
        for n, instrument in enumerate([contract, *amendments]):
            name = 'contract' if n == 0 else f'amendment-{instrument.id}'
            yield Item(
                f'contract/{contract.id}/{name}-draft.pdf',
                'contract_draft',
                'draft to be signed',
                blob=instrument.draft_sha256,
            )
            if instrument.vendor_signed_sha256:
                yield Item(
                    f'contract/{contract.id}/{name}-vendor-signed.pdf',
                    'contract_vendor_signed',
                    'signed by the vendor',
                    blob=instrument.vendor_signed_sha256,
                )


def issued_pdf_items(tender):
    for doc in _rows(IssuedDocument, IssuedDocument.tender_id == tender.id):
        yield Item(
            layout.pdf(doc.id),
            'pdf',
            f'{doc.kind}: {doc.title}',
            blob=doc.blob_sha256,
            size=doc.size,
        )
        data = {
            'id': doc.id,
            'kind': doc.kind,
            'sha256': doc.sha256,
            'size': doc.size,
            'data': json.loads(doc.data),
        }
        yield Item(
            layout.pdf_data(doc.id),
            'pdf_data',
            'the data the PDF was rendered from',
            json_bytes(data),
        )


def redflag_items(tender):
    """The tender's red flags as the auditor API gives them (indicators with their evidence and
    the rule's source; dismissed evidence keeps its reason), computed when the bundle is built."""
    flags = redflags.as_json(redflags.tender_report(tender, clock.now()))
    yield Item(
        layout.REDFLAGS, 'redflags', 'red flags with evidence (indicators)', json_bytes(flags)
    )


def certificate_items(tender):
    authority = pki_service.require_authority()
    yield Item(layout.CA, 'ca', 'instance CA certificate', _pem(authority.ca_cert))
    yield Item(
        layout.SYSTEM_CERT, 'system_certificate', 'system certificate', _pem(authority.system_cert)
    )
    yield Item(
        layout.CRL, 'crl', 'certificate revocation list at bundle time', authority.crl_pem.encode()
    )
    found = {}
    moments = milestones(tender)
    for version in earlier_versions(tender):
        moments += [(f'version {version.version} {name}', at) for name, at in milestones(version)]
    for name, moment in moments:
        row = pki_service.crl_current_at(moment)
        if row is not None:
            found.setdefault(row.number, (row, []))[1].append(name)
    for number, (row, names) in sorted(found.items()):
        yield Item(
            layout.crl_at(number),
            'crl_milestone',
            f'CRL current at: {", ".join(names)}',
            row.crl_pem.encode(),
        )


def milestones(tender) -> list[tuple[str, object]]:
    """The tender's moments that passed, each with its time: the bid deadline, each
    qualification result, each opening, each announcement, the award, the contract's signing."""
    now = clock.now()
    moments = [('bid deadline', tender.bid_deadline)]
    for c in _rows(OpeningCeremony, OpeningCeremony.tender_id == tender.id):
        if c.opened_at is not None:
            moments.append((f'opening {c.id}', c.opened_at))
    for r in results_of(tender):
        moments.append((f'qualification result {r.id}', r.announced_at))
    for a in _rows(Announcement, Announcement.tender_id == tender.id):
        moments.append((f'announcement {a.id}', a.announced_at))
    for a in _rows(AwardLetter, AwardLetter.tender_id == tender.id):
        moments.append((f'award {a.id}', a.issued_at))
    if tender.contract_signed_at is not None:
        moments.append(('contract signed', tender.contract_signed_at))
    return [(name, at) for name, at in moments if at is not None and at <= now]


def log_items(tender, checkpoint):
    """The tender's events up to `checkpoint` (every version's, for a retendered package),
    each with its inclusion proof in its tree."""
    event = audit.AuditEvent
    versions = [tender, *earlier_versions(tender)]
    ids = [v.id for v in versions]
    indexed = select(audit.AuditEventTender.seq).where(audit.AuditEventTender.tender_id.in_(ids))
    # Proposals carry no tender_id (they hang off an evaluation version): name them.
    proposals = (
        select(ResultProposal.id)
        .join(EvaluationVersion)
        .where(EvaluationVersion.tender_id.in_(ids))
    )
    stmt = (
        select(event)
        .where(
            event.seq <= checkpoint.seq,
            or_(
                event.seq.in_(indexed),
                and_(
                    event.object_type == ResultProposal.__tablename__,
                    event.object_id.in_(select(cast(proposals.subquery().c.id, String))),
                ),
            ),
        )
        .order_by(event.seq)
    )
    head = db.session.get(audit.AuditHead, 1)
    actors = {person for v in versions for person in (v.ppk_id, *(u.id for u in v.pokja))}
    lines, proofs = [], []
    records = [row.as_record() for row in db.session.scalars(stmt)]
    paths = tlog.inclusion_proofs([r['seq'] - 1 for r in records], checkpoint.seq, head.seq)
    for record, path in zip(records, paths, strict=True):
        actors.add(record['actor_id'])
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
        proofs.append(
            {
                'seq': record['seq'],
                'index': record['seq'] - 1,
                'tree_size': checkpoint.seq,
                'leaf_hash': tlog.b64(tlog.leaf_hash(tlog.canonical_fields(record))),
                'proof': [tlog.b64(p) for p in path],
            }
        )
    yield Item(
        layout.EVENTS,
        'log_events',
        "this tender's audit events",
        ('\n'.join(lines) + '\n').encode('utf-8'),
    )
    yield Item(layout.PROOFS, 'log_proofs', 'inclusion proofs (RFC 9162)', json_bytes(proofs))
    people = db.session.scalars(select(User).where(User.id.in_(actors - {None})).order_by(User.id))
    yield Item(
        'log/users.json',
        'users',
        'who the *_by_id, user_id and actor_id values name',
        json_bytes([{'id': u.id, 'name': u.name, 'email': u.email} for u in people]),
    )
    yield Item(
        layout.CHECKPOINT_NOTE,
        'checkpoint',
        'log checkpoint with cosignatures',
        checkpoint.signed_note.encode('utf-8'),
    )
    yield Item(
        layout.CHECKPOINT_DOC,
        'checkpoint_doc',
        'the same moment as a system-signed checkpoint',
        checkpoint.document.encode('utf-8'),
    )
    yield Item(
        layout.LOG_KEY,
        'log_key',
        "the log's note key (vkey)",
        (checkpoints.log_signer().vkey + '\n').encode(),
    )


def earlier_versions(tender) -> list[Tender]:
    """The versions before `tender` of the same package (a retender's), newest first."""
    found, seen = [], tender
    while seen.previous_id is not None:
        seen = db.session.get(Tender, seen.previous_id)
        found.append(seen)
    return found


def covering_checkpoint(tender):
    """The newest tree checkpoint; None when there is none yet (the edge cuts one first)."""
    stmt = select(checkpoints.AuditCheckpoint).where(checkpoints.AuditCheckpoint.note.is_not(None))
    return db.session.scalars(stmt.order_by(checkpoints.AuditCheckpoint.id.desc())).first()


def collect(tender, checkpoint):
    """Every item of the bundle but the manifest, its signature and the read-me files."""
    for part in (
        tender_items,
        bid_items,
        opening_items,
        evaluation_items,
        after_award_items,
        issued_pdf_items,
        redflag_items,
        certificate_items,
    ):
        yield from part(tender)
    yield from log_items(tender, checkpoint)
