"""The public list (search, filters, sort, keyset pages), the feed, the detail page, the forms."""

import re
import xml.etree.ElementTree as ET  # our own feed, not untrusted input

from sqlalchemy import select

from lpse.extensions import db
from lpse.tenders import search
from lpse.tenders.models import Tender
from lpse.tenders.stages import Stage


def codes(html):
    return re.findall(r'<td [^>]*data-label="Kode"><a href="/tenders/([A-Z0-9-]+)">', html)


def test_a_row_shows_code_title_agency_hps_stage_and_deadline_in_both_zones(client, create_tender):
    tender = create_tender(Stage.bid_submission)
    html = client.get('/tenders/').get_data(as_text=True)
    assert codes(html) == [tender.code]
    row = html[html.index(f'>{tender.code}</a>') :]
    row = row[: row.index('</tr>')]
    assert 'Pembangunan Jalan Lingkar Utara' in row and 'Pemerintah Kota Uji' in row
    assert 'Rp1.500.000.000' in row and 'Upload Dokumen Penawaran' in row
    assert re.search(r'\d{2}:\d{2} WITA \(\d{2}:\d{2} WIB\)', row)


def test_search_by_word_prefix_code_and_agency(client, create_tender):
    road = create_tender(Stage.clarification)
    laptops = create_tender(
        Stage.clarification,
        title='Pengadaan Laptop Sekolah Dasar',
        description='Laptop untuk 40 sekolah.',
        category='barang',
    )
    for q, expected in [
        ('jalan', [road.code]),
        ('lapt', [laptops.code]),
        ('LAPTOP sekolah', [laptops.code]),
        (laptops.code, [laptops.code]),
        ('kota uji', [laptops.code, road.code]),
        ('jembatan', []),
    ]:
        assert (
            codes(client.get('/tenders/', query_string={'q': q}).get_data(as_text=True)) == expected
        ), q


def test_filters_and_sorts(client, create_tender):
    a = create_tender(Stage.clarification)
    b = create_tender(
        Stage.evaluation,
        pagu='900000000',
        hps='750000000',
        fiscal_year=2025,
        boq=[{'description': 'Paket', 'quantity': '1', 'unit': 'ls', 'unit_price': '750000000'}],
    )
    get = lambda **q: codes(client.get('/tenders/', query_string=q).get_data(as_text=True))  # noqa: E731
    assert get(stage='clarification') == [a.code]
    assert get(stage='evaluation') == [b.code]
    assert get(year='2025') == [b.code]
    assert get(hps_min='1.000.000.000') == [a.code]
    assert get(hps_max='800000000') == [b.code]
    assert get(agency='KOTAUJI', category='pekerjaan_konstruksi') == [a.code, b.code]  # newest
    assert get(sort='hps') == [a.code, b.code]
    assert get(sort='deadline') == [b.code, a.code]
    html = client.get('/tenders/', query_string={'year': 'abc'}).get_data(as_text=True)
    assert 'Filter yang tidak valid diabaikan: year' in html


def test_keyset_pages_walk_forward_and_back(app, client, create_tender):
    made = [create_tender(Stage.clarification).code for _ in range(5)]
    newest_first = list(reversed(made))
    query = search.Query()
    first = search.run(query, __import__('lpse').clock.now(), page_size=2)
    assert [t.code for t in first.tenders] == newest_first[:2] and first.prev_cursor is None
    second = search.run(
        search.Query(after=first.next_cursor), first.tenders[0].published_at, page_size=2
    )
    assert [t.code for t in second.tenders] == newest_first[2:4]
    back = search.run(
        search.Query(before=second.prev_cursor), first.tenders[0].published_at, page_size=2
    )
    assert [t.code for t in back.tenders] == newest_first[:2]
    html = client.get('/tenders/').get_data(as_text=True)
    assert 'Berikutnya' not in html  # 5 < a page of 20
    assert search.run(search.Query(after='rusak!!'), first.tenders[0].published_at).total == 5


