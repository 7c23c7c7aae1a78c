"""Regressions from the review of the tender feature: requests that used to answer 500, payloads
coerced or half-read silently, wrong amounts, missing links and refusals shown twice."""

import base64
import io
import json
import re

import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.tenders import documents, operations, publication, questions
from lpse.tenders.documents import Addendum, Document
from lpse.tenders.models import ScheduleChange, Tender
from lpse.tenders.stages import STAGES, Phase, Stage

from .factories import PDF, T0, draft_data
from .test_tender_lifecycle import publish_draft

HUGE = '9' * 23


def cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- 1. public GETs never 500 ----------------------------------------------------------------

BAD_CURSORS = [
    ('newest', b'2026-03-02T02:00:00+00:00|' + b'9' * 30),  # id beyond BIGINT
    ('newest', b'0001-01-01T00:00:00+14:00|1'),  # before year 1 in UTC
    ('newest', b'9999-12-31T23:59:59-14:00|1'),  # after year 9999 in UTC
    ('newest', b'2026-03-02T02:00:00|1'),  # no zone
    ('hps', b'sNaN|1'),
    ('hps', b'NaN|1'),
    ('hps', b'Infinity|1'),
    ('hps', b'1e999999|1'),
    ('hps', b'9' * 40 + b'|1'),
    ('hps', b'1500000000.00|' + b'9' * 30),
    ('hps', b'-5|1'),
]


@pytest.mark.parametrize(('sort', 'raw'), BAD_CURSORS)
def test_a_bad_cursor_is_the_first_page_never_a_500(client, create_tender, sort, raw):
    tender = create_tender(Stage.clarification)
    for direction in ('after', 'before'):
        args = f'sort={sort}&{direction}={cursor(raw)}'
        page = client.get(f'/tenders/?{args}')
        assert page.status_code == 200 and tender.code in page.get_data(as_text=True)
        api = client.get(f'/api/v1/tenders?{args}')
        assert api.status_code == 200
        assert [t['code'] for t in api.get_json()['tenders']] == [tender.code]


def test_huge_ids_and_versions_are_404_never_500(client, create_tender, cast, as_user, token):
    live = create_tender(Stage.clarification)
    clock.set_now(T0)
    assert client.get(f'/tenders/{live.code}?version={HUGE}').status_code == 404
    api = client.get(f'/api/v1/tenders/{live.code}?version={HUGE}')
    assert api.status_code == 404 and api.get_json()['error']['code'] == 'not_found'
    assert client.get(f'/tenders/{live.code}?version=abc').status_code == 200  # ignored
    as_user(cast['vendor'])
    assert client.get(f'/tenders/{live.code}/documents/{HUGE}').status_code == 404
    assert client.get(f'/tenders/{live.code}/documents/{HUGE}?version={HUGE}').status_code == 404
    as_user(cast['pokja'])
    answer = client.post(f'/tenders/{live.code}/questions/{HUGE}/answer', data={'answer': 'x'})
    assert answer.status_code == 404
    response = client.post(
        f'/api/v1/tenders/{live.code}/questions/{HUGE}/answer',
        json={'answer': 'a'},
        headers=token(cast['pokja']),
    )
    assert response.status_code == 404 and response.get_json()['error']['code'] == 'not_found'


# --- 2 and 6. payloads: ranges and types --------------------------------------------------------


def api_body(cast, **changes):
    data = draft_data(cast)
    data['ppk'] = cast['ppk'].email
    data['pokja'] = [cast[k].email for k in ('pokja', 'pokja2', 'pokja3')]
    return data | changes


