"""Jobs: long work (an opening ceremony, a reconciliation, bundles and reports, OCDS bulk files,
mail) run by a worker beside the web nodes, with a row a page can show (docs/ARCHITECTURE.md,
Jobs).

The API other modules use:

    from lpse import jobs

    @jobs.task('report.build')
    def build_report(job, *, tender_id):          # params: JSON-able keyword arguments
        job.progress(0, 10, 'membaca data')        # done, total, a short note
        ...
        job.store_result(pdf_bytes, 'laporan.pdf', 'application/pdf')

    job = jobs.submit('report.build', key=f'tender:{t.id}', actor=user, tender=t, tender_id=t.id)
    db.session.commit()                            # the job reaches the queue at this commit
    redirect(url_for('jobs.status', job_id=job.id))

- `submit` is idempotent on (kind, key): while a job of that kind and key is queued, running or
  done, it returns that job; once one failed, a new one may be submitted.
- A task runs in one transaction with its `done` status; a job already done is never run again,
  so a message delivered twice (a retry after a crash) does the work once. A task that commits
  part of its work itself must make that part idempotent too.
- An exception is kept on the row and the job is tried again (LPSE_JOB_RETRIES times, waits
  growing from LPSE_JOB_RETRY_SECONDS); then it is `failed`, listed with its error on /admin/jobs,
  where an admin may run it again.
- `@jobs.periodic(kind)` registers a task the worker runs every minute (the clock's round).
"""

from lpse.jobs.models import Job, JobStatus, waits_for_worker
from lpse.jobs.operations import live_job, periodic, submit, task

__all__ = ['Job', 'JobStatus', 'live_job', 'periodic', 'submit', 'task', 'waits_for_worker']
