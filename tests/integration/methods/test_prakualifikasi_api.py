"""Tender Prakualifikasi (issue 18.1) through the API, from the announcement to the award:
three firms send their signed qualification forms (one signed on the server, one at its desk),
one fails a requirement; the Pokja's verdicts and approvals announce the shortlist; only the
shortlisted firms download and bid — a firm outside is refused on the page, the API and the
vendor CLI, told why; the opening, the evaluation with the shortlist's system verdicts, the
decision, the announcement and the SPPBJ; the open data validates."""

import hashlib
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import opening_helpers
import pytest
from evaluation.sanggah_fixtures import announcement_time
from evaluation.test_export_after_real_opening import _submit, _token
from ocds_validation import all_errors
from tenders.factories import login

from lpse import clock
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.opendata.releases import ocid
from lpse.tenders.documents import Document
from lpse.tenders.stages import Stage

from .prequal_api_steps import approve_all, evaluate, send, url
from .prequal_helpers import FIRST_FIRM_KEY, firm

OK = {'passed': True}
PRICES = {
    1: {1: Decimal('450000'), 2: Decimal('480000')},  # 1,410,000,000
    2: {1: Decimal('400000'), 2: Decimal('470000')},  # 1,340,000,000
}
ONE, TWO, THREE = 'PT Konsultan Prima 1', 'PT Konsultan Prima 2', 'PT Konsultan Prima 3'


def vendor_cli(server, token, *args):
    """The vendor CLI (`python -m lpse.console …`) against a live server, with the token."""
    return subprocess.run(
        [sys.executable, '-m', 'lpse.console', args[0], '--server', server, *args[1:]],
        capture_output=True,
        text=True,
        env={'LPSE_API_TOKEN': token, 'PATH': '/usr/bin:/bin'},
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )


@pytest.fixture
def firms(person):
    return {n: firm(person, n) for n in (1, 2, 3)}


@pytest.fixture
def shortlisted(client, konstruksi, firms, pokja):
    """Firms 1 and 2 on the shortlist; firm 3 sent its data and failed 'pengalaman'."""
    for n, user in firms.items():
        send(client, konstruksi, user, desk=n if n == 2 else None)
    evaluate(client, konstruksi, pokja[0], failing={THREE: ('pengalaman',)})
    return approve_all(client, konstruksi, pokja)


def test_api_journey_from_announcement_to_award(client, konstruksi, firms, pokja, cast):
    at_start = client.get(url(konstruksi, '/results')).get_json()
    assert (at_start['announced'], at_start['shortlist'], at_start['results']) == (False, None, [])
    # Firm 2 signs at its desk and uploads the PDF; the others sign on the server.
    sent = {
        n: send(client, konstruksi, user, desk=n if n == 2 else None) for n, user in firms.items()
    }
    for row in sent.values():
        assert row['status'] == 'submitted' and row['document']['id']
        assert 'verdicts' not in row  # the Pokja's verdicts are not the vendor's before the result
    listing = evaluate(client, konstruksi, pokja[0], failing={THREE: ('pengalaman',)})
    assert [s['vendor']['name'] for s in listing['submissions']] == [ONE, TWO, THREE]
    assert {s['document']['id'] for s in listing['submissions']} == {
        r['document']['id'] for r in sent.values()
    }
    assert {'sbu', 'skp', 'pengalaman'} <= set(listing['requirements'])
    # Half the Pokja (2 of 3) approve the result they saw; the second approval announces it.
    announced = approve_all(client, konstruksi, pokja)
    assert announced['approvals'] == announced['needed'] == 2
    assert [(s['rank'], s['vendor']['name']) for s in announced['shortlist']] == [
        (1, ONE),
        (2, TWO),
    ]
    result = announced['announced']
    assert result['withdrawn'] is False and result['documents']['notice']['id']
    public = client.get(url(konstruksi, '/results')).get_json()
    assert public['announced'] and [s['vendor']['name'] for s in public['shortlist']] == [ONE, TWO]
    assert public['results'][0]['result_sha256'] == result['result_sha256']
    tender_json = client.get(f'/api/v1/tenders/{konstruksi.code}').get_json()
    assert tender_json['qualification_method'] == 'prakualifikasi'
    assert [s['vendor'] for s in tender_json['shortlist']] == [ONE, TWO]
    # The failing firm sees its verdicts now, with the reason.
    mine = client.get(url(konstruksi, '/submission'), headers=_token(client, firms[3])).get_json()
    assert mine['passed'] is False and mine['shortlisted'] is False
    assert mine['verdicts']['pengalaman'] == {'passed': False, 'reason': 'Tidak ada bukti'}
    events = db.session.scalars(
        db.select(AuditEvent.action)
        .where(AuditEvent.action.like('qualification.%'))
        .order_by(AuditEvent.seq)
    ).all()
    assert events.count('qualification.submitted') == 3
    assert events[-1] == 'qualification.announced'

    # The shortlist bids; the opening, the evaluation and the award follow as in any tender.
    clock.set_now(konstruksi.schedule[Stage.bid_submission].start + timedelta(hours=1))
    for n in (1, 2):
        _submit(client, konstruksi, firms[n], FIRST_FIRM_KEY + n, PRICES[n])
    clock.set_now(konstruksi.schedule[Stage.bid_opening].start + timedelta(minutes=30))
    opening_helpers.open_all(konstruksi, pokja)
    clock.set_now(konstruksi.schedule[Stage.evaluation].start)
    h = _token(client, pokja[0])
    code = konstruksi.code
    live = client.get(f'/api/v1/tenders/{code}/evaluation', headers=h).get_json()
    for sheet in live['worksheets']:
        refused = client.put(
            f'/api/v1/tenders/{code}/bids/{sheet["bid"]}/evaluation',
            json={'administration': OK, 'qualification': OK, 'technical': OK},
            headers=h,
        )
        assert refused.status_code == 422, refused.get_json()  # the shortlist decided it
        entered = client.put(
            f'/api/v1/tenders/{code}/bids/{sheet["bid"]}/evaluation',
            json={'administration': OK, 'technical': OK},
            headers=h,
        )
        assert entered.status_code == 200, entered.get_json()
    proposed = client.post(f'/api/v1/tenders/{code}/result', json={}, headers=h)
    assert proposed.status_code == 201, proposed.get_json()
    approved = client.post(
        f'/api/v1/tenders/{code}/result/approvals',
        json={'proposal': proposed.get_json()['id']},
        headers=_token(client, pokja[1]),
    )
    assert approved.status_code == 200, approved.get_json()
    announcement_time(konstruksi)
    winner_announced = client.post(f'/api/v1/tenders/{code}/announce', headers=h)
    assert winner_announced.status_code == 201, winner_announced.get_json()
    bidders = winner_announced.get_json()['result']['bidders']
    assert {b['vendor']['name'] for b in bidders} == {ONE, TWO}
    winner = next(b for b in bidders if b['winner'])
    assert winner['vendor']['name'] == TWO and winner['columns']['PT'] == '1340000000'
    assert winner['columns']['K'] == 'passed' and winner['columns']['B'] == 'passed'
    clock.set_now(konstruksi.schedule[Stage.award].start + timedelta(minutes=1))
    awarded = client.post(f'/api/v1/tenders/{code}/award', headers=_token(client, cast['ppk']))
    assert awarded.status_code == 201, awarded.get_json()
    assert awarded.get_json()['vendor'] == TWO
    # The export recomputes with the shortlist's verdicts.
    from lpse.evaluation import export

    db.session.expire_all()
    case = export.build_case(konstruksi)
    for bid in case['bids']:
        assert bid['verdicts']['qualification']['passed']
        assert bid['verdicts']['pembuktian']['passed']
    releases = client.get('/api/v1/ocds/releases', query_string={'ocid': ocid(konstruksi)})
    record = client.get(f'/api/v1/ocds/records/{ocid(konstruksi)}')
    assert releases.status_code == 200, releases.get_data(as_text=True)[:2000]
    assert all_errors(releases.get_json()) == []
    assert all_errors(record.get_json(), 'record') == []


