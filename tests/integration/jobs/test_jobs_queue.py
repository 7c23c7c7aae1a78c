"""Jobs in immediate mode (each runs at once after its commit, as a worker would): idempotent
submission, a message delivered twice doing the work once, retries, the final failure on
/admin/jobs with its error and a retry, the status page and API, and who may see a job."""

import re
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from lpse import clock, jobs
from lpse.extensions import db
from lpse.jobs import operations
from lpse.jobs.models import Job

WORK: list = []  # what the test tasks did, in order
FAILURES: dict = {}  # kind → how many attempts still fail


@jobs.task('test.count')
def _count(job, *, n):
    WORK.append(n)
    db.session.add(
        Job(
            kind='test.side',
            key=f'side:{n}:{len(WORK)}',
            status='done',
            params='{}',
            done=0,
            attempts=0,
            created_at=clock.now(),
        )
    )


@jobs.task('test.flaky')
def _flaky(job, *, n):
    if FAILURES.get('test.flaky', 0) > 0:
        FAILURES['test.flaky'] -= 1
        raise RuntimeError(f'not yet ({n})')
    WORK.append(n)


@jobs.task('test.report')
def _report(job, *, name):
    job.progress(1, 2, 'setengah jalan')
    job.store_result(b'isi laporan', name, 'text/plain')


@jobs.task('test.side')
def _side(job):
    """Only there so the rows the counting task writes have a registered kind."""


@pytest.fixture(autouse=True)
def _reset():
    WORK.clear()
    FAILURES.clear()


def test_the_same_kind_and_key_gives_the_same_job_and_runs_once(app, users):
    first = jobs.submit('test.count', key='k1', actor=users['ppk'], n=7)
    second = jobs.submit('test.count', key='k1', actor=users['ppk'], n=8)
    assert first is second
    db.session.commit()
    assert WORK == [7]
    again = jobs.submit('test.count', key='k1', actor=users['ppk'], n=9)
    db.session.commit()
    assert again.id == first.id and WORK == [7]
    assert (
        db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == 'test.count'))
        == 1
    )


def test_a_message_delivered_twice_does_the_work_once(app, users):
    job = jobs.submit('test.count', key='twice', actor=users['ppk'], n=1)
    db.session.commit()
    assert operations.run(job.id, final=True) is None  # the queue delivered it again
    db.session.refresh(job)
    assert job.status == 'done' and job.attempts == 1 and WORK == [1]
    side = select(func.count()).select_from(Job).where(Job.kind == 'test.side')
    assert db.session.scalar(side) == 1


def test_a_job_submitted_in_a_rolled_back_transaction_never_runs(app, users):
    jobs.submit('test.count', key='gone', actor=users['ppk'], n=3)
    db.session.rollback()
    db.session.commit()
    assert WORK == []
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_failing_job_is_retried_until_it_succeeds(app, users):
    FAILURES['test.flaky'] = 2
    job = jobs.submit('test.flaky', key='f1', actor=users['ppk'], n=5)
    db.session.commit()
    db.session.refresh(job)
    assert job.status == 'done' and job.attempts == 3 and job.last_error is None
    assert WORK == [5]


def test_a_final_failure_is_listed_for_the_admin_with_its_error_and_can_be_retried(
    app, client, users, login_as
):
    FAILURES['test.flaky'] = 1 + app.config['LPSE_JOB_RETRIES']
    job = jobs.submit('test.flaky', key='f2', actor=users['ppk'], n=6)
    db.session.commit()
    db.session.refresh(job)
    assert job.status == 'failed' and job.attempts == 1 + app.config['LPSE_JOB_RETRIES']
    assert job.last_error == 'RuntimeError: not yet (6)' and WORK == []
    login_as('admin')
    page = client.get('/admin/jobs').get_data(as_text=True)
    assert 'RuntimeError: not yet (6)' in page and f'/admin/jobs/{job.id}/retry' in page
    answer = client.post(f'/admin/jobs/{job.id}/retry', data={'csrf_token': _csrf(client)})
    assert answer.status_code == 303
    again = db.session.scalars(select(Job).where(Job.kind == 'test.flaky', Job.id != job.id)).one()
    assert answer.headers['Location'].endswith(f'/jobs/{again.id}')
    assert again.status == 'done' and again.actor_id == users['ppk'].id and WORK == [6]
    db.session.refresh(job)
    assert job.status == 'failed'  # the failure stays on record
    assert (
        client.post(f'/admin/jobs/{again.id}/retry', data={'csrf_token': _csrf(client)}).status_code
        == 409
    )


def test_metrics_count_jobs_by_kind_and_status_and_the_queue_depth(app, client, users):
    FAILURES['test.flaky'] = 99
    jobs.submit('test.flaky', key='m1', actor=users['ppk'], n=1)
    db.session.commit()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(client.get('/metrics').get_data(as_text=True))
        for s in family.samples
    }
    assert samples[('lpse_jobs_failed', (('kind', 'test.flaky'),))] == 1
    assert samples[('lpse_job_failures_total', (('job', 'test.flaky'),))] >= 4
    assert samples[('lpse_job_queue_depth', ())] == 0


