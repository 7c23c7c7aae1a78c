"""API: registration, the verifier's decisions, documents, the Daftar Hitam, certificates,
the CA certificate and the CRL."""

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l

from lpse import clock, pki_service
from lpse.api.base import api_auth, bp, field, json_body
from lpse.auth.models import Role
from lpse.errors import NotFound, ValidationFailed
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.vendors import blacklist, documents, enrolment, mail, registration, verification
from lpse.vendors.api_docs import document_api
from lpse.vendors.models import Vendor, VendorDocument


def vendor_json(vendor):
    return {
        'id': vendor.id,
        'company_name': vendor.company_name,
        'legal_form': vendor.legal_form,
        'npwp': vendor.npwp,
        'npwp_display': vendor.npwp_display,
        'nib': vendor.nib,
        'address': vendor.address,
        'province': vendor.province,
        'city': vendor.city,
        'phone': vendor.phone,
        'bank_name': vendor.bank_name,
        'bank_account': vendor.bank_account,
        'email': vendor.email,
        'email_confirmed': vendor.email_confirmed_at is not None,
        'size_class': vendor.size_class,
        'sbu_grade': vendor.sbu_grade,
        'status': vendor.status,
        'status_reason': vendor.status_reason,
        'content_version': vendor.content_version(),
        'directors': [
            {'name': d.name, 'position': d.position, 'nik': d.nik} for d in vendor.directors
        ],
        'licences': [
            {'name': lic.name, 'number': lic.number, 'kbli': lic.kbli} for lic in vendor.licences
        ],
        'documents': [
            {
                'id': d.id,
                'kind': d.kind,
                'filename': d.filename,
                'media_type': d.media_type,
                'sha256': d.sha256,
                'size': d.size,
            }
            for d in vendor.documents
        ],
    }


def certificate_json(row, now):
    return {
        'id': row.id,
        'serial': row.serial,
        'profile': row.profile,
        'custody': row.custody,
        'subject': row.subject,
        'fingerprint_sha256': row.fingerprint,
        'not_before': row.not_before.isoformat(),
        'not_after': row.not_after.isoformat(),
        'state': row.state(now),
        'revocation_reason': row.revocation_reason,
        'pem': row.pem,
    }


def _vendor(vendor_id) -> Vendor:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or not vendor.can_view(g.api_user):
        raise NotFound(_l('Penyedia tidak ditemukan.'))
    return vendor


@bp.post('/vendors')
def vendor_register():
    """Register a company and its login user; a confirmation link goes to the email."""
    data = json_body()
    for name in ('directors', 'licences'):
        field(data, name, kind=list)
    now = clock.now()
    vendor = registration.register_vendor(data, now=now, ip=client_ip())
    registration.note_confirmation_sent(vendor, now=now)
    db.session.commit()
    sent = mail.send_confirmation(vendor, now=now)
    return jsonify(vendor_json(vendor) | {'confirmation_mail_sent': sent}), 201


@bp.get('/vendors')
@api_auth(Role.verifier, Role.admin, Role.auditor)
def vendor_list():
    status = request.args.get('status', 'submitted')
    rows = verification.by_status(status, verification.listing_reach(g.api_user, clock.now()))
    return jsonify({'vendors': [vendor_json(v) for v in rows]})


@bp.get('/vendors/<int:vendor_id>')
@api_auth()
def vendor_detail(vendor_id):
    return jsonify(vendor_json(_vendor(vendor_id)))


