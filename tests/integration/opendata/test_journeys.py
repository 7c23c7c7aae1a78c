"""Full tender journeys as open data: every release and record validates against OCDS 1.1.5
with the bids extension and its codelists; each release shows the tender as it was at that
change, and nothing that was secret then."""

import io
import json
from datetime import timedelta

from evaluation.conftest import open_price_envelopes
from evaluation.sanggah_fixtures import (
    LOSER,
    WINNER,
    agree_negotiation,
    announcement_time,
    approve,
    vendor_user,
)
from ocds_validation import all_errors
from tenders.factories import PDF, T0, schedule_at

from lpse import clock
from lpse.evaluation import announcement, award, decision, objections, recording
from lpse.extensions import db
from lpse.opendata.releases import ocid, stamp
from lpse.tenders import documents, operations, publication, questions
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.stages import Phase, Stage, Window

COMPANIES = ('PT Satu', 'PT Dua', 'PT Tiga')


def valid(package, record):
    """The releases of a valid package and record, ids unique."""
    assert all_errors(package) == []
    assert all_errors(record, 'record') == []
    ids = [r['id'] for r in package['releases']]
    assert len(ids) == len(set(ids))
    assert [r['url'].rsplit('#', 1)[1] for r in record['records'][0]['releases']] == ids
    return package['releases']


def tags(releases):
    return [r['tag'] for r in releases]


def test_awarded_single_file_journey(app, announced, cast, published):
    tender, bids, row = announced
    clock.set_now(row.objection_ends_at + timedelta(hours=1))
    award.issue_award(tender, actor=cast['ppk'], now=clock.now())
    db.session.commit()

    package, record = published(tender)
    releases = valid(package, record)
    assert tags(releases) == [['tender'], ['award'], ['awardUpdate']]
    first, announced_release, awarded = releases
    assert all(r['ocid'] == ocid(tender) for r in releases)
    assert first['id'] == f'{ocid(tender)}-{first["id"].rsplit("-", 1)[1]}'
    # Before the announcement: no bidder, no bid, no price.
    text = json.dumps(first)
    assert not any(name in text for name in COMPANIES)
    assert 'bids' not in first and 'awards' not in first
    assert first['tender']['value'] == {'amount': 1500000000, 'currency': 'IDR'}
    assert [i['id'] for i in first['tender']['items']] == ['1', '2']
    assert first['tender']['items'][0]['unit']['value']['amount'] == 500000
    [document] = [d for d in first['tender']['documents'] if d['id'] != 'pengumuman']
    assert document['documentType'] == 'biddingDocuments'
    assert 'SHA-256: ' in document['description'] and document['url'].startswith('http')
    assert {m['id'] for m in first['tender']['milestones']} >= {'bid_submission', 'contract'}
    assert first['date'].endswith('+08:00')  # the agency's zone (WITA)

    bids_section = announced_release['bids']
    assert len(bids_section['details']) == 3
    statuses = {d['tenderers'][0]['name']: d['status'] for d in bids_section['details']}
    assert statuses == {'PT Satu': 'valid', 'PT Dua': 'valid', 'PT Tiga': 'disqualified'}
    [won] = announced_release['awards']
    assert won['status'] == 'pending'
    assert won['suppliers'][0]['name'] == 'PT Dua'
    assert won['value'] == {'amount': 1340000000, 'currency': 'IDR'}
    assert won['relatedBid'] == str(bids[WINNER].id)
    roles = {p['name']: p['roles'] for p in announced_release['parties']}
    assert roles['PT Dua'] == ['tenderer', 'supplier'] and roles['PT Tiga'] == ['tenderer']
    npwp = bids[WINNER].vendor.npwp
    assert {'scheme': 'ID-NPWP', 'id': npwp, 'legalName': 'PT Dua'} in [
        p.get('identifier') for p in announced_release['parties']
    ]
    assert awarded['awards'][0]['status'] == 'active'
    assert awarded['tender']['status'] == 'complete'
    assert any(d['title'].startswith('SPPBJ') for d in awarded['awards'][0]['documents'])
    compiled = record['records'][0]['compiledRelease']
    assert compiled['tag'] == ['compiled']
    assert compiled['awards'][0]['status'] == 'active'


