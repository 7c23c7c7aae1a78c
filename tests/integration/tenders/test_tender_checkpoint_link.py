"""The tender page's latest checkpoint links to the list of checkpoints in the reader's words."""

import pytest
from ca_fixtures import signing_config  # noqa: F401

from lpse import checkpoints, clock
from lpse.extensions import db
from lpse.tenders.stages import Stage


@pytest.fixture
def app_config(signing_config):  # noqa: F811
    return signing_config


def test_the_checkpoint_link_is_worded_in_the_page_language(client, create_tender):
    tender = create_tender(Stage.clarification)
    checkpoints.create_checkpoint('manual', now=clock.now(), tender=tender)
    db.session.commit()
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Titik audit terakhir' in html
    assert '>daftar titik audit</a>' in html and '>checkpoint</a>' not in html
    client.get('/lang/en')
    english = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert '>list of checkpoints</a>' in english
