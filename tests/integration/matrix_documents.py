"""Access matrix of the checkpoint, verification and issued-document routes.

`{doc}` is a sample PDF issued for a draft tender of the agency, owned by `vendor`. Walked by
tests/integration/documents/test_document_matrix.py."""

ANON = 'anonymous'
WHO = (
    ANON,
    'pokja',  # on the tender
    'ppk',  # the tender's PPK
    'pokja_agency',  # a Pokja member of the tender's agency, not on it
    'pokja_other_agency',
    'verifier',
    'vendor',  # the owner
    'other_vendor',
    'auditor',
    'admin',
)


def everyone(status):
    return dict.fromkeys(WHO, status)


def download():
    allowed = ('pokja', 'ppk', 'pokja_agency', 'vendor', 'auditor', 'admin')
    return {w: 302 if w == ANON else (200 if w in allowed else 403) for w in WHO}


MATRIX = {
    ('checkpoints.index', 'GET'): ('/audit/checkpoints', everyone(200)),
    ('checkpoints.download', 'GET'): ('/audit/checkpoints.json', everyone(200)),
    ('api.checkpoint_list', 'GET'): ('/api/v1/audit/checkpoints', everyone(200)),
    # The transparency log: public to all (entries show each caller only what it may read).
    ('api.log_checkpoint', 'GET'): ('/api/v1/log/checkpoint', everyone(200)),
    ('api.log_inclusion_proof', 'GET'): (
        '/api/v1/log/proof/inclusion?index=0&tree_size=1',
        everyone(200),
    ),
    ('api.log_consistency_proof', 'GET'): (
        '/api/v1/log/proof/consistency?from=1&to=1',
        everyone(200),
    ),
    ('api.log_entries', 'GET'): ('/api/v1/log/entries?start=0&end=1', everyone(200)),
    ('api.log_cosignature', 'POST'): ('/api/v1/log/cosignatures', everyone(415)),
    ('documents.verify', 'GET'): ('/verify', everyone(200)),
    ('documents.verify', 'POST'): ('/verify', everyone(422)),
    ('documents.detail', 'GET'): ('/verify/{doc}', everyone(200)),
    ('documents.download', 'GET'): ('/documents/{doc}.pdf', download()),
    ('api.receipt_verify', 'POST'): ('/api/v1/receipts/verify', everyone(415)),
    ('api.document_detail', 'GET'): ('/api/v1/documents/{doc}', everyone(200)),
}
