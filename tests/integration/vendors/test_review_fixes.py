"""Regression tests for the vendor/PKI review (issue 4): repeated CSR subject attributes,
over-long registration fields, SMTP failures after the commit, self-dealing, concurrent
revocations and the CRL, document caps and deletion, the audited confirmation resend."""

import socket
import socketserver
import threading
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from lpse import clock, pki_service, statelog
from lpse.audit import AuditEvent
from lpse.crypto import pki
from lpse.extensions import db
from lpse.pki_service import Authority, Certificate, Custody
from lpse.vendors.models import (
    MAX_DOCUMENTS_PER_KIND,
    BlacklistEntry,
    Vendor,
    VendorDocument,
    VendorStatus,
)

from .conftest import PDF, registration_data

STATE = statelog.ACTION  # the rows each change set: not the actions these tests name


def actions():
    db.session.expire_all()
    return db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action != STATE).order_by(AuditEvent.seq)
    ).all()


def counts():
    db.session.expire_all()
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(m))
        for m in (Vendor, AuditEvent, Certificate, VendorDocument)
    )


# --- 1. CSR subjects: every attribute, once ----------------------------------------------------


def _good(vendor):
    return [
        x509.NameAttribute(NameOID.COMMON_NAME, vendor.user.name),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, vendor.user.email),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, vendor.company_name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, vendor.npwp),
    ]


def _csr(key, name):
    return pki.build_csr(key, name).public_bytes(serialization.Encoding.PEM).decode()


BAD_SUBJECTS = {
    'second-cn-first': lambda g: x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, 'Orang Lain'), *g]
    ),
    'second-cn-last': lambda g: x509.Name([*g, x509.NameAttribute(NameOID.COMMON_NAME, 'Orang')]),
    'second-email': lambda g: x509.Name(
        [*g, x509.NameAttribute(NameOID.EMAIL_ADDRESS, 'evil@contoh.com')]
    ),
    'twelve-long-o': lambda g: x509.Name(
        [
            *(
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'X' * 60, _validate=False)
                for _ in range(12)
            ),
            *g,
        ]
    ),
    'multi-valued-rdn': lambda g: x509.Name(
        [
            x509.RelativeDistinguishedName(g[:2]),
            *(x509.RelativeDistinguishedName([a]) for a in g[2:]),
        ]
    ),
}


@pytest.mark.parametrize('make', BAD_SUBJECTS.values(), ids=BAD_SUBJECTS.keys())
def test_csr_with_repeated_or_grouped_attributes_is_refused(
    client, authority, create_vendor, token_for, spare_keys, make
):
    vendor = create_vendor()
    headers = token_for(vendor.user)
    before = counts()
    response = client.post(
        '/api/v1/me/certificate',
        headers=headers,
        json={'csr': _csr(spare_keys[0], make(_good(vendor)))},
    )
    assert response.status_code == 422, response.get_json()
    message = response.get_json()['error']['message']
    assert 'tidak cocok dengan akun' in message and len(message) < 1000
    assert counts() == before


def test_the_exact_subject_is_still_accepted(
    client, authority, create_vendor, token_for, spare_keys
):
    vendor = create_vendor()
    response = client.post(
        '/api/v1/me/certificate',
        headers=token_for(vendor.user),
        json={'csr': _csr(spare_keys[0], x509.Name(_good(vendor)))},
    )
    assert response.status_code == 201
    assert response.get_json()['subject'].count('CN=') == 1


# --- 3. length limits: 422, nothing written, never a database error ----------------------------

HUGE = 'x' * 5_000_000


@pytest.mark.parametrize(
    'changes',
    [
        {'email': 'a' * 5_000_000 + '@contoh.co.id'},
        {'email': 'a' * 250 + '@contoh.co.id'},
        {'password': HUGE},
        {'password': 'p' * 1025},
        {'company_name': HUGE},
        {'contact_name': 'n' * 201},
        {'address': 'a' * 501},
        {'province': 'p' * 101},
        {'city': 'c' * 101},
        {'phone': HUGE},
        {'directors': [{'name': 'n' * 201, 'position': 'D', 'nik': '3174015505800001'}]},
        {'directors': [{'name': 'N', 'position': 'p' * 101, 'nik': '3174015505800001'}]},
        {'licences': [{'name': 'I', 'number': 'n' * 101, 'kbli': '46100'}]},
        {'directors': [{'name': 'B', 'position': 'D', 'nik': '3174015505800001'}] * 21},
        {'email': ['a@contoh.co.id']},
        {'password': 12345678901234},
    ],
    ids=lambda c: f'{next(iter(c))}-{len(str(next(iter(c.values()))))}',
)
def test_over_long_or_mistyped_registration_fields_are_refused(client, outbox, changes):
    before = counts()
    response = client.post('/api/v1/vendors', json=registration_data(**changes))
    assert response.status_code == 422, response.status_code
    assert counts() == before and outbox == []


