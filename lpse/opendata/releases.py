"""One OCDS 1.1.5 release (with the bids extension) per public change of a tender, built from
the tender's snapshot at that change (lpse.opendata.history). Nothing secret at that moment is
in it: bidders, bids and prices appear only from the winner announcement on, and only as the
announcement published them (its frozen public result)."""

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from lpse.evaluation import public_result
from lpse.evaluation.objection_models import Announcement, AwardLetter
from lpse.extensions import db
from lpse.opendata import prequalified
from lpse.opendata.parts import issued, money, number, ref, stamp, url, vendor_party
from lpse.tenders.documents import KIND_LABELS, Document
from lpse.tenders.models import DocumentKind
from lpse.tenders.questions import Question
from lpse.tenders.stages import STAGE_LABELS, Stage

CATEGORIES = {
    'barang': 'goods',
    'pekerjaan_konstruksi': 'works',
    'jasa_konsultansi': 'services',
    'jasa_lainnya': 'services',
}
METHOD_DETAILS = {'tender': 'Tender', 'seleksi': 'Seleksi', 'tender_cepat': 'Tender Cepat'}
AWARD_CRITERIA = {
    'lowest_price': 'priceOnly',
    'least_cost': 'priceOnly',
    'life_cycle_cost': 'costOnly',
    'quality': 'qualityOnly',
    'fixed_budget': 'qualityOnly',
    'merit_point': 'ratedCriteria',
    'qcbs': 'ratedCriteria',
}
DOCUMENT_TYPES = {
    DocumentKind.dokumen_pemilihan: 'biddingDocuments',
    DocumentKind.kak: 'technicalSpecifications',
    DocumentKind.boq: 'billOfQuantity',
    DocumentKind.draft_contract: 'contractDraft',
}
MILESTONE_TYPES = {
    Stage.announcement: 'engagement',
    Stage.qualification_submission: 'engagement',
    Stage.qualification_evaluation: 'assessment',
    Stage.qualification_announcement: 'approval',
    Stage.qualification_objection: 'approval',
    Stage.download: 'engagement',
    Stage.clarification: 'engagement',
    Stage.bid_submission: 'engagement',
    Stage.bid_opening: 'assessment',
    Stage.evaluation: 'assessment',
    Stage.qualification_proof: 'assessment',
    Stage.winner_decision: 'approval',
    Stage.winner_announcement: 'approval',
    Stage.objection: 'approval',
    Stage.award: 'approval',
    Stage.contract: 'approval',
}


def ocid(tender) -> str:
    """`<prefix>-<code>`; a retender (a new contracting process after an unsuccessful one) is
    `<prefix>-<code>-v<version>`."""
    suffix = tender.code if tender.version == 1 else f'{tender.code}-v{tender.version}'
    return f'{current_app.config["LPSE_OCID_PREFIX"]}-{suffix}'


@dataclass(frozen=True)
class _Known:
    """What every release of one tender shares, loaded once for all of them."""

    ocid: str
    agency: dict
    items: list
    documents: dict  # (kind, version) → Document
    announcements: dict  # id → Announcement
    titles: dict  # stage → its Indonesian name
    questions: dict  # id → answered Question
    qualification: dict  # id → announced QualificationResult

    @classmethod
    def load(cls, tender, snaps, documents):
        wanted = {a for snap in snaps for a, _withdrawn in snap.announcements}
        announcements = (
            db.session.scalars(select(Announcement).where(Announcement.id.in_(wanted)))
            if wanted
            else ()
        )
        if documents is None:
            documents = documents_of([tender.id]).get(tender.id, ())
        return cls(
            ocid=ocid(tender),
            agency=_agency_party(tender),
            items=[_item(item) for item in tender.boq_items],
            documents={(d.kind, d.version): d for d in documents},
            announcements={row.id: row for row in announcements},
            titles=_stage_titles(),
            questions=_questions({q for snap in snaps for q in snap.answered}),
            qualification=prequalified.load(snaps),
        )


def _questions(ids) -> dict:
    """The answered questions the releases name (a question and its answer never change)."""
    if not ids:
        return {}
    rows = db.session.scalars(select(Question).where(Question.id.in_(ids)))
    return {row.id: row for row in rows}


@cache
def _stage_titles() -> dict:
    """The stages' Indonesian names (the language of the published data, whatever the UI's)."""
    with force_locale('id'):
        return {stage.value: str(STAGE_LABELS[stage]) for stage in Stage}


