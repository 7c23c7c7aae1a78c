"""The shortlist beyond the log (issue 18.1): in the OCDS releases (procurementMethod
`selective`, the BA and the announcement as documents, one `invited` bid per shortlisted firm,
the counts of requests and qualified firms — validated against the official schema and
codelists) and in the audit bundle (`qualification/`), where `lpse verify-bundle` checks each
result against the log and the shortlist against its result; a shortlist edited after the fact
is reported, under its own path."""

import hashlib
import io
import json
import zipfile

import pytest
from ocds_validation import all_errors

from lpse import clock, pki_service
from lpse.auditor.bundle import layout, service, verify, writer
from lpse.auditor.bundle.qualification import shortlist_document
from lpse.crypto.detached import sign_detached
from lpse.extensions import db
from lpse.opendata.releases import ocid
from lpse.tenders.prequalification import operations as prequalification
from lpse.tenders.stages import Stage

from .prequal_helpers import at, firm, shortlist

SCORES = ('85', '78.50', '90', '40')  # the fourth fails a requirement as well


@pytest.fixture
def firms(person):
    return [firm(person, n, company=f'PT Konsultan {n}') for n in range(1, 5)]


@pytest.fixture
def announced(seleksi, firms, pokja):
    """The seleksi's result announced: firms 3, 1, 2 shortlisted by score, firm 4 failed."""
    result, _rows = shortlist(
        seleksi,
        pokja,
        firms,
        failing={firms[3]: ('tenaga_ahli',)},
        scores=dict(zip(firms, SCORES, strict=True)),
    )
    return result


def releases(client, tender) -> list[dict]:
    response = client.get('/api/v1/ocds/releases', query_string={'ocid': ocid(tender)})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    package = response.get_json()
    assert all_errors(package) == []
    return package['releases']


def names(detail) -> list[str]:
    return [t['name'] for t in detail['tenderers']]


def test_the_shortlist_is_in_the_releases(client, seleksi, announced, firms, pokja):
    *before, latest = releases(client, seleksi)
    assert all('bids' not in r for r in before)
    assert latest['tag'] == ['tenderUpdate']
    tender = latest['tender']
    assert tender['procurementMethod'] == 'selective'
    assert tender['procurementMethodDetails'] == 'Seleksi Prakualifikasi'
    invited = latest['bids']['details']
    assert [names(d) for d in invited] == [
        ['PT Konsultan 3'],
        ['PT Konsultan 1'],
        ['PT Konsultan 2'],
    ]
    assert {d['status'] for d in invited} == {'invited'}
    statistics = {s['measure']: s['value'] for s in latest['bids']['statistics']}
    assert statistics == {'requests': 4, 'qualifiedBidders': 3, 'disqualifiedBidders': 1}
    parties = {p['name']: p['roles'] for p in latest['parties']}
    assert parties['PT Konsultan 3'] == ['interestedParty']
    assert 'PT Konsultan 4' not in json.dumps(latest)  # who failed is counted, never named
    # Every invited firm is a party, by its NPWP.
    ids = {p['id'] for p in latest['parties']}
    assert {t['id'] for d in invited for t in d['tenderers']} <= ids
    # The announcement and the BA, downloadable where the release says, as the log hashed them.
    documents = {
        d['documentType']: d
        for d in tender['documents']
        if d['id'] in (announced.notice_document_id, announced.report_document_id)
    }
    assert set(documents) == {'shortlistedFirms', 'evaluationReports'}
    for document in documents.values():
        pdf = client.get(document['url'].removeprefix('http://localhost'))
        assert pdf.status_code == 200 and pdf.data.startswith(b'%PDF-')
        assert document['description'] == f'SHA-256: {hashlib.sha256(pdf.data).hexdigest()}'


def test_an_objection_accepted_takes_the_shortlist_out_of_the_releases(
    client, seleksi, announced, firms, pokja
):
    count = len(releases(client, seleksi))
    now = at(seleksi, Stage.qualification_objection)
    rejected = prequalification.file_objection(
        seleksi, 'Nilai kami kurang.', actor=firms[1], now=now
    )
    prequalification.answer_objection(
        seleksi, rejected.id, accept=False, answer='Nilai sesuai.', actor=pokja[0], now=now
    )
    db.session.commit()
    assert len(releases(client, seleksi)) == count  # a rejected objection changes nothing public
    accepted = prequalification.file_objection(seleksi, 'Ahli kami ada.', actor=firms[3], now=now)
    prequalification.answer_objection(
        seleksi, accepted.id, accept=True, answer='Diterima.', actor=pokja[0], now=now
    )
    db.session.commit()
    *_, latest = releases(client, seleksi)
    assert latest['tag'] == ['tenderUpdate'] and 'bids' not in latest
    assert not any('interestedParty' in p['roles'] for p in latest['parties'])
    titles = [d['title'] for d in latest['tender']['documents']]
    assert 'Pengumuman Hasil Prakualifikasi (dibatalkan karena sanggah diterima)' in titles


