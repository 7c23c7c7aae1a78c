"""Following and unfollowing are POSTs that need the page's CSRF token, like every form."""

import pytest
from helpers import csrf_token, login

from lpse.tenders import follows
from lpse.tenders.stages import Stage


@pytest.fixture
def app_config(app_config):
    return {**app_config, 'WTF_CSRF_ENABLED': True}


def test_follow_needs_the_csrf_token(client, create_tender, cast):
    live = create_tender(Stage.clarification)
    assert login(client, cast['vendor'].email).status_code == 302
    assert client.post(f'/tenders/{live.code}/follow').status_code == 400
    assert not follows.is_following(live, cast['vendor'])
    token = csrf_token(client, f'/tenders/{live.code}')
    response = client.post(f'/tenders/{live.code}/follow', data={'csrf_token': token})
    assert response.status_code == 303 and follows.is_following(live, cast['vendor'])
    assert client.post(f'/tenders/{live.code}/unfollow').status_code == 400
    assert follows.is_following(live, cast['vendor'])