def documents_of(tender_ids) -> dict[int, list[Document]]:
    """The documents of several tenders in one query (every version: they are immutable)."""
    found = {}
    for row in db.session.scalars(select(Document).where(Document.tender_id.in_(tender_ids))):
        found.setdefault(row.tender_id, []).append(row)
    return found


def build_releases(tender, snaps, *, documents=None) -> list[dict]:
    """The releases of ``snaps`` (public changes of ``tender``, oldest first); ``documents``:
    the tender's, when the caller loaded them with others' (`documents_of`)."""
    if not snaps:
        return []
    with force_locale('id'):
        known = _Known.load(tender, snaps, documents)
        return [_release(tender, snap, known) for snap in snaps]


def _release(tender, snap, known) -> dict:
    agency = known.agency
    announced = [(known.announcements[a], withdrawn) for a, withdrawn in snap.announcements]
    current = _current(announced)
    shortlist = prequalified.in_force(snap, known.qualification)
    parties = _merged(
        [agency], _bidder_parties(announced, current), prequalified.parties(shortlist)
    )
    release = {
        'ocid': known.ocid,
        'id': f'{known.ocid}-{snap.seq}',
        'date': stamp(snap.at, tender.timezone),
        'tag': snap.tags,
        'initiationType': 'tender',
        'language': 'id',
        'parties': parties,
        'buyer': ref(agency),
        'tender': _tender(tender, snap, known, current),
    }
    bids = _bids(current) if current is not None else {}
    invited = prequalified.bids(tender, shortlist)
    for key in ('statistics', 'details'):
        if bids.get(key) or invited.get(key):
            bids[key] = [*invited.get(key, ()), *bids.get(key, ())]
    if bids:
        release['bids'] = bids
    if announced:
        release['awards'] = [_award(tender, row, withdrawn, snap) for row, withdrawn in announced]
    if snap.contract is not None and current is not None:
        release['contracts'] = [_contract(tender, snap.contract, current)]
    if tender.previous is not None:
        release['relatedProcesses'] = [_unsuccessful(tender.previous)]
    return release


def _merged(*groups) -> list[dict]:
    """The parties of several sources as one list: an organisation once, with every role."""
    found = {}
    for party in (p for group in groups for p in group):
        known = found.setdefault(party['id'], {**party, 'roles': []})
        known['roles'] += [r for r in party.get('roles', ()) if r not in known['roles']]
    return list(found.values())


def _agency_party(tender) -> dict:
    agency = tender.agency
    return {'id': f'KLPD-{agency.code}', 'name': agency.name, 'roles': ['buyer', 'procuringEntity']}


def _current(announced) -> Announcement | None:
    """The announcement in force: its result (bidders, prices, verdicts) is public; a
    withdrawn one is shown to auditors only, so later releases keep just its cancelled award."""
    return next((row for row, withdrawn in reversed(announced) if not withdrawn), None)


def _bidder_parties(announced, current) -> list[dict]:
    """The bidders of the result in force (tenderer) and every announced winner (supplier):
    a withdrawn announcement's winner stays named by its cancelled award."""
    parties = {}
    for row, _withdrawn in announced:
        for bidder in row.result['bidders']:
            if not (bidder['winner'] or row is current):
                continue
            party = parties.setdefault(bidder['vendor']['npwp'], vendor_party(bidder['vendor']))
            roles = party.setdefault('roles', [])
            role = 'supplier' if bidder['winner'] else 'tenderer'
            for name in ('tenderer', role) if row is current else (role,):
                if name not in roles:
                    roles.append(name)
    return list(parties.values())


