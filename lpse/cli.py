"""`flask lpse …`: operator commands. Each one commits once or writes nothing."""

import json
import logging
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from lpse import audit, checkpoints, clock, metrics, statelog, storage
from lpse.agencies import operations as agency_ops
from lpse.auditor.reports import store as report_store
from lpse.auth import operations as auth_ops
from lpse.auth import scope
from lpse.auth.models import ROLE_VALUES
from lpse.crypto.canonical import canonical_json
from lpse.errors import DomainError
from lpse.extensions import db
from lpse.jobs import operations as job_ops
from lpse.jobs import queue as job_queue
from lpse.opendata import bulk as ocds_bulk
from lpse.redflags import store as redflag_store

log = logging.getLogger(__name__)


@click.group('lpse')
def lpse_cli():
    """LPSE operator commands."""


def _fail(exc):
    db.session.rollback()
    raise click.ClickException(str(exc.message)) from exc


@lpse_cli.command('create-agency')
@click.option('--code', required=True)
@click.option('--name', required=True)
@click.option(
    '--timezone',
    default='Asia/Jakarta',
    show_default=True,
    type=click.Choice(['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura']),
)
@click.option(
    '--work-unit',
    'units',
    multiple=True,
    metavar='CODE=NAME',
    help='a work unit (satuan kerja); repeatable',
)
@with_appcontext
def create_agency(code, name, timezone, units):
    """Create an agency (instansi) with its work units."""
    now = clock.now()
    try:
        agency = agency_ops.create_agency(
            code=code, name=name, timezone=timezone, actor=None, now=now
        )
        for unit in units:
            ucode, _sep, uname = unit.partition('=')
            agency_ops.add_work_unit(agency, code=ucode, name=uname, actor=None, now=now)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f'agency {agency.code} created')


@lpse_cli.command('create-user')
@click.option('--email', required=True)
@click.option('--name', required=True)
@click.option('--role', 'roles', multiple=True, required=True, type=click.Choice(ROLE_VALUES))
@click.option('--agency', 'agency_code', help='agency code (required for officers)')
@with_appcontext
def create_user(email, name, roles, agency_code):
    """Create a user; the generated password is printed once."""
    try:
        agency = agency_ops.get_agency(agency_code) if agency_code else None
        user, password = auth_ops.create_user(
            email=email, name=name, roles=roles, agency=agency, actor=None, now=clock.now()
        )
    except DomainError as exc:
        _fail(exc)
    user.must_change_password = True
    db.session.commit()
    click.echo(f'user {user.email} created; password (shown once): {password}')


@lpse_cli.command('set-nip')
@click.argument('email')
@click.argument('nip')
@with_appcontext
def set_nip(email, nip):
    """Record an officer's NIP (18 digits; "-" clears it): signature blocks print it."""
    user = auth_ops.find_user(email)
    if user is None:
        raise click.ClickException(f'no user {email}')
    try:
        auth_ops.set_nip(user, '' if nip == '-' else nip, actor=None, now=clock.now())
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f'NIP of {user.email}: {user.nip or "-"}')


@lpse_cli.command('auditor-scope')
@click.argument('email')
@click.option(
    '--national', is_flag=True, help='every agency (the default without --agency/--tender)'
)
@click.option('--agency', 'agency_codes', multiple=True, help='agency code (repeatable)')
@click.option('--tender', 'tender_codes', multiple=True, help='assigned tender code (repeatable)')
@click.option('--until', 'ends_on', type=click.DateTime(['%Y-%m-%d']), help='last day, inclusive')
@with_appcontext
def auditor_scope(email, national, agency_codes, tender_codes, ends_on):
    """Set what an auditor account audits: national, some agencies and/or tenders, until when."""
    user = auth_ops.find_user(email)
    if user is None:
        raise click.ClickException(f'no user {email}')
    try:
        agencies = [agency_ops.get_agency(code) for code in agency_codes]
        scope.set_scope(
            user,
            national=national or not (agency_codes or tender_codes),
            agency_ids=[a.id for a in agencies],
            tender_codes=tender_codes,
            ends_on=ends_on.date() if ends_on else None,
            actor=None,
            now=clock.now(),
            ip=None,
        )
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    described = scope.scope_of(user)
    click.echo(
        f'{user.email}: '
        + ('national' if described.national else 'scoped')
        + f', agencies {sorted(agency_codes)}, tenders {sorted(described.tender_codes)}'
        + (f', until {described.ends_on}' if described.ends_on else '')
    )


