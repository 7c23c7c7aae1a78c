"""Access matrix of the vendor, blacklist and key routes: (endpoint, method) -> (url, expected).

`{own}` is the record of the vendor logged in as `vendor`; `other_vendor` is another (verified)
vendor looking at it; `{doc2}` and `{doc3}` are documents of `{own}` its deletion routes may
remove. Walked by tests/integration/vendors/test_vendor_matrix.py."""

from matrix import ALL, ANON

WHO = (*ALL, 'other_vendor')


def expect(default, **overrides):
    """`default` for every logged-in role, 302 (login page) for anonymous, then overrides."""
    result = dict.fromkeys(WHO, default)
    result[ANON] = 302
    return result | overrides


def api(default, **overrides):
    return expect(default, anonymous=401) | overrides


OWNERS = {'vendor': 200, 'verifier': 200, 'admin': 200, 'auditor': 200}
STAFF = {'verifier': 200, 'admin': 200, 'auditor': 200}
VENDORS_POKJA = {'vendor': 200, 'pokja': 200, 'other_vendor': 200}

MATRIX = {
    ('vendors.register', 'GET'): ('/vendors/register', expect(302, anonymous=200)),
    ('vendors.register', 'POST'): ('/vendors/register', expect(302, anonymous=422)),
    ('vendors.confirm', 'GET'): ('/vendors/confirm/forged', expect(422, anonymous=422)),
    ('vendors.dashboard', 'GET'): ('/vendors/me', expect(403, vendor=200, other_vendor=200)),
    ('vendors.edit', 'GET'): ('/vendors/me/edit', expect(403, vendor=200)),
    ('vendors.edit', 'POST'): ('/vendors/me/edit', expect(403, vendor=422)),
    ('vendors.upload', 'POST'): (
        '/vendors/me/documents',
        expect(403, vendor=422, other_vendor=422),
    ),
    ('vendors.delete_document', 'POST'): (
        '/vendors/me/documents/{doc2}/delete',
        expect(403, vendor=303, other_vendor=404),
    ),
    ('vendors.resend', 'POST'): ('/vendors/me/resend', expect(403, vendor=302, other_vendor=302)),
    ('vendors.queue', 'GET'): ('/vendors/queue', expect(403, **STAFF)),
    ('vendors.detail', 'GET'): ('/vendors/{own}', expect(404, **OWNERS)),
    ('vendors.document', 'GET'): ('/vendors/{own}/documents/{doc}', expect(404, **OWNERS)),
    ('vendors.decide', 'POST'): ('/vendors/{own}/verification', expect(403, verifier=422)),
    ('vendors.suspend', 'POST'): ('/vendors/{other}/suspend', expect(403, admin=422)),
    ('vendors.reinstate', 'POST'): ('/vendors/{other}/reinstate', expect(403)),
    ('vendors.blacklist_index', 'GET'): ('/vendors/blacklist', expect(200, anonymous=200)),
    ('vendors.blacklist_create', 'GET'): (
        '/vendors/blacklist/new',
        expect(403, admin=200, verifier=200),
    ),
    ('vendors.blacklist_create', 'POST'): (
        '/vendors/blacklist/new',
        expect(403, admin=422, verifier=422),
    ),
    ('vendors.blacklist_lift', 'POST'): (
        '/vendors/blacklist/{entry}/lift',
        expect(403, admin=303, verifier=303),
    ),
    ('keys.index', 'GET'): ('/keys/', expect(403, **VENDORS_POKJA)),
    ('keys.enrol_csr', 'POST'): ('/keys/csr', expect(403, vendor=422, pokja=422, other_vendor=422)),
    ('keys.enrol_server', 'POST'): (
        '/keys/server',
        expect(403, vendor=422, pokja=422, other_vendor=422),
    ),
    ('keys.check', 'POST'): ('/keys/check', expect(403, vendor=422, pokja=422, other_vendor=422)),
    ('keys.download', 'GET'): (
        '/keys/{cert}.pem',
        expect(404, vendor=200, admin=200, auditor=200),
    ),
    ('keys.revoke', 'POST'): (
        '/keys/{cert}/revoke',
        expect(404, vendor=422, admin=422, auditor=403),
    ),
    ('keys.registry', 'GET'): ('/keys/all', expect(403, admin=200, auditor=200)),
    ('api.vendor_register', 'POST'): ('/api/v1/vendors', api(415, anonymous=415)),
    ('api.vendor_list', 'GET'): ('/api/v1/vendors', api(403, **STAFF)),
    ('api.vendor_detail', 'GET'): ('/api/v1/vendors/{own}', api(404, **OWNERS)),
    ('api.vendor_update', 'PUT'): (
        '/api/v1/vendors/{own}',
        api(403, vendor=415, other_vendor=404),
    ),
    ('api.vendor_document_delete', 'DELETE'): (
        '/api/v1/vendors/{own}/documents/{doc3}',
        api(403, vendor=204, other_vendor=404),
    ),
    ('api.vendor_verification', 'POST'): (
        '/api/v1/vendors/{own}/verification',
        api(403, verifier=415),
    ),
    ('api.vendor_document_upload', 'POST'): (
        '/api/v1/vendors/{own}/documents',
        api(403, vendor=422, other_vendor=404),
    ),
    ('api.blacklist_list', 'GET'): ('/api/v1/blacklist', api(200, anonymous=200)),
    ('api.blacklist_add', 'POST'): ('/api/v1/blacklist', api(403, admin=415, verifier=415)),
    ('api.my_certificates', 'GET'): ('/api/v1/me/certificate', api(403, **VENDORS_POKJA)),
    ('api.my_certificate_enrol', 'POST'): (
        '/api/v1/me/certificate',
        api(403, vendor=415, pokja=415, other_vendor=415),
    ),
    ('api.certificate_revoke', 'POST'): (
        '/api/v1/certificates/{cert}/revocation',
        api(404, vendor=415, admin=415, auditor=415),
    ),
    ('api.ca_certificate', 'GET'): ('/api/v1/ca.pem', api(200, anonymous=200)),
    ('api.system_certificate', 'GET'): ('/api/v1/system.pem', api(200, anonymous=200)),
    ('api.crl', 'GET'): ('/api/v1/crl.pem', api(200, anonymous=200)),
}
