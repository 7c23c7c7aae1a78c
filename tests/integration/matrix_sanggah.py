"""The announcement, objection (sanggah) and award routes × who is asking: the tender matrix's
cast plus 'bidder' (a vendor whose bid was evaluated; it filed {objection}). Walked by
tests/integration/evaluation/test_sanggah_access.py.

URL values: {decided} a tender whose result is approved but not announced; {announced} one
announced now (objection period running) with {announcement}, a pending {objection} of the
bidder with its {attachment}, and an {answered} (rejected) objection of another bidder.
Empty bodies: a gate that lets someone through answers the missing data (422 form, 415 JSON)
or the rule that refuses (409: announced already, award during the period)."""

from matrix_tenders import ANON, MEMBER, PPK, WHO, api_gate, gate, page

WHO_S = (*WHO, 'bidder')
PRIVILEGED = (MEMBER, PPK, 'auditor')


def who(default, **statuses):
    return {w: statuses.get(w, default) for w in WHO_S}


def hidden(anonymous):
    """Before the announcement: the Pokja, the PPK and auditors only; 404 for anyone else."""
    return who(404, **dict.fromkeys(PRIVILEGED, 200), **{ANON: anonymous})


def everyone(status):
    return who(status)


def gated(base, **extra):
    """A matrix_tenders gate extended with the bidder column."""
    return {**base, 'bidder': extra.get('bidder', base['vendor'])}


MATRIX = {
    ('sanggah.results', 'GET'): ('/tenders/{decided}/results', hidden(404)),
    ('api.tender_results', 'GET'): ('/api/v1/tenders/{decided}/results', hidden(404)),
    ('sanggah.result_pdf', 'GET'): (
        '/tenders/{announced}/results/{announcement}/bahp.pdf',
        everyone(200),
    ),
    ('api.tender_objections', 'GET'): ('/api/v1/tenders/{announced}/objections', everyone(200)),
    ('sanggah.answer_pdf', 'GET'): (
        '/tenders/{announced}/objections/{answered}/answer.pdf',
        everyone(200),
    ),
    ('sanggah.attachment', 'GET'): (
        '/tenders/{announced}/objections/{objection}/attachments/{attachment}',
        gated(page(403, **dict.fromkeys(PRIVILEGED, 200)), bidder=200),
    ),
    ('sanggah.announce', 'POST'): (
        '/tenders/{announced}/announce',
        gated(gate(('pokja', 'pokja_other', 'pokja_agency'), 403, **{MEMBER: 409})),
    ),
    ('sanggah.file_objection', 'POST'): (
        '/tenders/{announced}/objections',
        gated(gate(('vendor',), 422), bidder=422),
    ),
    ('sanggah.answer', 'POST'): (
        '/tenders/{announced}/objections/{objection}/answer',
        gated(gate(('pokja', 'pokja_other', 'pokja_agency'), 403, **{MEMBER: 422})),
    ),
    ('sanggah.award', 'POST'): (
        '/tenders/{announced}/award',
        gated(gate(('ppk', 'ppk_other'), 403, **{PPK: 409})),
    ),
    ('api.tender_announce', 'POST'): (
        '/api/v1/tenders/{announced}/announce',
        gated(api_gate(('pokja', 'pokja_other', 'pokja_agency'), 403, **{MEMBER: 409})),
    ),
    ('api.tender_object', 'POST'): (
        '/api/v1/tenders/{announced}/objections',
        gated(api_gate(('vendor',), 415), bidder=415),
    ),
    ('api.tender_objection_answer', 'POST'): (
        '/api/v1/tenders/{announced}/objections/{objection}/answer',
        gated(api_gate(('pokja', 'pokja_other', 'pokja_agency'), 403, **{MEMBER: 415})),
    ),
    ('api.tender_award', 'POST'): (
        '/api/v1/tenders/{announced}/award',
        gated(api_gate(('ppk', 'ppk_other'), 403, **{PPK: 409})),
    ),
}
# After the announcement the result is everyone's.
ANNOUNCED = {
    ('sanggah.results', 'GET'): ('/tenders/{announced}/results', everyone(200)),
    ('api.tender_results', 'GET'): ('/api/v1/tenders/{announced}/results', everyone(200)),
}
