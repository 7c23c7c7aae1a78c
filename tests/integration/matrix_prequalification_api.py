"""The prequalification API routes × who is asking: the tender matrix's cast plus 'firm' (a
vendor that sent its signed qualification form). Walked by
tests/integration/methods/test_prakualifikasi_api_access.py.

URL values: {code} a Tender Prakualifikasi in its qualification evaluation stage, the firm's
form sent and not yet evaluated; {submission} that form. Empty bodies: whoever gets through
the gate meets the missing JSON (415) or the rule that refuses (404: no such objection, no
form of this vendor)."""

from matrix_tenders import ANON, MEMBER, WHO

WHO_P = (*WHO, 'firm')
VENDORS = ('vendor', 'firm')


def api(default, **who):
    return {w: who.get(w, 401 if w == ANON else default) for w in WHO_P}


def vendors(status, **who):
    return api(403, **(dict.fromkeys(VENDORS, status) | who))


def pokja(status):
    return api(403, **{MEMBER: status})


API = '/api/v1/tenders/{code}/prequalification'

MATRIX = {
    ('api.prequalification_form', 'PUT'): (f'{API}/form', vendors(415)),
    ('api.prequalification_draft_pdf', 'GET'): (f'{API}/form/draft.pdf', vendors(404, firm=200)),
    ('api.prequalification_submit', 'POST'): (f'{API}/submission', vendors(415)),
    ('api.prequalification_mine', 'GET'): (f'{API}/submission', vendors(404, firm=200)),
    ('api.prequalification_object', 'POST'): (f'{API}/objections', vendors(415)),
    ('api.prequalification_submissions', 'GET'): (f'{API}/submissions', pokja(200)),
    ('api.prequalification_verdicts', 'PUT'): (
        f'{API}/submissions/{{submission}}/verdicts',
        pokja(415),
    ),
    ('api.prequalification_provisional', 'GET'): (f'{API}/result', pokja(200)),
    ('api.prequalification_approve', 'POST'): (f'{API}/approvals', pokja(415)),
    ('api.prequalification_answer', 'POST'): (
        f'{API}/objections/999999/answer',
        pokja(404),
    ),
    ('api.prequalification_results', 'GET'): (f'{API}/results', dict.fromkeys(WHO_P, 200)),
}
