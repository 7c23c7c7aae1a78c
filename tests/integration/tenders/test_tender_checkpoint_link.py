"""The tender page's latest checkpoint links to the list of checkpoints in the reader's words; it
is the latest of the tender's milestones, not an auditor's bundle (which would tell the tender's
readers that an auditor is looking at it)."""

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
    milestone = checkpoints.create_checkpoint('document.issued', now=clock.now(), tender=tender)
    db.session.commit()
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Titik audit terakhir' in html and milestone.short in html
    create_tender(Stage.clarification)  # the log grows: a later checkpoint has a new hash
    bundle = checkpoints.create_checkpoint('bundle', now=clock.now(), tender=tender)
    assert bundle.short != milestone.short
    db.session.commit()
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert milestone.short in html and bundle.short not in html
    assert '>daftar titik audit</a>' in html and '>checkpoint</a>' not in html
    client.get('/lang/en')
    english = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert '>list of checkpoints</a>' in english
