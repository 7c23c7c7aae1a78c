"""The auditor's log search (issue 14.4): every filter against the events it must and must not
return, keyset cursors that stay stable while the log grows, the CSV of the filtered set, names
instead of ids, and each tender's audit trail (its page and the tender page's section)."""

import csv
import io
from datetime import UTC, datetime, timedelta

from flask import url_for
from sqlalchemy import select

from lpse import audit, clock
from lpse.audit import AuditEvent, AuditEventTender
from lpse.extensions import db
from lpse.tenders import questions
from lpse.tenders.stages import Stage

from .factories import T0


def _api_all(client, headers, **params):
    """Every event of a filtered search through the API, following the cursors."""
    seqs, cursor = [], None
    while True:
        query = {**params, 'limit': 3, **({'cursor': cursor} if cursor else {})}
        response = client.get('/api/v1/audit/events', query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seqs += [e['seq'] for e in body['events']]
        cursor = body['next_cursor']
        if cursor is None:
            return seqs


def _db_seqs(*where):
    return sorted(db.session.scalars(select(AuditEvent.seq).where(*where)), reverse=True)


def _tender_seqs(*tenders):
    ids = [t.id for t in tenders]
    return set(
        db.session.scalars(select(AuditEventTender.seq).where(AuditEventTender.tender_id.in_(ids)))
    )


def test_each_filter_returns_exactly_its_events(client, create_tender, cast, token):
    live = create_tender(Stage.clarification)
    other = create_tender('draft')
    clock.set_now(T0)
    questions.ask_question(live, body='Apakah ada survei?', actor=cast['vendor'], now=T0)
    # an event from a known address, late in the UTC day: already the next day in WIB
    late = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)  # 3 March 01:30 WIB
    audit.record('test.marker', live, actor=cast['ppk'], now=late, ip='10.9.8.7', note='x')
    db.session.commit()
    headers = token(cast['auditor'])

    by_tender = _api_all(client, headers, tender=live.code)
    assert by_tender and set(by_tender) == _tender_seqs(live)
    assert not set(by_tender) & _tender_seqs(other)
    pokja = cast['pokja']
    assert _api_all(client, headers, actor=pokja.email) == _db_seqs(AuditEvent.actor_id == pokja.id)
    assert _api_all(client, headers, actor=pokja.name[2:8].upper()) == _db_seqs(
        AuditEvent.actor_id == pokja.id
    )
    vendor_events = _api_all(client, headers, role='vendor')
    assert vendor_events and vendor_events == _db_seqs(AuditEvent.actor_id == cast['vendor'].id)
    asked = _api_all(client, headers, action='tender.question')
    assert asked == _db_seqs(AuditEvent.action.startswith('tender.question'))
    assert len(asked) == 1
    marker = _db_seqs(AuditEvent.action == 'test.marker')
    assert _api_all(client, headers, ip='10.9.8.7') == marker
    assert _api_all(client, headers, object_type='tender', object_id=str(other.id)) == _db_seqs(
        AuditEvent.object_type == 'tender', AuditEvent.object_id == str(other.id)
    )
    # days are read in the reader's zone (the national auditor: WIB)
    assert _api_all(client, headers, since='2026-03-03', until='2026-03-03') == marker
    on_the_2nd = _api_all(client, headers, since='2026-03-02', until='2026-03-02')
    assert on_the_2nd and marker[0] not in on_the_2nd
    assert _api_all(client, headers, since='2026-03-03', ip='10.9.8.8') == []
    # filters combine
    assert _api_all(client, headers, tender=other.code, role='vendor') == []


