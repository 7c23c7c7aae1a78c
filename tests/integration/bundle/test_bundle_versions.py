"""A retendered package's bundle carries its earlier version: version 1 got a sealed bid, was
opened and declared failed; version 2 is the retender. Version 1's announcement, documents,
envelope, receipt, opening and its end are under versions/1/, checked by `lpse verify-bundle`,
and one flipped byte in any of them is reported as exactly that file."""

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import opening_helpers
import pytest
from bidding.conftest import VENDOR_KEY
from evaluation.test_export_after_real_opening import _submit
from tenders.factories import PDF, schedule_at

from lpse import clock
from lpse.auditor.bundle import layout, verify
from lpse.extensions import db
from lpse.tenders import documents, operations, publication
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.stages import Stage

from .test_bundle import SELF_CHECKED, build, ca_cert, failures, flipped

V1 = layout.version_folder(1)


@pytest.fixture
def retendered(client, create_tender, cast, bidder, pokja):
    """(version 1, version 2): v1 opened with one bid and failed, v2 its published retender."""
    old = create_tender(Stage.bid_submission)
    _submit(client, old, bidder, VENDOR_KEY, {1: Decimal('450000'), 2: Decimal('480000')})
    clock.set_now(old.schedule[Stage.bid_opening].start + timedelta(minutes=30))
    opening_helpers.open_all(old, pokja)
    now = clock.now()
    operations.fail_tender(old, reason='Hanya satu penawaran.', actor=cast['pokja'], now=now)
    db.session.commit()
    new = operations.retender(old, actor=cast['pokja'], now=now)
    tender_schedule.set_schedule(
        new, schedule_at(now + timedelta(days=1)), actor=cast['pokja'], now=now
    )
    documents.add_document(
        new,
        kind='dokumen_pemilihan',
        title='Dokumen Pemilihan (tender ulang)',
        fileobj=io.BytesIO(PDF),
        filename='dokpil-ulang.pdf',
        reason='',
        actor=cast['pokja'],
        now=now,
    )
    publication.publish_tender(new, actor=cast['pokja'], now=now)
    db.session.commit()
    return old, new


def test_the_failed_first_version_is_in_the_bundle_and_verified(retendered, tmp_path):
    old, new = retendered
    manifest = build(new, tmp_path / 'b.zip')
    assert manifest['tender']['version'] == 2
    earlier = {f['path']: f for f in manifest['files'] if f['path'].startswith(V1)}
    assert all(f['version'] == 1 and f['what'].startswith('version 1: ') for f in earlier.values())
    kinds = {f['kind'] for f in earlier.values()}
    assert {'tender', 'schedule', 'questions', 'addenda', 'tender_document'} <= kinds
    assert {'envelope', 'submission_signature', 'receipt', 'commitment', 'opening'} <= kinds
    assert {'tender_certificate', 'tender_key', 'version_end'} <= kinds
    assert not any('version' in f for f in manifest['files'] if not f['path'].startswith(V1))
    with zipfile.ZipFile(tmp_path / 'b.zip') as zf:
        end = json.loads(zf.read(V1 + 'tender/end.json'))
        first = json.loads(zf.read(V1 + 'tender/tender.json'))
        actions = [json.loads(line)['action'] for line in zf.read(layout.EVENTS).splitlines()]
    assert (end['version'], end['status'], end['end_reason']) == (
        1,
        'failed',
        'Hanya satu penawaran.',
    )
    assert first['id'] == old.id and first['end_reason'] == end['end_reason']
    assert {'tender.failed', 'tender.retendered', 'bid.submitted'} <= set(actions)

    report = verify.verify_bundle(tmp_path / 'b.zip', ca_cert=ca_cert())
    assert report.ok, [r for r in report.rows if r.failed]
    reopened = [
        r
        for r in report.rows
        if r.item.startswith(V1 + 'bids/') and r.check.startswith('opened with the published key')
    ]
    assert len(reopened) == 1 and reopened[0].result == verify.OK
    checked = {r.item for r in report.rows if r.result == verify.OK}
    assert set(earlier) <= checked  # every file of version 1 at least by its manifest hash


def test_one_flipped_byte_in_the_first_version_names_exactly_its_file(retendered, tmp_path):
    _old, new = retendered
    manifest = build(new, tmp_path / 'b.zip')
    with zipfile.ZipFile(tmp_path / 'b.zip') as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    first_of_kind = {}
    for f in manifest['files']:
        if f['path'].startswith(V1):
            first_of_kind.setdefault(f['kind'], f['path'])
    for path in first_of_kind.values():
        assert failures(flipped(entries, path, resign=False)) == {path}, path
    # Re-signed by an insider holding the system key: the version's own checks still catch it.
    for kind in sorted(SELF_CHECKED & first_of_kind.keys()):
        path = first_of_kind[kind]
        assert failures(flipped(entries, path, resign=True)) == {path}, path


def test_a_bundle_of_a_first_version_has_no_versions_folder(retendered, tmp_path):
    old, _new = retendered
    manifest = build(old, tmp_path / 'b.zip')
    assert not any(f['path'].startswith(layout.VERSIONS) for f in manifest['files'])
    assert verify.verify_bundle(io.BytesIO((tmp_path / 'b.zip').read_bytes()), ca_cert=ca_cert()).ok
