"""The results and objections reach exactly the people concerned: the announcement every
bidder and follower (each alone, no name of another), an objection the tender's Pokja and the
company whose win it contests (never the objector's name), its answer the objector, and an
accepted objection's withdrawal of the announcement every bidder and follower."""

from vendor_helpers import verify_vendor

from lpse import clock
from lpse.evaluation import objections
from lpse.extensions import db
from lpse.notify.models import Mail, Notification
from lpse.tenders import follows

from .sanggah_fixtures import LOSER, RESERVE, WINNER, announcement_time, vendor_user


def kinds_by_user():
    rows = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
    result = {}
    for row in rows:
        result.setdefault(row.user_id, []).append(row.kind)
    return result


def test_the_announcement_reaches_bidders_and_followers_only(decided, pokja, cast, person):
    from lpse.evaluation import announcement

    tender, bids = decided
    follower = person('cv.pengikut@contoh.co.id', 'vendor')
    verify_vendor(follower, company='CV Pengikut Setia')
    follows.follow(tender, actor=follower, now=clock.now())
    db.session.commit()
    announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    told = kinds_by_user()
    expected = {vendor_user(b).id for b in bids} | {follower.id}
    assert set(told) == expected  # not the Pokja, not the vendor of the cast who did nothing
    assert all(kinds == ['announced'] for kinds in told.values())
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == follower.id))
    assert note.link == f'/tenders/{tender.code}/results' and 'WITA' in note.body
    for bid in bids:  # no message names a company
        mine = db.session.scalar(
            db.select(Notification).where(Notification.user_id == vendor_user(bid).id)
        )
        assert all(b.vendor.company_name not in mine.body + mine.title for b in bids)
    mails = db.session.scalars(db.select(Mail)).all()
    assert len(mails) == len(expected) and all(m.body.count('@') == 0 for m in mails)


def test_an_objection_goes_to_the_pokja_and_its_answer_to_the_objector(announced, pokja):
    tender, bids, _row = announced
    db.session.execute(db.delete(Notification))
    db.session.commit()
    objector = vendor_user(bids[LOSER])
    filed = objections.file_objection(
        tender, actor=objector, grounds='Penawaran kami dinilai gugur tanpa dasar.', now=clock.now()
    )
    db.session.commit()
    told = kinds_by_user()
    winner = vendor_user(bids[WINNER])
    assert set(told) == {p.id for p in pokja} | {winner.id}
    assert all(told[p.id] == ['objection_filed'] for p in pokja)
    assert told[winner.id] == ['objection_against_win']
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == winner.id))
    assert 'WITA' in note.body and bids[LOSER].vendor.company_name not in note.body + note.title
    db.session.execute(db.delete(Notification))
    objections.answer_objection(
        filed, actor=pokja[0], accepted=False, answer='Sudah sesuai dokumen.', now=clock.now()
    )
    db.session.commit()
    assert kinds_by_user() == {objector.id: ['objection_answered']}
    note = db.session.scalar(db.select(Notification))
    assert 'ditolak' in note.body


def test_an_accepted_objection_tells_everyone_the_announcement_is_withdrawn(announced, pokja):
    tender, bids, _row = announced
    objector = vendor_user(bids[LOSER])
    filed = objections.file_objection(
        tender, actor=objector, grounds='Penawaran kami dinilai gugur tanpa dasar.', now=clock.now()
    )
    db.session.commit()
    db.session.execute(db.delete(Notification))
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        answer='Dinilai ulang.',
        consequence='reevaluate',
        now=clock.now(),
    )
    db.session.commit()
    told = kinds_by_user()
    assert told[objector.id] == ['objection_answered', 'announcement_withdrawn']
    for index in (WINNER, RESERVE):
        assert told[vendor_user(bids[index]).id] == ['announcement_withdrawn']
    note = db.session.scalar(
        db.select(Notification).where(Notification.user_id == vendor_user(bids[WINNER]).id)
    )
    assert note.link == f'/tenders/{tender.code}/results' and 'ditarik' in note.title


def test_the_winner_objecting_is_not_told_of_its_own_objection(announced, pokja):
    tender, bids, _row = announced
    db.session.execute(db.delete(Notification))
    db.session.commit()
    objections.file_objection(
        tender, actor=vendor_user(bids[WINNER]), grounds='Harga terkoreksi salah.', now=clock.now()
    )
    db.session.commit()
    assert set(kinds_by_user()) == {p.id for p in pokja}