@lpse_cli.command('seed-demo')
@with_appcontext
def seed_demo():
    """Load demo data (once): an agency, two work units, one user per role."""
    from lpse import demo

    created = demo.seed(now=clock.now())
    if created is None:
        click.echo('demo data already present; nothing changed')
        return
    db.session.commit()
    click.echo('Demo accounts (passwords are shown only this once):')
    for email, roles, password in created:
        click.echo(f'  {email:<28} {",".join(roles):<10} {password}')


@lpse_cli.command('audit-verify')
@click.option(
    '--file',
    'path',
    type=click.Path(exists=True, dir_okay=False),
    help='verify an exported JSONL file instead of the database',
)
@with_appcontext
def audit_verify(path):
    """Recompute the audit hash chain and check the signed checkpoints; exit 1 naming the
    first bad seq."""

    if path:
        with open(path, encoding='utf-8') as fh:
            result = audit.verify_records(audit.parse_jsonl(fh))
    else:
        result = checkpoints.verify_database()
    if result.ok:
        click.echo(f'audit log OK: {result.count} events, last hash {result.last_hash}')
        return
    click.echo(f'audit log BROKEN at seq {result.first_bad_seq}: {result.problem}', err=True)
    sys.exit(1)


@lpse_cli.command('checkpoint')
@with_appcontext
def checkpoint():
    """Sign the audit log's current head now (a `manual` checkpoint)."""

    try:
        row = checkpoints.create_checkpoint('manual', now=clock.now())
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f'checkpoint {row.id}: seq {row.seq}, hash {row.hash}')


def _keep_going(exc) -> None:
    db.session.rollback()
    metrics.job_failed('tick')
    click.echo(f'tick: {type(exc).__name__}: {exc}; trying again', err=True)


@lpse_cli.command('commit-bid-sets')
@with_appcontext
def commit_bid_sets():
    """The deadline job alone: sign the bid-set commitment of every tender whose bid deadline
    has passed (each tender is committed once). `tick` runs it with the other clock jobs."""
    from lpse.bids import commitment

    try:
        made = commitment.commit_due(now=clock.now())
    except DomainError as exc:
        _fail(exc)
    for name in made:
        click.echo(f'bid set committed: {name}')
    click.echo(f'{len(made)} tender(s) committed')


def _clock_jobs(echo=click.echo):
    """What the clock does each round, step by step: bid-set commitments past their deadline,
    prakualifikasi results approved before their announcement stage began, a checkpoint when
    one is due, the reconciliation when it is due, the bid-deadline reminders,
    the mail that is due, the OCDS bulk files when due, the red flags of tenders whose data
    changed, and jobs whose queue message was lost.
    Each step commits its own work (the bulk files are written outside the database). The
    worker runs each step every minute as a periodic job of its own (a failing step does not
    hold up the others); `tick` runs them in order where no worker runs."""
    for step in CLOCK_STEPS:
        step(echo)


def _commitments(echo):
    from lpse.bids import commitment

    for name in commitment.commit_due(now=clock.now()):
        echo(f'bid set committed: {name}')


def _shortlists(echo):
    from lpse.tenders.prequalification import operations as prequalification

    for code in prequalification.announce_due(now=clock.now()):
        echo(f'prequalification result announced: {code}')


def _checkpoint(echo):
    row = checkpoints.checkpoint_if_due(now=clock.now())
    if row is not None:
        db.session.commit()
        echo(f'checkpoint {row.id}: tree size {row.seq}')


def _reconciliation(echo):
    run = statelog.run_if_due(now=clock.now())
    if run is not None:
        echo(f'reconciliation {run.id}: {run.status} ({run.difference_count} difference(s))')


