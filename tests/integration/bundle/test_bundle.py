"""The tender audit bundle, built from a real journey and checked by `lpse verify-bundle`:
whole, it passes; with one byte flipped in any one file, exactly that file is reported."""

import hashlib
import io
import json
import zipfile

from cryptography.hazmat.primitives import serialization

from lpse import clock, pki_service
from lpse.auditor.bundle import layout, service, verify, writer
from lpse.cli import lpse_cli
from lpse.console import main
from lpse.crypto.detached import sign_detached
from lpse.extensions import db

# Kinds with a check of their own beyond the manifest: caught even when the manifest is
# re-signed with the system key (an insider holding it).
SELF_CHECKED = {
    'envelope',
    'submission_signature',
    'receipt',
    'commitment',
    'case',
    'result',
    'pdf',
    'log_events',
    'log_proofs',
    'checkpoint',
    'checkpoint_doc',
    'tender_certificate',
    'tender_key',
    'crl',
    'crl_milestone',
    'ca',
}


def build(tender, path):
    checkpoint = service.prepare(tender, now=clock.now())
    db.session.commit()
    calls = []
    with open(path, 'wb') as fh:
        manifest = writer.build_bundle(
            tender, fh, lambda *call: calls.append(call), checkpoint=checkpoint
        )
    done, total, _note = calls[-1]
    assert done == total == len(manifest['files']) + 2  # and the manifest, its signature
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    return manifest


def ca_cert():
    return pki_service.require_authority().ca_cert


def flipped(entries: dict, path: str, *, resign: bool) -> bytes:
    """The bundle with one byte of `path` flipped (in its middle); the manifest updated and
    signed again with the system key if `resign`."""
    entries = dict(entries)
    data = bytearray(entries[path])
    data[len(data) // 2] ^= 0x01
    entries[path] = bytes(data)
    if resign:
        manifest = json.loads(entries[layout.MANIFEST])
        for f in manifest['files']:
            if f['path'] == path:
                f['sha256'] = hashlib.sha256(entries[path]).hexdigest()
        entries[layout.MANIFEST] = json.dumps(manifest).encode()
        entries[layout.MANIFEST_SIGNATURE] = sign_detached(
            entries[layout.MANIFEST],
            key=pki_service.system_key(),
            cert=pki_service.require_authority().system_cert,
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as zf:
        for name, value in entries.items():
            zf.writestr(name, value)
    return out.getvalue()


def _entry(path, name) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def failures(data: bytes) -> set[str]:
    report = verify.verify_bundle(io.BytesIO(data), ca_cert=ca_cert())
    return {row.item for row in report.rows if row.failed}


def test_bundle_of_a_real_journey_verifies(app, journey, tmp_path, capsys):
    tender, _winner, _loser = journey
    made = app.test_cli_runner().invoke(
        lpse_cli, ['audit-bundle', tender.code.lower(), '-o', str(tmp_path / 'b.zip')]
    )
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(tmp_path / 'b.zip') as zf:
        manifest = json.loads(zf.read(layout.MANIFEST))
    assert not (tmp_path / 'b.zip.partial').exists()
    kinds = {f['kind'] for f in manifest['files']}
    assert {'envelope', 'receipt', 'commitment', 'case', 'result', 'pdf', 'tender_key'} <= kinds
    assert {'objection', 'award', 'log_events', 'checkpoint', 'crl', 'readme', 'redflags'} <= kinds
    milestone_crls = [f for f in manifest['files'] if f['kind'] == 'crl_milestone']
    assert milestone_crls and 'bid deadline' in milestone_crls[0]['what']
    ca = tmp_path / 'ca.pem'
    ca.write_bytes(ca_cert().public_bytes(serialization.Encoding.PEM))
    capsys.readouterr()
    assert main(['verify-bundle', str(tmp_path / 'b.zip'), '--ca', str(ca)]) == 0
    out = capsys.readouterr().out
    assert 'GAGAL' not in out and 'opened with the published key' in out
    assert 'equals the recomputed evaluation' in out


def test_bundle_carries_the_tenders_red_flags_as_the_auditor_api_gives_them(
    client, journey, cast, person, token, tmp_path
):
    tender, _winner, _loser = journey
    build(tender, tmp_path / 'b.zip')
    with zipfile.ZipFile(tmp_path / 'b.zip') as zf:
        flags = json.loads(zf.read(layout.REDFLAGS))
    auditor = person('bpk@bpk.go.id', 'auditor')
    answer = client.get(f'/api/v1/audit/tenders/{tender.code}/flags', headers=token(auditor))
    assert answer.status_code == 200
    assert flags == answer.get_json()
    assert flags['tender'] == tender.code
    # Both bids of the journey came from the test client's one address: that rule trips, and
    # its evidence names both vendors.
    same_ip = [f for f in flags['flags'] if f['rule'] == 'RF-IP-SAMA']
    assert same_ip, [f['rule'] for f in flags['flags']]
    named = {v['id'] for e in same_ip[0]['evidence'] for v in e['vendors']}
    bidders = {b['vendor_id'] for b in json.loads(_entry(tmp_path / 'b.zip', layout.BIDS))}
    assert len(bidders) == 2 and bidders <= named


def test_one_flipped_byte_names_exactly_its_file(journey, tmp_path):
    tender, _winner, _loser = journey
    manifest = build(tender, tmp_path / 'b.zip')
    with zipfile.ZipFile(tmp_path / 'b.zip') as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    assert failures(flipped(entries, 'README.txt', resign=True)) == set()  # vouched for only
    first_of_kind = {}
    for f in manifest['files']:
        first_of_kind.setdefault(f['kind'], f['path'])
    paths = [*first_of_kind.values(), layout.MANIFEST, layout.MANIFEST_SIGNATURE]
    for path in paths:
        assert failures(flipped(entries, path, resign=False)) == {path}, path
    for kind in sorted(SELF_CHECKED & first_of_kind.keys()):
        path = first_of_kind[kind]
        assert failures(flipped(entries, path, resign=True)) == {path}, path


def test_api_download_is_logged_and_verifies(client, journey, cast, person, token, tmp_path):
    from sqlalchemy import select

    from lpse.audit import AuditEvent

    tender, _winner, _loser = journey
    auditor = person('bpk@bpk.go.id', 'auditor')
    response = client.get(f'/api/v1/audit/tenders/{tender.code}/bundle', headers=token(auditor))
    assert response.status_code == 200 and response.mimetype == 'application/zip'
    assert tender.code in response.headers['Content-Disposition']
    report = verify.verify_bundle(io.BytesIO(response.data), ca_cert=ca_cert())
    assert report.ok and len(report.rows) > 50
    read = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'read.bundle').order_by(AuditEvent.seq)
    ).all()
    assert [(e.actor_id, e.object_id) for e in read] == [(auditor.id, str(tender.id))]
    assert json.loads(read[0].payload)['files'] == len(
        json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read(layout.MANIFEST))['files']
    )
    vendor = cast['vendor'] if 'vendor' in cast else person('v@contoh.co.id', 'vendor')
    refused = client.get(f'/api/v1/audit/tenders/{tender.code}/bundle', headers=token(vendor))
    assert refused.status_code == 403 and 'error' in refused.get_json()


