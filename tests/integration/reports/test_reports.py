"""The auditor reports against the hand-counted fixture (conftest.ROWS): every figure, the
chart, CSV, XLSX and signed PDF, the API, the scope, refused roles and bad filters."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
from helpers import login
from sqlalchemy import select

from lpse import audit, checkpoints, clock, pki_service
from lpse.auditor.reports import figures, sums
from lpse.auditor.reports.filters import Filters
from lpse.auditor.reports.models import TenderReportMark
from lpse.auth import scope as scopes
from lpse.documents.models import IssuedDocument
from lpse.extensions import db
from lpse.pdf import verify_pdf

NATIONAL = scopes.NATIONAL
WIB = ZoneInfo('Asia/Jakarta')
# The figures from the rows' sums (what a refresh leaves) and from the rows alone.
BOTH_PATHS = pytest.mark.parametrize('fixture', ['summed', 'rows'], indirect=True)


def tables(filters=None, scope=NATIONAL):
    filters = filters or Filters()
    return {t.key: t for t in figures.all_tables(filters, scope, now=clock.now())}


@BOTH_PATHS
def test_every_figure_equals_the_hand_count(fixture):
    t = tables()
    # Current versions, B-1 v2, B-2 (B-1 v1 was retendered).
    assert [(r['stage'], r['tenders']) for r in t['stages'].rows] == [
        ('upcoming', 1),
        ('winner_announcement', 1),
        ('contract', 1),
        ('implementation', 1),
        ('cancelled', 1),
    ]
    assert {r['outcome']: r['tenders'] for r in t['outcomes'].rows} == {
        'running': 1, 'decided': 1, 'awarded': 1, 'contracted': 1, 'cancelled': 1,
    }  # fmt: skip
    savings = t['savings']
    assert [(r['code'], r['hps'], r['winning_price'], r['savings'], r['savings_pct'])
            for r in savings.rows] == [
        ('A-1', Decimal('1000.00'), Decimal('900.00'), Decimal('100.00'), Decimal('10.00')),
        ('A-2', Decimal('2000.00'), Decimal('1500.00'), Decimal('500.00'), Decimal('25.00')),
        ('B-1', Decimal('800.00'), Decimal('700.00'), Decimal('100.00'), Decimal('12.50')),
    ]  # fmt: skip
    assert savings.totals == {
        'tenders': 3, 'hps': Decimal('3800.00'), 'winning_price': Decimal('3100.00'),
        'savings': Decimal('700.00'), 'savings_pct': Decimal('18.42'),
    }  # fmt: skip
    # Deadline passed: A-1 (3 bidders), A-2 (1), A-3 (2), B-1 v2 (2); B-2's is still ahead.
    bidders = t['bidders']
    assert [(r['bidders'], r['tenders'], r['share']) for r in bidders.rows] == [
        (1, 1, Decimal('25.00')), (2, 2, Decimal('50.00')), (3, 1, Decimal('25.00')),
    ]  # fmt: skip
    assert bidders.totals == {
        'tenders': 4, 'single_bidder': 1, 'single_bidder_pct': Decimal('25.00'),
    }  # fmt: skip
    assert [(r['measure'], r['tenders'], r['mean_days'], r['min_days'], r['max_days'])
            for r in t['durations'].rows] == [
        ('award', 2, Decimal('15.0'), 10, 20), ('contract', 1, Decimal('30.0'), 30, 30),
    ]  # fmt: skip
    ended = t['ended']
    assert [(r['code'], r['version'], r['kind'], r['reason']) for r in ended.rows] == [
        ('B-1', 1, 'retendered', 'Penawaran di atas HPS'),
        ('B-2', 1, 'cancelled', 'Anggaran dipotong'),
    ]
    assert {k: ended.totals[k] for k in ('failed', 'cancelled', 'retendered')} == {
        'failed': 0, 'cancelled': 1, 'retendered': 1,
    }  # fmt: skip
    assert t['objections'].totals == {
        'filed': 3, 'accepted': 1, 'tenders': 2, 'accepted_pct': Decimal('33.33'),
    }  # fmt: skip
    # Bids in current versions: Alfa A-1, A-3 (won A-1); Beta, B-1 (won A-2);
    # Gamma, B-1 (won B-1).
    assert [(r['vendor'], r['wins'], r['bids']) for r in t['vendor_wins'].rows] == [
        ('CV Beta', 1, 3), ('PT Gamma', 1, 3), ('PT Alfa', 1, 2),
    ]  # fmt: skip
    assert [(r['vendor'], r['bids'], r['wins']) for r in t['vendor_bids'].rows] == [
        ('CV Beta', 3, 1), ('PT Gamma', 3, 1), ('PT Alfa', 2, 1),
    ]  # fmt: skip


@BOTH_PATHS
def test_filters_narrow_every_figure(fixture):
    barang = tables(Filters(category='barang'))  # B-2
    # The stage index read alone (a filter it carries) and joined to the rows (one it lacks).
    assert [(r['stage'], r['tenders']) for r in barang['stages'].rows] == [
        ('upcoming', 1), ('implementation', 1), ('cancelled', 1),
    ]  # fmt: skip
    published = tables(Filters(status='published'))  # B-1 v2
    assert [(r['stage'], r['tenders']) for r in published['stages'].rows] == [
        ('upcoming', 1), ('winner_announcement', 1), ('contract', 1), ('implementation', 1),
    ]  # fmt: skip
    assert {r['outcome']: r['tenders'] for r in barang['outcomes'].rows} == {
        'running': 1, 'contracted': 1, 'cancelled': 1,
    }  # fmt: skip
    assert barang['savings'].totals['hps'] == Decimal('1000.00')
    in_2025 = tables(Filters(year=2025, hps_min=Decimal(900)))
    assert in_2025['savings'].totals['savings'] == Decimal('600.00')
    assert in_2025['objections'].totals['filed'] == 3
    agency_b = tables(Filters(agency='AGB', status='published'))  # B-1 v2
    assert agency_b['bidders'].totals == {
        'tenders': 1, 'single_bidder': 0, 'single_bidder_pct': Decimal('0.00'),
    }  # fmt: skip
    assert [r['vendor'] for r in agency_b['vendor_wins'].rows] == ['PT Gamma']


@BOTH_PATHS
def test_an_agency_auditor_sees_only_its_agency(fixture):
    scope = scopes.Scope(national=False, agency_ids=frozenset({fixture['agencies']['A'].id}))
    t = tables(scope=scope)
    assert t['outcomes'].totals['tenders'] == 3
    assert [(r['stage'], r['tenders']) for r in t['stages'].rows] == [
        ('upcoming', 1), ('contract', 1), ('implementation', 1),
    ]  # fmt: skip
    assert t['savings'].totals['hps'] == Decimal('3000.00')
    assert t['ended'].rows == []
    # In agency A: Alfa bid A-1, A-3 (won A-1); Beta A-1, A-2 (won A-2); Gamma.
    # Ties on bids and wins go by name.
    assert [(r['vendor'], r['bids'], r['wins']) for r in t['vendor_bids'].rows] == [
        ('CV Beta', 2, 1), ('PT Alfa', 2, 1), ('PT Gamma', 2, 0),
    ]  # fmt: skip


def _figures(filters, scope, now):
    return [t.as_json() for t in figures.all_tables(filters, scope, now=now, limit=None)]


def test_the_sums_give_what_the_rows_give(fixture, monkeypatch):
    """Every filter and scope the sums answer gives the rows' figures: at the moment they were
    summed, after B-2's deadline passed with no refresh since, and before any deadline."""
    in_a = scopes.Scope(national=False, agency_ids=frozenset({fixture['agencies']['A'].id}))
    cases = [
        (f, s)
        for f in (
            Filters(),
            Filters(agency='AGB'),
            Filters(year=2025),
            Filters(category='barang', status='cancelled'),
            Filters(method='seleksi', year=2025),
        )
        for s in (NATIONAL, in_a, scopes.Scope(national=False))
    ]
    mark = db.session.get(TenderReportMark, 1)
    summed = mark.summed_at
    for now in (summed, summed + timedelta(days=4), summed - timedelta(days=100)):
        mark.summed_at = None
        expected = [_figures(f, s, now) for f, s in cases]
        mark.summed_at = summed
        with monkeypatch.context() as patch:
            patch.setattr(figures, 'aggregate', None)  # the rows' pass is not taken
            patch.setattr(figures, 'bid_counts', None)
            assert [_figures(f, s, now) for f, s in cases] == expected, now
    bidders = {
        now: figures.table('bidders', Filters(), NATIONAL, now=now).totals['tenders']
        for now in (summed, summed + timedelta(days=4), summed - timedelta(days=100))
    }
    assert list(bidders.values()) == [4, 5, 0]  # B-2 counted once its deadline passed