def _reminders(echo):
    from lpse.tenders import news

    told = news.remind_deadlines(now=clock.now())
    db.session.commit()
    if told:
        echo(f'deadline reminders: {told}')


def _mail(echo):
    from lpse.notify import outbox

    sent, waiting = outbox.deliver_due(now=clock.now())
    if sent or waiting:
        echo(f'mail: {sent} sent, {waiting} not sent (retried later)')


def _ocds(echo):
    written = ocds_bulk.regenerate_if_due(now=clock.now())
    if written is not None:
        _echo_bulk(written, echo)


def _redflags(echo):
    refreshed = redflag_store.refresh(now=clock.now())
    if refreshed:
        echo(f'red flags: {refreshed} tender(s) recomputed')


def _reports(echo):
    refreshed = report_store.refresh(now=clock.now())
    if refreshed:
        echo(f'report rows: {refreshed} tender(s) rebuilt')


def _requeue(echo):
    requeued = job_ops.requeue_stale(now=clock.now())
    db.session.commit()
    if requeued:
        echo(f'jobs queued again: {requeued}')


CLOCK_STEPS = (
    _commitments,
    _shortlists,
    _checkpoint,
    _reconciliation,
    _reminders,
    _mail,
    _ocds,
    _redflags,
    _reports,
    _requeue,
)
CLOCK_LABELS = {
    _commitments: _l('Komitmen set penawaran pada batas akhir'),
    _shortlists: _l('Pengumuman hasil prakualifikasi yang sudah disetujui'),
    _checkpoint: _l('Checkpoint log audit'),
    _reconciliation: _l('Rekonsiliasi terjadwal'),
    _reminders: _l('Pengingat batas akhir penawaran'),
    _mail: _l('Email yang jatuh tempo'),
    _ocds: _l('Berkas OCDS tahunan'),
    _redflags: _l('Indikator persekongkolan yang datanya berubah'),
    _reports: _l('Baris laporan audit tender yang berubah'),
    _requeue: _l('Pekerjaan yang tertahan'),
}


def _register_clock_steps():
    """Each step a periodic job `clock.<step>` of the worker, its lines in the worker's log."""
    for step in CLOCK_STEPS:
        name = f'clock.{step.__name__.lstrip("_")}'
        job_ops.periodic(name, label=CLOCK_LABELS[step])(lambda _job, step=step: step(log.info))


_register_clock_steps()


def _echo_bulk(written, echo=click.echo) -> None:
    for f in written['files']:
        echo(f'ocds bulk {f["file"]}: {f["releases"]} release(s), sha256 {f["sha256"]}')
    echo(f'ocds bulk: {len(written["files"])} file(s) up to log seq {written["last_seq"]}')


@lpse_cli.command('ocds-bulk')
@with_appcontext
def ocds_bulk_command():
    """Rewrite the yearly OCDS bulk files (LPSE_DATA_DIR/ocds) now; `tick` does it every
    LPSE_OCDS_BULK_MINUTES when something was published."""
    _echo_bulk(ocds_bulk.regenerate(now=clock.now()))


@lpse_cli.command('blobs-sweep')
@click.option(
    '--older-than',
    type=click.FloatRange(min=0),
    default=storage.INCOMING_MAX_AGE / 3600,
    show_default=True,
    metavar='HOURS',
    help='only what is at least this old (younger may be an upload still in flight)',
)
@click.option('--dry-run', is_flag=True, help='list what would be removed, remove nothing')
@with_appcontext
def blobs_sweep(older_than, dry_run):
    """Remove blobs that no row refers to (a killed upload, a rolled-back document) and the
    unfinished uploads (temp files, S3 multipart uploads) that killed processes left."""
    store = storage.blob_store()
    referenced = storage.referenced_hashes(db.session)
    orphans, leftovers = storage.sweep(
        store,
        referenced,
        older_than=older_than * 3600,
        dry_run=dry_run,
        still_unreferenced=lambda sha256: not storage.is_referenced(db.session, sha256),
    )
    verb = 'would remove' if dry_run else 'removed'
    for sha256 in orphans:
        click.echo(f'orphan blob {sha256}')
    click.echo(
        f'blobs-sweep: {verb} {len(orphans)} orphan blob(s), {leftovers} unfinished upload(s)'
    )


