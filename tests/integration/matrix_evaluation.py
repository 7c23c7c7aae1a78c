"""The evaluation routes × who is asking (the tender matrix's cast: 'pokja' is on the tender's
Pokja, 'ppk' is its PPK). Walked by tests/integration/evaluation/test_eval_api_access.py.

URL values: {open} a tender in its evaluation stage with three opened bids and no entries yet,
{bid} one of its bids, {announced} a tender whose decided result has been announced.
Empty bodies: the gate lets the member through and the missing data answers (422 form or
missing proposal id, 415 JSON body, 409 nothing to propose, 302 an unchanged worksheet)."""

from matrix_tenders import MEMBER, PPK, api, page

VIEWERS = {MEMBER: 200, PPK: 200, 'auditor': 200}


def viewers(status=200, **who):
    return page(403, **(dict.fromkeys(VIEWERS, status) | who))


def api_viewers(status=200, **who):
    return api(403, **(dict.fromkeys(VIEWERS, status) | who))


MATRIX = {
    ('evaluation.index', 'GET'): ('/tenders/{open}/evaluation/', viewers()),
    ('evaluation.worksheet', 'GET'): ('/tenders/{open}/evaluation/bids/{bid}', viewers()),
    ('evaluation.worksheet', 'POST'): (
        '/tenders/{open}/evaluation/bids/{bid}',
        page(403, **{MEMBER: 302}),
    ),
    ('evaluation.negotiate', 'POST'): (
        '/tenders/{open}/evaluation/bids/{bid}/negotiation',
        page(403, pokja=422),
    ),
    ('evaluation.propose', 'POST'): ('/tenders/{open}/evaluation/propose', page(403, pokja=409)),
    ('evaluation.approve', 'POST'): ('/tenders/{open}/evaluation/approve', page(403, pokja=422)),
    ('evaluation.fail', 'POST'): ('/tenders/{open}/evaluation/fail', page(403, pokja=422)),
    ('evaluation.reopen', 'POST'): ('/tenders/{open}/evaluation/reopen', page(403, pokja=422)),
    ('evaluation.case_json', 'GET'): ('/tenders/{open}/evaluation/case.json', viewers()),
    ('api.evaluation_entry', 'PUT'): (
        '/api/v1/tenders/{open}/bids/{bid}/evaluation',
        api(403, pokja=415),
    ),
    ('api.evaluation_negotiation', 'PUT'): (
        '/api/v1/tenders/{open}/bids/{bid}/negotiation',
        api(403, pokja=415),
    ),
    ('api.evaluation_show', 'GET'): ('/api/v1/tenders/{open}/evaluation', api_viewers()),
    ('api.result_propose', 'POST'): ('/api/v1/tenders/{open}/result', api(403, pokja=415)),
    ('api.result_approve', 'POST'): (
        '/api/v1/tenders/{open}/result/approvals',
        api(403, pokja=415),
    ),
    ('api.evaluation_export', 'GET'): (
        '/api/v1/tenders/{open}/evaluation/export',
        api_viewers(),
    ),
}
# Once the winner is announced, the result and its case are public; worksheets stay closed.
AFTER_ANNOUNCEMENT = {
    ('api.evaluation_show', 'GET'): ('/api/v1/tenders/{announced}/evaluation', api(200, 200)),
    ('api.evaluation_export', 'GET'): (
        '/api/v1/tenders/{announced}/evaluation/export',
        api(200, 200),
    ),
    ('evaluation.case_json', 'GET'): (
        '/tenders/{announced}/evaluation/case.json',
        page(200, anonymous=200),
    ),
    ('evaluation.index', 'GET'): ('/tenders/{announced}/evaluation/', viewers()),
}