def test_page_builds_the_bundle_as_a_job(client, journey, person, other_agency):
    """The tender page's button queues a job (progress page, then the download); the home page
    lists it; asking again before the tender changed gives the same job; the download obeys the
    scope at the time it is taken and is logged."""
    from helpers import login
    from sqlalchemy import select

    from lpse.audit import AuditEvent
    from lpse.auth import scope
    from lpse.jobs import Job

    tender, _winner, _loser = journey
    auditor = person('apip@itjen.go.id', 'auditor')
    assert login(client, auditor.email).status_code == 302
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert f'/audit/tenders/{tender.code}/bundle' in page
    response = client.post(f'/audit/tenders/{tender.code}/bundle')
    assert response.status_code == 303
    job = db.session.scalars(select(Job).where(Job.kind == 'audit.bundle')).one()
    assert response.headers['Location'].endswith(f'/jobs/{job.id}')
    assert job.status == 'done' and job.has_result and job.done == job.total  # immediate queue
    status = client.get(f'/jobs/{job.id}').get_data(as_text=True)
    assert f'/jobs/{job.id}/result' in status
    home = client.get('/audit/home').get_data(as_text=True)
    assert 'siap diunduh' in home and f'/jobs/{job.id}/result' in home
    assert client.post(f'/audit/tenders/{tender.code}/bundle').status_code == 303
    same = select(Job.id).where(Job.kind == 'audit.bundle')
    assert db.session.scalars(same).all() == [job.id]  # nothing changed: the same job

    taken = client.get(f'/jobs/{job.id}/result')
    assert taken.status_code == 200 and taken.mimetype == 'application/zip'
    assert verify.verify_bundle(io.BytesIO(taken.data), ca_cert=ca_cert()).ok
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == 'read.bundle')).all()
    assert [(e.actor_id, json.loads(e.payload)['files']) for e in reads] == [
        (auditor.id, job.result_info['files'])
    ]

    # Reassigned to another agency: the built bundle is no longer theirs to take.
    scope.set_scope(
        auditor,
        national=False,
        agency_ids=[other_agency.id],
        actor=auditor,
        now=clock.now(),
        ip=None,
    )
    db.session.commit()
    assert client.get(f'/jobs/{job.id}/result').status_code == 403
    assert client.post(f'/audit/tenders/{tender.code}/bundle').status_code == 403


def test_a_blob_damaged_in_storage_is_reported_as_its_file(journey, tmp_path):
    """The manifest lists a blob's address (the SHA-256 recorded when it was stored), not a
    hash of whatever the store holds now: damage since then fails exactly that file."""
    from blob_helpers import tamper

    from lpse.bids.models import Bid
    from lpse.redflags import store

    tender, _winner, _loser = journey
    store.refresh(now=clock.now())  # the clock's refresh after opening: flags decrypt no more
    bid = db.session.scalars(db.select(Bid).where(Bid.tender_id == tender.id)).first()

    def flip(data):
        data = bytearray(data)
        data[len(data) // 2] ^= 0x01
        return bytes(data)

    tamper(bid.sha256, flip)  # behind the store's back, on either store
    manifest = build(tender, tmp_path / 'b.zip')
    listed = {f['path']: f['sha256'] for f in manifest['files']}
    assert listed[layout.envelope(bid.id)] == bid.sha256
    assert failures((tmp_path / 'b.zip').read_bytes()) == {layout.envelope(bid.id)}