def test_outside_the_shortlist_refused_at_download_and_upload_everywhere(
    client, konstruksi, firms, person, shortlisted, tmp_path, live_server
):
    outsider = firm(person, 4)  # never sent its data
    clock.set_now(konstruksi.schedule[Stage.bid_submission].start + timedelta(hours=1))
    document = db.session.scalars(
        db.select(Document).where(Document.tender_id == konstruksi.id)
    ).first()
    page_url = f'/tenders/{konstruksi.code}/documents/{document.id}'
    api_url = f'/api/v1/tenders/{konstruksi.code}/documents/{document.id}'
    login(client, firms[1].email)
    assert client.get(page_url).status_code == 200
    client.post('/auth/logout')
    for user in (firms[3], outsider):
        login(client, user.email)
        refused = client.get(page_url)
        assert refused.status_code == 403
        assert 'daftar pendek' in refused.get_data(as_text=True)
        page = client.get(f'/tenders/{konstruksi.code}').get_data(as_text=True)
        assert 'daftar pendek' in page
        client.post('/auth/logout')
        # The API refuses the upload before reading the envelope, saying why …
        response = client.post(
            f'/api/v1/tenders/{konstruksi.code}/bids',
            data=b'0' * 64,
            headers={**_token(client, user), 'Content-Type': 'application/pkcs7-mime'},
        )
        assert response.status_code == 403, response.get_json()
        assert 'daftar pendek' in response.get_json()['error']['message']
        # The API refuses the document download, saying why, and logs none.
        refused = client.get(api_url, headers=_token(client, user))
        assert refused.status_code == 403
        assert 'daftar pendek' in refused.get_json()['error']['message']
    # … and so does the vendor CLI against a live server, at download and at upload.
    fetched = tmp_path / 'dokumen.pdf'

    def download(user):
        token = _token(client, user)['Authorization'].split()[1]
        where = ('--tender', konstruksi.code, '--document', str(document.id), '-o', str(fetched))
        return vendor_cli(live_server, token, 'download-document', *where)

    cli = download(firms[3])
    assert cli.returncode == 1 and 'daftar pendek' in cli.stderr
    assert not fetched.exists()
    (tmp_path / 'bid.p7m').write_bytes(b'0' * 64)
    token = _token(client, firms[3])['Authorization'].split()[1]
    cli = vendor_cli(
        live_server, token, 'submit', '--tender', konstruksi.code, str(tmp_path / 'bid.p7m')
    )
    assert cli.returncode != 0
    assert 'daftar pendek' in cli.stdout + cli.stderr
    logged = db.session.scalars(
        db.select(AuditEvent.actor_id).where(AuditEvent.action == 'tender.document_downloaded')
    ).all()
    assert firms[3].id not in logged and outsider.id not in logged
    # A shortlisted firm downloads through the API and the CLI: the published bytes.
    got = client.get(api_url, headers=_token(client, firms[1]))
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == document.sha256
    cli = download(firms[1])
    assert cli.returncode == 0, cli.stderr
    assert hashlib.sha256(fetched.read_bytes()).hexdigest() == document.sha256
    # A shortlisted firm's bid is accepted.
    _submit(client, konstruksi, firms[1], FIRST_FIRM_KEY + 1, PRICES[1])
