"""The instance CA and certificates: init-ca, CSRs (cross-checked with OpenSSL), server-held
keys never stored in the clear, wrong passphrases, revocation and the CRL, renewal."""

import base64
import subprocess
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select

from lpse import clock, pki_service, statelog
from lpse.audit import AuditEvent
from lpse.crypto import keystore, pki
from lpse.extensions import db
from lpse.pki_service import Authority, Certificate
from lpse.vendors import enrolment

from .conftest import CA_PASSPHRASE, PASSWORD, SIGNING_PASSPHRASE
from .keyscan import leaks

STATE = statelog.ACTION  # the rows each change set: not the actions these tests name


def actions():
    db.session.expire_all()
    return db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action != STATE).order_by(AuditEvent.seq)
    ).all()


def certificates():
    db.session.expire_all()
    return db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()


def openssl(tmp_path, *args, check=True):
    result = subprocess.run(
        ['openssl', *args], capture_output=True, cwd=tmp_path, check=False, text=True
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def subject_arg(vendor):
    user = vendor.user
    return (
        f'/CN={user.name}/emailAddress={user.email}/O={vendor.company_name}'
        f'/serialNumber={vendor.npwp}'
    )


def csr_pem(key, **subject):
    return (
        pki.build_csr(key, pki.build_subject(**subject))
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )


def vendor_subject(vendor, **changes):
    subject = {
        'common_name': vendor.user.name,
        'email': vendor.user.email,
        'organization': vendor.company_name,
        'serial_number': vendor.npwp,
    }
    return subject | changes


# --- init-ca ---------------------------------------------------------------------------------


def test_init_ca_creates_once_and_refuses_to_overwrite(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=['lpse', 'init-ca', '--organization', 'LPSE Kota Uji'])
    assert result.exit_code == 0, result.output
    row = db.session.get(Authority, 1)
    ca = row.ca_cert
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert pki.key_matches_certificate(pki_service.ca_key(), ca)
    assert pki.key_matches_certificate(pki_service.system_key(), row.system_cert)
    pki.check_issued_by(row.system_cert, ca)
    assert b'PRIVATE KEY' not in row.ca_key_locked and row.ca_key_locked.startswith(b'LPSE-LOCKED')
    fingerprint = row.ca_cert_pem
    again = runner.invoke(args=['lpse', 'init-ca'])
    assert again.exit_code == 1 and 'tidak ditimpa' in again.output
    assert runner.invoke(args=['lpse', 'init-ca', '--if-missing']).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Authority, 1).ca_cert_pem == fingerprint
    assert actions().count('pki.ca_created') == 1


def test_every_crl_is_kept_and_found_by_time(app):
    created = clock.now().replace(microsecond=0)
    clock.set_now(created)
    runner = app.test_cli_runner()
    assert runner.invoke(args=['lpse', 'init-ca']).exit_code == 0
    later = created + timedelta(days=2)
    pki_service.publish_crl(now=later)
    db.session.commit()
    kept = db.session.scalars(select(pki_service.IssuedCrl).order_by(pki_service.IssuedCrl.number))
    assert [(c.number, c.issued_at) for c in kept] == [(1, created), (2, later)]
    assert pki_service.crl_current_at(created - timedelta(seconds=1)) is None
    assert pki_service.crl_current_at(later - timedelta(seconds=1)).number == 1
    current = pki_service.crl_current_at(later)
    assert current.number == 2 and current.crl_pem == db.session.get(Authority, 1).crl_pem


@pytest.mark.parametrize(
    ('config', 'message'),
    [
        ({'LPSE_CA_PASSPHRASE': None}, 'LPSE_CA_PASSPHRASE'),
        ({'LPSE_SYSTEM_KEY_PASSPHRASE': 'pendek'}, 'LPSE_SYSTEM_KEY_PASSPHRASE'),
        ({'LPSE_SYSTEM_KEY_PASSPHRASE': CA_PASSPHRASE}, 'berbeda'),
    ],
)
def test_init_ca_needs_two_distinct_strong_passphrases(app, config, message):
    app.config.update(config)
    result = app.test_cli_runner().invoke(args=['lpse', 'init-ca'])
    assert result.exit_code == 1 and message in result.output
    assert db.session.get(Authority, 1) is None


def test_a_wrong_ca_passphrase_issues_nothing(app, authority, create_vendor, token_for, spare_keys):
    vendor = create_vendor()
    app.config['LPSE_CA_PASSPHRASE'] = 'frasa-sandi-yang-salah-sekali'
    response = token_for(vendor.user)
    response = app.test_client().post(
        '/api/v1/me/certificate',
        headers=response,
        json={'csr': csr_pem(spare_keys[0], **vendor_subject(vendor))},
    )
    assert response.status_code == 503
    assert certificates() == []


