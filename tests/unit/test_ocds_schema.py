"""The OCDS files we publish against are the official 1.1.5 ones, unchanged, and the tests'
validator rejects what OCDS rejects (schema, closed and open codelists, RFC 3339 dates)."""

import copy
import hashlib
import re

import pytest
from ocds_validation import all_errors

from lpse.opendata import standard

RELEASE = {
    'ocid': 'ocds-abc123-LPSE-2026-0001',
    'id': 'ocds-abc123-LPSE-2026-0001-7',
    'date': '2026-03-02T10:00:00+08:00',
    'tag': ['award'],
    'initiationType': 'tender',
    'parties': [{'id': 'KLPD-X', 'name': 'Dinas PU', 'roles': ['buyer', 'procuringEntity']}],
    'tender': {
        'id': 'LPSE-2026-0001',
        'status': 'active',
        'value': {'amount': 1500000000, 'currency': 'IDR'},
        'documents': [{'id': 'd', 'documentType': 'biddingDocuments', 'url': 'https://x.id/d'}],
        'milestones': [{'id': 'm', 'type': 'engagement', 'dueDate': '2026-03-03T10:00:00Z'}],
    },
    'bids': {
        'statistics': [{'id': 'bids', 'measure': 'bids', 'value': 1}],
        'details': [{'id': '1', 'status': 'valid', 'tenderers': [{'id': 'a', 'name': 'PT A'}]}],
    },
}
PACKAGE = {
    'uri': 'https://x.id/p',
    'version': '1.1',
    'extensions': standard.EXTENSIONS,
    'publisher': {'name': 'LPSE'},
    'publishedDate': '2026-03-02T10:00:00+08:00',
    'releases': [RELEASE],
}


def test_the_files_are_the_official_ones():
    source = (standard.HERE / 'SOURCE.md').read_text(encoding='utf-8')
    listed = {name: digest for digest, name in re.findall(r'^([0-9a-f]{64})  (\S+)$', source, re.M)}
    assert len(listed) == 5
    for name, digest in listed.items():
        assert hashlib.sha256((standard.HERE / name).read_bytes()).hexdigest() == digest


def test_a_good_package_validates():
    assert all_errors(PACKAGE) == []


@pytest.mark.parametrize(
    ('path', 'value', 'error'),
    [
        (('tag',), ['bogus'], 'tag/0'),
        (('date',), '2026-03-02T10:00:00', 'RFC 3339'),  # no offset
        (('date',), '2 Maret 2026', 'date'),
        (('tender', 'value', 'amount'), '1500000000', 'amount'),  # a string, not a number
        (('tender', 'value', 'currency'), 'RP', 'currency'),
        (('tender', 'status'), 'open', 'status'),
        (('tender', 'documents', 0, 'documentType'), 'dokumen', 'documentType.csv'),
        (('tender', 'milestones', 0, 'type'), 'deadline', 'milestoneType.csv'),
        (('parties', 0, 'roles'), ['pokja'], 'partyRole.csv'),
        (('bids', 'details', 0, 'status'), 'sealed', 'status'),
        (('bids', 'statistics', 0, 'measure'), 'count', 'bidStatistics.csv'),
    ],
)
def test_what_ocds_rejects_is_rejected(path, value, error):
    package = copy.deepcopy(PACKAGE)
    target = package['releases'][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = all_errors(package)
    assert errors and any(error in e for e in errors), errors


def test_missing_ocid_is_an_error():
    package = copy.deepcopy(PACKAGE)
    del package['releases'][0]['ocid']
    assert any("'ocid' is a required property" in e for e in all_errors(package))


def test_extension_is_a_merge_patch():
    assert standard.merge_patch({'a': 1, 'b': {'c': 2}}, {'b': {'c': None, 'd': 3}}) == {
        'a': 1,
        'b': {'d': 3},
    }
    assert 'bids' in standard.release_schema()['properties']
    assert 'relatedBid' in standard.release_schema()['definitions']['Award']['properties']