def test_the_atom_feed_lists_new_announcements(client, create_tender):
    tender = create_tender(Stage.clarification)
    create_tender('ready')  # a draft is not announced
    response = client.get('/tenders/feed.atom')
    assert response.headers['Content-Type'].startswith('application/atom+xml')
    root = ET.fromstring(response.data)  # noqa: S314
    ns = {'a': 'http://www.w3.org/2005/Atom'}
    titles = [e.findtext('a:title', namespaces=ns) for e in root.findall('a:entry', ns)]
    assert titles == [f'{tender.code} — Pembangunan Jalan Lingkar Utara']
    assert root.findtext('a:title', namespaces=ns) == 'Pengumuman tender terbaru'
    client.get('/lang/en')
    english = ET.fromstring(client.get('/tenders/feed.atom').data)  # noqa: S314
    assert english.findtext('a:title', namespaces=ns) == 'Latest tender announcements'
    assert english.get('{http://www.w3.org/XML/1998/namespace}lang') == 'en'


def test_detail_in_english_shows_the_deadline_in_both_zones(client, create_tender):
    tender = create_tender(Stage.clarification)
    client.get('/lang/en')
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert '<html lang="en">' in html
    assert re.search(r'March 2026 \d{2}:\d{2} WITA \(\d{2}:\d{2} WIB\)', html)
    # Translated labels, not only the date format: the stage "Pengumuman" and the headings.
    assert '<td>Announcement</td>' in html or '>Announcement<' in html
    assert '>Schedule<' in html and 'Bid deadline' in html
    assert '>Pengumuman<' not in html and '>Jadwal<' not in html
    assert 'Rp1.600.000.000' in html and 'Rp1.500.000.000' in html


def test_unknown_code_and_hidden_drafts_are_404(client, create_tender):
    draft = create_tender('draft')
    assert client.get('/tenders/NOPE-2026-00009').status_code == 404
    assert client.get(f'/tenders/{draft.code}').status_code == 404


