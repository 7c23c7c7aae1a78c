"""The stored red flags: the clock's refresh recomputes exactly the tenders whose data changed
(an event of the tender, a change to a bidder's data, its deadline passing), a rebuild every
tender; the agency page and network read the stored rows."""

from datetime import timedelta

from helpers import login
from sqlalchemy import select

from lpse import audit, clock
from lpse.extensions import db
from lpse.redflags import store
from lpse.redflags.models import RedFlagMark, RedFlagSummary
from redflags.test_redflags_pages import collude, opened_tender  # noqa: F401


def summary(tender) -> RedFlagSummary | None:
    db.session.expire_all()
    return db.session.get(RedFlagSummary, tender.id)


def test_refresh_recomputes_only_what_changed(client, cast, opened_tender):  # noqa: F811
    first, bids_first = opened_tender()
    second, _bids_second = opened_tender()
    assert store.refresh(now=clock.now()) >= 2  # the first run looks at every past deadline
    assert summary(first).flag_count == 0 and summary(second).flag_count == 0
    assert summary(first).bidder_ids == {b.vendor_id for b in bids_first}
    assert store.refresh(now=clock.now()) == 0  # nothing changed since

    # A bidder's data changes (an event about the vendor): the tenders it bid in, only.
    collude(bids_first)
    audit.record('vendor.updated', bids_first[0].vendor, actor=cast['admin'], now=clock.now())
    db.session.commit()
    assert store.refresh(now=clock.now()) == 1
    flagged = summary(first)
    assert flagged.flag_count == 2 and flagged.weight > 0
    assert set(flagged.rule_ids) == {'RF-IP-SAMA', 'RF-DATA-SAMA'}
    pair = tuple(sorted(b.vendor_id for b in bids_first[:2]))
    assert (*pair, 'RF-IP-SAMA') in flagged.edge_list
    assert summary(second).flag_count == 0

    # The agency page reads the stored rows, with when they were computed.
    assert login(client, cast['auditor'].email).status_code == 302
    html = client.get(f'/audit/flags/agency/{first.agency.code}').get_data(as_text=True)
    assert first.code in html and second.code not in html
    assert 'terakhir diperiksa' in html
    svg = client.get(f'/audit/flags/agency/{first.agency.code}/network.svg')
    assert 'RF-IP-SAMA' in svg.get_data(as_text=True)


def test_a_deadline_passing_is_a_change(cast, create_tender):
    from lpse.tenders.stages import Stage

    tender = create_tender(Stage.bid_submission)
    assert clock.now() < tender.bid_deadline
    store.refresh(now=clock.now())
    before = summary(tender)
    assert before is not None and before.bidders == '[]'
    mark = db.session.get(RedFlagMark, 1)
    assert mark.last_run_at == clock.now()
    clock.set_now(tender.bid_deadline + timedelta(seconds=1))
    assert tender.id in store.changed_tenders(mark.last_seq, mark.last_run_at, clock.now())
    assert store.refresh(now=clock.now()) >= 1
    assert summary(tender).computed_at == clock.now()


def test_rebuild_recomputes_every_tender(opened_tender):  # noqa: F811
    tenders = [opened_tender()[0] for _ in range(2)]
    store.refresh(now=clock.now())
    stored = db.session.scalars(select(RedFlagSummary.tender_id)).all()
    assert {t.id for t in tenders} <= set(stored)
    assert store.refresh_all(now=clock.now()) >= 2
