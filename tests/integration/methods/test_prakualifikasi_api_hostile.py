"""Hostile input to every prequalification API route: wrong types, unknown keys, huge bodies,
bad or foreign ids, the wrong person — always a 4xx JSON error, never a 500, and nothing
written (no row, no audit event, no issued document)."""

import pytest
from evaluation.test_export_after_real_opening import _token
from sqlalchemy import func, select

from lpse.audit import AuditEvent
from lpse.documents.models import IssuedDocument
from lpse.extensions import db
from lpse.tenders.prequalification.models import (
    QualificationApproval,
    QualificationObjection,
    QualificationResult,
    QualificationSubmission,
)
from lpse.tenders.stages import Stage

from .prequal_api_steps import url, verdicts
from .prequal_helpers import ANSWERS, at, firm, send

DEEP = '[' * 100_000 + ']' * 100_000
BIG = 'x' * 1_000_000


@pytest.fixture
def firms(person):
    return [firm(person, n) for n in (1, 2, 3)]


def written():
    """What a request could write (the API tokens each test makes are audited apart)."""
    events = select(func.count(AuditEvent.seq)).where(AuditEvent.action != 'token.created')
    models = (
        IssuedDocument,
        QualificationSubmission,
        QualificationApproval,
        QualificationResult,
        QualificationObjection,
    )
    counts = (db.session.scalar(select(func.count()).select_from(m)) for m in models)
    return (db.session.scalar(events), *counts)


def refused(response, *statuses):
    assert response.status_code in (statuses or (400, 403, 404, 409, 413, 415, 422)), (
        response.status_code,
        response.get_data(as_text=True)[:300],
    )
    error = response.get_json()['error']
    assert error['code'] and error['message']
    return error


def bodies(valid, *, huge_values=True):
    """Bad bodies built around a valid one: wrong types, unknown keys, huge and deep."""
    found = [
        {'data': 'bukan json', 'content_type': 'text/plain'},
        {'data': '{"tidak lengkap', 'content_type': 'application/json'},
        {'data': DEEP, 'content_type': 'application/json'},
        {'json': []},
        {'json': 'teks'},
        {'json': 42},
        {'json': {**valid, 'tak_dikenal': 1}},
        {'json': {**valid, 'x' * 10_000: 1}},
        {'json': {key: [value] for key, value in valid.items()}},
        {'json': {key: {'a': {'b': None}} for key in valid}},
    ]
    return [*found, {'json': dict.fromkeys(valid, BIG)}] if huge_values else found


def test_the_vendor_routes_refuse_hostile_input(client, konstruksi, firms, cast):
    at(konstruksi, Stage.qualification_submission)
    h = _token(client, firms[0])
    before = written()
    for body in bodies(ANSWERS):
        refused(client.put(url(konstruksi, '/form'), headers=h, **body))
    refused(client.put(url(konstruksi, '/form'), headers=h, json={**ANSWERS, 'pernyataan': 0}))
    refused(client.put(url(konstruksi, '/form'), headers=h, json={'pengalaman': BIG * 64}), 413)
    # Nothing to sign or show before a form is filled.
    refused(client.get(url(konstruksi, '/form/draft.pdf'), headers=h), 404)
    refused(client.get(url(konstruksi, '/submission'), headers=h), 404)
    refused(client.post(url(konstruksi, '/submission'), headers=h, json={'passphrase': 'x'}), 409)
    assert written() == before
    filled = client.put(url(konstruksi, '/form'), headers=h, json=ANSWERS)
    assert filled.status_code == 200
    before = written()
    for body in bodies({'passphrase': 'frasa'}, huge_values=False):
        refused(client.post(url(konstruksi, '/submission'), headers=h, **body))
    for pdf in (b'bukan pdf', b'%PDF-1.4\n' + b'0' * 1000):
        refused(
            client.post(
                url(konstruksi, '/submission'),
                data=pdf,
                headers={**h, 'Content-Type': 'application/pdf'},
            ),
            422,
        )
    too_big = client.post(
        url(konstruksi, '/submission'),
        data=b'%PDF-' + b'0' * (20 * 1024 * 1024),
        headers={**h, 'Content-Type': 'application/pdf'},
    )
    refused(too_big, 413)
    # Another tender's code, or one without prakualifikasi: not found.
    refused(client.get('/api/v1/tenders/TIDAKADA/prequalification/results'), 404)
    # Only vendors; the Pokja cannot send a form.
    pokja_h = _token(client, cast['pokja'])
    refused(client.put(url(konstruksi, '/form'), json=ANSWERS, headers=pokja_h), 403)
    refused(client.get(url(konstruksi, '/submission'), headers=pokja_h), 403)
    assert written() == before
    # A wrong (here huge) passphrase: only the failure and its audit event are kept.
    wrong = client.post(url(konstruksi, '/submission'), headers=h, json={'passphrase': BIG})
    assert refused(wrong, 422)['code'] == 'wrong_passphrase'
    after = written()
    assert after[0] == before[0] + 1 and after[1:] == before[1:]
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
    assert last.action == 'key.unlock_failed'
    row = db.session.scalar(select(QualificationSubmission))
    assert row.status == 'draft'