def test_a_work_unit_or_hps_filter_reads_the_rows(fixture):
    assert sums.summed_at(Filters(), NATIONAL) is not None
    for filters in (Filters(work_unit=1), Filters(hps_min=Decimal(1)), Filters(hps_max=Decimal(9))):
        assert sums.summed_at(filters, NATIONAL) is None
    assert sums.summed_at(Filters(), scopes.Scope(national=False, tender_codes={'A-1'})) is None


def _auditor(person, fixture, agency=None):
    user = person('auditor@bpkp.go.id', 'auditor')
    if agency:
        scopes.set_scope(
            user, national=False, agency_ids=[fixture['agencies'][agency].id],
            actor=None, now=clock.now(), ip=None,
        )  # fmt: skip
        db.session.commit()
    return user


def test_page_chart_and_csv(client, person, fixture):
    user = _auditor(person, fixture)
    assert login(client, user.email).status_code == 302
    assert '/auditor/reports/' in client.get('/audit/home').get_data(as_text=True)
    page = client.get('/auditor/reports/')
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'Rp3.800' in html and 'Tender ulang' in html and 'PT Gamma' in html
    assert '/auditor/reports/bidders.svg' in html
    announced = (clock.now() - timedelta(days=50)).astimezone(WIB).date()
    assert f'>{announced:%d/%m/%Y}</td>' in html and f'>{announced.isoformat()}<' not in html
    # The filters' choices are words, their values the codes.
    assert '<option value="barang" >Pengadaan Barang</option>' in html
    assert '<option value="tender_cepat" >Tender Cepat</option>' in html
    assert '<option value="cancelled" >Dibatalkan</option>' in html
    assert '>barang</option>' not in html and '>published</option>' not in html
    filtered = client.get('/auditor/reports/?status=failed').get_data(as_text=True)
    assert '<option value="failed" selected>Gagal</option>' in filtered
    svg = client.get('/auditor/reports/bidders.svg')
    assert svg.mimetype == 'image/svg+xml' and svg.get_data(as_text=True).count('<rect') == 3
    scoped = client.get('/auditor/reports/savings.csv?year=2025')
    rows = list(csv.reader(io.StringIO(scoped.get_data(as_text=True))))
    assert rows[0][:3] == ['Kode', 'Nama paket', 'HPS']
    assert [r[0] for r in rows[1:]] == ['A-1', 'A-2', 'B-1']
    assert rows[1][2:6] == ['1000.00', '900.00', '100.00', '10.00']
    read = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == 'read.report')
    ).all()
    assert len(read) == 1 and read[0].actor_id == user.id
    assert 'year=2025' in read[0].payload


