"""Tender Cepat (issue 18.3): its own stages (no aanwijzing), automatic qualification from the
verified register data — a vendor missing a requirement is refused at download and at upload,
on the page, the API and the CLI, and told which requirement — and the lowest price wins, with
no worksheet for the Pokja to fill beyond the decision. A journey through the API from the
announcement to the award."""

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import opening_helpers
from bidding.test_web_form import form_data
from evaluation.sanggah_fixtures import announcement_time
from evaluation.test_export_after_real_opening import _submit, _token
from ocds_validation import all_errors
from sqlalchemy import func, select
from tenders.factories import T0, login

from lpse import clock
from lpse.bids.models import Bid
from lpse.extensions import db
from lpse.opendata.releases import ocid
from lpse.tenders.documents import Document
from lpse.tenders.stages import Stage

from .conftest import KBLI, OTHER_KEY, VENDOR_KEY, register

PRICES = {'bidder': {1: Decimal('450000'), 2: Decimal('480000')}}


def _publish(client, tender, pokja_user):
    clock.set_now(T0)
    response = client.post(
        f'/api/v1/tenders/{tender.code}/publish', headers=_token(client, pokja_user)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_method_declares_its_stages_without_the_aanwijzing(client, fast_draft, cast):
    published = _publish(client, fast_draft, cast['pokja'])
    assert published['selection_method'] == 'tender_cepat'
    assert 'clarification' not in published['method_stages']
    assert [s['stage'] for s in published['schedule']] == published['method_stages']
    assert published['required_kbli'] == [KBLI]
    # No Q&A stage: a question is refused whenever it comes.
    clock.set_now(fast_draft.schedule[Stage.download].start + timedelta(hours=1))
    register(cast['vendor'])
    asked = client.post(
        f'/api/v1/tenders/{fast_draft.code}/questions',
        json={'body': 'Apakah boleh merek lain?'},
        headers=_token(client, cast['vendor']),
    )
    assert asked.status_code in (403, 409), asked.get_json()
    page = client.get(f'/tenders/{fast_draft.code}').get_data(as_text=True)
    assert 'Pemberian penjelasan (tanya jawab)' not in page
    assert 'Upload Dokumen Penawaran' in page and 'Pemberian Penjelasan' not in page


def test_a_schedule_with_an_aanwijzing_or_a_wrong_setup_is_refused(client, fast_draft, cast):
    from tenders.factories import schedule_at

    from lpse.tenders import schedule as tender_schedule

    h = _token(client, cast['pokja'])
    full = {
        s.value: {'start': w.start.isoformat(), 'end': w.end.isoformat()}
        for s, w in schedule_at(T0 + timedelta(days=1)).items()
    }
    refused = client.patch(f'/api/v1/tenders/{fast_draft.code}', json={'schedule': full}, headers=h)
    assert refused.status_code == 422, refused.get_json()
    assert 'tidak memiliki tahap ini' in refused.get_json()['error']['message']
    assert Stage.clarification not in fast_draft.schedule
    changed = client.patch(
        f'/api/v1/tenders/{fast_draft.code}',
        json={'evaluation_method': 'merit_point', 'submission_files': 2, 'required_kbli': ''},
        headers=h,
    )
    assert changed.status_code == 200, changed.get_json()
    refused = client.post(f'/api/v1/tenders/{fast_draft.code}/publish', headers=h)
    reasons = ' | '.join(refused.get_json()['error']['reasons'])
    assert refused.status_code == 422, reasons
    assert 'lowest_price' in reasons and 'satu file' in reasons and 'KBLI' in reasons
    bad = client.patch(
        f'/api/v1/tenders/{fast_draft.code}', json={'required_kbli': '4659'}, headers=h
    )
    assert bad.status_code == 422 and 'KBLI harus 5 angka' in bad.get_json()['error']['message']
    assert tender_schedule.changes_of(fast_draft) == []
    # The schedule form asks for the method's stages only.
    login(client, cast['pokja'].email)
    form = client.get(f'/tenders/{fast_draft.code}/schedule').get_data(as_text=True)
    assert 'Upload Dokumen Penawaran' in form and 'Pemberian Penjelasan' not in form


def test_a_vendor_missing_a_requirement_is_refused_and_told_which(
    client, fast_draft, cast, bidder, rival, tmp_path, live_server
):
    _publish(client, fast_draft, cast['pokja'])
    register(bidder)
    register(rival, kbli='62019')  # a licence, but not the KBLI the package asks for
    clock.set_now(fast_draft.schedule[Stage.bid_submission].start + timedelta(hours=1))
    document = db.session.scalars(
        db.select(Document).where(Document.tender_id == fast_draft.id)
    ).first()
    url = f'/tenders/{fast_draft.code}/documents/{document.id}'
    login(client, bidder.email)
    assert client.get(url).status_code == 200
    client.post('/auth/logout')
    login(client, rival.email)
    refused = client.get(url)
    assert refused.status_code == 403
    assert f'KBLI yang disyaratkan ({KBLI})' in refused.get_data(as_text=True)
    # The tender page says it before the vendor tries.
    page = client.get(f'/tenders/{fast_draft.code}').get_data(as_text=True)
    assert f'KBLI yang disyaratkan ({KBLI})' in page
    client.post('/auth/logout')
    # Upload: the API refuses before reading the envelope, naming the requirement …
    response = client.post(
        f'/api/v1/tenders/{fast_draft.code}/bids',
        data=b'0' * 64,
        headers={**_token(client, rival), 'Content-Type': 'application/pkcs7-mime'},
    )
    assert response.status_code == 403, response.get_json()
    assert KBLI in response.get_json()['error']['message']
    # … and so does the vendor CLI against a live server.
    (tmp_path / 'bid.p7m').write_bytes(b'0' * 64)
    token = _token(client, rival)['Authorization'].split()[1]
    cli = subprocess.run(
        [
            *(sys.executable, '-m', 'lpse.console', 'submit', '--server', live_server),
            *('--tender', fast_draft.code, str(tmp_path / 'bid.p7m')),
        ],
        capture_output=True,
        text=True,
        env={'LPSE_API_TOKEN': token, 'PATH': '/usr/bin:/bin'},
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )
    assert cli.returncode != 0
    assert KBLI in cli.stdout + cli.stderr
    # The qualified vendor's bid is accepted.
    _submit(client, fast_draft, bidder, VENDOR_KEY, PRICES['bidder'])


def test_api_journey_from_announcement_to_award_lowest_price_wins(
    client, fast_draft, cast, bidder, rival, pokja
):
    _publish(client, fast_draft, cast['pokja'])
    register(bidder)
    register(rival)
    clock.set_now(fast_draft.schedule[Stage.bid_submission].start + timedelta(hours=1))
    _submit(client, fast_draft, bidder, VENDOR_KEY, {1: Decimal('450000'), 2: Decimal('480000')})
    _submit(client, fast_draft, rival, OTHER_KEY, {1: Decimal('400000'), 2: Decimal('470000')})
    clock.set_now(fast_draft.schedule[Stage.bid_opening].start + timedelta(minutes=30))
    opening_helpers.open_all(fast_draft, pokja)
    clock.set_now(fast_draft.schedule[Stage.evaluation].start)
    h = _token(client, pokja[0])
    live = client.get(f'/api/v1/tenders/{fast_draft.code}/evaluation', headers=h).get_json()
    # Qualification comes from the register: nothing for the Pokja to enter, and refused if tried.
    sheet = live['worksheets'][0]
    entry = client.put(
        f'/api/v1/tenders/{fast_draft.code}/bids/{sheet["bid"]}/evaluation',
        json={'qualification': {'passed': False, 'reason': 'coba'}},
        headers=h,
    )
    assert entry.status_code == 422, entry.get_json()
    assert 'Tender Cepat' in entry.get_json()['error']['message']
    proposed = client.post(f'/api/v1/tenders/{fast_draft.code}/result', json={}, headers=h)
    assert proposed.status_code == 201, proposed.get_json()
    proposal = proposed.get_json()
    approved = client.post(
        f'/api/v1/tenders/{fast_draft.code}/result/approvals',
        json={'proposal': proposal['id']},
        headers=_token(client, pokja[1]),
    )
    assert approved.status_code == 200, approved.get_json()
    announcement_time(fast_draft)
    announced = client.post(f'/api/v1/tenders/{fast_draft.code}/announce', headers=h)
    assert announced.status_code == 201, announced.get_json()
    result = announced.get_json()['result']
    winner = next(b for b in result['bidders'] if b['winner'])
    assert winner['vendor']['name'] == 'CV Saingan'  # 1,340,000,000 < 1,410,000,000
    assert winner['columns']['PT'] == '1340000000' and winner['rank'] == 1
    assert winner['columns']['K'] == 'passed' and winner['columns']['B'] == 'passed'
    clock.set_now(fast_draft.schedule[Stage.award].start + timedelta(minutes=1))
    awarded = client.post(
        f'/api/v1/tenders/{fast_draft.code}/award', headers=_token(client, cast['ppk'])
    )
    assert awarded.status_code == 201, awarded.get_json()
    # The export recomputes exactly, the method's verdicts included.
    from lpse.evaluation import export

    db.session.expire_all()
    case = export.build_case(fast_draft)
    verdicts = case['bids'][0]['verdicts']
    assert verdicts['qualification']['passed'] and verdicts['pembuktian']['passed']
    # Open data: every release and the record validate (OCDS 1.1.5 + bids extension); the
    # method is named, and there is no enquiry period (no aanwijzing).
    releases = client.get('/api/v1/ocds/releases', query_string={'ocid': ocid(fast_draft)})
    record = client.get(f'/api/v1/ocds/records/{ocid(fast_draft)}')
    assert all_errors(releases.get_json()) == []
    assert all_errors(record.get_json(), 'record') == []
    compiled = record.get_json()['records'][0]['compiledRelease']['tender']
    assert compiled['procurementMethodDetails'] == 'Tender Cepat'
    assert 'enquiryPeriod' not in compiled and 'tenderPeriod' in compiled


def test_the_bid_is_the_price_alone(client, fast_draft, cast, bidder):
    _publish(client, fast_draft, cast['pokja'])
    register(bidder)
    clock.set_now(fast_draft.schedule[Stage.bid_submission].start + timedelta(hours=1))
    login(client, bidder.email)
    url = f'/tenders/{fast_draft.code}/bid'
    page = client.get(url).get_data(as_text=True)
    assert 'name="attachments"' not in page
    assert 'Tender Cepat: penawaran hanya harga, tanpa lampiran.' in page
    # A form posted with a file anyway (a crafted request) is refused, nothing sealed.
    refused = client.post(url, data=form_data(), content_type='multipart/form-data')
    assert refused.status_code == 422
    assert 'Penawaran Tender Cepat hanya harga: lampiran tidak diterima.' in refused.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(Bid.id))) == 0
    data = form_data()
    del data['attachments']
    sent = client.post(url, data=data, content_type='multipart/form-data')
    assert sent.status_code == 302, sent.get_data(as_text=True)
    sent.close()
    assert db.session.scalar(select(func.count(Bid.id))) == 1