# --- self-held keys: CSRs ----------------------------------------------------------------------


def test_openssl_csr_is_certified_and_openssl_verifies_it(
    client, tmp_path, authority, create_vendor, token_for
):
    vendor = create_vendor()
    headers = token_for(vendor.user)
    openssl(
        tmp_path,
        'req',
        '-new',
        '-newkey',
        'rsa:3072',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'req.csr',
        '-subj',
        subject_arg(vendor),
    )
    response = client.post(
        '/api/v1/me/certificate', headers=headers, json={'csr': (tmp_path / 'req.csr').read_text()}
    )
    assert response.status_code == 201, response.get_json()
    issued = response.get_json()
    assert issued['custody'] == 'self' and issued['profile'] == 'signing'
    (tmp_path / 'cert.pem').write_text(issued['pem'])
    ca = client.get('/api/v1/ca.pem')
    (tmp_path / 'ca.pem').write_bytes(ca.data)
    result = openssl(tmp_path, 'verify', '-CAfile', 'ca.pem', 'cert.pem')
    assert result.stdout.strip() == 'cert.pem: OK'
    text_out = openssl(tmp_path, 'x509', '-in', 'cert.pem', '-noout', '-text').stdout
    assert 'Digital Signature, Non Repudiation' in text_out and 'Public-Key: (3072 bit)' in text_out
    assert 'rsassaPss' in text_out
    # The certificate certifies the key openssl made (which never left tmp_path).
    key = serialization.load_pem_private_key((tmp_path / 'key.pem').read_bytes(), None)
    assert pki.key_matches_certificate(key, x509.load_pem_x509_certificate(issued['pem'].encode()))
    assert actions()[-1] == 'certificate.issued'

    (tmp_path / 'crl.pem').write_bytes(client.get('/api/v1/crl.pem').data)
    result = openssl(
        tmp_path, 'verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', 'crl.pem', 'cert.pem'
    )
    assert result.stdout.strip() == 'cert.pem: OK'
    response = client.post(
        f'/api/v1/certificates/{issued["id"]}/revocation',
        headers=headers,
        json={'reason': 'key_compromise', 'note': 'laptop hilang'},
    )
    assert response.status_code == 200 and response.get_json()['state'] == 'revoked'
    (tmp_path / 'crl.pem').write_bytes(client.get('/api/v1/crl.pem').data)
    openssl(tmp_path, 'crl', '-in', 'crl.pem', '-CAfile', 'ca.pem', '-noout')  # CA-signed
    result = openssl(
        tmp_path,
        'verify',
        '-crl_check',
        '-CAfile',
        'ca.pem',
        '-CRLfile',
        'crl.pem',
        'cert.pem',
        check=False,
    )
    assert result.returncode != 0 and 'certificate revoked' in (result.stdout + result.stderr)
    assert actions()[-1] == 'certificate.revoked'


def _ec_csr(curve, vendor):
    return csr_pem(ec.generate_private_key(curve), **vendor_subject(vendor))


@pytest.mark.parametrize(
    ('make', 'message'),
    [
        (
            lambda v: csr_pem(rsa.generate_private_key(65537, 2048), **vendor_subject(v)),
            'Kunci lemah',
        ),
        (lambda v: _ec_csr(ec.SECP256K1(), v), 'Kunci lemah'),
        (lambda v: _ec_csr(ec.SECP384R1(), v), 'RSA-PSS'),
        (
            lambda v: csr_pem(rsa.generate_private_key(65537, 2048), **vendor_subject(v))[:200],
            'tidak dapat dibaca',
        ),
        (lambda v: 'bukan CSR', 'tidak dapat dibaca'),
        (
            lambda v: (
                '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'
            ),
            'tidak dapat dibaca',
        ),
    ],
    ids=['rsa2048', 'secp256k1', 'p384', 'truncated', 'text', 'garbage-pem'],
)
def test_bad_csrs_are_refused_and_nothing_written(
    client, authority, create_vendor, token_for, make, message
):
    vendor = create_vendor()
    headers = token_for(vendor.user)
    before = actions()
    response = client.post('/api/v1/me/certificate', headers=headers, json={'csr': make(vendor)})
    assert response.status_code == 422
    assert message in response.get_json()['error']['message']
    assert certificates() == [] and actions() == before