def test_a_pokja_member_creates_a_draft_with_indonesian_amounts(client, cast, as_user):
    as_user(cast['pokja'])
    form = {
        'title': 'Rehabilitasi Gedung Sekolah',
        'description': 'Rehab 4 ruang kelas.',
        'category': 'pekerjaan_konstruksi',
        'selection_method': 'tender',
        'contract_type': 'unit_price',
        'work_unit': 'DPU',
        'funding_source': 'DAK 2026',
        'fiscal_year': '2026',
        'pagu': '2.000.000.000',
        'hps': '1.999.999.999,50',
        'business_size': 'kecil',
        'location': 'Kecamatan Utara',
        'timezone': 'Asia/Makassar',
        'ppk': str(cast['ppk'].id),
        'pokja': [str(cast[k].id) for k in ('pokja', 'pokja2', 'pokja3')],
        'submission_files': '1',
        'evaluation_method': 'lowest_price',
        'tkdn_formula': 'lkpp2022',
        'boq-0-description': 'Rehab ruang kelas',
        'boq-0-quantity': '3',
        'boq-0-unit': 'ruang',
        'boq-0-unit_price': '666.666.666,50',
    }
    response = client.post('/tenders/new', data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    tender = db.session.scalars(select(Tender)).one()
    assert str(tender.hps) == '1999999999.50' and len(tender.members) == 3
    bad = client.post('/tenders/new', data=form | {'hps': '2.500.000.000'})
    assert bad.status_code == 422
    assert 'HPS tidak boleh melebihi pagu anggaran.' in bad.get_data(as_text=True)
    bad = client.post('/tenders/new', data=form | {'pagu': '-5'})
    assert bad.status_code == 422 and 'Jumlah tidak boleh negatif.' in bad.get_data(as_text=True)
    bad = client.post('/tenders/new', data=form | {'boq-0-unit_price': '1'})
    assert bad.status_code == 422 and 'tidak sama dengan HPS' in bad.get_data(as_text=True)
    assert db.session.scalars(select(Tender)).all() == [tender]


def test_publication_refused_lists_reasons_on_the_page(client, create_tender, cast, as_user):
    tender = create_tender('draft')
    as_user(cast['pokja'])
    response = client.post(f'/tenders/{tender.code}/publish')
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'Jadwal belum lengkap.' in html and 'Dokumen Pemilihan belum diunggah.' in html


def test_the_announcement_states_how_bids_will_be_scored(client, create_tender):
    """The frozen method parameters are public: weights, threshold, criteria, TKDN preference."""
    scored = create_tender(
        Stage.clarification,
        category='barang',
        evaluation_method='merit_point',
        method_params={
            'weights': {'technical': '0.7', 'price': '0.3'},
            'technical_threshold': '70',
            'technical_criteria': [
                {'id': 'K1', 'description': 'Metodologi', 'weight': '0.6'},
                {'id': 'K2', 'description': 'Pengalaman', 'weight': '0.4'},
            ],
            'tkdn': {'formula': 'lkpp2022', 'max_preference': '0.25'},
        },
    )
    html = client.get(f'/tenders/{scored.code}').get_data(as_text=True)
    assert re.search(r'Bobot teknis / harga</dt><dd>0,7 / 0,3<', html)  # the Indonesian way
    assert re.search(r'Ambang batas nilai teknis</dt><dd>70<', html)
    assert 'Metodologi (0,6); Pengalaman (0,4)' in html
    assert 'HEA = (1 − KP) × P (LKPP 2022)' in html and 'Rp1.000.000.000' in html
    assert 'preferensi paling tinggi 25%' in html
    plain = create_tender(Stage.clarification, method_params={'tkdn': {'max_preference': '0'}})
    html = client.get(f'/tenders/{plain.code}').get_data(as_text=True)
    assert re.search(r'Preferensi harga TKDN</dt>\s*<dd>\s*Tidak\s*</dd>', html)
    assert 'Bobot teknis' not in html
    assert 'Ambang batas nilai teknis' not in html  # no threshold: no row (was an empty one)
    client.get('/lang/en')
    english = client.get(f'/tenders/{scored.code}').get_data(as_text=True)
    assert 'Technical / price weights' in english and 'Technical score threshold' in english


def test_decimal_parameters_take_an_indonesian_comma(app):
    from werkzeug.datastructures import MultiDict

    from lpse.tenders.forms import TenderForm

    typed = {'technical_weight': '0,7', 'price_weight': '0.3', 'discount_rate': ' 0,05 '}
    with app.test_request_context(method='POST', data=typed):
        form = TenderForm(formdata=MultiDict(typed), meta={'csrf': False})
        for name in typed:
            assert getattr(form, name).validate(form), (name, getattr(form, name).errors)
        params = form.method_params()
        assert params['weights'] == {'technical': '0.7', 'price': '0.3'}
        assert params['life_cycle']['discount_rate'] == '0.05'
        wrong = TenderForm(formdata=MultiDict({'technical_weight': '0,7,1'}), meta={'csrf': False})
        assert not wrong.technical_weight.validate(wrong)
        assert 'mis. 0,7' in str(wrong.technical_weight.errors[0])
        shown = TenderForm(formdata=None, meta={'csrf': False})
        shown.fill_params(params)
        assert (shown.technical_weight.data, shown.price_weight.data) == ('0,7', '0,3')


def test_a_forms_address_opened_again_leads_to_its_page(client, create_tender, cast, as_user):
    """After a refusal the page is drawn at the form's address (/T/announce); reloading it or
    coming back to it is a GET: the reader is taken to the tender's page, not a 405."""
    tender = create_tender(Stage.evaluation)
    as_user(cast['pokja'])
    page = f'/tenders/{tender.code}'
    for path, lands in (
        ('announce', page),
        ('contract/review', f'{page}/contract'),
        ('bid/upload', f'{page}/bid'),
        ('evaluation/propose', f'{page}/evaluation/'),  # the nearest page above the form
    ):
        response = client.get(f'{page}/{path}')
        assert response.status_code == 303, path
        assert response.headers['Location'] == lands, path
    assert 'hanya untuk mengirim formulir' in client.get(page).get_data(as_text=True)
    # a form's address with an impossible id stays refused; the API keeps its JSON 405
    response = client.get(f'/tenders/{tender.code}/objections/99999999999999999999/answer')
    assert response.status_code in (404, 405)
    response = client.get(f'/api/v1/tenders/{tender.code}/announce')
    assert response.status_code == 405 and response.get_json()['error']['message']
    # a real page never moves
    assert client.get(f'/tenders/{tender.code}').status_code == 200
