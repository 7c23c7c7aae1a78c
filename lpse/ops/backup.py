"""Backup and restore of one instance (docs/OPERATIONS.md, Backup and restore).

A backup is a folder: the database first (PostgreSQL: `pg_dump` custom format; SQLite: its
online backup), then the blob store's files as a tar — in that order, so every blob a backed-up
row names is in the copy (a blob is stored before its row is committed and never changes) —
and `manifest.json` with each part's SHA-256 and the log head at backup time. Restore checks the
manifest before it writes anything, refuses a target that is not empty, restores the database in
one transaction and the blobs, then verifies the log and reconciles the state against it."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, make_url

from lpse import audit, checkpoints, statelog, storage
from lpse.extensions import db

FORMAT = 'lpse-backup/1'
MANIFEST = 'manifest.json'
BLOBS = 'blobs.tar'


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was written (or the partial backup folder
    was removed)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open('rb') as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq(url):
    """The database URL as libpq takes it (its password through the environment, never on a
    command line other users can read)."""
    env = dict(os.environ)
    if url.password:
        env['PGPASSWORD'] = url.password
    plain = url.set(drivername='postgresql', password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _l('%(name)s tidak ditemukan: pasang paket postgresql-client.', name=name)
        )
    return found


def _run(command, env):
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 — our own argv
    if done.returncode != 0:
        raise BackupError(f'{Path(command[0]).name}: {done.stderr.strip()[-2000:]}')


def _file_store() -> storage.FileStore:
    store = storage.blob_store()
    if not isinstance(store, storage.FileStore):
        raise BackupError(
            _l(
                'Penyimpanan berkas ini bukan folder lokal: cadangkan bucket-nya dengan '
                'replikasi/versioning penyedia S3 (docs/OPERATIONS.md).'
            )
        )
    return store


def _head() -> dict:
    head = db.session.get(audit.AuditHead, 1)
    return {'seq': head.seq if head else 0, 'hash': head.hash if head else None}


def backup(dest: Path, progress=lambda message: None) -> dict:
    """Write a backup of the database and the blob store into the new folder `dest`."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(_l('Folder cadangan %(path)s tidak kosong.', path=str(dest)))
    store = _file_store()
    url = make_url(str(db.engine.url))
    head = _head()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if url.get_backend_name() == 'postgresql':
            database = dest / 'database.dump'
            conninfo, env = _libpq(url)
            _run([_tool('pg_dump'), '--format=custom', f'--file={database}', conninfo], env)
        else:
            database = dest / 'database.sqlite'
            source = sqlite3.connect(url.database)
            target = sqlite3.connect(database)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        progress(f'database: {database.name}')
        blobs = dest / BLOBS
        count = 0
        with tarfile.open(blobs, 'w') as tar:
            for path in sorted(store.root.glob('??/*')):
                if path.is_file():
                    tar.add(path, arcname=str(path.relative_to(store.root)))
                    count += 1
        progress(f'blobs: {count}')
        manifest = {
            'format': FORMAT,
            'backend': url.get_backend_name(),
            'log_head': head,
            'blobs': count,
            'files': {p.name: _sha256(p) for p in (database, blobs)},
        }
        (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + '\n', encoding='utf-8')
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return manifest


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding='utf-8'))
    except (OSError, ValueError) as error:
        raise BackupError(
            _l('Manifes cadangan tidak terbaca: %(error)s', error=str(error))
        ) from error
    if not isinstance(manifest, dict) or manifest.get('format') != FORMAT:
        raise BackupError(_l('Ini bukan cadangan LPSE (format tidak dikenal).'))
    for name, digest in manifest.get('files', {}).items():
        path = source / name
        if Path(name).name != name or not path.is_file() or _sha256(path) != digest:
            raise BackupError(_l('Berkas cadangan %(name)s rusak atau hilang.', name=name))
    return manifest


def restore(source: Path, progress=lambda message: None) -> dict:
    """Restore the backup in `source` into this instance's empty database and blob store;
    then verify the log and reconcile. Returns what was found."""
    source = Path(source)
    manifest = _read_manifest(source)
    store = _file_store()
    url = make_url(str(db.engine.url))
    if manifest['backend'] != url.get_backend_name():
        raise BackupError(_l('Cadangan ini untuk basis data %(kind)s.', kind=manifest['backend']))
    if inspect(db.engine).get_table_names():
        raise BackupError(_l('Basis data tujuan tidak kosong: pulihkan ke basis data baru.'))
    if any(store.root.glob('??/*')):
        raise BackupError(_l('Penyimpanan berkas tujuan tidak kosong.'))
    with tarfile.open(source / BLOBS) as tar:
        members = tar.getmembers()
        if len(members) != manifest['blobs'] or any(not m.isfile() for m in members):
            raise BackupError(_l('Arsip berkas cadangan tidak sesuai manifes.'))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == 'postgresql':
        conninfo, env = _libpq(url)
        _run(
            [
                _tool('pg_restore'),
                '--no-owner',
                '--exit-on-error',
                '--single-transaction',
                f'--dbname={conninfo}',
                str(source / 'database.dump'),
            ],
            env,
        )
    else:
        backup_db = sqlite3.connect(source / 'database.sqlite')
        target = sqlite3.connect(url.database)
        try:
            backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
    progress('database restored')
    store.root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / BLOBS) as tar:
        tar.extractall(store.root, filter='data')
    bad = [p.name for p in store.root.glob('??/*') if _sha256(p) != p.name]
    progress(f'blobs restored: {manifest["blobs"]}')
    verification = checkpoints.verify_database()
    differences = statelog.reconcile()
    head = _head()
    return {
        'log_ok': verification.ok,
        'log': str(verification),
        'head_matches': head == manifest['log_head'],
        'differences': [d.as_dict() for d in differences],
        'bad_blobs': bad,
    }
