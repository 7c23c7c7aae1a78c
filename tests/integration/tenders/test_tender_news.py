"""Following a tender and its news: the follower (and the asker of an answered question) hear
of answers, addenda, schedule changes and the approaching deadline, once each, in their own
language; nobody else does, and nobody learns who else follows."""

import io
from datetime import timedelta

import pytest
from vendor_helpers import verify_vendor

from lpse import clock
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.notify import outbox
from lpse.notify.models import Mail, Notification
from lpse.tenders import documents, follows, news, questions
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.stages import Stage, Window

from .factories import PDF, T0


@pytest.fixture
def sent(app):
    outbox.sent.clear()
    yield outbox.sent
    outbox.sent.clear()


@pytest.fixture
def vendors(cast, person):
    """The follower (cast's vendor), an asker and an outsider, each with its own company."""
    asker = person('cv.penanya@contoh.co.id', 'vendor')
    verify_vendor(asker, company='CV Penanya Teliti')
    outsider = person('pt.lain@contoh.co.id', 'vendor')
    verify_vendor(outsider, company='PT Tidak Ikut')
    return {'follower': cast['vendor'], 'asker': asker, 'outsider': outsider}


def inbox_of(user):
    return db.session.scalars(
        db.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def mail_to(user):
    return db.session.scalars(db.select(Mail).where(Mail.to == user.email)).all()


def test_a_vendor_follows_from_the_tender_page(client, create_tender, vendors, as_user, cast):
    live = create_tender(Stage.clarification)
    as_user(vendors['follower'])
    page = client.get(f'/tenders/{live.code}').get_data(as_text=True)
    assert 'Ikuti tender' in page
    response = client.post(f'/tenders/{live.code}/follow')
    assert response.status_code == 303
    assert follows.is_following(live, vendors['follower'])
    page = client.get(f'/tenders/{live.code}').get_data(as_text=True)
    assert 'Berhenti mengikuti' in page
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.seq.desc()))
    assert event.action == 'tender.followed' and event.actor_id == vendors['follower'].id
    # Another vendor sees only its own button, nothing of who follows.
    as_user(vendors['outsider'])
    page = client.get(f'/tenders/{live.code}').get_data(as_text=True)
    assert 'Ikuti tender' in page and 'Berhenti mengikuti' not in page
    assert 'PT Maju Jaya' not in page and vendors['follower'].email not in page
    # Following twice changes nothing; unfollowing ends it.
    as_user(vendors['follower'])
    client.post(f'/tenders/{live.code}/follow')
    assert len(follows.followers(live)) == 1
    assert client.post(f'/tenders/{live.code}/unfollow').status_code == 303
    assert not follows.is_following(live, vendors['follower'])
    # Officers cannot follow; a draft cannot be followed (nor seen).
    as_user(cast['pokja'])
    assert client.post(f'/tenders/{live.code}/follow').status_code == 403
    draft = create_tender('draft')
    as_user(vendors['follower'])
    assert client.post(f'/tenders/{draft.code}/follow').status_code == 404


def test_an_answer_reaches_the_follower_and_the_asker_only(
    app, client, create_tender, vendors, as_user, cast, sent
):
    app.config['LPSE_MAIL_AFTER_RESPONSE'] = True  # as a real server: mail after the response
    live = create_tender(Stage.clarification)
    follows.follow(live, actor=vendors['follower'], now=T0)
    question = questions.ask_question(
        live, body='Apakah ada survei lapangan?', actor=vendors['asker'], now=T0
    )
    vendors['follower'].locale = 'en'
    db.session.commit()
    as_user(cast['pokja'])
    response = client.post(
        f'/tenders/{live.code}/questions/{question.id}/answer',
        data={'answer': 'Ya, pada hari kedua.'},
    )
    assert response.status_code == 302
    db.session.expire_all()
    (to_follower,) = inbox_of(vendors['follower'])
    (to_asker,) = inbox_of(vendors['asker'])
    assert inbox_of(vendors['outsider']) == [] and inbox_of(cast['pokja']) == []
    assert to_follower.kind == 'question_answered' and to_follower.link == f'/tenders/{live.code}'
    assert to_follower.title == f'Question answered: {live.code}'  # the follower's language
    assert to_asker.title == f'Pertanyaan dijawab: {live.code}'
    # Each got its own mail, delivered after the response; none names the other.
    assert sorted(m['To'] for m in sent) == sorted(
        [vendors['follower'].email, vendors['asker'].email]
    )
    for message in sent:
        text = message.get_content()
        assert 'CV Penanya' not in text and 'PT Maju Jaya' not in text
        assert all(v.email not in text for v in vendors.values())
    assert all(m.state == 'sent' for m in mail_to(vendors['follower']))


