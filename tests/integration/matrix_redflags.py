"""Access matrix of the red-flag routes: auditors only (pages and API), never public.
`{code}` is an opened tender, `{agency}` its agency. Walked by
tests/integration/redflags/test_redflags_pages.py."""

from matrix import api_only, only

AUDITOR = {'auditor'}

MATRIX = {
    ('redflags.index', 'GET'): ('/audit/flags/', only(AUDITOR, 200)),
    ('redflags.agency', 'GET'): ('/audit/flags/agency/{agency}', only(AUDITOR, 200)),
    ('redflags.agency_network', 'GET'): (
        '/audit/flags/agency/{agency}/network.svg',
        only(AUDITOR, 200),
    ),
    ('redflags.tender', 'GET'): ('/audit/flags/tender/{code}', only(AUDITOR, 200)),
    ('redflags.tender_network', 'GET'): (
        '/audit/flags/tender/{code}/network.svg',
        only(AUDITOR, 200),
    ),
    # an empty post: the gate lets the auditor through, then the missing reason is a 422
    ('redflags.dismiss', 'POST'): ('/audit/flags/tender/{code}/dismiss', only(AUDITOR, 422)),
    ('api.audit_tender_flags', 'GET'): (
        '/api/v1/audit/tenders/{code}/flags',
        api_only(AUDITOR, 200),
    ),
}