def test_a_number_sent_as_an_integer_is_the_wrong_type_not_missing(client, outbox):
    licence = {'name': 'Izin', 'number': 1, 'kbli': '46100'}
    response = client.post('/api/v1/vendors', json=registration_data(licences=[licence]))
    assert response.status_code == 422
    message = response.get_json()['error']['message']
    assert 'bertipe salah' in message and 'wajib' not in message


def test_create_user_enforces_the_column_lengths(app):
    from lpse.auth import operations
    from lpse.errors import ValidationFailed

    for kwargs in (
        {'email': 'a' * 250 + '@uji.go.id', 'name': 'A'},
        {'email': 'a@uji.go.id', 'name': 'n' * 201},
        {'email': 'a@uji.go.id', 'name': 'A', 'password': 'p' * 1025},
    ):
        with pytest.raises(ValidationFailed):
            operations.create_user(roles=['vendor'], actor=None, now=clock.now(), **kwargs)
    db.session.rollback()
    assert counts()[0:2] == (0, 0)


# --- 4. SMTP: a real (tiny) server on 127.0.0.1 ----------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT (no STARTTLS, no AUTH)."""

    def reply(self, line):
        self.wfile.write(line.encode() + b'\r\n')

    def handle(self):
        self.reply('220 uji ESMTP')
        while line := self.rfile.readline():
            verb = line.decode().strip().split(' ')[0].upper()
            if verb == 'EHLO':
                self.reply('250-uji')
                self.reply('250 8BITMIME')
            elif verb == 'HELO':
                self.reply('250 uji')
            elif verb in ('MAIL', 'RCPT', 'RSET', 'NOOP'):
                self.reply('250 OK')
            elif verb == 'DATA':
                self.reply('354 end with .')
                lines = []
                while (data := self.rfile.readline()) not in (b'.\r\n', b''):
                    lines.append(data)
                self.server.received.append(b''.join(lines))
                self.reply('250 queued')
            elif verb == 'QUIT':
                self.reply('221 bye')
                return
            else:
                self.reply('502 not implemented')


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), _SmtpHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_confirmation_mail_goes_through_smtp(app, client, smtp_server):
    app.config.update(
        LPSE_SMTP_HOST='127.0.0.1',
        LPSE_SMTP_PORT=smtp_server.server_address[1],
        LPSE_SMTP_TLS='none',
    )
    response = client.post('/api/v1/vendors', json=registration_data())
    assert response.status_code == 201 and response.get_json()['confirmation_mail_sent'] is True
    (message,) = smtp_server.received
    assert b'admin@majujaya.co.id' in message and b'/vendors/confirm/' in message


@pytest.mark.parametrize('tls', ['starttls', 'none', 'ssl'])
def test_a_failing_mail_server_does_not_turn_a_saved_registration_into_a_500(
    app, client, smtp_server, caplog, tls
):
    # 'starttls' against a server without STARTTLS, 'ssl' against a plain one, 'none' to a
    # closed port: the registration is committed, the user is told, and may resend at once.
    port = _closed_port() if tls == 'none' else smtp_server.server_address[1]
    app.config.update(
        LPSE_SMTP_HOST='127.0.0.1',
        LPSE_SMTP_PORT=port,
        LPSE_SMTP_TLS=tls,
        LPSE_SMTP_USER='pengguna',
        LPSE_SMTP_PASSWORD='rahasia-smtp-jangan-dicatat',
    )
    response = client.post('/api/v1/vendors', json=registration_data())
    assert response.status_code == 201
    assert response.get_json()['confirmation_mail_sent'] is False
    db.session.expire_all()
    vendor = db.session.scalar(db.select(Vendor))
    assert vendor is not None and vendor.confirmation_sent_at is None  # "Kirim ulang" at once
    assert 'not sent' in caplog.text and 'rahasia-smtp' not in caplog.text
    assert '/vendors/confirm/' not in caplog.text


