"""Who is an auditor of what (issue 14.6): national, an agency's inspectorate, assigned
tenders, an end date — on every auditor route (the scoped access matrix), in what the log
search returns, and set from the admin page and the CLI; and the auditor's home page (14.7)."""

from datetime import date, timedelta

import pytest
from matrix import walk
from matrix_tenders import SCOPED, SCOPED_WHO
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent, AuditEventTender
from lpse.auth import operations as auth_ops
from lpse.auth import scope
from lpse.auth.scope import AuditorScope
from lpse.cli import lpse_cli
from lpse.extensions import db
from lpse.tenders.documents import Document
from lpse.tenders.stages import Phase, Stage

from .factories import T0, login


def _scoped_auditor(person, email, **kw):
    user = person(email, 'auditor')
    scope.set_scope(user, actor=None, now=clock.now(), ip=None, **kw)
    db.session.commit()
    return user


@pytest.fixture
def scoped_auditors(person, agency, other_agency):
    yesterday = (clock.now() + timedelta(hours=7)).date() - timedelta(days=1)
    return {
        'auditor_in': _scoped_auditor(
            person, 'apip@uji.go.id', national=False, agency_ids=[agency.id]
        ),
        'auditor_out': _scoped_auditor(
            person, 'apip@lain.go.id', national=False, agency_ids=[other_agency.id]
        ),
        'auditor_expired': _scoped_auditor(
            person, 'bpk.lama@bpk.go.id', national=True, ends_on=yesterday
        ),
    }


@pytest.mark.parametrize('who', SCOPED_WHO)
def test_scoped_auditor_access_matrix(client, create_tender, cast, scoped_auditors, who):
    draft = create_tender('draft')
    live = create_tender(Stage.clarification)
    doc = db.session.scalars(select(Document).where(Document.tender_id == live.id)).first()
    user = scoped_auditors[who]
    assert login(client, user.email).status_code == 302
    _row, value = auth_ops.create_token(user, 'matrix', now=clock.now())
    db.session.commit()
    headers = {'Authorization': f'Bearer {value}'}
    wrong = walk(
        client,
        SCOPED,
        who,
        headers,
        live=live.code,
        draft=draft.code,
        doc=doc.id,
        agency=live.agency.code,
    )
    assert wrong == {}, f'(got, expected) for {who}'
    # a draft: seen by an auditor of its agency, invisible (404) to the others
    expected = 200 if who == 'auditor_in' else 404
    assert client.get(f'/tenders/{draft.code}').status_code == expected


def test_a_scoped_search_returns_only_its_tenders(client, create_tender, cast, person, token):
    live = create_tender(Stage.clarification)
    other = create_tender('draft')
    assigned = _scoped_auditor(
        person, 'penugasan@bpkp.go.id', national=False, tender_codes=[other.code]
    )
    body = client.get(
        '/api/v1/audit/events', query_string={'limit': 200}, headers=token(assigned)
    ).get_json()
    codes = {e['tender_code'] for e in body['events']}
    assert codes == {other.code}  # its assigned tender only: no user or vendor events either
    body = client.get(
        '/api/v1/audit/events',
        query_string={'tender': live.code},
        headers=token(assigned),
    ).get_json()
    assert body['events'] == []
    assert client.get(f'/audit/tenders/{live.code}', headers=token(assigned)).status_code == 302
    # the tender itself: a draft of an assignment is visible, another tender's document is not
    assert other.can_view(assigned) and not live.can_download(assigned, clock.now())


def test_log_entries_show_a_scoped_auditor_only_its_events(
    client, create_tender, cast, person, token
):
    live = create_tender(Stage.clarification)
    other = create_tender('draft')
    assigned = _scoped_auditor(
        person, 'entri@bpkp.go.id', national=False, tender_codes=[other.code]
    )
    size = db.session.scalar(select(func.max(AuditEvent.seq)))
    in_scope = set(
        db.session.scalars(
            select(AuditEventTender.seq).where(AuditEventTender.tender_id == other.id)
        )
    )
    assert in_scope

    def shown(user):
        entries = client.get(
            '/api/v1/log/entries', query_string={'start': 0, 'end': size}, headers=token(user)
        ).get_json()['entries']
        return {e['index'] + 1 for e in entries if e['event'] is not None}

    assert shown(assigned) == in_scope
    assert shown(cast['auditor']) == set(range(1, size + 1))
    assert not shown(assigned) & set(
        db.session.scalars(
            select(AuditEventTender.seq).where(AuditEventTender.tender_id == live.id)
        )
    )