def test_xlsx_and_signed_pdf_jobs(client, person, fixture, authority):
    user = _auditor(person, fixture)
    assert login(client, user.email).status_code == 302
    xlsx = client.post('/auditor/reports/export/xlsx', data={'year': '2025'})
    assert xlsx.status_code == 303
    job_page = client.get(xlsx.headers['Location'])
    assert job_page.status_code == 200
    job_id = int(xlsx.headers['Location'].rstrip('/').split('/')[-1])
    data = client.get(f'/jobs/{job_id}/result')
    assert data.status_code == 200, data.get_data(as_text=True)[:500]
    book = openpyxl.load_workbook(io.BytesIO(data.data))
    sheet = book['savings']
    assert [c.value for c in sheet[2]][:4] == ['A-1', 'Paket 1', 1000, 900]
    assert (
        isinstance(sheet['C2'].value, int | float) and sheet['C2'].number_format == '"Rp"#,##0.00'
    )
    announced = sheet['G2'].value  # a date cell (openpyxl reads it back as a datetime)
    assert announced.date() == (clock.now() - timedelta(days=50)).astimezone(WIB).date()
    assert sheet['G2'].number_format == 'yyyy-mm-dd' and sheet['H2'].value is None
    assert book['bidders']['B2'].value == 1 and book['bidders']['C2'].number_format == '0.00'

    pdf = client.post('/auditor/reports/export/pdf', data={})
    job_id = int(pdf.headers['Location'].rstrip('/').split('/')[-1])
    body = client.get(f'/jobs/{job_id}/result')
    assert body.status_code == 200 and body.data.startswith(b'%PDF-')
    text = ''.join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body.data)).pages)
    assert 'hps dan harga pemenang' in text.lower()
    assert 'Rp1.500' in text and 'Anggaran dipotong' in text and 'PT Gamma' in text
    flat = ' '.join(text.split())
    assert 'HPS Rp3.800, harga pemenang Rp3.100, selisih Rp700 (18,42%)' in flat
    assert '1 dengan satu penawar (25%)' in flat and '1 dari 3 sanggah diterima' in flat
    verdict = verify_pdf(
        body.data,
        ca_cert=pki_service.authority().ca_cert,
        system_certs=checkpoints.system_certificates(),
    )
    assert verdict.valid
    reads = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == 'read.report')
    ).all()
    assert len(reads) == 2