def test_bad_filters_and_cursors_are_422_not_500(client, create_tender, cast, token):
    create_tender('draft')
    headers = token(cast['auditor'])
    for query in (
        {'since': '2026-13-01'},
        {'since': '0001-01-01'},
        {'until': '9999-12-31'},
        {'role': 'raja'},
        {'since': '2026-03-05', 'until': '2026-03-01'},
        {'cursor': 'bm90LWpzb24'},
        {'cursor': '!!!'},
        {'cursor': 'eyJ2IjoxLCJzIjotNSwiYSI6ZmFsc2V9'},  # seq -5
        {'limit': '0'},
        {'limit': '100000'},
        {'actor': 'x' * 300},
    ):
        response = client.get('/api/v1/audit/events', query_string=query, headers=headers)
        assert response.status_code == 422, query
        assert set(response.get_json()['error']) >= {'code', 'message'}
    # an ascending cursor does not continue a descending search
    first = client.get(
        '/api/v1/audit/events', query_string={'order': 'asc', 'limit': 1}, headers=headers
    ).get_json()
    assert first['next_cursor']
    response = client.get(
        '/api/v1/audit/events', query_string={'cursor': first['next_cursor']}, headers=headers
    )
    assert response.status_code == 422


def test_cursor_pages_are_stable_while_the_log_grows(client, create_tender, cast, token):
    live = create_tender(Stage.clarification)
    headers = token(cast['auditor'])
    expected = _db_seqs()
    first = client.get('/api/v1/audit/events', query_string={'limit': 4}, headers=headers)
    page1 = first.get_json()
    for n in range(5):  # appended between the pages
        audit.record('test.appended', live, actor=cast['ppk'], now=clock.now(), n=n)
    db.session.commit()
    seqs, cursor = [e['seq'] for e in page1['events']], page1['next_cursor']
    while cursor:
        body = client.get(
            '/api/v1/audit/events', query_string={'limit': 4, 'cursor': cursor}, headers=headers
        ).get_json()
        seqs += [e['seq'] for e in body['events']]
        cursor = body['next_cursor']
    assert seqs == expected  # nothing skipped, nothing repeated, the new events not mixed in
    # ascending pages (the trail order) meet every event once, the new ones last
    everything = _api_all(client, headers, order='asc')
    assert everything == sorted(_db_seqs())


def test_the_page_names_actors_and_objects_and_exports_csv(client, create_tender, cast, as_user):
    live = create_tender(Stage.clarification)
    clock.set_now(T0)
    questions.ask_question(live, body='=HYPERLINK("x")', actor=cast['vendor'], now=T0)
    audit.record('test.formula', live, actor=cast['ppk'], now=T0, ip='=1+1')
    db.session.commit()
    as_user(cast['auditor'])
    page = client.get('/audit/', query_string={'tender': live.code})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert cast['pokja'].name in html and cast['vendor'].name in html
    assert f'/tenders/{live.code}' in html and live.title in html
    assert f'/audit/tenders/{live.code}' in html
    assert 'tender.question_asked' in html
    response = client.get('/audit/events.csv', query_string={'tender': live.code})
    assert response.status_code == 200 and response.mimetype == 'text/csv'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r['seq']) for r in rows] == sorted(_tender_seqs(live))
    assert {r['tender_code'] for r in rows} == {live.code}
    names = {r['actor_name'] for r in rows}
    assert cast['pokja'].name in names and cast['vendor'].name in names
    marker = next(r for r in rows if r['action'] == 'test.formula')
    assert marker['actor_ip'] == "'=1+1"  # not a formula in a spreadsheet
    assert marker['occurred_at'].endswith('+07:00')  # the reader's zone (WIB)
    # an invalid filter on the page is a 422 with the message, not a 500
    assert client.get('/audit/', query_string={'since': 'kemarin'}).status_code == 422