@pytest.mark.parametrize(
    ('changes', 'words'),
    [
        ({'ppk': 10**30}, 'bukan pengguna aktif'),
        ({'ppk': '999999999999999999999'}, 'bukan pengguna aktif'),
        ({'pokja': ['999999999999999999999']}, 'bukan pengguna aktif'),
        ({'pokja': [10**30]}, 'bukan pengguna aktif'),
        ({'category': ['x']}, 'Pilihan tidak dikenal'),
        ({'timezone': ['x']}, 'Zona waktu tidak dikenal'),
        ({'timezone': {'a': 1}}, 'Zona waktu tidak dikenal'),
        ({'title': ['x']}, 'harus berupa teks'),
        ({'description': 5}, 'harus berupa teks'),
        ({'location': {'a': 1}}, 'harus berupa teks'),
        ({'schedule': []}, '"schedule"'),
        ({'schedule': 'tomorrow'}, '"schedule"'),
    ],
)
def test_api_payloads_of_the_wrong_type_or_range_are_422(client, cast, token, changes, words):
    before = count(Tender)
    response = client.post(
        '/api/v1/tenders', json=api_body(cast, **changes), headers=token(cast['pokja'])
    )
    assert response.status_code == 422, response.get_json()
    assert words in response.get_json()['error']['message']
    assert count(Tender) == before


def test_patch_with_a_schedule_that_is_not_an_object_is_422(client, create_tender, cast, token):
    draft = create_tender('draft')
    response = client.patch(
        f'/api/v1/tenders/{draft.code}', json={'schedule': []}, headers=token(cast['pokja'])
    )
    assert response.status_code == 422 and '"schedule"' in response.get_json()['error']['message']


def page_form(cast):
    data = draft_data(cast)
    form = {k: v for k, v in data.items() if k not in ('boq', 'pokja', 'method_params', 'ppk')}
    return form | {
        'ppk': str(cast['ppk'].id),
        'pokja': [str(cast[k].id) for k in ('pokja', 'pokja2', 'pokja3')],
        'timezone': 'Asia/Makassar',
        'submission_files': '1',
        'tkdn_formula': 'lkpp2022',
        'fiscal_year': '2026',
        'boq-0-description': 'Paket',
        'boq-0-quantity': '1',
        'boq-0-unit': 'ls',
        'boq-0-unit_price': '1.500.000.000',
    }


@pytest.mark.parametrize(
    'changes',
    [
        {'pokja': ['999999999999999999999']},
        {'ppk': '999999999999999999999'},
        {'ppk': HUGE},
    ],
)
def test_page_form_with_huge_ids_is_422(client, cast, as_user, changes):
    as_user(cast['pokja'])
    before = count(Tender)
    response = client.post('/tenders/new', data=page_form(cast) | changes)
    assert response.status_code == 422
    assert 'bukan pengguna aktif' in response.get_data(as_text=True)
    assert count(Tender) == before


# --- 3. the HPS filter: decimal strings in the API, Indonesian amounts on the page ------------


def test_the_api_hps_filter_reads_decimal_strings(client, create_tender):
    tender = create_tender(Stage.clarification)  # HPS 1.500.000.000

    def codes(args):
        response = client.get(f'/api/v1/tenders?{args}')
        assert response.status_code == 200, response.get_json()
        return [t['code'] for t in response.get_json()['tenders']]

    assert codes('hps_min=1500000000.00') == [tender.code]
    assert codes('hps_min=1500000000.01') == []
    assert codes('hps_max=1499999999.99') == []
    assert codes('hps_min=1.5&hps_max=1500000000') == [tender.code]
    # The Indonesian thousands separator is the page's, not the API's.
    response = client.get('/api/v1/tenders?hps_min=1.500.000.000')
    assert response.status_code == 422 and 'hps_min' in response.get_json()['error']['message']


def test_the_page_hps_filter_reads_indonesian_amounts(client, create_tender):
    tender = create_tender(Stage.clarification)
    for value, found in [
        ('1.500.000.000', True),
        ('1.500.000.001', False),
        ('1500000000,00', True),
        ('1500000000.00', True),
    ]:
        html = client.get(f'/tenders/?hps_min={value}').get_data(as_text=True)
        assert (tender.code in html) is found, value


# --- 4. BoQ quantities are written plainly -------------------------------------------------


def test_boq_quantities_are_plain_numbers(client, create_tender):
    tender = create_tender(Stage.clarification)  # quantities 1000 and 2000
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'E+' not in html
    assert re.search(r'<td class="num">1\.000</td>\s*<td>m3</td>', html)  # Indonesian grouping
    boq = client.get(f'/api/v1/tenders/{tender.code}').get_json()['boq']
    assert [i['quantity'] for i in boq] == ['1000', '2000']


# --- 7. audit events and refusals that were not tested ----------------------------------------


