"""The bid routes × who is asking (the tender matrix's cast; 'vendor' is the bidder).
Walked by tests/integration/bidding/test_bid_access.py.

URL values: {bidding} a tender in its bid-submission stage, {bid} the vendor's bid on it,
{closed} a tender past its deadline. Empty bodies: the gate lets the vendor through and the
missing data answers (422 form, 415 body). Withdrawing is walked last (it changes the bid)."""

from matrix_tenders import WHO, api, api_gate, gate, page

VENDOR = ('vendor',)
PUBLIC = page(200, anonymous=200)

MATRIX = {
    ('bids.submit', 'GET'): ('/tenders/{bidding}/bid', gate(VENDOR, 200)),
    ('bids.submit', 'POST'): ('/tenders/{bidding}/bid', gate(VENDOR, 422)),
    ('bids.upload', 'POST'): ('/tenders/{bidding}/bid/upload', gate(VENDOR, 422)),
    # The form's passphrase check: an empty passphrase is a wrong one (JSON 422).
    ('bids.check_passphrase', 'POST'): ('/tenders/{bidding}/bid/passphrase', gate(VENDOR, 422)),
    ('bids.receipt_json', 'GET'): ('/tenders/{bidding}/bid/{bid}/receipt.json', gate(VENDOR, 200)),
    ('bids.receipt_pdf', 'GET'): ('/tenders/{bidding}/bid/{bid}/receipt.pdf', gate(VENDOR, 302)),
    ('bids.certificate', 'GET'): ('/tenders/{bidding}/certificate.pem', PUBLIC),
    ('bids.commitment_json', 'GET'): ('/tenders/{closed}/commitment.json', PUBLIC),
    ('api.bid_submit', 'POST'): ('/api/v1/tenders/{bidding}/bids', api_gate(VENDOR, 415)),
    ('api.bid_mine', 'GET'): ('/api/v1/tenders/{bidding}/bids/mine', api_gate(VENDOR, 200)),
    ('api.bid_commitment', 'GET'): ('/api/v1/tenders/{closed}/commitment', api(200, 200)),
    ('api.tender_certificate', 'GET'): ('/api/v1/tenders/{bidding}/certificate', api(200, 200)),
    ('bids.withdraw', 'POST'): ('/tenders/{bidding}/bid/withdraw', gate(VENDOR, 422)),
    ('api.bid_withdraw', 'DELETE'): ('/api/v1/tenders/{bidding}/bids/mine', api_gate(VENDOR, 200)),
}
# Before the deadline the commitment does not exist for anyone (nothing about bids leaks).
BEFORE_DEADLINE = {
    ('bids.commitment_json', 'GET'): ('/tenders/{bidding}/commitment.json', page(404, 404)),
    ('api.bid_commitment', 'GET'): ('/api/v1/tenders/{bidding}/commitment', api(404, 404)),
}
assert WHO