def test_registration_page_says_the_mail_failed(app, client, outbox):
    app.config.update(
        LPSE_SMTP_HOST='127.0.0.1', LPSE_SMTP_PORT=_closed_port(), LPSE_SMTP_TLS='none'
    )
    data = {k: v for k, v in registration_data().items() if isinstance(v, str)}
    data |= {
        'directors-0-name': 'Budi',
        'directors-0-position': 'Direktur',
        'directors-0-nik': '3174015505800001',
        'licences-0-name': 'Izin',
        'licences-0-number': 'IU-1',
        'licences-0-kbli': '46100',
        'sbu_grade': '',
        'confirm': registration_data()['password'],
    }
    response = client.post('/vendors/register', data=data, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'Kirim ulang tautan' in page and 'belum dapat dikirim' in page


def test_the_resend_is_audited(client, as_user, create_vendor, outbox):
    vendor = create_vendor(status=VendorStatus.unconfirmed)
    as_user(vendor.user)
    response = client.post('/vendors/me/resend')
    assert response.status_code == 302
    assert actions()[-1] == 'vendor.confirmation_resent' and len(outbox) == 1


# --- 6. self-dealing ---------------------------------------------------------------------------


def _officer_vendor(create_vendor, agency, role, **kwargs):
    vendor = create_vendor(**kwargs)
    from lpse.auth.models import UserRole

    vendor.user.role_rows.append(UserRole(role=role))
    vendor.user.agency = agency
    db.session.commit()
    return vendor


def test_a_verifier_cannot_approve_their_own_company(
    client, create_vendor, agency, token_for, as_user
):
    vendor = _officer_vendor(create_vendor, agency, 'verifier', verified=False)
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=token_for(vendor.user),
        json={'decision': 'approve', 'content_version': vendor.content_version()},
    )
    assert response.status_code == 403
    assert 'perusahaan Anda sendiri' in response.get_json()['error']['message']
    as_user(vendor.user)
    response = client.post(
        f'/vendors/{vendor.id}/verification',
        data={'decision': 'approve', 'content_version': vendor.content_version()},
    )
    assert response.status_code == 403
    assert 'perusahaan Anda sendiri' in response.get_data(as_text=True)
    db.session.expire_all()
    assert vendor.status == VendorStatus.submitted


@pytest.mark.parametrize(
    ('status', 'action'), [('verified', 'suspend'), ('suspended', 'reinstate')]
)
def test_an_admin_cannot_change_the_standing_of_their_own_company(
    client, create_vendor, agency, as_user, status, action
):
    vendor = _officer_vendor(create_vendor, agency, 'admin', status=VendorStatus(status))
    assert not getattr(vendor, f'can_{action}')(vendor.user)
    as_user(vendor.user)
    response = client.post(f'/vendors/{vendor.id}/{action}', data={f'{action}-reason': 'Saya'})
    assert response.status_code == 403
    assert 'perusahaan Anda sendiri' in response.get_data(as_text=True)
    db.session.expire_all()
    assert vendor.status == status


def test_an_admin_cannot_lift_the_blacklisting_of_their_own_company(
    client, create_vendor, agency, as_user
):
    vendor = _officer_vendor(create_vendor, agency, 'admin')
    entry = BlacklistEntry(
        company_name=vendor.company_name,
        nib=vendor.nib,
        reason='Sanksi',
        decree_number='SK-1',
        starts_on=clock.now().date(),
        ends_on=clock.now().date() + timedelta(days=30),
        created_at=clock.now(),
    )
    db.session.add(entry)
    db.session.commit()
    assert not entry.can_lift(vendor.user, clock.now())
    as_user(vendor.user)
    response = client.post(f'/vendors/blacklist/{entry.id}/lift', data={'lift-reason': 'Saya'})
    assert response.status_code == 403
    assert 'perusahaan Anda sendiri' in response.get_data(as_text=True)
    db.session.expire_all()
    assert entry.lifted_at is None


# --- 7. revocations and the CRL ------------------------------------------------------------


def _issue(user, key):
    return pki_service.issue(
        user,
        key.public_key(),
        pki.build_subject(common_name=user.name),
        profile=pki.Profile.signing,
        custody=Custody.self_held,
        now=clock.now(),
    )


def _crl():
    db.session.expire_all()
    return db.session.get(Authority, 1).crl


def test_two_revocations_both_listed_and_the_crl_number_grows(
    app, authority, create_vendor, spare_keys
):
    vendor = create_vendor()
    first, second = _issue(vendor.user, spare_keys[0]), _issue(vendor.user, spare_keys[1])
    db.session.commit()
    number = _crl().extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    for row in (first, second):
        pki_service.revoke(row, reason='unspecified', actor=vendor.user, now=clock.now())
        db.session.commit()
    crl = _crl()
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == number + 2
    listed = {r.serial_number for r in crl}
    assert listed == {int(first.serial, 16), int(second.serial, 16)}