# --- the audit bundle -----------------------------------------------------------------------


def bundle(tender, path) -> dict:
    checkpoint = service.prepare(tender, now=clock.now())
    db.session.commit()
    with open(path, 'wb') as fh:
        writer.build_bundle(tender, fh, lambda *call: None, checkpoint=checkpoint)
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def failures(entries) -> dict[str, list[str]]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as zf:
        for name, value in entries.items():
            zf.writestr(name, value)
    report = verify.verify_bundle(
        io.BytesIO(out.getvalue()), ca_cert=pki_service.require_authority().ca_cert
    )
    found = {}
    for row in report.rows:
        if row.failed:
            found.setdefault(row.item, []).append(row.check)
    return found


def replaced(entries, path, value) -> dict:
    """`path` replaced by `value` and the manifest signed again with the system key (an
    insider holding it): only the checks against the log can catch it."""
    entries = {**entries, path: value}
    manifest = json.loads(entries[layout.MANIFEST])
    for f in manifest['files']:
        if f['path'] == path:
            f['sha256'], f['size'] = hashlib.sha256(value).hexdigest(), len(value)
    entries[layout.MANIFEST] = json.dumps(manifest).encode()
    entries[layout.MANIFEST_SIGNATURE] = sign_detached(
        entries[layout.MANIFEST],
        key=pki_service.system_key(),
        cert=pki_service.require_authority().system_cert,
    )
    return entries


def test_the_bundle_carries_the_shortlist_and_verifies_it(seleksi, announced, firms, tmp_path):
    entries = bundle(seleksi, tmp_path / 'b.zip')
    listed = json.loads(entries[layout.SHORTLIST])
    assert listed['result'] == announced.id
    assert [(v['rank'], v['name'], v['score']) for v in listed['shortlist']] == [
        (1, 'PT Konsultan 3', '90.00'),
        (2, 'PT Konsultan 1', '85.00'),
        (3, 'PT Konsultan 2', '78.50'),
    ]
    result = entries[layout.qualification_result(announced.id)]
    assert hashlib.sha256(result).hexdigest() == announced.result_sha256
    submissions = json.loads(entries[layout.QUALIFICATION_SUBMISSIONS])
    assert len(submissions) == 4 and all(s['verdicts'] for s in submissions)
    manifest = json.loads(entries[layout.MANIFEST])
    kinds = {f['kind'] for f in manifest['files']}
    assert {'shortlist', 'qualification_result', 'qualification'} <= kinds
    assert any(
        'qualification result' in f['what']
        for f in manifest['files']
        if f['kind'] == 'crl_milestone'
    )
    assert failures(entries) == {}

    # A firm slipped onto the shortlist (or one dropped) after the announcement: caught.
    forged = {
        **listed,
        'shortlist': [
            *listed['shortlist'],
            {'rank': 4, 'vendor_id': 999, 'name': 'PT Titipan', 'npwp': '0', 'score': '99'},
        ],
    }
    tampered = replaced(entries, layout.SHORTLIST, json.dumps(forged).encode())
    assert failures(tampered) == {
        layout.SHORTLIST: ['the shortlist of its result, as the log named it']
    }
    # The result itself rewritten to rank the forged list: its hash is no longer the log's.
    data = json.loads(result)
    data['vendors'][-1]['passed'], data['vendors'][-1]['shortlisted'] = True, True
    data['vendors'][-1]['rank'] = 4
    path = layout.qualification_result(announced.id)
    tampered = replaced(entries, path, json.dumps(data).encode())
    assert set(failures(tampered)) == {path, layout.SHORTLIST}


def test_a_withdrawn_result_leaves_no_shortlist_in_force(
    seleksi, announced, firms, pokja, tmp_path
):
    now = at(seleksi, Stage.qualification_objection)
    objection = prequalification.file_objection(seleksi, 'Ahli kami ada.', actor=firms[3], now=now)
    prequalification.answer_objection(
        seleksi, objection.id, accept=True, answer='Diterima.', actor=pokja[0], now=now
    )
    db.session.commit()
    entries = bundle(seleksi, tmp_path / 'b.zip')
    assert json.loads(entries[layout.SHORTLIST])['shortlist'] == []
    assert failures(entries) == {}
    # The withdrawn shortlist passed off as standing: the log says it was withdrawn.
    standing = json.dumps(shortlist_document(announced)).encode()
    tampered = replaced(entries, layout.SHORTLIST, standing)
    assert failures(tampered) == {layout.SHORTLIST: ['its result is the one in force']}