def test_the_signed_pdf_report_is_an_issued_document_anyone_can_verify(
    app, client, person, fixture, authority
):
    """The PDF's verify address answers, /verify says the file is genuine, the job page shows
    no table code, the file name is in the reader's time, and only its owner downloads it
    again from the documents."""
    user = _auditor(person, fixture)
    assert login(client, user.email).status_code == 302
    pdf = client.post('/auditor/reports/export/pdf', data={})
    job_url = pdf.headers['Location']
    job_page = client.get(job_url).get_data(as_text=True)
    assert 'vendor_bids' not in job_page
    stamp = clock.now().astimezone(WIB).strftime('%Y%m%d-%H%M')
    assert f'laporan-audit-{stamp}.pdf' in job_page
    body = client.get(f'{job_url.rstrip("/")}/result').data
    text = ' '.join(
        ''.join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages).split()
    )
    document_id = text.split('/verify/')[1][:20]
    detail = client.get(f'/verify/{document_id}')
    assert detail.status_code == 200 and 'Laporan Audit Lintas Tender' in detail.get_data(
        as_text=True
    )
    verdict = client.post(
        '/verify',
        data={'file': (io.BytesIO(body), 'laporan.pdf')},
        content_type='multipart/form-data',
    ).get_data(as_text=True)
    assert 'Asli: dokumen ini diterbitkan oleh sistem ini.' in verdict
    row = db.session.get(IssuedDocument, document_id)
    assert 'PT Gamma' not in row.data and 'sections' not in row.data  # nor in the state log
    response = client.get(f'/documents/{document_id}.pdf')
    assert response.status_code == 200 and response.data == body
    response.close()
    other = person('inspektorat@kota.go.id', 'auditor')  # another auditor, not its owner
    another = app.test_client()
    assert login(another, other.email).status_code == 302
    assert another.get(f'/documents/{document_id}.pdf').status_code == 403


