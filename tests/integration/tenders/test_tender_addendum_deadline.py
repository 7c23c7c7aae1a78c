"""DOMAIN §2 stage 4: an addendum that affects bids must push the bid deadline.

The Pokja declares with every addendum whether it affects bids; if it does, the new bid deadline
comes with it (later than the current one, leaving vendors the configured preparation time),
every later stage moves by the same amount, and the move is a schedule change whose reason names
the addendum (the public "Perubahan" column). Anything else is refused and nothing is written.
"""

import io
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import blob_helpers
import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.tenders.documents import Addendum, Document
from lpse.tenders.models import ScheduleChange, Tender
from lpse.tenders.stages import STAGES, Stage

from .factories import PDF, T0
from .test_tender_documents import upload


def local(moment, tender):
    """A `datetime-local` form value in the tender's zone."""
    return moment.astimezone(ZoneInfo(tender.timezone)).strftime('%Y-%m-%dT%H:%M')


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Addendum, Document, ScheduleChange)
    )


def blobs(app):
    return blob_helpers.stored_blobs()


def fresh(tender):
    db.session.expire_all()
    return db.session.get(Tender, tender.id)


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_pokja_must_say_whether_the_addendum_affects_bids(
    app, client, create_tender, cast, as_user
):
    tender = create_tender(Stage.clarification)
    as_user(cast['pokja'])
    before, stored = counts(), blobs(app)
    response = upload(client, tender.code, PDF + b'x', reason='Revisi spesifikasi')
    assert response.status_code == 422
    assert 'memengaruhi penyusunan penawaran' in response.get_data(as_text=True)
    assert counts() == before and blobs(app) == stored


