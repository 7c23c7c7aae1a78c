"""Setting and changing the schedule: validation, history, the public "Perubahan" column."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lpse import config
from lpse.audit import AuditEvent
from lpse.errors import NotAllowed, ValidationFailed
from lpse.extensions import db
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.models import ScheduleChange
from lpse.tenders.stages import Stage, Window

from .factories import T0, schedule_at


def form_of(schedule, zone_offset=timedelta(hours=8)):
    """Form fields for a schedule, typed in WITA (UTC+8) as datetime-local values."""
    data = {}
    for stage, window in schedule.items():
        data[f'{stage}_start'] = (window.start + zone_offset).strftime('%Y-%m-%dT%H:%M')
        data[f'{stage}_end'] = (window.end + zone_offset).strftime('%Y-%m-%dT%H:%M')
    return data


def test_schedule_typed_in_the_tender_zone_is_stored_in_utc(client, create_tender, cast, as_user):
    tender = create_tender('draft')
    as_user(cast['pokja'])
    schedule = schedule_at(T0 + timedelta(days=1))
    response = client.post(f'/tenders/{tender.code}/schedule', data=form_of(schedule))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(tender)
    assert tender.schedule == schedule
    assert tender.bid_deadline == schedule[Stage.bid_submission].end


def test_stages_out_of_order_are_refused_on_the_page(client, create_tender, cast, as_user):
    tender = create_tender('draft')
    as_user(cast['pokja'])
    schedule = schedule_at(T0 + timedelta(days=1))
    schedule[Stage.bid_opening] = Window(
        schedule[Stage.bid_submission].start, schedule[Stage.bid_opening].end
    )
    response = client.post(f'/tenders/{tender.code}/schedule', data=form_of(schedule))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'Tahap ini harus dimulai setelah tahap Upload Dokumen Penawaran berakhir.' in page
    db.session.expire_all()
    assert tender.schedule == {}


def test_a_late_download_close_is_named_and_marked_on_its_end(client, create_tender, cast, as_user):
    """The summary names each field by its stage and links to the edge at fault; with no
    minimum gap (the demo) the rule reads as what it is, not "minimal 0 jam"."""
    tender = create_tender('draft')
    as_user(cast['pokja'])
    schedule = schedule_at(T0 + timedelta(days=1))
    download = schedule[Stage.download]
    schedule[Stage.download] = Window(
        download.start, schedule[Stage.bid_submission].end + timedelta(hours=1)
    )
    response = client.post(f'/tenders/{tender.code}/schedule', data=form_of(schedule))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = page.split('error-summary')[1].split('</div>')[0]
    assert '<a href="#download_end">Download Dokumen Pemilihan — sampai</a>' in summary
    assert 'Download harus ditutup paling lambat pada batas akhir penawaran.' in page
    assert 'minimal 0 jam' not in page
    client.get('/lang/en')
    english = client.post(f'/tenders/{tender.code}/schedule', data=form_of(schedule))
    assert 'The download must close no later than the bid deadline.' in english.get_data(
        as_text=True
    )


def test_default_minimums_apply_without_the_test_overrides(app, create_tender, cast):
    tender = create_tender('draft')
    # What production runs with (config.Config), not the tests' override of none.
    app.config['LPSE_STAGE_MIN_DURATIONS'] = config.DEFAULT_MIN_DURATIONS
    app.config['LPSE_STAGE_MIN_GAPS'] = config.DEFAULT_MIN_GAPS
    with pytest.raises(tender_schedule.ScheduleInvalid) as caught:
        tender_schedule.set_schedule(
            tender, schedule_at(T0 + timedelta(days=1)), actor=cast['pokja'], now=T0
        )
    # 48 h of announcement < 5 days; the aanwijzing starts 48 h (< 3 days) after it; the
    # deadline (72 h after the aanwijzing) and the download close (24 h before) just pass.
    assert {p.stage for p in caught.value.problems} == {Stage.announcement, Stage.clarification}


def test_a_change_needs_a_reason_and_is_kept(client, create_tender, cast, as_user):
    tender = create_tender(Stage.clarification)
    old = tender.schedule
    new = dict(old)
    new[Stage.bid_submission] = Window(
        old[Stage.bid_submission].start, old[Stage.bid_submission].end + timedelta(days=2)
    )
    for stage in list(new)[4:]:
        if stage is not Stage.bid_submission:
            new[stage] = Window(
                old[stage].start + timedelta(days=2), old[stage].end + timedelta(days=2)
            )
    with pytest.raises(ValidationFailed, match='alasan'):
        tender_schedule.change_schedule(tender, new, reason='', actor=cast['pokja'], now=T0)
    with pytest.raises(NotAllowed):
        tender_schedule.change_schedule(tender, new, reason='x', actor=cast['pokja_other'], now=T0)
    as_user(cast['pokja2'])
    data = form_of(new) | {'reason': 'Gangguan teknis server LPSE'}
    response = client.post(f'/tenders/{tender.code}/schedule', data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    changes = db.session.scalars(select(ScheduleChange)).all()
    assert len(changes) == 9 and {c.reason for c in changes} == {'Gangguan teknis server LPSE'}
    db.session.refresh(tender)
    assert tender.bid_deadline == old[Stage.bid_submission].end + timedelta(days=2)
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'tender.schedule_changed')
    ).all()
    assert 'bid_submission' in event.payload
    client.post('/auth/logout')  # the public page: an anonymous visitor sees the changes
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Masuk' in page and 'Keluar' not in page
    assert 'Perubahan' in page and '1 perubahan' in page and 'Gangguan teknis server LPSE' in page


def test_the_past_cannot_be_rewritten(create_tender, cast):
    tender = create_tender(Stage.clarification)
    old = tender.schedule
    moved = {
        Stage.announcement: Window(
            old[Stage.announcement].start, old[Stage.announcement].end + timedelta(hours=1)
        )
    }
    with pytest.raises(tender_schedule.ScheduleInvalid, match='sudah berakhir'):
        tender_schedule.change_schedule(tender, moved, reason='x', actor=cast['pokja'], now=T0)
    moved = {
        Stage.clarification: Window(
            old[Stage.clarification].start + timedelta(minutes=5), old[Stage.clarification].end
        )
    }
    with pytest.raises(tender_schedule.ScheduleInvalid, match='sudah dimulai'):
        tender_schedule.change_schedule(tender, moved, reason='x', actor=cast['pokja'], now=T0)