def test_the_api_gives_the_same_figures(client, person, fixture, api_token_for):
    headers = api_token_for(_auditor(person, fixture, agency='A'))
    body = client.get('/api/v1/audit/reports', headers=headers).get_json()
    assert body['tables']['savings']['totals']['hps'] == '3000.00'
    assert body['tables']['outcomes']['totals']['tenders'] == 3
    one = client.get('/api/v1/audit/reports/bidders?year=2025', headers=headers).get_json()
    assert [(r['bidders'], r['tenders']) for r in one['table']['rows']] == [(1, 1), (3, 1)]
    bad = client.get('/api/v1/audit/reports?year=abc', headers=headers)
    assert bad.status_code == 422 and 'year' in str(bad.get_json()['error'])
    csv_text = client.get('/api/v1/audit/reports/vendor_bids.csv', headers=headers).get_data(
        as_text=True
    )
    assert list(csv.reader(io.StringIO(csv_text)))[1:] == [
        ['CV Beta', '2', '1'], ['PT Alfa', '2', '1'], ['PT Gamma', '2', '0'],
    ]  # fmt: skip
    assert client.get('/api/v1/audit/reports/nothing', headers=headers).status_code == 404


def test_bad_filters_are_a_clear_error(client, person, fixture):
    assert login(client, _auditor(person, fixture).email).status_code == 302
    # HPS 800 to 1000 as typed on the page: A-1 (900 won) and B-1 v2 (700 won); A-3 has none.
    typed = client.get('/auditor/reports/?hps_min=Rp800&hps_max=1.000%2C00')
    assert typed.status_code == 200
    assert 'HPS Rp1.800, harga pemenang Rp1.600' in typed.get_data(as_text=True)
    for query in (
        'year=abc',
        'hps_max=1e5',
        'year=1999',
        'hps_min=5&hps_max=1',
        'agency=NOPE',
        'status=draft',
        'hps_min=-1',
    ):
        response = client.get(f'/auditor/reports/?{query}')
        assert response.status_code == 422, query


def test_other_roles_are_refused(client, person, fixture):
    for n, role in enumerate(('vendor', 'pokja', 'ppk')):
        user = person(f'u{n}@uji.go.id', role)
        client.get('/auth/logout')
        assert login(client, user.email).status_code == 302
        assert client.get('/auditor/reports/').status_code == 403, role
        assert client.get('/auditor/reports/savings.csv').status_code == 403, role


def test_an_ended_assignment_is_refused(client, person, fixture):
    user = _auditor(person, fixture, agency='A')
    row = db.session.get(scopes.AuditorScope, user.id)
    row.ends_on = date(2000, 1, 1)
    db.session.commit()
    assert login(client, user.email).status_code == 302
    assert client.get('/auditor/reports/').status_code == 403


def test_a_narrowed_or_ended_assignment_no_longer_takes_the_wider_report(
    client, person, fixture, authority
):
    """A report holds what its reader's scope reached when it was built: once an admin narrows
    the assignment (national → one agency) or it ends, neither the job's file nor the issued
    PDF is handed over again, and asking again builds a new file within the new reach."""
    user = _auditor(person, fixture)
    assert login(client, user.email).status_code == 302
    posted = client.post('/auditor/reports/export/pdf', data={})
    job_url = posted.headers['Location'].rstrip('/')
    body = client.get(f'{job_url}/result').data
    text = ' '.join(
        ''.join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages).split()
    )
    document_id = text.split('/verify/')[1][:20]
    assert client.get(f'/documents/{document_id}.pdf').status_code == 200
    scopes.set_scope(
        user, national=False, agency_ids=[fixture['agencies']['A'].id],
        actor=None, now=clock.now(), ip=None,
    )  # fmt: skip
    db.session.commit()
    assert client.get(f'{job_url}/result').status_code == 403
    assert client.get(f'/documents/{document_id}.pdf').status_code == 403
    again = client.post('/auditor/reports/export/pdf', data={}).headers['Location'].rstrip('/')
    assert again != job_url and client.get(f'{again}/result').status_code == 200
    row = db.session.get(scopes.AuditorScope, user.id)
    row.ends_on = date(2000, 1, 1)
    db.session.commit()
    assert client.get(f'{again}/result').status_code == 403