def test_amendments_schedule_changes_and_answers(app, create_tender, cast, published):
    tender = create_tender(Stage.clarification)
    pokja = cast['pokja']
    before = tender.schedule[Stage.contract]
    documents.add_document(
        tender,
        kind='kak',
        title='KAK revisi',
        fileobj=io.BytesIO(PDF),
        filename='kak.pdf',
        reason='Spesifikasi aspal diperjelas',
        actor=pokja,
        now=T0,
        affects_bids=False,
    )
    moved = Window(before.start, before.end + timedelta(hours=2))
    tender_schedule.change_schedule(
        tender, {Stage.contract: moved}, reason='Gangguan listrik', actor=pokja, now=T0
    )
    question = questions.ask_question(
        tender, body='Apakah galian termasuk?', actor=cast['vendor'], now=T0
    )
    questions.answer_question(question, tender, answer='Ya.', actor=pokja, now=T0)
    db.session.commit()

    package, record = published(tender)
    releases = valid(package, record)
    assert tags(releases) == [
        ['tender'],
        ['tenderAmendment'],
        ['tenderAmendment'],
        ['tenderUpdate'],
    ]
    first, addendum, changed, answered = releases
    assert len(first['tender']['documents']) == 2 and len(addendum['tender']['documents']) == 3
    assert 'amendments' not in first['tender']
    assert addendum['tender']['amendments'][0]['rationale'] == 'Spesifikasi aspal diperjelas'
    due = [{m['id']: m['dueDate'] for m in r['tender']['milestones']} for r in (first, changed)]
    assert due[0]['contract'] < due[1]['contract']  # the old date in the first release
    assert due[0]['bid_submission'] == due[1]['bid_submission']
    assert changed['tender']['amendments'][1]['rationale'] == 'Gangguan listrik'
    assert first['tender']['hasEnquiries'] is False and answered['tender']['hasEnquiries'] is True
    # The answered question is published with its answer (enquiries extension), the asker
    # anonymous as on the tender page; no release before the answer carries it.
    assert answered['tender']['enquiries'] == [
        {
            'id': str(question.id),
            'date': stamp(T0, tender.timezone),
            'description': 'Apakah galian termasuk?',
            'answer': 'Ya.',
            'dateAnswered': stamp(T0, tender.timezone),
        }
    ]
    assert 'Apakah galian' not in json.dumps([first, addendum, changed])
    assert cast['vendor'].name not in json.dumps(releases)


def test_cancelled_journey(app, create_tender, published):
    tender = create_tender(Phase.cancelled)
    package, record = published(tender)
    releases = valid(package, record)
    assert tags(releases) == [['tender'], ['tenderCancellation']]
    assert releases[-1]['tender']['status'] == 'cancelled'
    reasons = [d for d in releases[-1]['tender']['documents'] if d['id'] == 'pembatalan']
    assert reasons[0]['description'] == 'Anggaran dialihkan'
    assert 'pembatalan' not in json.dumps(releases[0])
    assert record['records'][0]['compiledRelease']['tender']['status'] == 'cancelled'


def test_failed_and_retendered_journey(app, create_tender, cast, published):
    old = create_tender(Phase.failed)
    pokja = cast['pokja']
    new = operations.retender(old, actor=pokja, now=T0)
    tender_schedule.set_schedule(new, schedule_at(T0 + timedelta(days=1)), actor=pokja, now=T0)
    documents.add_document(
        new,
        kind='dokumen_pemilihan',
        title='Dokumen Pemilihan (ulang)',
        fileobj=io.BytesIO(PDF),
        filename='dokpil.pdf',
        reason='',
        actor=pokja,
        now=T0,
    )
    publication.publish_tender(new, actor=pokja, now=T0 + timedelta(minutes=5))
    db.session.commit()

    package, record = published(old)
    releases = valid(package, record)
    assert tags(releases) == [['tender'], ['tenderUpdate']]
    assert releases[-1]['tender']['status'] == 'unsuccessful'
    assert releases[-1]['tender']['documents'][-1]['description'] == 'Tidak ada penawaran'

    package, record = published(new)
    releases = valid(package, record)
    assert tags(releases) == [['tender']]
    assert ocid(new) == f'{ocid(old)}-v2'
    assert releases[0]['relatedProcesses'][0]['identifier'] == ocid(old)
    assert releases[0]['relatedProcesses'][0]['relationship'] == ['unsuccessfulProcess']
    assert releases[0]['tender']['documents'][1]['title'] == 'Dokumen Pemilihan (ulang)'