@pytest.mark.skipif(
    not __import__('os').environ.get('LPSE_TEST_DATABASE_URL'), reason='row locks: PostgreSQL'
)
def test_concurrent_revocations_do_not_drop_a_certificate_from_the_crl(
    app, authority, create_vendor, spare_keys
):
    vendor = create_vendor()
    first, second = _issue(vendor.user, spare_keys[0]), _issue(vendor.user, spare_keys[1])
    db.session.commit()
    ids = (first.id, second.id)
    user_id = vendor.user.id
    first_done, release = threading.Event(), threading.Event()
    errors = []

    def revoke(cert_id, hold):
        try:
            with app.app_context():
                row = db.session.get(Certificate, cert_id)
                actor = db.session.get(type(vendor.user), user_id)
                pki_service.revoke(row, reason='unspecified', actor=actor, now=clock.now())
                if hold:
                    first_done.set()
                    release.wait(10)  # keep the transaction open while the other one runs
                db.session.commit()
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    a = threading.Thread(target=revoke, args=(ids[0], True))
    a.start()
    assert first_done.wait(10)
    b = threading.Thread(target=revoke, args=(ids[1], False))
    b.start()
    b.join(1)  # with the lock, B waits for A's transaction
    release.set()
    a.join(10)
    b.join(10)
    assert errors == []
    crl = _crl()
    assert {r.serial_number for r in crl} == {int(first.serial, 16), int(second.serial, 16)}
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 3


# --- 9. documents: caps and deletion -----------------------------------------------------------


def _upload(client, headers, vendor, kind='lainnya'):
    """A PDF of its own each time (the same file twice is refused as a duplicate)."""
    import io
    import uuid

    data = PDF.replace(b'\n', f'\n% {uuid.uuid4().hex}\n'.encode(), 1)
    return client.post(
        f'/api/v1/vendors/{vendor.id}/documents',
        headers=headers,
        data={'kind': kind, 'file': (io.BytesIO(data), 'x.pdf')},
        content_type='multipart/form-data',
    )


def test_documents_are_capped_per_kind(client, create_vendor, token_for):
    vendor = create_vendor(verified=False)
    headers = token_for(vendor.user)
    for _ in range(MAX_DOCUMENTS_PER_KIND):
        assert _upload(client, headers, vendor).status_code == 201
    before = counts()
    response = _upload(client, headers, vendor)
    assert response.status_code == 422
    assert 'per jenis' in response.get_json()['error']['message']
    assert counts() == before


def test_a_document_can_be_deleted_while_editable_and_it_is_audited(
    client, create_vendor, token_for, as_user
):
    vendor = create_vendor(verified=False)
    headers = token_for(vendor.user)
    doc_id = vendor.documents[0].id
    response = client.delete(f'/api/v1/vendors/{vendor.id}/documents/{doc_id}', headers=headers)
    assert response.status_code == 204
    assert actions()[-1] == 'vendor.document_deleted'
    assert db.session.get(VendorDocument, doc_id) is None
    as_user(vendor.user)
    page_doc = vendor.documents[0].id
    response = client.post(f'/vendors/me/documents/{page_doc}/delete')
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(VendorDocument, page_doc) is None
    assert actions()[-1] == 'vendor.document_deleted'

    verified = create_vendor()
    doc = verified.documents[0].id
    response = client.delete(
        f'/api/v1/vendors/{verified.id}/documents/{doc}', headers=token_for(verified.user)
    )
    assert response.status_code == 403
    assert db.session.get(VendorDocument, doc) is not None


def test_an_upload_after_the_verifier_opened_the_page_makes_the_approval_stale(
    client, create_vendor, token_for, person, agency
):
    vendor = create_vendor(verified=False)
    verifier = person('verifikator@lpse.go.id', 'verifier', agency=agency)
    seen = vendor.content_version()
    assert _upload(client, token_for(vendor.user), vendor, kind='izin').status_code == 201
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/verification',
        headers=token_for(verifier),
        json={'decision': 'approve', 'content_version': seen},
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert vendor.status == VendorStatus.submitted


# --- 8. the page offers as many rows as the operation accepts ------------------------------


def test_the_registration_page_accepts_more_than_three_rows(client, outbox):
    page = client.get('/vendors/register').get_data(as_text=True)
    assert 'data-add-row="directors"' in page and 'js/vendor-rows.js' in page
    data = {k: v for k, v in registration_data().items() if isinstance(v, str)}
    data |= {'sbu_grade': '', 'confirm': registration_data()['password']}
    for i in range(5):
        data |= {
            f'directors-{i}-name': f'Direktur {i}',
            f'directors-{i}-position': 'Direktur',
            f'directors-{i}-nik': f'317401550580{i + 1:04d}',
            f'licences-{i}-name': f'Izin {i}',
            f'licences-{i}-number': f'IU-{i}',
            f'licences-{i}-kbli': '46100',
        }
    response = client.post('/vendors/register', data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    vendor = db.session.scalar(db.select(Vendor))
    assert (len(vendor.directors), len(vendor.licences)) == (5, 5)
