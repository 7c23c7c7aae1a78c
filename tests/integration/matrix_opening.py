"""The opening routes × who is asking (the tender matrix's cast; 'vendor' is a bidder).
Walked by tests/integration/opening/test_opening_access.py.

URL values: {opened} a one-file tender whose bids were opened (winner not announced), {bid}
the vendor's opened bid on it, {waiting} a tender past its deadline not opened yet. The Pokja
member of the tender, its PPK and auditors see opened bids, the key and envelopes; bidders see
the minutes; nobody else sees anything but the ceremony's state."""

from matrix_tenders import MEMBER, POKJA_ROLE, PPK, WHO, api, api_gate, gate, page

OVERSEERS = (MEMBER, PPK, 'auditor')
PAGE_OVERSEERS = gate(OVERSEERS, 200)
API_OVERSEERS = api_gate(OVERSEERS, 200)
OPENING = '/tenders/{opened}/opening'
API = '/api/v1/tenders/{opened}'

MATRIX = {
    ('opening.index', 'GET'): (OPENING, page(200, anonymous=200)),
    # Everything is opened: the member is told so (409); other Pokja members are not on it.
    ('opening.release', 'POST'): (OPENING + '/release', gate(POKJA_ROLE, 403, **{MEMBER: 409})),
    ('opening.bid', 'GET'): (OPENING + '/bids/{bid}', PAGE_OVERSEERS),
    ('opening.attachment', 'GET'): (
        OPENING + '/bids/{bid}/files/surat-penawaran.pdf',
        PAGE_OVERSEERS,
    ),
    ('opening.envelope', 'GET'): (OPENING + '/bids/{bid}/envelope.p7m', PAGE_OVERSEERS),
    ('opening.key', 'GET'): (OPENING + '/key.pem', PAGE_OVERSEERS),
    ('opening.minutes', 'GET'): (
        OPENING + '/minutes/single.pdf',
        gate((*OVERSEERS, 'vendor'), 200),
    ),
    ('api.opening_state', 'GET'): (API + '/opening', api(200)),
    ('api.opening_share', 'GET'): (
        API + '/opening/share',
        api_gate(POKJA_ROLE, 403, **{MEMBER: 409}),
    ),
    ('api.opening_release', 'POST'): (API + '/opening/shares', api_gate(POKJA_ROLE, 415)),
    ('api.opening_bids', 'GET'): (API + '/bids', API_OVERSEERS),
    ('api.opening_key', 'GET'): (API + '/key.pem', API_OVERSEERS),
    ('api.opening_envelope', 'GET'): (API + '/bids/{bid}/envelope', API_OVERSEERS),
}
# Past the deadline, not opened: the member may fetch the encrypted share; no bid, key or
# envelope exists for anyone yet.
WAITING = {
    ('api.opening_share', 'GET'): (
        '/api/v1/tenders/{waiting}/opening/share',
        api_gate(POKJA_ROLE, 403, **{MEMBER: 200}),
    ),
    ('api.opening_bids', 'GET'): ('/api/v1/tenders/{waiting}/bids', api(409)),
    ('api.opening_key', 'GET'): ('/api/v1/tenders/{waiting}/key.pem', api(404, anonymous=404)),
    ('opening.key', 'GET'): ('/tenders/{waiting}/opening/key.pem', page(404, anonymous=404)),
    ('opening.minutes', 'GET'): (
        '/tenders/{waiting}/opening/minutes/single.pdf',
        page(404, anonymous=404),
    ),
}
assert WHO
