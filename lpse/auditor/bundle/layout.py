"""The bundle's fixed paths and item kinds, shared by the builder and the offline verifier."""

MANIFEST = 'manifest.json'
MANIFEST_SIGNATURE = 'manifest.json.p7s'
MANIFEST_FORMAT = 'lpse-bundle/1'
CA = 'pki/ca.pem'
SYSTEM_CERT = 'pki/system.pem'
CRL = 'pki/crl.pem'
CRL_HISTORY = 'pki/crl-history/'
TENDER_CERT = 'keys/tender.pem'
TENDER_KEY = 'keys/tender-key.pem'
COMMITMENT = 'bids/commitment.json'
BIDS = 'bids/bids.json'
OPENING = 'opening/results.json'
CASE = 'evaluation/case.json'
RESULT = 'evaluation/result.json'
REDFLAGS = 'redflags/flags.json'
QUALIFICATION_SUBMISSIONS = 'qualification/submissions.json'
QUALIFICATION_RESULTS = 'qualification/results.json'
SHORTLIST = 'qualification/shortlist.json'
EVENTS = 'log/events.jsonl'
PROOFS = 'log/proofs.json'
CHECKPOINT_NOTE = 'log/checkpoint.txt'
CHECKPOINT_DOC = 'log/checkpoint.json'
LOG_KEY = 'log/log-key.vkey'


def envelope(bid_id: int) -> str:
    return f'bids/{bid_id}/envelope.p7m'


def submission_signature(bid_id: int) -> str:
    return f'bids/{bid_id}/envelope.p7m.sig'


def receipt(bid_id: int) -> str:
    return f'bids/{bid_id}/receipt.json'


def qualification_result(result_id: int) -> str:
    return f'qualification/result-{result_id}.json'


def crl_at(number: int) -> str:
    return f'{CRL_HISTORY}crl-{number}.pem'


def pdf(document_id: str) -> str:
    return f'documents/{document_id}.pdf'


def pdf_data(document_id: str) -> str:
    return f'documents/{document_id}.data.json'


VERSIONS = 'versions/'


def version_folder(version: int) -> str:
    """Where an earlier version of a retendered package keeps the same paths as the current."""
    return f'{VERSIONS}{version}/'