def test_document_added_and_failed_write_their_audit_events(app, create_tender, cast):
    tender = create_tender(Phase.failed)
    [added] = events('tender.document_added')
    assert added.object_id == str(tender.id)
    data = json.loads(added.payload)
    assert data['kind'] == 'dokumen_pemilihan' and data['document_version'] == 1
    [failed] = events('tender.failed')
    assert failed.object_id == str(tender.id)
    assert json.loads(failed.payload)['reason'] == 'Tidak ada penawaran'
    assert failed.actor_id == cast['pokja'].id


def test_a_download_before_the_download_stage_is_refused(client, create_tender, cast, as_user):
    tender = create_tender(Stage.announcement)  # the download stage opens 30 minutes later
    doc = db.session.scalars(select(Document).where(Document.tender_id == tender.id)).one()
    as_user(cast['vendor'])
    clock.set_now(T0)
    response = client.get(f'/tenders/{tender.code}/documents/{doc.id}')
    assert response.status_code == 403
    assert events('tender.document_downloaded') == []
    clock.set_now(tender.schedule[Stage.download].start)
    assert client.get(f'/tenders/{tender.code}/documents/{doc.id}').status_code == 200
    assert len(events('tender.document_downloaded')) == 1


# --- 8. publication needs a BoQ ---------------------------------------------------------------


def test_publication_without_a_boq_is_refused(app, create_tender, cast):
    tender = create_tender('ready', boq=[])
    reasons = [str(r) for r in publication.publication_problems(tender, T0)]
    assert 'BoQ belum diisi.' in reasons
    with pytest.raises(publication.PublicationRefused):
        publication.publish_tender(tender, actor=cast['pokja'], now=T0)


# --- 9. retender links both ways --------------------------------------------------------------


def test_a_retender_is_linked_from_the_old_version(client, create_tender, cast, token):
    old = create_tender(Phase.failed)
    new = operations.retender(old, actor=cast['pokja'], now=T0)
    db.session.commit()
    old_json = client.get(f'/api/v1/tenders/{old.code}').get_json()  # the draft v2 is hidden
    assert (old_json['version'], old_json['superseded'], old_json['next_version']) == (
        1,
        False,
        None,
    )
    as_pokja = client.get(f'/api/v1/tenders/{old.code}', headers=token(cast['pokja']))
    assert as_pokja.get_json()['version'] == 2  # the newest version the caller may see
    v1 = client.get(f'/api/v1/tenders/{old.code}?version=1', headers=token(cast['pokja']))
    assert v1.get_json()['version'] == 1  # an older version, asked for
    hidden = client.get(f'/api/v1/tenders/{old.code}?version=2')  # the draft, anonymously
    assert hidden.status_code == 404 and hidden.get_json()['error']
    for bad in ('0', '3', 'abc', '99999999999999999999'):
        missing = client.get(f'/api/v1/tenders/{old.code}?version={bad}')
        assert missing.status_code == 404 and missing.get_json()['error'], bad
    publish_draft(new, cast['pokja'])
    old_json = client.get(f'/api/v1/tenders/{old.code}?version=1').get_json()
    assert (old_json['superseded'], old_json['next_version']) == (True, 2)
    new_json = client.get(f'/api/v1/tenders/{old.code}').get_json()
    assert (new_json['version'], new_json['previous_version'], new_json['next_version']) == (
        2,
        1,
        None,
    )
    html = client.get(f'/tenders/{old.code}?version=1').get_data(as_text=True)
    assert f'href="/tenders/{old.code}?version=2">' in html


# --- 11. a refused publication lists each reason once -----------------------------------------


def test_a_refused_publication_shows_each_reason_once(client, create_tender, cast, as_user):
    tender = create_tender('draft', boq=[])
    as_user(cast['pokja'])
    html = client.post(f'/tenders/{tender.code}/publish').get_data(as_text=True)
    for reason in (
        'Jadwal belum lengkap.',
        'Dokumen Pemilihan belum diunggah.',
        'BoQ belum diisi.',
    ):
        assert html.count(reason) == 1, reason


# --- 12. a half-filled stage is an error, not dropped ----------------------------------------


