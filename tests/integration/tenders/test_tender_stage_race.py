"""Two transactions changing one tender's stage timeline at once on PostgreSQL (a schedule
change while the opening records its milestone): the tender row lock orders them, so neither
fails and the rows left describe both changes."""

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lpse import clock
from lpse.auth.models import User
from lpse.extensions import db
from lpse.tenders import schedule as tender_schedule
from lpse.tenders import stage_index
from lpse.tenders.models import StageHold, StageWindow, Tender
from lpse.tenders.stages import Stage, Window

pytestmark = pytest.mark.skipif(
    not os.environ.get('LPSE_TEST_DATABASE_URL'), reason='row locks: PostgreSQL'
)


def stored(tender_id):
    windows = db.session.execute(
        select(StageWindow.stage, StageWindow.starts_at, StageWindow.ends_at).where(
            StageWindow.tender_id == tender_id
        )
    ).all()
    hold = db.session.execute(
        select(StageHold.stage, StageHold.starts_at).where(StageHold.tender_id == tender_id)
    ).one()
    return set(windows), tuple(hold)


def expected(tender):
    columns = {c.key: getattr(tender, c.key) for c in Tender.__table__.columns}
    windows, hold = stage_index.timeline_rows(columns, tender.schedule)
    return {(w['stage'], w['starts_at'], w['ends_at']) for w in windows}, (
        hold['stage'],
        hold['starts_at'],
    )


def test_a_schedule_change_and_a_milestone_at_once_both_land(app, create_tender, cast):
    tender = create_tender(Stage.bid_opening)
    tender_id, pokja_id, now = tender.id, cast['pokja'].id, clock.now()
    contract = tender.schedule[Stage.contract]
    held, go = threading.Event(), threading.Event()
    errors = []

    def change_schedule():
        try:
            with app.app_context():
                row = db.session.get(Tender, tender_id)
                tender_schedule.change_schedule(
                    row,
                    {Stage.contract: Window(contract.start, contract.end + timedelta(days=2))},
                    reason='Penyesuaian jadwal kontrak',
                    actor=db.session.get(User, pokja_id),
                    now=now,
                )
                db.session.flush()
                held.set()
                go.wait(10)
                db.session.commit()
                db.session.remove()
        except Exception as exc:
            errors.append(exc)
        finally:
            held.set()

    def open_bids():
        try:
            with app.app_context():
                row = db.session.get(Tender, tender_id)
                row.bids_opened_at = now
                db.session.commit()
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    a = threading.Thread(target=change_schedule)
    a.start()
    assert held.wait(20)
    b = threading.Thread(target=open_bids)
    b.start()
    b.join(1)  # B waits for A's transaction (the tender row)
    go.set()
    a.join(60)
    b.join(60)
    assert errors == []
    db.session.expire_all()
    tender = db.session.get(Tender, tender_id)
    assert tender.bids_opened_at is not None
    assert tender.schedule[Stage.contract].end == contract.end + timedelta(days=2)
    assert stored(tender_id) == expected(tender)