def _csrf(client, url='/admin/jobs'):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_status_page_shows_progress_then_the_result(app, client, users, login_as):
    job = Job(
        kind='test.report',
        key='r1',
        status='running',
        params='{"name": "laporan.txt"}',
        done=3,
        total=4,
        note='menghitung',
        attempts=1,
        actor_id=users['ppk'].id,
        created_at=clock.now(),
        started_at=clock.now(),
    )
    db.session.add(job)
    db.session.commit()
    login_as('ppk')
    page = client.get(f'/jobs/{job.id}').get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress max="100" value="75"' in page and 'menghitung' in page
    assert client.get(f'/jobs/{job.id}/result').status_code == 404  # nothing yet
    done = jobs.submit('test.report', key='r2', actor=users['ppk'], name='laporan.txt')
    db.session.commit()
    page = client.get(f'/jobs/{done.id}').get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and f'/jobs/{done.id}/result' in page
    download = client.get(f'/jobs/{done.id}/result')
    assert download.status_code == 200 and download.data == b'isi laporan'
    assert 'laporan.txt' in download.headers['Content-Disposition']
    api = client.get(f'/api/v1/jobs/{done.id}', headers=_token(users['ppk']))
    body = api.get_json()
    assert body['status'] == 'done' and body['percent'] == 100 and body['done'] == 2
    assert body['result']['name'] == 'laporan.txt' and body['error'] is None


def test_a_failed_job_shows_its_error_on_its_page(app, client, users, login_as):
    FAILURES['test.flaky'] = 99
    job = jobs.submit('test.flaky', key='p1', actor=users['ppk'], n=2)
    db.session.commit()
    login_as('ppk')
    page = client.get(f'/jobs/{job.id}').get_data(as_text=True)
    assert 'RuntimeError: not yet (2)' in page and 'http-equiv="refresh"' not in page
    assert (
        client.get(f'/api/v1/jobs/{job.id}', headers=_token(users['ppk'])).get_json()['error']
        == 'RuntimeError: not yet (2)'
    )


def _token(user):
    from lpse.auth import operations as auth_ops

    _row, token = auth_ops.create_token(user, 'test', now=clock.now())
    db.session.commit()
    return {'Authorization': f'Bearer {token}'}


@pytest.mark.parametrize(
    ('who', 'status'), [('ppk', 200), ('admin', 200), ('pokja', 404), ('vendor', 404)]
)
def test_only_the_one_who_asked_and_admins_see_a_job(app, client, users, login_as, who, status):
    job = jobs.submit('test.count', key='seen', actor=users['ppk'], n=1)
    db.session.commit()
    login_as(who)
    assert client.get(f'/jobs/{job.id}').status_code == status
    api = client.get(f'/api/v1/jobs/{job.id}', headers=_token(users[who]))
    assert api.status_code == status
    if status == 404:
        assert api.get_json()['error']['code']


def test_anonymous_visitors_are_sent_to_log_in(app, client, users):
    job = jobs.submit('test.count', key='anon', actor=users['ppk'], n=1)
    db.session.commit()
    assert client.get(f'/jobs/{job.id}').status_code == 302
    assert client.get(f'/api/v1/jobs/{job.id}').status_code == 401


def test_the_clock_steps_run_apart_and_a_failing_one_is_recorded_once(app, users):
    """Without a CA the checkpoint step fails; the mail step still delivers. The same failure
    next minute counts on the same row."""
    from lpse.notify import outbox

    outbox.sent.clear()
    outbox.queue('penyedia@contoh.co.id', 'Uji', 'isi', now=clock.now())
    db.session.commit()
    operations.run_periodic()
    assert [m['To'] for m in outbox.sent] == ['penyedia@contoh.co.id']
    failed = db.session.scalars(select(Job).where(Job.status == 'failed')).all()
    assert [j.kind for j in failed] == ['clock.checkpoint']
    assert failed[0].last_error.startswith('CaUnavailable: ') and failed[0].attempts == 1
    operations.run_periodic()
    db.session.expire_all()
    again = db.session.scalars(select(Job).where(Job.status == 'failed')).all()
    assert [(j.id, j.attempts) for j in again] == [(failed[0].id, 2)]
    outbox.sent.clear()


def test_work_no_worker_takes_says_so(app, client, users, login_as):
    """A job still queued a minute after it was asked for: no worker seems to run (plain
    `python run.py`), and the page says so and how one is started, instead of waiting quietly."""
    asked = clock.now()
    job = Job(
        kind='test.report',
        key='r3',
        status='queued',
        params='{"name": "laporan.txt"}',
        actor_id=users['ppk'].id,
        created_at=asked,
    )
    db.session.add(job)
    db.session.commit()
    login_as('ppk')
    assert 'flask lpse worker' not in client.get(f'/jobs/{job.id}').get_data(as_text=True)
    clock.set_now(asked + timedelta(seconds=61))
    page = client.get(f'/jobs/{job.id}').get_data(as_text=True)
    assert 'Belum ada pekerja latar yang mengambil pekerjaan ini' in page
    assert 'flask lpse worker' in page
