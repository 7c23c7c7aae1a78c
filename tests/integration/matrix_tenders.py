"""The tender routes × who is asking: anonymous, each role, and the people whose relation to
the tender matters (its Pokja member and PPK, a Pokja member or PPK not on it, a Pokja member
of another agency). Walked by tests/integration/tenders/test_tender_access.py.

URL values: {draft} a draft, {live} a tender in the clarification stage, {doc} a document and
{question} a question of it, {failed} a failed tender (retendered last: it changes the data).
Empty bodies: a gate that lets someone through answers the missing data (422/415). A draft is
invisible (404) to officers who are not on it; a published tender's addenda are the Pokja's."""

ANON = 'anonymous'
MEMBER, PPK = 'pokja', 'ppk'
OUTSIDERS = ('pokja_other', 'pokja_agency', 'ppk_other')
WHO = (ANON, MEMBER, PPK, *OUTSIDERS, 'vendor', 'auditor', 'admin', 'verifier')
POKJA_ROLE = (MEMBER, 'pokja_other', 'pokja_agency')
OFFICER_ROLE = (*POKJA_ROLE, PPK, 'ppk_other')


def page(default, anonymous=302, **who):
    return {w: who.get(w, anonymous if w == ANON else default) for w in WHO}


def gate(roles, status, **who):
    """A page behind a role gate: 302 anonymous, 403 without the role, ``status`` with it."""
    return page(403, **(dict.fromkeys(roles, status) | who))


def api(default, anonymous=401, **who):
    return page(default, anonymous=anonymous, **who)


def api_gate(roles, status, **who):
    return api(403, **(dict.fromkeys(roles, status) | who))


def draft_officers(status):
    """A draft's own pages: its Pokja member and PPK; other officers do not even see it (404)."""
    return gate(OFFICER_ROLE, 404, **{MEMBER: status, PPK: status})


MATRIX = {
    ('tenders.index', 'GET'): ('/tenders/', page(200, anonymous=200)),
    ('tenders.feed', 'GET'): ('/tenders/feed.atom', page(200, anonymous=200)),
    ('tenders.detail', 'GET'): ('/tenders/{live}', page(200, anonymous=200)),
    ('tenders.download', 'GET'): (
        '/tenders/{live}/documents/{doc}',
        page(403, **{MEMBER: 200, PPK: 200, 'vendor': 200, 'auditor': 200}),
    ),
    ('auditor.tender_trail', 'GET'): ('/audit/tenders/{live}', gate(('auditor', 'admin'), 200)),
    ('auditor.tender_bundle', 'POST'): (
        '/audit/tenders/{live}/bundle',
        gate(('auditor', 'admin'), 303),
    ),
    ('api.audit_tender_bundle', 'GET'): (
        '/api/v1/audit/tenders/{live}/bundle',
        api_gate(('auditor', 'admin'), 200),
    ),
    ('tenders.mine', 'GET'): ('/tenders/mine', gate(OFFICER_ROLE, 200)),
    ('tenders.create', 'GET'): ('/tenders/new', gate(OFFICER_ROLE, 200)),
    ('tenders.create', 'POST'): ('/tenders/new', gate(OFFICER_ROLE, 422)),
    ('tenders.edit', 'GET'): ('/tenders/{draft}/edit', draft_officers(200)),
    ('tenders.edit', 'POST'): ('/tenders/{draft}/edit', draft_officers(422)),
    ('tenders.schedule', 'GET'): ('/tenders/{draft}/schedule', draft_officers(200)),
    ('tenders.schedule', 'POST'): ('/tenders/{draft}/schedule', draft_officers(422)),
    ('tenders.upload', 'GET'): ('/tenders/{draft}/documents/new', draft_officers(200)),
    ('tenders.upload', 'POST'): (
        '/tenders/{draft}/documents/new',
        draft_officers(422),
    ),
    # Publication is refused with its reasons (the draft has no schedule yet).
    ('tenders.publish', 'POST'): ('/tenders/{draft}/publish', gate(POKJA_ROLE, 404, pokja=422)),
    ('tenders.ask', 'POST'): ('/tenders/{live}/questions', gate(('vendor',), 422)),
    ('tenders.follow', 'POST'): ('/tenders/{live}/follow', gate(('vendor',), 303)),
    ('tenders.unfollow', 'POST'): ('/tenders/{live}/unfollow', gate(('vendor',), 303)),
    ('api.tender_follow_state', 'GET'): (
        '/api/v1/tenders/{live}/follow',
        api_gate(('vendor',), 200),
    ),
    ('api.tender_follow', 'PUT'): ('/api/v1/tenders/{live}/follow', api_gate(('vendor',), 200)),
    ('api.tender_unfollow', 'DELETE'): (
        '/api/v1/tenders/{live}/follow',
        api_gate(('vendor',), 200),
    ),
    ('tenders.answer', 'POST'): (
        '/tenders/{live}/questions/{question}/answer',
        gate(POKJA_ROLE, 403, pokja=422),
    ),
    ('tenders.cancel', 'POST'): ('/tenders/{live}/cancel', gate(POKJA_ROLE, 403, pokja=422)),
    ('tenders.fail', 'POST'): ('/tenders/{live}/fail', gate(POKJA_ROLE, 403, pokja=422)),
    ('api.tender_list', 'GET'): ('/api/v1/tenders', api(200, anonymous=200)),
    ('api.tender_detail', 'GET'): ('/api/v1/tenders/{live}', api(200, anonymous=200)),
    ('api.tender_create', 'POST'): ('/api/v1/tenders', api_gate(OFFICER_ROLE, 415)),
    ('api.tender_update', 'PATCH'): (
        '/api/v1/tenders/{draft}',
        api_gate(OFFICER_ROLE, 404, pokja=415, ppk=415),
    ),
    ('api.tender_publish', 'POST'): (
        '/api/v1/tenders/{draft}/publish',
        api_gate(POKJA_ROLE, 404, pokja=422),
    ),
    ('api.tender_schedule_change', 'POST'): (
        '/api/v1/tenders/{live}/schedule-changes',
        api_gate(POKJA_ROLE, 403, pokja=415),
    ),
    ('api.tender_document_add', 'POST'): (
        '/api/v1/tenders/{live}/documents',
        api_gate(OFFICER_ROLE, 403, pokja=422),
    ),
    ('api.tender_document_download', 'GET'): (
        '/api/v1/tenders/{live}/documents/{doc}',
        api(403, **{MEMBER: 200, PPK: 200, 'vendor': 200, 'auditor': 200}),
    ),
    ('api.tender_question_ask', 'POST'): (
        '/api/v1/tenders/{live}/questions',
        api_gate(('vendor',), 415),
    ),
    ('api.tender_question_answer', 'POST'): (
        '/api/v1/tenders/{live}/questions/{question}/answer',
        api_gate(POKJA_ROLE, 403, pokja=415),
    ),
    ('api.tender_cancel', 'POST'): (
        '/api/v1/tenders/{live}/cancel',
        api_gate(POKJA_ROLE, 403, pokja=415),
    ),
    ('tenders.retender', 'POST'): ('/tenders/{failed}/retender', gate(POKJA_ROLE, 403, pokja=302)),
}

