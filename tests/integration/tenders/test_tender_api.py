"""The tender API: decimal-string amounts, times with offsets, errors as JSON, no partial writes."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lpse.extensions import db
from lpse.tenders.documents import Document
from lpse.tenders.models import Tender
from lpse.tenders.stages import Stage

from .factories import PDF, T0, draft_data, schedule_at
from .test_tender_documents import EXE


def body(cast, **changes):
    data = draft_data(cast)
    data['ppk'] = cast['ppk'].email
    data['pokja'] = [cast[k].email for k in ('pokja', 'pokja2', 'pokja3')]
    return data | changes


def iso_schedule(base):
    return {
        s.value: {'start': w.start.isoformat(), 'end': w.end.isoformat()}
        for s, w in schedule_at(base).items()
    }


def test_create_upload_publish_and_read_back(client, cast, token):
    from datetime import timedelta

    headers = token(cast['pokja'])
    data = body(cast) | {'schedule': iso_schedule(T0 + timedelta(days=1))}
    created = client.post('/api/v1/tenders', json=data, headers=headers)
    assert created.status_code == 201, created.get_json()
    tender = created.get_json()
    assert (tender['code'], tender['hps'], tender['pagu']) == (
        'KOTAUJI-2026-00001',
        '1500000000.00',
        '1600000000.00',
    )
    assert tender['schedule'][0]['start'] == '2026-03-03T10:00:00+08:00'  # WITA
    code = tender['code']
    refused = client.post(f'/api/v1/tenders/{code}/publish', headers=headers)
    assert refused.status_code == 422
    assert any('Dokumen Pemilihan' in r for r in refused.get_json()['error']['reasons'])
    upload = client.post(
        f'/api/v1/tenders/{code}/documents',
        data={'kind': 'dokumen_pemilihan', 'file': (io.BytesIO(PDF), 'dokpil.pdf')},
        headers=headers,
    )
    assert upload.status_code == 201 and upload.get_json()['media_type'] == 'application/pdf'
    published = client.post(f'/api/v1/tenders/{code}/publish', headers=headers)
    assert published.status_code == 200, published.get_json()
    assert published.get_json()['rules_version']
    listed = client.get('/api/v1/tenders?q=lingkar').get_json()
    assert [t['code'] for t in listed['tenders']] == [code]
    assert listed['tenders'][0]['bid_deadline'].endswith('+08:00')
    patched = client.patch(f'/api/v1/tenders/{code}', json={'title': 'x'}, headers=headers)
    assert patched.status_code == 409


@pytest.mark.parametrize(
    ('changes', 'code', 'field'),
    [
        ({'hps': '-1'}, 422, 'hps'),
        ({'hps': 'seribu'}, 422, 'hps'),
        ({'hps': 1500000000.5}, 422, 'hps'),
        ({'hps': '1700000000'}, 422, 'hps'),
        ({'hps': '1400000000'}, 422, 'boq'),
        ({'pokja': ['pokja@lain.go.id']}, 422, 'pokja'),
    ],
)
def test_bad_drafts_are_json_errors_and_write_nothing(client, cast, token, changes, code, field):
    response = client.post(
        '/api/v1/tenders', json=body(cast, **changes), headers=token(cast['pokja'])
    )
    assert response.status_code == code
    error = response.get_json()['error']
    assert error['code'] == 'validation_failed' and error['message']
    assert db.session.scalar(select(func.count()).select_from(Tender)) == 0


def test_schedule_times_need_an_offset(client, cast, token):
    from datetime import timedelta

    schedule = iso_schedule(T0 + timedelta(days=1))
    schedule['announcement']['start'] = '2026-03-03T10:00:00'
    response = client.post(
        '/api/v1/tenders', json=body(cast) | {'schedule': schedule}, headers=token(cast['pokja'])
    )
    assert response.status_code == 422
    assert 'zona waktu' in response.get_json()['error']['message']
    assert db.session.scalar(select(func.count()).select_from(Tender)) == 0


def test_stages_out_of_order_via_the_api(client, cast, token):
    from datetime import timedelta

    schedule = iso_schedule(T0 + timedelta(days=1))
    schedule['contract'] = schedule['announcement']
    response = client.post(
        '/api/v1/tenders', json=body(cast) | {'schedule': schedule}, headers=token(cast['pokja'])
    )
    assert response.status_code == 422
    assert 'Penandatanganan Kontrak' in response.get_json()['error']['message']
    assert db.session.scalar(select(func.count()).select_from(Tender)) == 0


def test_unknown_code_is_404(client):
    response = client.get('/api/v1/tenders/NOPE-2026-00001')
    assert response.status_code == 404 and response.get_json()['error']['code'] == 'not_found'


def test_another_agencys_pokja_cannot_act(client, create_tender, cast, token):
    tender = create_tender(Stage.clarification)
    response = client.post(
        f'/api/v1/tenders/{tender.code}/cancel',
        json={'reason': 'Saya bukan Pokja-nya'},
        headers=token(cast['pokja_agency']),
    )
    assert response.status_code == 403
    assert db.session.get(Tender, tender.id).status == 'published'


def test_schedule_change_questions_answers_cancel(client, create_tender, cast, token):
    from datetime import timedelta

    tender = create_tender(Stage.clarification)
    code, pokja, vendor = tender.code, token(cast['pokja']), token(cast['vendor'])
    asked = client.post(
        f'/api/v1/tenders/{code}/questions', json={'body': 'Ada survei?'}, headers=vendor
    )
    assert asked.status_code == 201
    qid = asked.get_json()['id']
    answered = client.post(
        f'/api/v1/tenders/{code}/questions/{qid}/answer',
        json={'answer': 'Ya, tanggal 5.', 'causes_addendum': False},
        headers=pokja,
    )
    assert answered.status_code == 200 and answered.get_json()['answer'] == 'Ya, tanggal 5.'
    public = client.get(f'/api/v1/tenders/{code}').get_json()
    assert 'asker' not in public['questions'][0]
    audited = client.get(f'/api/v1/tenders/{code}', headers=token(cast['auditor'])).get_json()
    assert audited['questions'][0]['asker']['id'] == cast['vendor'].id
    end = tender.schedule[Stage.clarification].end + timedelta(hours=2)
    change = {
        'clarification': {
            'start': tender.schedule[Stage.clarification].start.isoformat(),
            'end': end.isoformat(),
        }
    }
    changed = client.post(
        f'/api/v1/tenders/{code}/schedule-changes',
        json={'reason': 'Permintaan peserta', 'schedule': change},
        headers=pokja,
    )
    assert changed.status_code == 201, changed.get_json()
    [stage] = [s for s in changed.get_json()['schedule'] if s['stage'] == 'clarification']
    assert stage['changes'][0]['reason'] == 'Permintaan peserta'
    cancelled = client.post(
        f'/api/v1/tenders/{code}/cancel', json={'reason': 'Anggaran'}, headers=pokja
    )
    assert cancelled.status_code == 200 and cancelled.get_json()['stage'] == 'cancelled'


def test_questions_outside_the_window_are_409(client, create_tender, cast, token):
    tender = create_tender(Stage.bid_submission)
    response = client.post(
        f'/api/v1/tenders/{tender.code}/questions',
        json={'body': 'Telat'},
        headers=token(cast['vendor']),
    )
    assert response.status_code == 409 and response.get_json()['error']['code'] == 'stage_closed'


def test_list_filters_and_bad_parameters(client, create_tender):
    create_tender(Stage.clarification)
    create_tender(Stage.evaluation, title='Pengadaan Laptop Sekolah', category='barang')
    assert client.get('/api/v1/tenders?hps_min=abc').status_code == 422
    goods = client.get('/api/v1/tenders?category=barang').get_json()['tenders']
    assert [t['title'] for t in goods] == ['Pengadaan Laptop Sekolah']
    stage = client.get('/api/v1/tenders?stage=clarification').get_json()['tenders']
    assert [t['stage'] for t in stage] == ['clarification']


def test_every_tender_route_is_in_the_openapi_document(client):
    paths = client.get('/api/v1/openapi.json').get_json()['paths']
    for path in (
        '/tenders',
        '/tenders/{code}',
        '/tenders/{code}/publish',
        '/tenders/{code}/schedule-changes',
        '/tenders/{code}/documents',
        '/tenders/{code}/questions',
        '/tenders/{code}/questions/{question_id}/answer',
        '/tenders/{code}/cancel',
    ):
        assert path in paths
    assert set(paths['/tenders/{code}']) == {'get', 'patch'}


def stored_files(app):
    """Every file under the blob store, finished or in flight."""
    root = Path(app.config['LPSE_DATA_DIR'])
    return sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file())


@pytest.mark.parametrize(
    ('data', 'limit', 'status', 'code'),
    [
        (EXE, None, 422, 'validation_failed'),  # an executable named .pdf
        (PDF + b'0' * (1024 * 1024), 1024 * 1024, 413, 'too_large'),
    ],
    ids=['executable', 'oversized'],
)
def test_a_bad_document_via_the_api_is_a_json_error_and_stores_nothing(
    app, client, create_tender, cast, token, data, limit, status, code
):
    if limit:
        app.config['LPSE_DOCUMENT_MAX_SIZE'] = limit
    tender = create_tender('draft')
    before = stored_files(app)
    # Encoded in memory: the test client would spool a large body to an unclosed temp file.
    boundary, body = encode_multipart(
        {'kind': 'kak', 'title': 'KAK', 'file': FileStorage(io.BytesIO(data), 'dokumen.pdf')}
    )
    response = client.post(
        f'/api/v1/tenders/{tender.code}/documents',
        data=body,
        content_type=f'multipart/form-data; boundary={boundary}',
        headers=token(cast['pokja']),
    )
    assert response.status_code == status
    error = response.get_json()['error']
    assert error['code'] == code and error['message']
    assert stored_files(app) == before
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