@lpse_cli.command('redflags-refresh')
@click.option('--all', 'everything', is_flag=True, help='recompute every tender (a rebuild)')
@with_appcontext
def redflags_refresh(everything):
    """Recompute the stored red flags of the tenders whose data changed since the last run
    (`tick` does it every round), or of every tender with --all."""
    if everything:
        count = redflag_store.refresh_all(now=clock.now())
    else:
        count = redflag_store.refresh(now=clock.now())
    click.echo(f'red flags: {count} tender(s) recomputed')


@lpse_cli.command('reports-refresh')
@click.option('--all', 'everything', is_flag=True, help='rebuild every tender (a rebuild)')
@with_appcontext
def reports_refresh(everything):
    """Rebuild the audit report rows of the tenders changed since the last run (`tick` does it
    every round), or of every tender with --all."""
    if everything:
        count = report_store.refresh_all(now=clock.now())
    else:
        count = report_store.refresh(now=clock.now())
    click.echo(f'report rows: {count} tender(s) rebuilt')


@lpse_cli.command('tick')
@click.option(
    '--every',
    type=click.IntRange(min=1),
    default=None,
    metavar='SECONDS',
    help='keep running, once every SECONDS (what `make run` starts beside the server)',
)
@with_appcontext
def tick(every):
    """The clock's jobs: bid-set commitments at the deadline, a checkpoint every
    LPSE_CHECKPOINT_MINUTES while the log grows, the OCDS bulk files when due, deadline
    reminders and queued mail. Run it every minute from the scheduler, or keep it running with
    --every; a failed round is reported and the next one runs."""
    while True:
        try:
            _clock_jobs()
        except DomainError as exc:
            if every is None:
                _fail(exc)
            _keep_going(exc)
        except Exception as exc:  # a locked database, a lost connection: try again next round
            if every is None:
                raise
            _keep_going(exc)
        if every is None:
            return
        time.sleep(every)


@lpse_cli.command('worker')
@click.option(
    '--workers',
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help='jobs run at the same time (threads)',
)
@click.option(
    '--periodic/--no-periodic',
    default=True,
    show_default=True,
    help="run the clock's round every minute (one worker of a cluster is enough)",
)
@with_appcontext
def worker(workers, periodic):
    """Run the job queue's worker (what `make run` starts beside the server): queued jobs as
    they come, with retries, and the clock's round every minute. Stop it with Ctrl-C."""
    app = current_app._get_current_object()
    if app.config.get('LPSE_QUEUE_URL') == 'immediate':
        raise click.ClickException('LPSE_QUEUE_URL=immediate runs jobs in place: no worker')
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(name)s %(message)s')
    job_queue.consumer(app, workers=workers, periodic=periodic).run()


@lpse_cli.command('state-baseline')
@with_appcontext
def state_baseline():
    """Log every security-relevant row as it is now: run once when reconciliation starts on a
    database that has rows from before it (a fresh install needs none)."""
    count = statelog.baseline(now=clock.now())
    db.session.commit()
    click.echo(f'{count} row(s) logged as the baseline')


@lpse_cli.command('audit-reconcile')
@click.option('--json', 'as_json', is_flag=True, help='print the differences as JSON lines')
@with_appcontext
def audit_reconcile(as_json):
    """Replay the log's record of every security-relevant row and compare it with the
    database; list each difference (table, key, column, database, log, last event) and exit 1
    on any."""
    differences = statelog.reconcile()
    for d in differences:
        if as_json:
            click.echo(json.dumps(d.as_dict(), ensure_ascii=False, default=str))
        else:
            click.echo(
                f'{d.table} {d.key} {d.column}: database={d.database!r} log={d.logged!r} '
                f'(last event seq {d.last_seq})'
            )
    if differences:
        click.echo(f'{len(differences)} difference(s) between the database and the log', err=True)
        sys.exit(1)
    click.echo('database and log agree')