def test_mail_trouble_never_breaks_the_answer(app, client, create_tender, vendors, as_user, cast):
    app.config.update(LPSE_SMTP_HOST='127.0.0.1', LPSE_SMTP_PORT=1, LPSE_SMTP_TLS='none')
    app.config['LPSE_MAIL_AFTER_RESPONSE'] = True
    live = create_tender(Stage.clarification)
    follows.follow(live, actor=vendors['follower'], now=T0)
    question = questions.ask_question(live, body='Ada survei?', actor=vendors['asker'], now=T0)
    db.session.commit()
    as_user(cast['pokja'])
    response = client.post(
        f'/tenders/{live.code}/questions/{question.id}/answer', data={'answer': 'Ada.'}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(questions.Question, question.id).answer == 'Ada.'
    (mail,) = mail_to(vendors['follower'])
    assert mail.state == 'queued' and mail.attempts == 1 and mail.last_error


def test_an_unfollowed_tender_sends_nothing(create_tender, vendors):
    live = create_tender(Stage.clarification)
    follows.follow(live, actor=vendors['follower'], now=T0)
    follows.unfollow(live, actor=vendors['follower'], now=T0)
    question = questions.ask_question(live, body='Ada survei?', actor=vendors['asker'], now=T0)
    questions.answer_question(question, live, answer='Ada.', actor=live.pokja[0], now=T0)
    db.session.commit()
    assert inbox_of(vendors['follower']) == [] and len(inbox_of(vendors['asker'])) == 1


def test_an_addendum_that_moves_the_deadline_is_one_message(create_tender, vendors, cast):
    live = create_tender(Stage.clarification)
    follows.follow(live, actor=vendors['follower'], now=T0)
    documents.add_document(
        live,
        kind='kak',
        title='KAK revisi',
        fileobj=io.BytesIO(PDF),
        filename='adendum.pdf',
        reason='Perubahan spesifikasi',
        affects_bids=True,
        bid_deadline=live.bid_deadline + timedelta(days=2),
        actor=cast['pokja'],
        now=T0,
    )
    db.session.commit()
    (note,) = inbox_of(vendors['follower'])
    assert note.kind == 'addendum' and 'Perubahan spesifikasi' in note.body
    assert inbox_of(vendors['outsider']) == []


def test_a_schedule_change_reaches_the_follower(create_tender, vendors, cast):
    live = create_tender(Stage.clarification)
    follows.follow(live, actor=vendors['follower'], now=T0)
    old = live.schedule[Stage.contract]
    tender_schedule.change_schedule(
        live,
        {Stage.contract: Window(old.start, old.end + timedelta(hours=1))},
        reason='Pokja menambah waktu kontrak',
        actor=cast['pokja'],
        now=T0,
    )
    db.session.commit()
    (note,) = inbox_of(vendors['follower'])
    assert note.kind == 'schedule_changed' and 'Pokja menambah waktu kontrak' in note.body
    assert inbox_of(vendors['outsider']) == [] and inbox_of(vendors['asker']) == []


def test_the_deadline_reminder_comes_once_within_the_window(app, create_tender, vendors):
    live = create_tender(Stage.clarification)
    follows.follow(live, actor=vendors['follower'], now=T0)
    db.session.commit()
    too_early = live.bid_deadline - timedelta(hours=25)
    assert news.remind_deadlines(now=too_early) == 0
    inside = live.bid_deadline - timedelta(hours=23)
    assert news.remind_deadlines(now=inside) == 1
    db.session.commit()
    assert news.remind_deadlines(now=inside + timedelta(hours=1)) == 0  # once per tender
    db.session.commit()
    (note,) = inbox_of(vendors['follower'])
    assert note.kind == 'deadline' and note.dedupe == f'deadline:{live.id}'
    assert 'WITA' in note.body  # the tender's zone
    assert news.remind_deadlines(now=live.bid_deadline) == 0  # past: nothing
    assert inbox_of(vendors['outsider']) == []


def test_the_reminder_window_is_configurable_and_the_tick_sends_it(app, create_tender, vendors):
    app.config['LPSE_DEADLINE_REMINDER_HOURS'] = 48
    live = create_tender(Stage.clarification)
    follows.follow(live, actor=vendors['follower'], now=T0)
    db.session.commit()
    outbox.sent.clear()
    clock.set_now(live.bid_deadline - timedelta(hours=47))
    result = app.test_cli_runner().invoke(args=['lpse', 'tick'])
    assert result.exit_code == 0, result.output
    assert 'deadline reminders: 1' in result.output and 'mail: 1 sent' in result.output
    assert [m['To'] for m in outbox.sent] == [vendors['follower'].email]
    outbox.sent.clear()


def test_a_vendor_follows_through_the_api(client, create_tender, cast, vendors, token):
    live = create_tender(Stage.clarification)
    headers = token(vendors['follower'])
    url = f'/api/v1/tenders/{live.code}/follow'
    assert client.get(url, headers=headers).get_json() == {'code': live.code, 'following': False}
    assert client.put(url, headers=headers).get_json()['following'] is True
    assert follows.is_following(live, vendors['follower'])
    # Another vendor learns nothing of it.
    other = token(vendors['outsider'])
    assert client.get(url, headers=other).get_json()['following'] is False
    assert client.delete(url, headers=headers).get_json()['following'] is False
    assert client.put(url, headers=token(cast['pokja'])).status_code == 403
    draft = create_tender('draft')
    response = client.put(f'/api/v1/tenders/{draft.code}/follow', headers=headers)
    assert response.status_code == 404