@bp.put('/vendors/<int:vendor_id>')
@api_auth(Role.vendor)
def vendor_update(vendor_id):
    """The vendor corrects its data (the whole profile); after a rejection or a request for
    changes this resubmits it to the verifier's queue."""
    vendor = _vendor(vendor_id)
    data = json_body()
    for name in ('directors', 'licences'):
        field(data, name, kind=list)
    registration.update_vendor(vendor, data, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return jsonify(vendor_json(vendor))


@bp.post('/vendors/<int:vendor_id>/verification')
@api_auth(Role.verifier)
def vendor_verification(vendor_id):
    vendor = _vendor(vendor_id)
    data = json_body()
    verification.decide(
        vendor,
        field(data, 'decision'),
        reason=field(data, 'reason', required=False),
        content_version=field(data, 'content_version', required=False),
        actor=g.api_user,
        now=clock.now(),
        ip=client_ip(),
    )
    db.session.commit()
    sent = mail.send_decision(vendor, now=clock.now())
    return jsonify(vendor_json(vendor) | {'notification_mail_sent': sent})


@bp.post('/vendors/<int:vendor_id>/documents')
@api_auth(Role.vendor)
def vendor_document_upload(vendor_id):
    vendor = _vendor(vendor_id)
    upload = request.files.get('file')
    if upload is None:
        raise ValidationFailed(
            _l('Kirim berkas pada kolom "file" (multipart/form-data).'), field='file'
        )
    doc = documents.add_document(
        vendor,
        kind=request.form.get('kind'),
        fileobj=upload.stream,
        filename=upload.filename,
        actor=g.api_user,
        now=clock.now(),
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify({'id': doc.id, 'kind': doc.kind, 'sha256': doc.sha256, 'size': doc.size}), 201


@bp.delete('/vendors/<int:vendor_id>/documents/<int:document_id>')
@api_auth(Role.vendor)
def vendor_document_delete(vendor_id, document_id):
    vendor = _vendor(vendor_id)
    doc = db.session.get(VendorDocument, document_id)
    if doc is None or doc.vendor_id != vendor.id:
        raise NotFound(_l('Dokumen tidak ditemukan.'))
    documents.delete_document(vendor, doc, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return '', 204


@bp.get('/blacklist')
def blacklist_list():
    now = clock.now()
    include_past = request.args.get('all') == '1'
    rows = blacklist.entries(now=now, include_past=include_past)
    return jsonify({'entries': [blacklist.entry_json(e, now) for e in rows]})


@bp.post('/blacklist')
@api_auth(Role.admin, Role.verifier)
def blacklist_add():
    now = clock.now()
    entry = blacklist.add_entry(json_body(), actor=g.api_user, now=now, ip=client_ip())
    db.session.commit()
    return jsonify(blacklist.entry_json(entry, now)), 201


@bp.get('/me/certificate')
@api_auth(Role.vendor, Role.pokja)
def my_certificates():
    now = clock.now()
    rows = pki_service.certificates_of(g.api_user)
    return jsonify(
        {
            'expected_subject': enrolment.expected_subject(g.api_user)
            if enrolment.can_enrol(g.api_user, now)
            else None,
            'certificates': [certificate_json(c, now) for c in rows],
        }
    )


@bp.post('/me/certificate')
@api_auth(Role.vendor, Role.pokja)
def my_certificate_enrol():
    """Certify a self-held key from its CSR (PEM); renewing revokes the previous one."""
    csr = field(json_body(), 'csr')
    now = clock.now()
    row = enrolment.enrol_csr(g.api_user, csr, now=now, ip=client_ip())
    db.session.commit()
    return jsonify(certificate_json(row, now)), 201


@bp.post('/certificates/<int:cert_id>/revocation')
@api_auth()
def certificate_revoke(cert_id):
    row = db.session.get(pki_service.Certificate, cert_id)
    if row is None or not row.can_download(g.api_user):
        raise NotFound(_l('Sertifikat tidak ditemukan.'))
    data = json_body()
    now = clock.now()
    enrolment.revoke_certificate(
        row,
        reason=field(data, 'reason'),
        note=field(data, 'note', required=False),
        actor=g.api_user,
        now=now,
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify(certificate_json(row, now))


def _pem(text):
    return text, 200, {'Content-Type': 'application/x-pem-file'}


@bp.get('/ca.pem')
def ca_certificate():
    return _pem(pki_service.require_authority().ca_cert_pem)


@bp.get('/system.pem')
def system_certificate():
    return _pem(pki_service.require_authority().system_cert_pem)


@bp.get('/crl.pem')
def crl():
    pem = pki_service.current_crl_pem(now=clock.now())
    db.session.commit()  # a refreshed CRL is kept
    return pem, 200, {'Content-Type': 'application/pkix-crl'}


document_api()