def test_two_file_journey(app, opened_tender, pokja, published):
    tender, bids = opened_tender(
        category='jasa_konsultansi',
        selection_method='seleksi',
        submission_files=2,
        evaluation_method='qcbs',
        method_params={
            'weights': {'technical': '0.8', 'price': '0.2'},
            'technical_threshold': '70',
        },
    )
    ok = {'passed': True}
    for bid, score in zip(bids, ('85', '65', '75'), strict=True):
        entries = {'administration': ok, 'qualification': ok}
        entries['technical'] = {'passed': True, 'score': score}
        recording.record(tender, bid.id, entries, actor=pokja[0], now=clock.now())
    db.session.commit()
    before, _record = published(tender)
    assert not any(name in json.dumps(before) for name in COMPANIES)
    open_price_envelopes(tender, bids)
    for bid in (bids[0], bids[2]):
        recording.record(tender, bid.id, {'pembuktian': ok}, actor=pokja[0], now=clock.now())
    agree_negotiation(tender, pokja[0])
    decision.propose(tender, actor=pokja[0], now=clock.now())
    approve(tender, pokja)
    announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()

    package, record = published(tender)
    releases = valid(package, record)
    assert tags(releases) == [['tender'], ['award']]
    assert releases[0]['tender']['mainProcurementCategory'] == 'services'
    assert releases[0]['tender']['awardCriteria'] == 'ratedCriteria'
    details = releases[1]['bids']['details']
    assert len(details) == 3
    assert {d['status'] for d in details} == {'valid', 'disqualified'}
    # File II of the bidder below the technical threshold was never opened: its price is no
    # one's business, before or after the announcement.
    unopened = next(d for d in details if d['id'] == str(bids[1].id))
    assert unopened['status'] == 'disqualified' and 'value' not in unopened
    assert all('value' in d for d in details if d is not unopened)


def test_withdrawn_announcement_is_an_award_update(app, announced, pokja, published):
    tender, bids, _row = announced
    filed = objections.file_objection(
        tender, actor=vendor_user(bids[LOSER]), grounds='Keberatan.', now=clock.now()
    )
    db.session.commit()
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        consequence='reevaluate',
        answer='Diterima.',
        now=clock.now(),
    )
    db.session.commit()

    package, record = published(tender)
    releases = valid(package, record)
    assert tags(releases) == [['tender'], ['award'], ['awardUpdate']]
    withdrawn = releases[-1]
    assert withdrawn['awards'][0]['status'] == 'cancelled'
    # The withdrawn result is no longer public: no bids and no losing bidder in the update.
    assert 'bids' not in withdrawn
    assert 'PT Tiga' not in json.dumps(withdrawn)


def test_nothing_of_the_bids_before_the_announcement(app, decided, published):
    tender, _bids = decided  # opened, evaluated and approved: not announced
    package, record = published(tender)
    releases = valid(package, record)
    text = json.dumps([package, record])
    assert not any(name in text for name in COMPANIES)
    assert all('bids' not in r and 'awards' not in r for r in releases)
    assert 'numberOfTenderers' not in releases[-1]['tender']


def test_draft_has_no_record(app, client, create_tender):
    tender = create_tender('ready')
    response = client.get(f'/api/v1/ocds/records/{ocid(tender)}')
    assert response.status_code == 404
    assert response.get_json()['error']['code'] == 'not_found'
