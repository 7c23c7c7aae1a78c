"""The contract as open data: signed (tag `contract`), started (SPMK, `implementation`), amended
(`contractAmendment`) and handed over (`contractTermination`); nothing of a draft before both
parties signed; every release and the record valid OCDS 1.1.5, the record equal to what
`ocdskit compile` makes of the releases."""

import json

from ocds_validation import all_errors
from opendata.conftest import published  # noqa: F401 — the API's package and record
from opendata.test_api import ocdskit_compile

from contracts.conftest import TERMS
from contracts.test_contract_flow import sign_both
from lpse import clock
from lpse.contracts import operations as contracts
from lpse.extensions import db


def releases_and_record(published, tender):  # noqa: F811
    package, record = published(tender)
    assert all_errors(package) == []
    assert all_errors(record, 'record') == []
    return package['releases'], record['records'][0]['compiledRelease']


def test_contract_steps_are_releases(app, awarded, cast, published, tmp_path):  # noqa: F811
    tender, winner, _loser = awarded
    ppk = cast['ppk']
    contract = contracts.draft_contract(tender, TERMS, actor=ppk, now=clock.now())
    db.session.commit()
    releases, _ = releases_and_record(published, tender)
    assert [r['tag'] for r in releases][-1] == ['awardUpdate']  # a draft is not public
    assert contract.number not in json.dumps(releases)

    sign_both(tender, contract, winner, ppk)
    contracts.issue_spmk(tender, {'work_starts_on': '2026-04-06'}, actor=ppk, now=clock.now())
    db.session.commit()
    amendment = contracts.draft_amendment(
        tender,
        {'reason': 'Pekerjaan tambah drainase.', 'new_value': '1400000000'},
        actor=ppk,
        now=clock.now(),
    )
    db.session.commit()
    releases, _ = releases_and_record(published, tender)
    assert 'Pekerjaan tambah drainase.' not in json.dumps(releases)  # unsigned amendment
    sign_both(tender, amendment, winner, ppk)
    contracts.hand_over(tender, {'note': 'Diterima baik.'}, actor=ppk, now=clock.now())
    db.session.commit()

    releases, compiled = releases_and_record(published, tender)
    assert [r['tag'] for r in releases][-4:] == [
        ['contract'],
        ['implementation'],
        ['contractAmendment'],
        ['contractTermination'],
    ]
    signed, started, amended, ended = releases[-4:]
    [block] = signed['contracts']
    assert block['status'] == 'active'
    assert block['value'] == {'amount': 1340000000, 'currency': 'IDR'}
    assert block['awardID'] == signed['awards'][0]['id']
    assert block['period'] == {
        'startDate': '2026-04-01T00:00:00+08:00',
        'endDate': '2026-09-30T23:59:59+08:00',
    }
    assert block['dateSigned'].endswith('+08:00')
    assert [d['documentType'] for d in block['documents']] == ['contractSigned']
    assert contract.number in block['title']
    assert [d['documentType'] for d in started['contracts'][0]['documents']] == [
        'contractSigned',
        'contractSchedule',
    ]
    [change] = amended['contracts'][0]['amendments']
    assert change['rationale'] == 'Pekerjaan tambah drainase.'
    assert amended['contracts'][0]['value']['amount'] == 1400000000
    assert amended['contracts'][0]['period']['endDate'] == '2026-09-30T23:59:59+08:00'
    assert ended['contracts'][0]['status'] == 'terminated'
    assert ended['contracts'][0]['documents'][-1]['documentType'] == 'completionCertificate'
    assert compiled['contracts'][0]['status'] == 'terminated'
    assert compiled['contracts'][0]['value']['amount'] == 1400000000
    package, record = published(tender)
    assert ocdskit_compile(package, tmp_path)['records'] == record['records']
