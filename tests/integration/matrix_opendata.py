"""Access matrix of the open data routes: public to everyone, a token or none (the data is what
the public pages showed). `{ocid}` is a cancelled tender's; the bulk files are written first.
Walked by tests/integration/opendata/test_opendata_matrix.py."""

from matrix import api_public, public

MATRIX = {
    ('api.ocds_releases', 'GET'): ('/api/v1/ocds/releases', api_public(200)),
    ('api.ocds_record', 'GET'): ('/api/v1/ocds/records/{ocid}', api_public(200)),
    ('opendata.policy', 'GET'): ('/ocds/', public(200)),
    ('opendata.bulk_file', 'GET'): ('/ocds/bulk/2026.jsonl.gz', public(200)),
    ('opendata.bulk_checksum', 'GET'): ('/ocds/bulk/2026.jsonl.gz.sha256', public(200)),
}