def test_a_half_filled_stage_is_a_field_error(client, create_tender, cast, as_user):
    live = create_tender(Stage.clarification)
    as_user(cast['pokja'])
    clock.set_now(T0)
    response = client.post(
        f'/tenders/{live.code}/schedule',
        data={'contract_start': '2026-04-20T10:00', 'reason': 'Jadwal kontrak diundur'},
    )
    assert response.status_code == 422
    assert 'Isi mulai dan sampai, atau kosongkan keduanya.' in response.get_data(as_text=True)
    assert count(ScheduleChange) == 0
    draft = create_tender('draft')
    response = client.post(
        f'/tenders/{draft.code}/schedule', data={f'{STAGES[0]}_end': '2026-04-20T10:00'}
    )
    assert response.status_code == 422
    assert 'Isi mulai dan sampai, atau kosongkan keduanya.' in response.get_data(as_text=True)


# --- 13. uploads racing for the same number ---------------------------------------------------


def stale_numbers(monkeypatch, times):
    """`documents._max` answers 0 the first ``times`` calls: as if a concurrent upload took
    the number between our read and our insert."""
    real, calls = documents._max, {'n': 0}

    def stale(column, *where):
        calls['n'] += 1
        return 0 if calls['n'] <= times else real(column, *where)

    monkeypatch.setattr(documents, '_max', stale)


def upload(client, live, headers):
    return client.post(
        f'/api/v1/tenders/{live.code}/documents',
        data={
            'kind': 'dokumen_pemilihan',
            'reason': 'Revisi',
            'affects_bids': 'false',
            'file': (io.BytesIO(PDF), 'a.pdf'),
        },
        headers=headers,
        content_type='multipart/form-data',
    )


def test_an_upload_that_loses_the_race_is_retried_once(
    client, create_tender, cast, token, monkeypatch
):
    live = create_tender(Stage.clarification)
    headers = token(cast['pokja'])
    clock.set_now(T0)
    assert upload(client, live, headers).status_code == 201  # addendum 1, document version 2
    stale_numbers(monkeypatch, 1)  # the addendum number is stale once
    response = upload(client, live, headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()['addendum'] == 2 and response.get_json()['version'] == 3


def test_an_upload_that_loses_twice_is_a_clear_409(client, create_tender, cast, token, monkeypatch):
    live = create_tender(Stage.clarification)
    headers = token(cast['pokja'])
    clock.set_now(T0)
    assert upload(client, live, headers).status_code == 201
    before = (count(Addendum), count(Document), len(events('tender.addendum_issued')))
    stale_numbers(monkeypatch, 100)
    response = upload(client, live, headers)
    assert response.status_code == 409
    assert 'coba lagi' in response.get_json()['error']['message']
    assert (count(Addendum), count(Document), len(events('tender.addendum_issued'))) == before


# --- 15. the OpenAPI document describes the responses ----------------------------------------


def test_openapi_describes_tender_responses(client):
    spec = client.get('/api/v1/openapi.json').get_json()
    schemas = spec['components']['schemas']
    for name in ('Tender', 'TenderSummary'):
        properties = schemas[name]['properties']
        assert properties['hps']['type'] == 'string' and 'pattern' in properties['hps']
        assert properties['bid_deadline']['format'] == 'date-time'
    assert schemas['Tender']['properties']['next_version']['nullable'] is True
    detail = spec['paths']['/tenders/{code}']['get']['responses']['200']
    assert detail['content']['application/json']['schema'] == {
        '$ref': '#/components/schemas/Tender'
    }
    listing = spec['paths']['/tenders']['get']['responses']['200']
    page = {'$ref': '#/components/schemas/TenderPage'}
    assert listing['content']['application/json']['schema'] == page
    items = schemas['TenderPage']['properties']['tenders']['items']
    assert items == {'$ref': '#/components/schemas/TenderSummary'}
    created = spec['paths']['/tenders']['post']['responses']['201']
    assert created['content']['application/json']['schema'] == {
        '$ref': '#/components/schemas/Tender'
    }


def test_questions_module_bounds_ids(app, create_tender):
    live = create_tender(Stage.clarification)
    for bad in (10**30, -1, 0, 'abc', HUGE, True):
        with pytest.raises(Exception, match='tidak ditemukan'):
            questions.get_question(live, bad)
