"""The public open data API and files: records equal to `ocdskit compile` of our release
packages, the feed paged by date with links.next, clear 400s, the yearly bulk files (CLI and
clock), the policy page and the link from every published tender page."""

import gzip
import hashlib
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from ocds_validation import all_errors

from lpse import clock
from lpse.extensions import db
from lpse.opendata import standard
from lpse.opendata.releases import ocid
from lpse.tenders.stages import Phase, Stage


def ocdskit_compile(package, tmp_path) -> dict:
    """`ocdskit compile --package --linked-releases` from PyPI, offline (the patched schema)."""
    schema = tmp_path / 'release-schema.json'
    schema.write_text(json.dumps(standard.release_schema()))
    done = subprocess.run(
        [
            sys.executable,
            '-m',
            'ocdskit',
            'compile',
            '--package',
            '--linked-releases',
            '--schema',
            str(schema),
        ],
        input=json.dumps(package),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def test_record_equals_ocdskit_compile(app, announced, published, tmp_path):
    tender, _bids, _row = announced
    package, record = published(tender)
    theirs = ocdskit_compile(package, tmp_path)
    assert theirs['records'] == record['records']
    assert theirs['packages'] == record['packages'] == [package['uri']]
    assert theirs['extensions'] == record['extensions']


def test_feed_pages_by_date_with_next_links(app, client, create_tender):
    tenders = [create_tender(Phase.cancelled) for _ in range(3)]
    seen, url, pages = [], '/api/v1/ocds/releases?limit=2', 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        package = response.get_json()
        assert all_errors(package) == []
        seen += package['releases']
        pages += 1
        url = package.get('links', {}).get('next')
        assert url is None or url.startswith('http://')
        url = url and url.removeprefix(app.config['LPSE_BASE_URL'])
    assert pages == 3
    assert len(seen) == 6 and len({r['id'] for r in seen}) == 6
    assert {r['ocid'] for r in seen} == {ocid(t) for t in tenders}
    later = client.get('/api/v1/ocds/releases', query_string={'since': '2099-01-01T00:00:00Z'})
    assert later.get_json()['releases'] == [] and 'links' not in later.get_json()
    since = client.get(
        '/api/v1/ocds/releases', query_string={'since': clock.now().isoformat()}
    ).get_json()
    assert [r['tag'] for r in since['releases']] == [['tenderCancellation']] * 3


@pytest.mark.parametrize(
    ('query', 'field'),
    [
        ({'since': 'kemarin'}, 'since'),
        ({'since': '2026-03-01T00:00:00'}, 'since'),  # no offset
        ({'after': 'lima'}, 'after'),
        ({'since': '2026-03-01T00:00:00Z', 'after': '-1'}, 'after'),
        ({'limit': '0'}, 'limit'),
        ({'limit': '1001'}, 'limit'),
        ({'limit': 'x'}, 'limit'),
    ],
)
def test_bad_parameters_are_400(app, client, query, field):
    response = client.get('/api/v1/ocds/releases', query_string=query)
    assert response.status_code == 400
    assert response.get_json()['error']['code'] == 'bad_request'
    assert field in response.get_json()['error']['message']


@pytest.mark.parametrize('value', ['nope', 'ocds-dev000-NOSUCH-1', 'ocds-dev000-X-v1'])
def test_unknown_ocid_is_404(app, client, value):
    assert client.get(f'/api/v1/ocds/records/{value}').status_code == 404
    response = client.get('/api/v1/ocds/releases', query_string={'ocid': value})
    assert response.status_code == 404
    assert response.get_json()['error']['code'] == 'not_found'


def test_bulk_files_by_cli_and_clock(app, client, create_tender):
    tender = create_tender(Phase.cancelled)
    runner = app.test_cli_runner()
    assert client.get('/ocds/bulk/2026.jsonl.gz').status_code == 404
    result = runner.invoke(args=['lpse', 'ocds-bulk'])
    assert result.exit_code == 0, result.output
    assert 'ocds bulk 2026.jsonl.gz: 2 release(s)' in result.output
    response = client.get('/ocds/bulk/2026.jsonl.gz')
    assert response.status_code == 200
    lines = gzip.decompress(response.data).decode('utf-8').splitlines()
    releases = [json.loads(line) for line in lines]
    assert [r['ocid'] for r in releases] == [ocid(tender)] * 2
    digest = hashlib.sha256(response.data).hexdigest()
    checksum = client.get('/ocds/bulk/2026.jsonl.gz.sha256')
    assert checksum.get_data(as_text=True) == f'{digest}  2026.jsonl.gz\n'
    page = client.get('/ocds/')
    assert page.status_code == 200 and digest in page.get_data(as_text=True)
    package = {
        'uri': 'http://127.0.0.1:5000/ocds/bulk/2026.jsonl.gz',
        'version': '1.1',
        'extensions': standard.EXTENSIONS,
        'publisher': {'name': 'LPSE'},
        'publishedDate': '2026-03-02T10:00:00+08:00',
        'releases': releases,
    }
    assert all_errors(package) == []
    # The clock: nothing new → no rewrite; a new public change, once the interval passed.
    assert 'ocds bulk' not in runner.invoke(args=['lpse', 'tick']).output
    create_tender(Phase.cancelled)
    assert 'ocds bulk' not in runner.invoke(args=['lpse', 'tick']).output
    clock.set_now(clock.now() + timedelta(minutes=app.config['LPSE_OCDS_BULK_MINUTES']))
    ticked = runner.invoke(args=['lpse', 'tick'])
    assert 'ocds bulk 2026.jsonl.gz: 4 release(s)' in ticked.output, ticked.output


def test_tender_page_links_its_record(app, client, create_tender):
    tender = create_tender(Stage.announcement)
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert f'/api/v1/ocds/records/{ocid(tender)}' in page
    draft = create_tender('ready')
    db.session.commit()
    assert '/api/v1/ocds/records/' not in client.get(f'/tenders/{draft.code}').get_data(
        as_text=True
    )


def test_openapi_documents_the_routes(app, client):
    paths = client.get('/api/v1/openapi.json').get_json()['paths']
    assert 'security' not in paths['/ocds/releases']['get']  # public, no token
    assert '/ocds/records/{ocid}' in paths