def _tender(tender, snap, known, current) -> dict:
    block = {
        'id': known.ocid.removeprefix(current_app.config['LPSE_OCID_PREFIX'] + '-'),
        'title': tender.title,
        'description': tender.description,
        'status': snap.status,
        'procuringEntity': ref(known.agency),
        'value': money(tender.hps),
        'procurementMethod': 'selective' if tender.method.prequalifies else 'open',
        'procurementMethodDetails': _method_details(tender),
        'mainProcurementCategory': CATEGORIES[tender.category],
        'awardCriteria': AWARD_CRITERIA[tender.evaluation_method],
        'submissionMethod': ['electronicSubmission'],
        'hasEnquiries': bool(snap.answered),
        'items': known.items,
        'documents': [
            _notice(tender),
            *_documents(tender, snap, known),
            *prequalified.documents(tender, snap, known.qualification),
            *_ending(tender, snap),
        ],
        'milestones': _milestones(snap, tender.timezone, known),
    }
    for key, stage in (
        ('tenderPeriod', Stage.bid_submission),
        ('enquiryPeriod', Stage.clarification),
    ):
        if stage in snap.schedule:
            start, end = snap.schedule[stage]
            block[key] = {
                'startDate': stamp(start, tender.timezone),
                'endDate': stamp(end, tender.timezone),
            }
    if snap.answered:
        block['enquiries'] = [_enquiry(known.questions[q], tender.timezone) for q in snap.answered]
    if snap.amendments:
        block['amendments'] = [
            {**a, 'date': stamp(a['date'], tender.timezone)} for a in snap.amendments
        ]
    if current is not None:
        bidders = current.result['bidders']
        block['numberOfTenderers'] = len(bidders)
        block['tenderers'] = [ref(vendor_party(b['vendor'])) for b in bidders]
    return block


def _method_details(tender) -> str:
    name = METHOD_DETAILS[tender.selection_method]
    return f'{name} Prakualifikasi' if tender.method.prequalifies else name


def _enquiry(question, zone) -> dict:
    """An answered question as the enquiries extension has it; the asker stays anonymous (as
    on the tender page), so there is no `author`."""
    return {
        'id': str(question.id),
        'date': stamp(question.asked_at, zone),
        'description': question.body,
        'answer': question.answer,
        'dateAnswered': stamp(question.answered_at, zone),
    }


def _item(item) -> dict:
    return {
        'id': str(item.position),
        'description': item.description,
        'quantity': number(item.quantity),
        'unit': {'name': item.unit, 'value': money(item.unit_price)},
    }


def _notice(tender) -> dict:
    return {
        'id': 'pengumuman',
        'documentType': 'tenderNotice',
        'title': 'Pengumuman tender',
        'url': url('tenders.detail', code=tender.code, version=tender.version),
        'format': 'text/html',
        'language': 'id',
    }


def _ending(tender, snap) -> list[dict]:
    """The reason of a cancellation or failure, as the tender page shows it."""
    if snap.end_reason is None:
        return []
    cancelled = snap.status == 'cancelled'
    return [
        {
            'id': 'pembatalan' if cancelled else 'kegagalan',
            'documentType': 'cancellationDetails' if cancelled else 'evaluationReports',
            'title': 'Alasan pembatalan' if cancelled else 'Alasan tender gagal',
            'description': snap.end_reason,
            'url': url('tenders.detail', code=tender.code, version=tender.version),
            'format': 'text/html',
            'language': 'id',
        }
    ]


def _documents(tender, snap, known) -> list[dict]:
    result = []
    for published in snap.documents:
        row = known.documents[(published.kind, published.version)]
        title = row.title
        if published.addendum is not None:
            title = f'{title} (Adendum {published.addendum})'
        document = {
            'id': f'{published.kind}-{published.version}',
            'title': title,
            'description': f'{KIND_LABELS[DocumentKind(published.kind)]}, versi '
            f'{published.version}; SHA-256: {published.sha256}',
            'url': url(
                'tenders.download', code=tender.code, document_id=row.id, version=tender.version
            ),
            'datePublished': stamp(published.at, tender.timezone),
            'format': published.media_type,
            'language': 'id',
        }
        if DocumentKind(published.kind) in DOCUMENT_TYPES:
            document['documentType'] = DOCUMENT_TYPES[DocumentKind(published.kind)]
        result.append(document)
    return result


def _milestones(snap, zone, known) -> list[dict]:
    return [
        {
            'id': stage,
            'title': known.titles[stage],
            'type': MILESTONE_TYPES[Stage(stage)],
            'description': f'{stamp(start, zone)} – {stamp(end, zone)}',
            'dueDate': stamp(end, zone),
        }
        for stage, (start, end) in sorted(
            snap.schedule.items(), key=lambda item: list(Stage).index(Stage(item[0]))
        )
    ]