@lpse_cli.command('audit-export')
@click.option('-o', '--output', type=click.File('w', encoding='utf-8'), default='-')
@with_appcontext
def audit_export(output):
    """Write the audit log as JSON lines (one event per line, in seq order)."""
    count = 0
    for record in audit.iter_records():
        output.write(canonical_json(record) + '\n')
        count += 1
    click.echo(f'{count} events exported', err=True)


@lpse_cli.command('audit-bundle')
@click.argument('code')
@click.option('-o', '--output', required=True, type=click.Path(dir_okay=False, writable=True))
@click.option('--version', type=int, help='tender version (default: the newest)')
@with_appcontext
def audit_bundle(code, output, version):
    """Write a tender's audit bundle (ZIP) for `lpse verify-bundle`."""
    import os
    from pathlib import Path

    from lpse.auditor.bundle import service, writer
    from lpse.tenders.operations import get_tender

    try:
        tender = get_tender(code, version)
        checkpoint = service.prepare(tender, now=clock.now())
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    partial = Path(f'{output}.partial')
    try:
        with partial.open('wb') as fh:
            manifest = writer.build_bundle(tender, fh, checkpoint=checkpoint)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    service.record_download(tender, service.summary(manifest), actor=None, now=clock.now())
    click.echo(f'{output}: {len(manifest["files"])} files, log checkpoint {checkpoint.seq}')


@lpse_cli.command('init-ca')
@click.option('--name', default='LPSE Instance CA', show_default=True, help='CA common name')
@click.option('--organization', help='O= of the CA and system certificates')
@click.option('--validity-days', default=3650, show_default=True, type=click.IntRange(365, 10950))
@click.option('--if-missing', is_flag=True, help='succeed without changes when a CA exists')
@with_appcontext
def init_ca(name, organization, validity_days, if_missing):
    """Create the instance CA and the system certificate (never overwrites an existing CA).

    The keys are stored encrypted under LPSE_CA_PASSPHRASE and LPSE_SYSTEM_KEY_PASSPHRASE."""
    from lpse import pki_service
    from lpse.crypto import pki

    if if_missing and pki_service.authority() is not None:
        click.echo('CA already present; nothing changed')
        return
    try:
        row = pki_service.init_ca(
            now=clock.now(),
            common_name=name,
            organization=organization,
            validity_days=validity_days,
        )
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f'CA created: {row.ca_cert.subject.rfc4514_string()}')
    click.echo(f'  CA SHA-256 fingerprint:     {pki.certificate_fingerprint(row.ca_cert)}')
    click.echo(f'  system SHA-256 fingerprint: {pki.certificate_fingerprint(row.system_cert)}')


@lpse_cli.command('publish-crl')
@with_appcontext
def publish_crl():
    """Re-sign the certificate revocation list now (run daily from cron if you like)."""
    from lpse import pki_service

    try:
        pki_service.publish_crl(now=clock.now())
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f'CRL number {pki_service.authority().crl_number} published')


@lpse_cli.command('backup')
@click.argument('folder', type=click.Path(file_okay=False))
@with_appcontext
def backup_command(folder):
    """Back up the database, then the blob store, into the new FOLDER (with a manifest of
    SHA-256 and the log head); see docs/OPERATIONS.md."""
    from lpse.ops import backup

    try:
        manifest = backup.backup(folder, progress=click.echo)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f'backup written: log head {manifest["log_head"]["seq"]}, {manifest["blobs"]} blobs')


@lpse_cli.command('restore')
@click.argument('folder', type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore_command(folder):
    """Restore a backup FOLDER into this instance's empty database and blob store, then verify
    the log and reconcile; exit 1 unless all holds."""
    from lpse.ops import backup

    try:
        found = backup.restore(folder, progress=click.echo)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f'log: {found["log"]}')
    click.echo(f'log head as backed up: {"yes" if found["head_matches"] else "NO"}')
    click.echo(f'reconciliation: {len(found["differences"])} difference(s)')
    if found['bad_blobs']:
        click.echo(f'blobs not matching their hash: {found["bad_blobs"]}')
    if (
        not (found['log_ok'] and found['head_matches'])
        or found['differences']
        or found['bad_blobs']
    ):
        sys.exit(1)
    click.echo('restored and verified')
