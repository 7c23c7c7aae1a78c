"""Job pages: a job's status (progress that refreshes itself, the result, the error) for the
one who asked for it and admins; /admin/jobs, recent and failed jobs with a retry button."""

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock, storage
from lpse.auth.access import login_required, role_required
from lpse.auth.models import Role
from lpse.extensions import db
from lpse.jobs import operations
from lpse.jobs.models import Job

bp = Blueprint('jobs', __name__)


@bp.app_template_filter('job_label')
def job_label(kind):
    return operations.label_of(kind)


REFRESH_SECONDS = 2


def visible_job(job_id, user) -> Job:
    """The job if ``user`` may see it; 404 otherwise (another person's job is not disclosed)."""
    job = db.session.get(Job, job_id)
    if job is None or not job.can_see(user):
        abort(404)
    return job


@bp.get('/jobs/<int:job_id>')
@login_required
def status(job_id):
    job = visible_job(job_id, current_user)
    return render_template('jobs/status.html', job=job, refresh=REFRESH_SECONDS)


@bp.get('/jobs/<int:job_id>/result')
@login_required
def result(job_id):
    job = visible_job(job_id, current_user)
    if not job.has_result:
        abort(404)
    return send_result(job, current_user)


def send_result(job, user):
    """The job's product as a download, after its kind's reader (if any) allowed and logged it."""
    reader = operations.READERS.get(job.kind)
    if reader is not None:
        reader(job, user)
    return send_file(
        storage.blob_store().open(job.result_sha256),
        mimetype=job.result_type,
        as_attachment=True,
        download_name=job.result_name,
    )


@bp.get('/admin/jobs')
@role_required(Role.admin)
def admin_index():
    return render_template(
        'jobs/admin.html', failed=operations.failed(), recent=operations.recent()
    )


@bp.post('/admin/jobs/<int:job_id>/retry')
@role_required(Role.admin)
def admin_retry(job_id):
    job = db.session.get(Job, job_id) or abort(404)
    again = operations.retry(job, actor=current_user, now=clock.now())
    db.session.commit()
    flash(_('Pekerjaan diantrekan lagi.'), 'info')
    return redirect(url_for('jobs.status', job_id=again.id), 303)