def _award(tender, row, withdrawn, snap) -> dict:
    """One announcement's award: pending through the objection period, active once the SPPBJ
    is issued, cancelled when an accepted objection withdrew the announcement."""
    winner = public_result.winner_row(row.result)
    letter = db.session.get(AwardLetter, snap.award_letter) if snap.award_letter else None
    if letter is not None and letter.announcement_id != row.id:
        letter = None
    status = 'cancelled' if withdrawn else 'active' if letter else 'pending'
    amount = letter.amount if letter else public_result.contract_price(winner)
    documents = [
        issued(
            row.notice_document_id,
            title='Pengumuman pemenang',
            document_type='awardNotice',
            link=url(
                'sanggah.result_pdf', code=tender.code, announcement_id=row.id, kind='pengumuman'
            ),
        ),
        issued(
            row.bahp_document_id,
            title='Berita Acara Hasil Pemilihan (BAHP)',
            document_type='evaluationReports',
            link=url('sanggah.result_pdf', code=tender.code, announcement_id=row.id, kind='bahp'),
        ),
    ]
    if letter is not None:
        documents.append(
            issued(
                letter.document_id,
                title=f'SPPBJ {letter.number}',
                document_type='awardNotice',
                link=url('documents.detail', document_id=letter.document_id),
            )
        )
    award = {
        'id': f'{ocid(tender)}-award-{row.id}',
        'title': 'Penetapan pemenang',
        'status': status,
        'date': stamp(letter.issued_at if letter else row.announced_at, tender.timezone),
        'value': money(amount),
        'suppliers': [ref(vendor_party(winner['vendor']))],
        'relatedBid': str(winner['bid_id']),
        'documents': [d for d in documents if d is not None],
    }
    return award


CONTRACT_DOCUMENTS = {
    'contract': ('contractSigned', 'Kontrak {number}'),
    'amendment': ('contractAnnexe', 'Adendum kontrak'),
    'spmk': ('contractSchedule', 'Surat Perintah Mulai Kerja (SPMK)'),
    'bast': ('completionCertificate', 'Berita Acara Serah Terima (BAST)'),
}


def _day(value, zone, *, end=False) -> str:
    """A contract date as the start (or the end) of that day in the tender's zone."""
    moment = datetime.combine(date.fromisoformat(value), time.max if end else time.min)
    return moment.replace(microsecond=0, tzinfo=ZoneInfo(zone)).isoformat()


def _contract(tender, contract, current) -> dict:
    """The signed contract as it stood at this change: value and end date as last amended,
    its signed documents (the contract, each addendum, the SPMK and the BAST)."""
    zone = tender.timezone
    documents = []
    for kind, document_id, at in contract['documents']:
        document_type, title = CONTRACT_DOCUMENTS[kind]
        document = issued(
            document_id,
            title=title.format(number=contract['number']),
            document_type=document_type,
            link=url('documents.detail', document_id=document_id),
        )
        if document is not None:
            documents.append({**document, 'datePublished': stamp(at, zone)})
    block = {
        'id': f'{ocid(tender)}-contract-{contract["id"]}',
        'awardID': f'{ocid(tender)}-award-{current.id}',
        'title': f'Kontrak {contract["number"]}',
        'status': contract['status'],
        'value': money(contract['value']),
        'dateSigned': stamp(contract['signed_at'], zone),
        'documents': documents,
    }
    if contract['starts_on'] and contract['ends_on']:
        block['period'] = {
            'startDate': _day(contract['starts_on'], zone),
            'endDate': _day(contract['ends_on'], zone, end=True),
        }
    if contract['amendments']:
        block['amendments'] = [
            {**a, 'date': stamp(a['date'], zone)} for a in contract['amendments']
        ]
    return block


def _bids(row) -> dict:
    """Every bid of the announced result: its bidder, declared price and whether it passed."""
    bidders = row.result['bidders']
    details = []
    for bidder in bidders:
        detail = {
            'id': str(bidder['bid_id']),
            'status': 'disqualified' if bidder['reasons'] else 'valid',
            'tenderers': [ref(vendor_party(bidder['vendor']))],
        }
        if bidder['columns']['P'] is not None:
            detail['value'] = money(bidder['columns']['P'])
        details.append(detail)
    valid = sum(1 for d in details if d['status'] == 'valid')
    return {
        'statistics': [
            {'id': 'bids', 'measure': 'bids', 'value': len(details)},
            {'id': 'validBids', 'measure': 'validBids', 'value': valid},
        ],
        'details': details,
    }


def _unsuccessful(previous) -> dict:
    return {
        'id': 'previous',
        'relationship': ['unsuccessfulProcess'],
        'title': previous.title,
        'scheme': 'ocid',
        'identifier': ocid(previous),
        'uri': url('api.ocds_record', ocid=ocid(previous)),
    }