def test_the_admin_sets_a_scope_and_bad_input_writes_nothing(
    client, create_tender, cast, agency, as_user
):
    live = create_tender(Stage.clarification)
    auditor = cast['auditor']
    as_user(cast['admin'])
    page = client.get(f'/admin/users/{auditor.id}').get_data(as_text=True)
    assert 'auditor-scope' in page
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post(
        f'/admin/users/{auditor.id}/auditor-scope',
        data={'tenders': 'TIDAK-ADA-1', 'ends_on': '2026-12-31'},
    )
    assert response.status_code == 422 and 'TIDAK-ADA-1' in response.get_data(as_text=True)
    assert db.session.get(AuditorScope, auditor.id) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    response = client.post(
        f'/admin/users/{auditor.id}/auditor-scope',
        data={'agencies': [str(agency.id)], 'tenders': live.code, 'ends_on': '2026-12-31'},
    )
    assert response.status_code == 303
    db.session.expire_all()
    described = scope.scope_of(auditor)
    assert not described.national and described.agency_ids == {agency.id}
    assert described.tender_codes == {live.code} and described.ends_on == date(2026, 12, 31)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'auditor.scope_set')
    ).one()
    assert event.actor_id == cast['admin'].id and event.object_id == str(auditor.id)
    # the scope tables are watched: the change is in the state log as well
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last.action == 'state.rows' and 'auditor_scope' in last.payload
    # not an auditor: refused
    response = client.post(f'/admin/users/{cast["ppk"].id}/auditor-scope', data={'national': 'y'})
    assert response.status_code == 422
    # a non-national scope without agencies or tenders is refused too
    response = client.post(f'/admin/users/{auditor.id}/auditor-scope', data={})
    assert response.status_code == 422


def test_the_cli_sets_a_scope(app, create_tender, cast, agency):
    live = create_tender(Stage.clarification)
    runner = app.test_cli_runner()
    result = runner.invoke(
        lpse_cli,
        ['auditor-scope', cast['auditor'].email, '--agency', agency.code, '--until', '2027-01-31'],
    )
    assert result.exit_code == 0, result.output
    assert 'scoped' in result.output and '2027-01-31' in result.output
    described = scope.scope_of(cast['auditor'])
    assert described.agency_ids == {agency.id} and described.covers(live)
    result = runner.invoke(lpse_cli, ['auditor-scope', cast['auditor'].email])
    assert result.exit_code == 0 and 'national' in result.output
    result = runner.invoke(lpse_cli, ['auditor-scope', cast['auditor'].email, '--agency', 'XYZ'])
    assert result.exit_code != 0
    result = runner.invoke(lpse_cli, ['auditor-scope', cast['ppk'].email, '--national'])
    assert result.exit_code != 0 and 'auditor' in result.output


def test_auditors_land_on_their_home_page(client, cast, scoped_auditors):
    response = login(client, cast['auditor'].email)
    assert response.status_code == 302 and response.location.endswith('/audit/home')
    client.post('/auth/logout')
    response = login(client, scoped_auditors['auditor_expired'].email)
    assert response.status_code == 302 and not response.location.endswith('/audit/home')
    client.post('/auth/logout')
    response = login(client, cast['pokja'].email)
    assert not response.location.endswith('/audit/home')


def test_the_home_page_lists_failed_tenders_in_scope(
    client, create_tender, cast, scoped_auditors, as_user
):
    failed = create_tender(Phase.failed)
    create_tender(Stage.clarification)
    as_user(cast['auditor'])
    html = client.get('/audit/home').get_data(as_text=True)
    assert failed.code in html and 'Tidak ada penawaran' in html
    assert f'/audit/tenders/{failed.code}' in html
    as_user(scoped_auditors['auditor_out'])
    assert failed.code not in client.get('/audit/home').get_data(as_text=True)
    as_user(scoped_auditors['auditor_in'])
    assert failed.code in client.get('/audit/home').get_data(as_text=True)
    clock.set_now(T0)