def test_the_pokja_routes_refuse_hostile_input(
    client, konstruksi, create_tender, firms, pokja, cast
):
    other = create_tender(Stage.announcement, qualification_method='prakualifikasi')
    plain = create_tender(Stage.announcement)
    rows = [send(konstruksi, user) for user in firms[:2]]
    foreign = send(other, firms[2])
    at(konstruksi, Stage.qualification_evaluation)
    h = _token(client, pokja[0])
    requirements = konstruksi.method.qualification_requirements(konstruksi)
    valid = verdicts(requirements)
    before = written()
    target = url(konstruksi, f'/submissions/{rows[0].id}/verdicts')
    for body in bodies(valid):
        refused(client.put(target, headers=h, **body))
    for body in (
        {'requirements': {key: {'passed': 'ya', 'reason': 'r'} for key in requirements}},
        {'requirements': {key: {'passed': True} for key in requirements}},
        {'requirements': {key: {'passed': True, 'reason': BIG} for key in requirements}},
        {'requirements': {**valid['requirements'], 'tak_dikenal': {'passed': True}}},
        {'requirements': dict.fromkeys(requirements, True)},
    ):
        refused(client.put(target, headers=h, json=body), 422)
    for bad in (foreign.id, 999_999, 0, -1, 'abc', 10**12, '1.5'):
        bad_target = url(konstruksi, f'/submissions/{bad}/verdicts')
        refused(client.put(bad_target, headers=h, json=valid), 404)
    # Another tender's Pokja, the PPK, a vendor: refused before the body is read.
    for who in ('pokja_other', 'pokja_agency', 'ppk'):
        refused(client.put(target, headers=_token(client, cast[who]), json=valid), 403)
        refused(client.get(url(konstruksi, '/submissions'), headers=_token(client, cast[who])))
    refused(client.put(target, headers=_token(client, firms[0]), json=valid), 403)
    # Approvals: a wrong SHA-256, a wrong type, unknown keys; the result is not complete.
    for body in ({}, {'sha256': 5}, {'sha256': 'a' * 64, 'x': 1}, {'sha256': 'a' * 64}):
        refused(client.post(url(konstruksi, '/approvals'), headers=h, json=body))
    for body in bodies({'sha256': 'a' * 64}):
        refused(client.post(url(konstruksi, '/approvals'), headers=h, **body))
    # A tender without prakualifikasi has none of these routes.
    for path in ('/results', '/submissions', '/result'):
        error = refused(client.get(url(plain, path), headers=h), 404)
        assert 'tidak memakai prakualifikasi' in error['message']
    # Answers to objections that do not exist (or of another tender).
    for bad in (999_999, 1):
        answer = url(konstruksi, f'/objections/{bad}/answer')
        refused(client.post(answer, headers=h, json={'accept': True, 'answer': 'a'}), 404)
    assert written() == before


def test_objections_refuse_hostile_input(client, konstruksi, firms, pokja, cast):
    rows = [send(konstruksi, user) for user in firms[:2]]
    at(konstruksi, Stage.qualification_evaluation)
    h = _token(client, pokja[0])
    requirements = konstruksi.method.qualification_requirements(konstruksi)
    for row in rows:
        assert (
            client.put(
                url(konstruksi, f'/submissions/{row.id}/verdicts'),
                headers=h,
                json=verdicts(requirements, failing=('pajak',) if row is rows[1] else ()),
            ).status_code
            == 200
        )
    # Before the announcement there is nothing to object to.
    h2 = _token(client, firms[1])
    refused(client.post(url(konstruksi, '/objections'), headers=h2, json={'text': 'a'}), 409)
    at(konstruksi, Stage.qualification_announcement)
    for member in pokja[:2]:
        sha = client.get(url(konstruksi, '/result'), headers=_token(client, member)).get_json()
        client.post(
            url(konstruksi, '/approvals'),
            headers=_token(client, member),
            json={'sha256': sha['sha256']},
        )
    at(konstruksi, Stage.qualification_objection)
    before = written()
    for body in bodies({'text': 'Keberatan'}):
        refused(client.post(url(konstruksi, '/objections'), headers=h2, **body))
    refused(client.post(url(konstruksi, '/objections'), headers=h2, json={'text': '  '}), 422)
    # A vendor that sent no data, and the Pokja, may not object.
    outsider = _token(client, firms[2])
    refused(client.post(url(konstruksi, '/objections'), headers=outsider, json={'text': 'a'}), 403)
    refused(client.post(url(konstruksi, '/objections'), headers=h, json={'text': 'a'}), 403)
    assert written() == before
    filed = client.post(url(konstruksi, '/objections'), headers=h2, json={'text': 'Keberatan'})
    assert filed.status_code == 201, filed.get_json()
    objection = filed.get_json()['id']
    before = written()
    answer = url(konstruksi, f'/objections/{objection}/answer')
    for body in bodies({'accept': False, 'answer': 'Ditolak'}):
        refused(client.post(answer, headers=h, **body))
    for body in ({'accept': 'ya', 'answer': 'a'}, {'accept': True}, {'accept': True, 'answer': 5}):
        refused(client.post(answer, headers=h, json=body), 422)
    for who in ('pokja_other', 'ppk'):
        refused(client.post(answer, headers=_token(client, cast[who]), json={}), 403)
    refused(client.post(answer, headers=h2, json={'accept': True, 'answer': 'a'}), 403)
    assert written() == before
    public = client.get(url(konstruksi, '/results')).get_json()
    assert public['results'][0]['objections'][0]['status'] == 'pending'
    # Accepted: the result is withdrawn (still listed, marked) and the shortlist with it.
    accepted = client.post(answer, headers=h, json={'accept': True, 'answer': 'Diterima.'})
    assert accepted.status_code == 200, accepted.get_json()
    public = client.get(url(konstruksi, '/results')).get_json()
    assert (public['announced'], public['shortlist']) == (False, None)
    assert public['results'][0]['withdrawn'] is True
    assert public['results'][0]['withdrawn_reason'] == 'Diterima.'
    assert client.get(f'/api/v1/tenders/{konstruksi.code}').get_json()['shortlist'] is None
    again = client.post(answer, headers=h, json={'accept': False, 'answer': 'Lagi.'})
    assert refused(again, 404, 409)