def test_the_page_says_each_action_in_words_and_keeps_its_code(
    client, create_tender, cast, as_user
):
    live = create_tender(Stage.clarification)
    clock.set_now(T0)
    questions.ask_question(live, body='Berapa lama masa garansi?', actor=cast['vendor'], now=T0)
    audit.record('test.long', live, actor=cast['ppk'], now=T0, note='x' * 300)
    db.session.commit()
    as_user(cast['auditor'])
    html = client.get('/audit/', query_string={'tender': live.code}).get_data(as_text=True)
    # a long payload folds: its beginning shown, the whole of it one click away (phones)
    assert '<details><summary><code class="wrap">{&#34;note&#34;:&#34;xxx' in html
    assert html.count('x' * 300) == 1
    assert 'Pertanyaan diajukan<br><small><code>tender.question_asked</code></small>' in html
    assert '>No. urut</th>' in html and '>seq</th>' not in html
    assert 'zona waktu Anda (WIB)' in html  # the zone by its Indonesian name
    assert 'Seluruh log: ' in html  # a national reader: the whole log's size, said as such
    lower = client.get('/audit/', query_string={'tender': live.code.lower()})
    assert 'tender.question_asked' in lower.get_data(as_text=True)  # codes typed in lower case
    assert '<option value="pokja">Pokja Pemilihan</option>' in html  # the role filter in words
    assert '<option value="bid.submitted">Penawaran dikirim</option>' in html  # codes to pick
    client.get('/lang/en')
    html = client.get('/audit/', query_string={'tender': live.code}).get_data(as_text=True)
    assert 'Question asked<br><small><code>tender.question_asked</code></small>' in html
    assert '<option value="bid.submitted">Bid submitted</option>' in html


def test_the_tender_trail_lists_its_events_in_order(client, create_tender, cast, as_user):
    live = create_tender(Stage.clarification)
    clock.set_now(T0)
    for n in range(3):
        questions.ask_question(live, body=f'Pertanyaan {n}?', actor=cast['vendor'], now=T0)
    db.session.commit()
    as_user(cast['auditor'])
    response = client.get(f'/audit/tenders/{live.code}')
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = sorted(_tender_seqs(live))
    positions = [html.index(f'<td>{seq}</td>') for seq in expected]
    assert positions == sorted(positions)
    # the tender page has an "Audit trail" section for auditors only
    detail = client.get(f'/tenders/{live.code}').get_data(as_text=True)
    assert 'id="audit-trail"' in detail
    as_user(cast['vendor'])
    assert 'id="audit-trail"' not in client.get(f'/tenders/{live.code}').get_data(as_text=True)
    as_user(cast['pokja'])
    assert client.get(f'/audit/tenders/{live.code}').status_code == 403


def test_events_before_a_seq_keep_working_from_the_reconcile_page(
    client, create_tender, cast, as_user
):
    create_tender('draft')
    seqs = _db_seqs()
    as_user(cast['auditor'])
    html = client.get('/audit/', query_string={'before': seqs[1] + 1}).get_data(as_text=True)
    assert f'<td>{seqs[1]}</td>' in html and f'<td>{seqs[0]}</td>' not in html


def test_search_stays_bounded(client, create_tender, cast, token):
    """A page reads at most its limit + 1 events, whatever the log's size."""
    live = create_tender(Stage.clarification)
    for n in range(30):
        audit.record('test.bulk', live, actor=cast['ppk'], now=T0 + timedelta(seconds=n))
    db.session.commit()
    headers = token(cast['auditor'])
    body = client.get(
        '/api/v1/audit/events', query_string={'limit': 5, 'action': 'test.bulk'}, headers=headers
    ).get_json()
    assert len(body['events']) == 5 and body['next_cursor']
    assert [e['actor']['email'] for e in body['events']] == [cast['ppk'].email] * 5
    assert body['events'][0]['tender_code'] == live.code


def test_events_about_a_vendor_name_its_company(client, cast, as_user):
    """As the demo seeds them (vendor.registered / vendor.verified on the Vendor row): the log
    page names the company and links the vendor's page (it answered 500 before)."""
    from lpse.vendors.verification import vendor_of

    vendor = vendor_of(cast['vendor'])
    audit.record('vendor.verified', vendor, actor=None, now=T0, reason=None)
    db.session.commit()
    as_user(cast['auditor'])
    page = client.get('/audit/')
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with client.application.test_request_context():
        link = url_for('vendors.detail', vendor_id=vendor.id)
    assert vendor.company_name in html and f'href="{link}"' in html
