"""The opening runs as a job: with a real queue and no worker yet, the k-th release returns at
once and the opening page shows the job's progress (refreshing itself); the worker's run of the
job opens every bid, and a second delivery of the same message opens nothing again."""

import opening_helpers
import pytest
from sqlalchemy import func, select

from lpse.extensions import db
from lpse.jobs import operations as job_ops
from lpse.opening import ceremony as ceremony_module
from lpse.opening import state
from lpse.opening.models import OpenedBid


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, 'LPSE_QUEUE_URL': f'sqlite:///{tmp_path / "queue.db"}'}


def test_the_release_returns_at_once_and_the_page_follows_the_job(
    client, tender, bids, members, as_user
):
    opening_helpers.release(tender, members[0])
    opening_helpers.release(tender, members[1])  # the k-th: queued, not opened here
    ceremony = state.ceremony_of(tender, 'single')
    job = ceremony_module.opening_job(ceremony)
    assert ceremony.opened_at is None and job.status == 'queued'
    assert job.actor_id == members[1].id and job.tender_id == tender.id
    as_user(members[2])
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page and 'Sampul sedang dibuka' in page
    assert '<progress' in page
    job.last_error = 'Conflict: rincian internal'  # an attempt failed; it waits for its retry
    db.session.commit()
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert 'Sampul sedang dibuka' in page and 'rincian internal' not in page  # for the admin only
    job.last_error = None
    db.session.commit()
    token = _token(members[2])
    (single,) = client.get(f'/api/v1/tenders/{tender.code}/opening', headers=token).get_json()[
        'ceremonies'
    ]
    assert single['opened'] is False
    assert single['job'] == {'id': job.id, 'status': 'queued', 'done': 0, 'total': None}

    assert job_ops.run(job.id, final=False) is not None  # what the worker does
    db.session.expire_all()
    assert state.is_opened(tender) and job.status == 'done' and job.done == job.total == 3
    assert db.session.scalar(select(func.count()).select_from(OpenedBid)) == 3
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    (single,) = client.get(f'/api/v1/tenders/{tender.code}/opening', headers=token).get_json()[
        'ceremonies'
    ]
    assert single['opened'] is True and single['job']['status'] == 'done'

    assert job_ops.run(job.id, final=True) is None  # delivered twice: opened once
    assert db.session.scalar(select(func.count()).select_from(OpenedBid)) == 3


def test_a_late_release_while_the_opening_is_queued_is_refused(tender, bids, members):
    from lpse.errors import Conflict

    opening_helpers.release(tender, members[0])
    opening_helpers.release(tender, members[1])
    with pytest.raises(Conflict):
        opening_helpers.release(tender, members[2])


def _token(user):
    from lpse import clock
    from lpse.auth import operations as auth_ops

    _row, token = auth_ops.create_token(user, 'test', now=clock.now())
    db.session.commit()
    return {'Authorization': f'Bearer {token}'}
