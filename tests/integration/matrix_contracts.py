"""The contract routes × who is asking: the tender matrix's cast plus 'winner' (the vendor the
SPPBJ appointed) and 'bidder' (a losing bidder). Walked by
tests/integration/contracts/test_contract_access.py.

URL values: {code} an awarded tender whose contract the PPK has drafted (waiting for the
winner's review). Empty bodies: whoever gets through the gate meets the missing data (422
form, 415 JSON) or the rule that refuses (409: not signed yet; 404: no amendment 1)."""

from matrix_tenders import ANON, MEMBER, PPK, WHO

WHO_C = (*WHO, 'winner', 'bidder')
VIEWERS = (MEMBER, PPK, 'winner', 'auditor', 'admin')


def page(default, **who):
    return {w: who.get(w, 302 if w == ANON else default) for w in WHO_C}


def api(default, **who):
    return {w: who.get(w, 401 if w == ANON else default) for w in WHO_C}


def viewers(status, **who):
    return page(403, **dict.fromkeys(VIEWERS, status), **who)


def api_viewers(status, **who):
    return api(403, **dict.fromkeys(VIEWERS, status), **who)


BASE = '/tenders/{code}/contract'
API = '/api/v1/tenders/{code}/contract'

MATRIX = {
    ('contracts.show', 'GET'): (BASE, viewers(200)),
    ('contracts.draft_pdf', 'GET'): (f'{BASE}/draft.pdf', page(403, **{PPK: 200, 'winner': 200})),
    ('contracts.draft', 'POST'): (BASE, page(403, **{PPK: 422})),
    ('contracts.review', 'POST'): (f'{BASE}/review', page(403, winner=422)),
    ('contracts.vendor_sign', 'POST'): (f'{BASE}/vendor-signature', page(403, winner=422)),
    ('contracts.ppk_sign', 'POST'): (f'{BASE}/ppk-signature', page(403, **{PPK: 409})),
    ('contracts.spmk', 'POST'): (f'{BASE}/spmk', page(403, **{PPK: 422})),
    ('contracts.amend', 'POST'): (f'{BASE}/amendments', page(403, **{PPK: 422})),
    ('contracts.bast', 'POST'): (f'{BASE}/bast', page(403, **{PPK: 409})),
    ('api.contract_get', 'GET'): (API, api_viewers(200)),
    ('api.contract_draft', 'POST'): (API, api(403, **{PPK: 415})),
    ('api.contract_draft_pdf', 'GET'): (
        f'{API}/amendments/1/draft.pdf',
        api(403, **{PPK: 404, 'winner': 404}),
    ),
    ('api.contract_review', 'POST'): (f'{API}/review', api(403, winner=415)),
    ('api.contract_vendor_signature', 'POST'): (f'{API}/vendor-signature', api(403, winner=415)),
    ('api.contract_ppk_signature', 'POST'): (f'{API}/ppk-signature', api(403, **{PPK: 409})),
    ('api.contract_spmk', 'POST'): (f'{API}/spmk', api(403, **{PPK: 415})),
    ('api.contract_amend', 'POST'): (f'{API}/amendments', api(403, **{PPK: 415})),
    ('api.contract_bast', 'POST'): (f'{API}/bast', api(403, **{PPK: 409})),
}
# The contract's own draft over the API (the amendment variant above is a 404).
DRAFT_PDF = {
    ('api.contract_draft_pdf', 'GET'): (f'{API}/draft.pdf', api(403, **{PPK: 200, 'winner': 200})),
}
