"""Back up, destroy, restore (issue 17 point 5): `flask lpse backup` of an instance with sealed
bids, the database and blob store destroyed, `flask lpse restore` into the empty ones — the log
verifies, its head is the one backed up, reconciliation finds nothing, every bid's blob is back
byte for byte. A damaged backup and a non-empty target are refused before anything is written.
On SQLite, and on PostgreSQL (a database of the test's own) when the suite runs there."""

import base64
import shutil

import pytest
from bidding import crash_server as cs
from sqlalchemy import create_engine, inspect, select, text

from lpse import clock, create_app, storage
from lpse.bids import submission
from lpse.bids.models import Bid
from lpse.cli import lpse_cli
from lpse.extensions import db
from lpse.tenders.models import Tender
from lpse.vendors.models import Vendor


@pytest.fixture
def instance(tmp_path):
    """(app, database URL, data folder) of an instance with three received sealed bids."""
    with cs.own_database(tmp_path, 'restore') as url:
        world = cs.build_world(
            url, tmp_path / 'data', tmp_path / 'envelopes', vendors=3, size=64 * 1024, key_pool=2
        )
        app = create_app(cs.app_overrides(url, tmp_path / 'data'))
        with app.app_context():
            tender = db.session.scalar(select(Tender).where(Tender.code == world.tender_code))
            vendors = {v.company_name: v for v in db.session.scalars(select(Vendor))}
            for (env,) in world.envelopes:
                vendor = vendors[f'PT Penyedia Rush {env.vendor:03d}']
                with open(env.path, 'rb') as fh:
                    upload = submission.Upload(
                        fh, base64.b64decode(env.signature_b64), None, env.size
                    )
                    submission.receive(tender, vendor.user, vendor, upload, now=clock.now())
                db.session.commit()
            db.session.remove()
        try:
            yield app, url, tmp_path / 'data'
        finally:
            with app.app_context():  # close pooled connections now, not when collected
                db.session.remove()
                db.engine.dispose()


def destroy(app, url, data):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url.startswith('sqlite'):
        (data.parent / url.rsplit('/', 1)[-1]).unlink()
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text('DROP SCHEMA public CASCADE'))
            conn.execute(text('CREATE SCHEMA public'))
        engine.dispose()
    shutil.rmtree(data / 'blobs')


def tables(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        return inspect(db.engine).get_table_names()


def test_backup_destroy_restore_verifies(instance, tmp_path):
    app, url, data = instance
    runner = app.test_cli_runner()
    made = runner.invoke(lpse_cli, ['backup', str(tmp_path / 'backup')])
    assert made.exit_code == 0, made.output
    assert '4 blobs' in made.output  # the tender's document and three envelopes
    again = runner.invoke(lpse_cli, ['backup', str(tmp_path / 'backup')])
    assert again.exit_code != 0 and 'tidak kosong' in again.output
    with app.app_context():
        before = {b.sha256 for b in db.session.scalars(select(Bid))}
    destroy(app, url, data)

    damaged = tmp_path / 'damaged'
    shutil.copytree(tmp_path / 'backup', damaged)
    tar = damaged / 'blobs.tar'
    raw = bytearray(tar.read_bytes())
    raw[len(raw) // 2] ^= 1
    tar.write_bytes(bytes(raw))
    refused = runner.invoke(lpse_cli, ['restore', str(damaged)])
    assert refused.exit_code != 0 and 'blobs.tar rusak' in refused.output
    assert tables(app) == []  # nothing was written

    restored = runner.invoke(lpse_cli, ['restore', str(tmp_path / 'backup')])
    assert restored.exit_code == 0, restored.output
    assert 'log head as backed up: yes' in restored.output
    assert 'reconciliation: 0 difference(s)' in restored.output
    with app.app_context():
        bids = db.session.scalars(select(Bid)).all()
        assert {b.sha256 for b in bids} == before and len(bids) == 3
        store = storage.blob_store()
        for bid in bids:
            with store.open(bid.sha256) as fh:
                assert cs.hashlib.sha256(fh.read()).hexdigest() == bid.sha256

    twice = runner.invoke(lpse_cli, ['restore', str(tmp_path / 'backup')])
    assert twice.exit_code != 0 and 'tidak kosong' in twice.output