@pytest.mark.parametrize(
    ('shift', 'message'),
    [
        (None, 'wajib memundurkan batas akhir penawaran'),
        (timedelta(0), 'harus lebih lambat dari batas akhir saat ini'),
        (timedelta(hours=-5), 'harus lebih lambat dari batas akhir saat ini'),
    ],
)
def test_an_addendum_that_affects_bids_without_a_later_deadline_is_refused(
    app, client, create_tender, cast, as_user, shift, message
):
    tender = create_tender(Stage.clarification)
    old_deadline, old_schedule = tender.bid_deadline, tender.schedule
    as_user(cast['pokja'])
    before, stored = counts(), blobs(app)
    fields = {'reason': 'Volume pekerjaan berubah', 'affects_bids': 'ya'}
    if shift is not None:
        fields['bid_deadline'] = local(old_deadline + shift, tender)
    response = upload(client, tender.code, PDF + b'y', kind='boq', **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if shift is not None:  # the current deadline is shown in the tender's zone and WIB
        assert 'WITA' in page and 'WIB' in page
    assert counts() == before and blobs(app) == stored
    tender = fresh(tender)
    assert tender.bid_deadline == old_deadline and tender.schedule == old_schedule
    assert not events('tender.addendum_issued') and not events('tender.schedule_changed')


def test_an_addendum_that_affects_bids_moves_the_deadline_and_every_later_stage(
    client, create_tender, cast, as_user
):
    tender = create_tender(Stage.clarification)
    old = tender.schedule
    new_deadline = tender.bid_deadline + timedelta(days=2)
    as_user(cast['pokja'])
    response = upload(
        client,
        tender.code,
        PDF + b'boq2',
        kind='boq',
        reason='Volume galian ditambah',
        affects_bids='ya',
        bid_deadline=local(new_deadline, tender),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    tender = fresh(tender)
    [addendum] = db.session.scalars(select(Addendum)).all()
    assert addendum.affects_bids and addendum.number == 1
    assert tender.bid_deadline == new_deadline
    new, delta = tender.schedule, timedelta(days=2)
    assert new[Stage.bid_submission].start == old[Stage.bid_submission].start
    assert new[Stage.bid_submission].end == new_deadline
    for stage in STAGES[STAGES.index(Stage.bid_opening) :]:
        assert (new[stage].start, new[stage].end) == (
            old[stage].start + delta,
            old[stage].end + delta,
        )
    # The download window was still open: it stays open as long before the new deadline.
    assert new[Stage.download].end == old[Stage.download].end + delta
    for stage in (Stage.announcement, Stage.clarification):
        assert new[stage] == old[stage]
    changes = db.session.scalars(select(ScheduleChange)).all()
    assert {c.reason for c in changes} == {'Adendum 1: Volume galian ditambah'}
    assert {c.stage for c in changes} == {
        Stage.download.value,
        *(s.value for s in STAGES[STAGES.index(Stage.bid_submission) :]),
    }
    [issued] = events('tender.addendum_issued')
    payload = json.loads(issued.payload)
    assert payload['affects_bids'] is True
    assert payload['bid_deadline'] == new_deadline.isoformat()
    [changed] = events('tender.schedule_changed')
    assert json.loads(changed.payload)['reason'] == 'Adendum 1: Volume galian ditambah'
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Adendum 1: Volume galian ditambah' in page  # the public "Perubahan" column


def test_an_addendum_that_does_not_affect_bids_leaves_the_schedule(
    client, create_tender, cast, as_user
):
    tender = create_tender(Stage.clarification)
    old_deadline, old_schedule = tender.bid_deadline, tender.schedule
    as_user(cast['pokja'])
    response = upload(
        client,
        tender.code,
        PDF + b'typo',
        reason='Perbaikan salah ketik pada judul',
        affects_bids='tidak',
        # A deadline typed by mistake is ignored when the addendum does not affect bids.
        bid_deadline=local(old_deadline + timedelta(days=9), tender),
    )
    assert response.status_code == 302
    tender = fresh(tender)
    assert tender.bid_deadline == old_deadline and tender.schedule == old_schedule
    [addendum] = db.session.scalars(select(Addendum)).all()
    assert addendum.affects_bids is False
    assert counts()[2] == 0 and not events('tender.schedule_changed')


def test_vendors_keep_the_configured_preparation_time_after_the_addendum(
    app, client, create_tender, cast, as_user
):
    app.config['LPSE_ADDENDUM_MIN_BID_HOURS'] = 72
    tender = create_tender(Stage.clarification)
    old_deadline = tender.bid_deadline
    clock.set_now(old_deadline - timedelta(hours=10))
    as_user(cast['pokja'])
    too_soon = upload(
        client,
        tender.code,
        PDF + b'a',
        reason='Spesifikasi diubah',
        affects_bids='ya',
        bid_deadline=local(old_deadline + timedelta(hours=24), tender),  # 34 h after now
    )
    assert too_soon.status_code == 422
    assert 'paling sedikit 72 jam' in too_soon.get_data(as_text=True)
    assert counts()[0] == 0
    enough = upload(
        client,
        tender.code,
        PDF + b'a',
        reason='Spesifikasi diubah',
        affects_bids='ya',
        bid_deadline=local(old_deadline + timedelta(hours=62), tender),  # 72 h after now
    )
    assert enough.status_code == 302, enough.get_data(as_text=True)
    assert fresh(tender).bid_deadline == old_deadline + timedelta(hours=62)
    clock.set_now(T0)


def test_the_preparation_time_defaults_to_the_frozen_gap_after_the_aanwijzing(
    app, client, create_tender, cast, as_user
):
    # Published with a 72 h bid-preparation gap after the aanwijzing: an addendum gets the same.
    app.config['LPSE_STAGE_MIN_GAPS'] = {'deadline_after_clarification': 72}
    tender = create_tender(Stage.clarification)
    app.config['LPSE_STAGE_MIN_GAPS'] = {}  # what counts is what was frozen at publication
    clock.set_now(tender.bid_deadline - timedelta(hours=1))
    as_user(cast['pokja'])
    response = upload(
        client,
        tender.code,
        PDF + b'b',
        reason='Syarat kualifikasi diubah',
        affects_bids='ya',
        bid_deadline=local(tender.bid_deadline + timedelta(hours=24), tender),
    )
    assert response.status_code == 422
    assert 'paling sedikit 72 jam' in response.get_data(as_text=True)
    clock.set_now(T0)


def api_upload(client, tender, headers, **fields):
    data = {'kind': 'kak', 'reason': 'KAK direvisi', **fields, 'file': (io.BytesIO(PDF), 'k.pdf')}
    return client.post(
        f'/api/v1/tenders/{tender.code}/documents',
        data=data,
        headers=headers,
        content_type='multipart/form-data',
    )


@pytest.mark.parametrize(
    ('fields', 'field'),
    [
        ({}, 'affects_bids'),
        ({'affects_bids': 'mungkin'}, 'affects_bids'),
        ({'affects_bids': 'true'}, 'bid_deadline'),
        ({'affects_bids': 'true', 'bid_deadline': '2026-03-09T10:00:00'}, 'bid_deadline'),
        ({'affects_bids': 'true', 'bid_deadline': '2026-03-01T10:00:00+08:00'}, 'bid_deadline'),
    ],
)
def test_the_api_refuses_an_addendum_without_the_rule(
    client, create_tender, cast, token, fields, field
):
    tender = create_tender(Stage.clarification)
    headers = token(cast['pokja'])
    before = counts()
    response = api_upload(client, tender, headers, **fields)
    assert response.status_code == 422
    error = response.get_json()['error']
    assert error['code'] and error['message']
    assert error.get('field', field) == field
    assert counts() == before


def test_the_api_moves_the_deadline_with_the_addendum(client, create_tender, cast, token):
    tender = create_tender(Stage.clarification)
    headers = token(cast['pokja'])
    new_deadline = tender.bid_deadline + timedelta(hours=30)
    offset = new_deadline.astimezone(ZoneInfo('Asia/Jayapura')).isoformat()  # any offset
    response = api_upload(client, tender, headers, affects_bids='true', bid_deadline=offset)
    assert response.status_code == 201, response.get_json()
    tender = fresh(tender)
    assert tender.bid_deadline == new_deadline
    detail = client.get(f'/api/v1/tenders/{tender.code}', headers=headers).get_json()
    assert detail['addenda'][0]['affects_bids'] is True
    assert {c.reason for c in db.session.scalars(select(ScheduleChange))} == {
        'Adendum 1: KAK direvisi'
    }
    plain = api_upload(client, tender, headers, affects_bids='false')
    assert plain.status_code == 201
    assert fresh(tender).bid_deadline == new_deadline
