"""The yearly bulk files: every release dated in a year (in its tender's zone), one JSON object
per line, gzipped, with its SHA-256 in the index. Rewritten whole by a job (`flask lpse
ocds-bulk`, and `flask lpse tick` every LPSE_OCDS_BULK_MINUTES when something was published);
each file is replaced atomically, so a download never sees half a file."""

import gzip
import hashlib
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from lpse.extensions import db
from lpse.opendata import feed

INDEX = 'index.json'
PAGE = 1000


def folder() -> Path:
    return Path(current_app.config['LPSE_DATA_DIR']) / 'ocds'


def file_name(year: int) -> str:
    return f'{year}.jsonl.gz'


def index() -> dict | None:
    """The last run's index: when, up to which public event, and each year's file."""
    path = folder() / INDEX
    return json.loads(path.read_text(encoding='utf-8')) if path.exists() else None


def _last_public_seq() -> int:
    seqs = feed.public_events().subquery()
    return db.session.scalar(select(func.max(seqs.c.seq))) or 0


def regenerate(*, now: datetime) -> dict:
    """Write every year's file and the index; returns the index."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    last_seq = _last_public_seq()
    writers, counts = {}, {}
    cursor = feed.Cursor()
    try:
        while True:
            releases, cursor = feed.page(cursor, PAGE)
            for release in releases:
                year = int(release['date'][:4])
                if year not in writers:
                    raw = (target / f'{file_name(year)}.tmp').open('wb')
                    writers[year] = (raw, gzip.GzipFile(fileobj=raw, mode='wb', mtime=0))
                line = json.dumps(release, ensure_ascii=False, separators=(',', ':'))
                writers[year][1].write(line.encode('utf-8') + b'\n')
                counts[year] = counts.get(year, 0) + 1
            if cursor is None:
                break
    finally:
        for raw, zipped in writers.values():
            zipped.close()
            raw.close()
    files = [_publish(target, year, counts[year]) for year in sorted(writers)]
    for stale in set(target.glob('*.jsonl.gz')) - {target / f['file'] for f in files}:
        stale.unlink()
    result = {'generated_at': now.isoformat(), 'last_seq': last_seq, 'files': files}
    _write_atomically(target / INDEX, json.dumps(result, indent=1).encode('utf-8'))
    return result


def _publish(target, year, count) -> dict:
    tmp = target / f'{file_name(year)}.tmp'
    digest = hashlib.sha256()
    with tmp.open('rb') as f:
        for chunk in iter(lambda: f.read(1 << 16), b''):
            digest.update(chunk)
    os.replace(tmp, target / file_name(year))
    return {
        'year': year,
        'file': file_name(year),
        'sha256': digest.hexdigest(),
        'size': (target / file_name(year)).stat().st_size,
        'releases': count,
    }


def _write_atomically(path, data: bytes) -> None:
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_bytes(data)
    os.replace(tmp, path)


def regenerate_if_due(*, now: datetime) -> dict | None:
    """The clock's run: at most every LPSE_OCDS_BULK_MINUTES, and only when a public change
    was logged since the last run."""
    last = index()
    if last is not None:
        age = now - datetime.fromisoformat(last['generated_at'])
        minutes = current_app.config['LPSE_OCDS_BULK_MINUTES']
        if age < timedelta(minutes=minutes) or last['last_seq'] == _last_public_seq():
            return None
    return regenerate(now=now)