# The officer pages again on a published tender ({live}), walked by the same test (keys are
# (endpoint, method) like MATRIX's, so both cover the route): only its Pokja changes the
# schedule or issues an addendum (422: the empty form); nobody edits it any more.
PUBLISHED = {
    ('tenders.schedule', 'POST'): ('/tenders/{live}/schedule', gate(OFFICER_ROLE, 403, pokja=422)),
    ('tenders.upload', 'POST'): (
        '/tenders/{live}/documents/new',
        gate(OFFICER_ROLE, 403, pokja=422),
    ),
    ('tenders.edit', 'POST'): ('/tenders/{live}/edit', gate(OFFICER_ROLE, 403)),
}

# Auditor accounts with a scope (lpse.auth.scope): of the tender's agency, of another agency
# only, and a national one whose assignment ended yesterday. The whole-log pages (JSONL export,
# reconciliation) are for national auditors; an ended assignment opens nothing.
SCOPED_WHO = ('auditor_in', 'auditor_out', 'auditor_expired')


def scoped(in_scope, out_of_scope, expired=403):
    return {'auditor_in': in_scope, 'auditor_out': out_of_scope, 'auditor_expired': expired}


SCOPED = {
    ('auditor.home', 'GET'): ('/audit/home', scoped(200, 200)),
    ('auditor.events', 'GET'): ('/audit/', scoped(200, 200)),
    ('auditor.events_csv', 'GET'): ('/audit/events.csv', scoped(200, 200)),
    ('auditor.verify', 'GET'): ('/audit/verify', scoped(200, 200)),
    ('auditor.export', 'GET'): ('/audit/export.jsonl', scoped(403, 403)),
    ('auditor.reconcile', 'GET'): ('/audit/reconcile', scoped(403, 403)),
    ('auditor.reconcile_start', 'POST'): ('/audit/reconcile', scoped(403, 403)),
    ('auditor.tender_trail', 'GET'): ('/audit/tenders/{live}', scoped(200, 403)),
    ('auditor.tender_bundle', 'POST'): ('/audit/tenders/{live}/bundle', scoped(303, 403)),
    ('api.audit_tender_bundle', 'GET'): ('/api/v1/audit/tenders/{live}/bundle', scoped(200, 403)),
    ('api.audit_events', 'GET'): ('/api/v1/audit/events', scoped(200, 200)),
    ('api.audit_events_csv', 'GET'): ('/api/v1/audit/events.csv', scoped(200, 200)),
    ('tenders.download', 'GET'): ('/tenders/{live}/documents/{doc}', scoped(200, 403)),
    ('api.tender_document_download', 'GET'): (
        '/api/v1/tenders/{live}/documents/{doc}',
        scoped(200, 403),
    ),
    ('tenders.detail', 'GET'): ('/tenders/{live}', scoped(200, 200, 200)),
    ('redflags.index', 'GET'): ('/audit/flags/', scoped(200, 200)),
    ('redflags.agency', 'GET'): ('/audit/flags/agency/{agency}', scoped(200, 403)),
    ('redflags.agency_network', 'GET'): (
        '/audit/flags/agency/{agency}/network.svg',
        scoped(200, 403),
    ),
    ('redflags.tender', 'GET'): ('/audit/flags/tender/{live}', scoped(200, 403)),
    ('redflags.tender_network', 'GET'): (
        '/audit/flags/tender/{live}/network.svg',
        scoped(200, 403),
    ),
    ('api.audit_tender_flags', 'GET'): ('/api/v1/audit/tenders/{live}/flags', scoped(200, 403)),
}
