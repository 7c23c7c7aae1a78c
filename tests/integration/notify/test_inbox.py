"""The inbox page: each user sees only their own messages, the header counts the unread ones
(with a label for screen readers), and marking read works on one's own messages only."""

import pytest
from flask_babel import gettext
from helpers import login

from lpse import clock
from lpse.extensions import db
from lpse.notify import inbox
from lpse.notify.models import Notification


@pytest.fixture
def app_config(app_config):
    return {**app_config, 'WTF_CSRF_ENABLED': False}


def tell(user, title, link='/tenders/'):
    (row,) = inbox.send(
        [user], kind='uji', render=lambda: (title, f'Isi {title}'), link=link, now=clock.now()
    )
    db.session.commit()
    return row.id


def test_each_user_sees_only_their_own(client, users):
    mine = [tell(users['vendor'], 'Kabar satu'), tell(users['vendor'], 'Kabar dua')]
    theirs = tell(users['pokja'], 'Kabar rahasia Pokja')
    login(client, users['vendor'].email)
    page = client.get('/notifikasi').get_data(as_text=True)
    assert 'Kabar satu' in page and 'Kabar dua' in page and 'Kabar rahasia' not in page
    assert '<span class="count" aria-hidden="true">2</span>' in page
    assert '<span class="visually-hidden">(2 belum dibaca)</span>' in page
    # Another user's message does not exist for this one.
    assert client.post(f'/notifikasi/{theirs}/baca').status_code == 404
    assert db.session.get(Notification, theirs).read_at is None
    # Open one: read, and on to its link.
    response = client.post(f'/notifikasi/{mine[0]}/baca', data={'open': '1'})
    assert response.status_code == 303 and response.headers['Location'] == '/tenders/'
    db.session.expire_all()
    assert db.session.get(Notification, mine[0]).read_at is not None
    assert '(1 belum dibaca)' in client.get('/notifikasi').get_data(as_text=True)
    response = client.post('/notifikasi/baca-semua', follow_redirects=True)
    page = response.get_data(as_text=True)
    assert '1 notifikasi ditandai sudah dibaca.' in page and 'belum dibaca)' not in page
    db.session.expire_all()
    assert db.session.get(Notification, theirs).read_at is None  # the Pokja's stays unread


def test_the_count_follows_the_language(client, users):
    tell(users['vendor'], 'Kabar')
    login(client, users['vendor'].email)
    client.get('/lang/en')
    page = client.get('/notifikasi').get_data(as_text=True)
    assert '(1 unread)' in page and 'Notifications' in page


def test_a_message_link_elsewhere_is_not_followed(client, users):
    row = tell(users['vendor'], 'Kabar', link='https://contoh.example/jebakan')
    login(client, users['vendor'].email)
    response = client.post(f'/notifikasi/{row}/baca', data={'open': '1'})
    assert response.status_code == 303 and response.headers['Location'] == '/notifikasi'


def test_inactive_users_and_duplicates_are_skipped(app, users, make_user):
    gone = make_user('lama@uji.go.id', 'vendor', active=False)
    rows = inbox.send(
        [users['vendor'], users['vendor'], gone, None],
        kind='uji',
        render=lambda: ('a', 'b'),
        dedupe='sekali',
        now=clock.now(),
    )
    db.session.commit()
    assert [r.user_id for r in rows] == [users['vendor'].id]
    again = inbox.send(
        [users['vendor']], kind='uji', render=lambda: ('a', 'b'), dedupe='sekali', now=clock.now()
    )
    assert again == []


def test_the_language_switch_is_kept_for_notifications(client, users):
    login(client, users['vendor'].email)
    client.get('/lang/en')
    db.session.expire_all()
    assert db.session.get(type(users['vendor']), users['vendor'].id).locale == 'en'
    (row,) = inbox.send(
        [db.session.get(type(users['vendor']), users['vendor'].id)],
        kind='uji',
        render=lambda: (gettext('Notifikasi'), 'isi'),
        now=clock.now(),
    )
    assert row.title == 'Notifications'


def test_the_kept_language_returns_at_the_next_login(client, users):
    users['vendor'].locale = 'en'
    db.session.commit()
    login(client, users['vendor'].email)
    assert 'Notifications' in client.get('/notifikasi').get_data(as_text=True)


def test_the_api_lists_and_marks_only_the_callers_own(client, users, api_token):
    mine = tell(users['vendor'], 'Kabar API')
    theirs = tell(users['pokja'], 'Kabar Pokja')
    headers = api_token('vendor')
    body = client.get('/api/v1/notifications', headers=headers).get_json()
    assert body['unread'] == 1 and [n['id'] for n in body['notifications']] == [mine]
    assert body['notifications'][0]['title'] == 'Kabar API'
    response = client.post(f'/api/v1/notifications/{theirs}/read', headers=headers)
    assert response.status_code == 404 and response.get_json()['error']['code']
    response = client.post(f'/api/v1/notifications/{mine}/read', headers=headers)
    assert response.status_code == 200 and response.get_json()['read_at']
    tell(users['vendor'], 'Kabar lagi')
    assert client.post('/api/v1/notifications/read-all', headers=headers).get_json() == {
        'marked': 1
    }
    db.session.expire_all()
    assert db.session.get(Notification, theirs).read_at is None
