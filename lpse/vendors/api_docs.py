"""The OpenAPI description of the vendor, blacklist and certificate routes."""

from lpse.api.openapi import document, op, path_param, query_param
from lpse.vendors.models import MAX_DIRECTORS, MAX_LICENCES, PROFILE_FIELDS

TAG = 'vendors'
PEM = {'200': {'description': 'PEM', 'content': {'application/x-pem-file': {}}}}


def _obj(required, **properties):
    return {'type': 'object', 'required': list(required), 'properties': properties}


STR = {'type': 'string'}
PROFILE_PROPERTIES = {
    'company_name': {'type': 'string', 'maxLength': 200},
    'legal_form': {'enum': ['pt', 'cv', 'firma', 'koperasi', 'perorangan']},
    'npwp': {'type': 'string', 'description': '15 digits (99.999.999.9-999.999) or 16 digits'},
    'nib': {'type': 'string', 'description': '13 digits'},
    'address': {'type': 'string', 'maxLength': 500},
    'province': {'type': 'string', 'maxLength': 100},
    'city': {'type': 'string', 'maxLength': 100},
    'phone': STR,
    'bank_name': {'type': ['string', 'null'], 'maxLength': 100},
    'bank_account': {'type': ['string', 'null'], 'description': '6–20 digits; optional'},
    'size_class': {'enum': ['kecil', 'non_kecil']},
    'sbu_grade': {'enum': ['K', 'M', 'B'], 'description': 'required for KBLI 41–43'},
}
assert set(PROFILE_PROPERTIES) == set(PROFILE_FIELDS)
ROWS = {
    'directors': {
        'type': 'array',
        'minItems': 1,
        'maxItems': MAX_DIRECTORS,
        'items': _obj(
            ['name', 'position', 'nik'],
            name={'type': 'string', 'maxLength': 200},
            position={'type': 'string', 'maxLength': 100},
            nik={'type': 'string', 'description': '16 digits'},
        ),
    },
    'licences': {
        'type': 'array',
        'minItems': 1,
        'maxItems': MAX_LICENCES,
        'items': _obj(
            ['name', 'number', 'kbli'],
            name={'type': 'string', 'maxLength': 200},
            number={'type': 'string', 'maxLength': 100},
            kbli={'type': 'string', 'description': '5 digits (KBLI 2020)'},
        ),
    },
}
PROFILE_REQUIRED = [*(name for name in PROFILE_FIELDS if name != 'sbu_grade'), *ROWS]
SCHEMAS = {
    'VendorProfile': _obj(PROFILE_REQUIRED, **PROFILE_PROPERTIES, **ROWS),
    'VendorRegistration': _obj(
        [*PROFILE_REQUIRED, 'contact_name', 'email', 'password'],
        **PROFILE_PROPERTIES,
        **ROWS,
        contact_name={
            'type': 'string',
            'maxLength': 200,
            'description': 'the login user (CN of certificates)',
        },
        email={
            'type': 'string',
            'maxLength': 254,
            'description': 'company email = login; confirmed by a link',
        },
        password={'type': 'string', 'maxLength': 1024},
    ),
    'VerificationDecision': _obj(
        ['decision'],
        decision={'enum': ['approve', 'reject', 'request_changes']},
        reason={'type': 'string', 'description': 'required unless approving'},
        content_version={
            'type': 'string',
            'description': "the vendor's content_version the verifier examined; required to "
            'approve; a decision on data changed since is refused (409)',
        },
    ),
    'BlacklistEntry': _obj(
        ['company_name', 'reason', 'decree_number', 'starts_on', 'ends_on'],
        company_name=STR,
        npwp={'type': 'string', 'description': 'NPWP and/or NIB'},
        nib=STR,
        reason=STR,
        decree_number=STR,
        starts_on={'type': 'string', 'format': 'date'},
        ends_on={'type': 'string', 'format': 'date', 'description': 'inclusive'},
    ),
    'CsrRequest': _obj(
        ['csr'],
        csr={
            'type': 'string',
            'description': 'PEM PKCS#10, RSA ≥ 3072; subject CN = account name, '
            'emailAddress = account email, and for vendors O = company name, '
            'serialNumber = NPWP digits',
        },
    ),
    'Revocation': _obj(
        ['reason'],
        reason={
            'enum': [
                'key_compromise',
                'affiliation_changed',
                'cessation_of_operation',
                'unspecified',
            ]
        },
        note=STR,
    ),
}