@pytest.mark.parametrize(
    'changes',
    [
        {'organization': 'PT Lain'},
        {'serial_number': '099999999999000'},
        {'email': 'orang.lain@contoh.co.id'},
        {'common_name': 'Orang Lain'},
        {'organizational_unit': 'Pengadaan'},  # an extra attribute
    ],
)
def test_a_csr_for_someone_else_is_refused(
    client, authority, create_vendor, token_for, spare_keys, changes
):
    vendor = create_vendor()
    response = client.post(
        '/api/v1/me/certificate',
        headers=token_for(vendor.user),
        json={'csr': csr_pem(spare_keys[0], **vendor_subject(vendor, **changes))},
    )
    assert response.status_code == 422
    assert 'tidak cocok dengan akun' in response.get_json()['error']['message']
    assert certificates() == []


def test_a_csr_whose_signature_is_forged_is_refused(
    client, authority, create_vendor, token_for, spare_keys
):
    vendor = create_vendor()
    real = pki.build_csr(spare_keys[0], pki.build_subject(**vendor_subject(vendor)))
    # The same request body carrying another key: the signature no longer matches.
    forged = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(real.subject)
        .sign(spare_keys[1], hashes.SHA256())
    )
    der = bytearray(forged.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF
    pem = (
        '-----BEGIN CERTIFICATE REQUEST-----\n'
        + base64.encodebytes(bytes(der)).decode()
        + '-----END CERTIFICATE REQUEST-----\n'
    )
    response = client.post(
        '/api/v1/me/certificate', headers=token_for(vendor.user), json={'csr': pem}
    )
    assert response.status_code == 422
    assert 'Tanda tangan CSR' in response.get_json()['error']['message']


@pytest.mark.parametrize('status', ['submitted', 'suspended', 'rejected'])
def test_only_verified_vendors_get_certificates(
    client, authority, create_vendor, token_for, spare_keys, status
):
    vendor = create_vendor(status=status)
    response = client.post(
        '/api/v1/me/certificate',
        headers=token_for(vendor.user),
        json={'csr': csr_pem(spare_keys[0], **vendor_subject(vendor))},
    )
    assert response.status_code == 403
    assert certificates() == []


def test_pokja_gets_the_pokja_profile(client, authority, person, agency, token_for, spare_keys):
    member = person('pokja@lpse.go.id', 'pokja', agency=agency, name='Siti Aminah')
    subject = {'common_name': 'Siti Aminah', 'email': 'pokja@lpse.go.id'}
    response = client.post(
        '/api/v1/me/certificate',
        headers=token_for(member),
        json={'csr': csr_pem(spare_keys[0], **subject)},
    )
    assert response.status_code == 201, response.get_json()
    cert = x509.load_pem_x509_certificate(response.get_json()['pem'].encode())
    assert pki.has_key_usage(cert, 'key_encipherment')
    assert pki.has_key_usage(cert, 'content_commitment')


def test_the_keys_page_tells_a_pokja_member_what_the_key_is_for(
    client, authority, person, agency, as_user
):
    as_user(person('pokja@lpse.go.id', 'pokja', agency=agency, name='Siti Aminah'))
    page = client.get('/keys/').get_data(as_text=True)
    intro = page.split('<h1>')[1].split('</p>')[0]
    assert 'bagian kunci setiap tender Anda' in intro and 'Penawaran ditandatangani' not in intro
    assert 'Hanya memakai browser? Gunakan pilihan 2' in page


# --- server-held keys ----------------------------------------------------------------------------


@pytest.fixture
def server_held(client, as_user, authority, create_vendor):
    """A verified vendor who enrolled a server-held key on the page."""
    vendor = create_vendor()
    as_user(vendor.user)
    response = client.post(
        '/keys/server', data={'passphrase': SIGNING_PASSPHRASE, 'confirm': SIGNING_PASSPHRASE}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return vendor


@pytest.mark.parametrize(
    ('passphrase', 'message'),
    [(PASSWORD, 'berbeda dari kata sandi masuk'), ('pendek', 'minimal 12 karakter')],
)
def test_signing_passphrase_rules(client, as_user, authority, create_vendor, passphrase, message):
    vendor = create_vendor()
    as_user(vendor.user)
    response = client.post('/keys/server', data={'passphrase': passphrase, 'confirm': passphrase})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert certificates() == []


def test_server_held_key_is_never_stored_in_the_clear(app, server_held):
    (row,) = certificates()
    assert row.custody == 'server' and row.locked_key.startswith(keystore.LOCKED_KEY_MAGIC)
    key = keystore.unlock_private_key(row.locked_key, SIGNING_PASSPHRASE)
    assert pki.key_matches_certificate(key, row.x509)
    values = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for record in conn.execute(select(table)):
                values += list(record)
    text = '\n'.join(str(v) for v in values if isinstance(v, str))
    assert row.serial in text and row.pem in text  # the scan reaches the certificate table
    # PEM (64-character lines), DER, base64 at any alignment, hex, decimal: see keyscan.py
    assert leaks(values, key) == [], 'private key material found in the database'


def test_wrong_passphrase_is_refused_audited_and_throttled(app, client, server_held):
    for attempt in range(app.config['LPSE_LOGIN_ACCOUNT_FAILURES']):
        response = client.post('/keys/check', data={'unlock-passphrase': 'frasa yang salah sekali'})
        assert response.status_code == 422, attempt
        assert 'Frasa sandi penandatanganan salah' in response.get_data(as_text=True)
    assert actions().count('key.unlock_failed') == app.config['LPSE_LOGIN_ACCOUNT_FAILURES']
    response = client.post('/keys/check', data={'unlock-passphrase': SIGNING_PASSPHRASE})
    assert response.status_code == 429  # even the right one waits out the delay
    clock.set_now(clock.now() + timedelta(seconds=app.config['LPSE_LOGIN_MAX_DELAY'] + 1))
    response = client.post('/keys/check', data={'unlock-passphrase': SIGNING_PASSPHRASE})
    assert response.status_code == 303
    assert actions()[-1] == 'key.unlocked'


def test_unlock_signing_key_for_the_sealed_bid_work(app, server_held):
    key, cert = enrolment.unlock_signing_key(server_held.user, SIGNING_PASSPHRASE, now=clock.now())
    assert pki.key_matches_certificate(key, cert.x509)
    with pytest.raises(enrolment.WrongSigningPassphrase):
        enrolment.unlock_signing_key(server_held.user, 'salah salah salah', now=clock.now())


def test_revoked_or_expired_certificates_cannot_be_used(app, client, server_held):
    (row,) = certificates()
    expired_at = row.not_after + timedelta(seconds=1)
    with pytest.raises(pki_service.CertificateUnusable):
        pki_service.check_usable(row, now=expired_at)
    with pytest.raises(enrolment.NotAllowed):
        enrolment.unlock_signing_key(server_held.user, SIGNING_PASSPHRASE, now=expired_at)
    page = client.get('/keys/').get_data(as_text=True)
    assert 'Tanda tangan (penawaran, formulir)' in page  # the profile as its owner reads it
    assert '<td>signing</td>' not in page
    revoke = client.post(f'/keys/{row.id}/revoke', data={'reason': 'key_compromise', 'note': ''})
    assert revoke.status_code == 303 and 'Cabut' in page
    (row,) = certificates()
    assert row.state(clock.now()) == 'revoked'
    crl = x509.load_pem_x509_crl(client.get('/api/v1/crl.pem').data)
    assert crl.get_revoked_certificate_by_serial_number(int(row.serial, 16)) is not None
    with pytest.raises(pki_service.CertificateUnusable):
        pki_service.check_usable(row, now=clock.now())
    with pytest.raises(enrolment.NotAllowed):
        enrolment.unlock_signing_key(server_held.user, SIGNING_PASSPHRASE, now=clock.now())


def test_renewal_supersedes_the_old_certificate(client, server_held, token_for, spare_keys):
    response = client.post(
        '/api/v1/me/certificate',
        headers=token_for(server_held.user),
        json={'csr': csr_pem(spare_keys[2], **vendor_subject(server_held))},
    )
    assert response.status_code == 201
    old, new = certificates()
    assert (old.revocation_reason, new.revoked_at) == ('superseded', None)
    assert pki_service.active_certificate(server_held.user, now=clock.now()).id == new.id
    assert actions()[-2:] == ['certificate.revoked', 'certificate.issued']


def test_certificate_download_and_revocation_rights(
    client, as_user, server_held, create_vendor, person, agency
):
    (row,) = certificates()
    response = client.get(f'/keys/{row.id}.pem')
    assert response.status_code == 200 and response.data.startswith(b'-----BEGIN CERTIFICATE')
    other = create_vendor()
    as_user(other.user)
    assert client.get(f'/keys/{row.id}.pem').status_code == 404
    assert client.post(f'/keys/{row.id}/revoke', data={'reason': 'unspecified'}).status_code == 404
    as_user(person('adm@lpse.go.id', 'admin', agency=agency))
    assert client.get('/keys/all').status_code == 200
    response = client.post(f'/keys/{row.id}/revoke', data={'reason': 'affiliation_changed'})
    assert response.status_code == 303
    assert certificates()[0].revocation_reason == 'affiliation_changed'