def document_api():
    vid = [path_param('vendor_id', 'integer')]
    document(
        {
            '/vendors': {
                'post': op(
                    'Register a company (public); a confirmation link is emailed',
                    tag=TAG,
                    auth=False,
                    body='VendorRegistration',
                    responses={'201': {'description': 'Created'}},
                ),
                'get': op(
                    'Vendors by status (verifier, admin, auditor); default the queue',
                    tag=TAG,
                    params=[query_param('status', description='default submitted')],
                ),
            },
            '/vendors/{vendor_id}': {
                'get': op('A vendor (itself, verifiers, admins, auditors)', tag=TAG, params=vid),
                'put': op(
                    'The vendor edits its data (unconfirmed, changes requested or rejected); '
                    'after a rejection or a request for changes this resubmits it',
                    tag=TAG,
                    body='VendorProfile',
                    params=vid,
                ),
            },
            '/vendors/{vendor_id}/verification': {
                'post': op(
                    'Approve, reject or request changes (verifier)',
                    tag=TAG,
                    body='VerificationDecision',
                    params=vid,
                ),
            },
            '/vendors/{vendor_id}/documents': {
                'post': op(
                    'Upload a supporting document (PDF, PNG, JPEG; checked by content)',
                    tag=TAG,
                    params=vid,
                    content={
                        'multipart/form-data': {
                            'schema': _obj(
                                ['kind', 'file'],
                                kind={'enum': ['akta', 'nib', 'npwp', 'izin', 'lainnya']},
                                file={'type': 'string', 'format': 'binary'},
                            )
                        }
                    },
                    responses={'201': {'description': 'Created'}},
                ),
            },
            '/vendors/{vendor_id}/documents/{document_id}': {
                'delete': op(
                    'Delete a supporting document while the data may still change (audited)',
                    tag=TAG,
                    params=[*vid, path_param('document_id', 'integer')],
                    responses={'204': {'description': 'Deleted'}},
                ),
            },
            '/blacklist': {
                'get': op(
                    'The Daftar Hitam (active entries; all=1 for past ones too)',
                    tag=TAG,
                    auth=False,
                    params=[query_param('all', description='1: include ended')],
                ),
                'post': op(
                    'Record a blacklist entry (admin, verifier)',
                    tag=TAG,
                    body='BlacklistEntry',
                    responses={'201': {'description': 'Created'}},
                ),
            },
            '/me/certificate': {
                'get': op('My certificates and the subject a CSR must carry', tag='pki'),
                'post': op(
                    'Certify my self-held key from a CSR (renewal revokes the old one)',
                    tag='pki',
                    body='CsrRequest',
                    responses={'201': {'description': 'Issued'}},
                ),
            },
            '/certificates/{cert_id}/revocation': {
                'post': op(
                    'Revoke a certificate (its owner, or an admin)',
                    tag='pki',
                    body='Revocation',
                    params=[path_param('cert_id', 'integer')],
                ),
            },
            '/ca.pem': {
                'get': op('The instance CA certificate', tag='pki', auth=False, responses=PEM)
            },
            '/system.pem': {
                'get': op(
                    'The system signing certificate (receipts, PDFs)',
                    tag='pki',
                    auth=False,
                    responses=PEM,
                )
            },
            '/crl.pem': {
                'get': op(
                    'The current certificate revocation list, signed by the CA',
                    tag='pki',
                    auth=False,
                    responses=PEM,
                )
            },
        },
        SCHEMAS,
    )
