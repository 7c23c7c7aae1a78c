"""Registration (page and API), email confirmation, duplicates and bad input: nothing written."""

import re
from datetime import timedelta

import pytest

from lpse import clock, statelog
from lpse.audit import AuditEvent
from lpse.auth.models import User
from lpse.extensions import db
from lpse.vendors import registration
from lpse.vendors.models import BlacklistEntry, Vendor, VendorStatus

from .conftest import NIB, NIK, registration_data

STATE = statelog.ACTION  # the rows each change set: not the actions these tests name


def count(model):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def actions():
    return db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action != STATE).order_by(AuditEvent.seq)
    ).all()


def page_form(**changes):
    data = registration_data(**changes)
    form = {k: v for k, v in data.items() if k not in ('directors', 'licences', 'sbu_grade')}
    form['sbu_grade'] = data['sbu_grade'] or ''
    form['confirm'] = data['password']
    for i, d in enumerate(data['directors']):
        for k, v in d.items():
            form[f'directors-{i}-{k}'] = v
    for i, lic in enumerate(data['licences']):
        for k, v in lic.items():
            form[f'licences-{i}-{k}'] = v
    return form


def link_from(message):
    return re.search(r'http://localhost(/vendors/confirm/\S+)', message.get_content()).group(1)


def test_register_on_the_page_confirm_and_queue(client, outbox):
    response = client.post('/vendors/register', data=page_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    vendor = db.session.scalar(db.select(Vendor))
    assert vendor.status == VendorStatus.unconfirmed
    assert vendor.npwp == '012345678901000' and vendor.npwp_display == '01.234.567.8-901.000'
    assert vendor.user.has_role('vendor') and vendor.user.email == 'admin@majujaya.co.id'
    assert [d.nik for d in vendor.directors] == [NIK]
    assert len(outbox) == 1 and outbox[0]['To'] == 'admin@majujaya.co.id'
    dashboard = client.get('/vendors/me').get_data(as_text=True)
    assert 'Menunggu konfirmasi email' in dashboard
    assert 'Dokumen wajib yang belum diunggah' in dashboard  # said from the start
    page = client.get(link_from(outbox[0]))
    assert page.status_code == 200
    assert 'terkonfirmasi' in page.get_data(as_text=True)
    # Waiting for verification, but not approvable yet: the confirmation says what is missing.
    assert 'Dokumen wajib yang belum diunggah' in page.get_data(as_text=True)
    db.session.expire_all()
    assert vendor.status == VendorStatus.submitted and vendor.email_confirmed_at is not None
    assert actions()[-3:] == ['user.created', 'vendor.registered', 'vendor.email_confirmed']
    assert client.get(link_from(outbox[0])).status_code == 200  # a second click changes nothing
    assert actions().count('vendor.email_confirmed') == 1


def test_register_through_the_api(client, outbox):
    response = client.post('/api/v1/vendors', json=registration_data(npwp='0012345678901000'))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body['status'] == 'unconfirmed' and body['npwp'] == '0012345678901000'
    assert body['bank_account'] is None
    assert len(outbox) == 1
    response = client.post(
        '/api/v1/vendors',
        json=registration_data(
            npwp='0012345678902000',
            nib='9120001234568',
            email='kedua@pt.example',
            bank_name='Bank Uji',
            bank_account='123.456.7890',
        ),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()['bank_account'] == '1234567890'
    assert 'password' not in body
    assert len(outbox) == 2


def test_page_errors_name_the_field_and_write_nothing(client, outbox):
    before = (count(User), count(Vendor), count(AuditEvent))
    response = client.post('/vendors/register', data=page_form(**{'npwp': '01.234.567'}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'NPWP harus 15 atau 16 angka.' in html and 'id="npwp-error"' in html
    form = page_form()
    form['directors-0-nik'] = '123'
    response = client.post('/vendors/register', data=form)
    assert response.status_code == 422
    assert 'id="directors-0-nik-error"' in response.get_data(as_text=True)
    assert (count(User), count(Vendor), count(AuditEvent)) == before
    assert outbox == []


def test_the_page_reports_every_problem_in_one_round(client, outbox):
    """A newcomer's first try with several mistakes — a field left empty (the form's own
    check), a short NPWP, a NIK of 3 digits, a short password — hears of all of them at once."""
    form = page_form(npwp='01.234.567', password='pendek')
    form['directors-0-nik'] = '123'
    form['city'] = ''
    response = client.post('/vendors/register', data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ('npwp', 'directors-0-nik', 'password', 'city'):
        assert f'id="{field}-error"' in html, field
    assert 'NPWP harus 15 atau 16 angka.' in html
    assert html.count('id="city-error"') == 1  # the form's message alone, not the domain's too
    assert outbox == [] and count(Vendor) == 0
    # The API lists them all in its one message.
    data = registration_data(npwp='01.234.567', password='pendek')
    data['directors'][0]['nik'] = '123'
    answer = client.post('/api/v1/vendors', json=data)
    assert answer.status_code == 422
    message = answer.get_json()['error']['message']
    assert 'NPWP harus 15 atau 16 angka.' in message and 'NIK harus 16 angka.' in message
    assert 'Kata sandi minimal' in message


@pytest.mark.parametrize(
    ('changes', 'field', 'message'),
    [
        ({'npwp': '01.234.567.8-901.00'}, 'npwp', 'NPWP harus 15 atau 16 angka.'),
        ({'npwp': '01.234.567.8-901.00X'}, 'npwp', 'Hanya angka'),
        ({'nib': '912000123456'}, 'nib', 'NIB harus 13 angka.'),
        ({'nib': '91200012345AB'}, 'nib', 'Hanya angka'),
        (
            {'directors': [{'name': 'A', 'position': 'Direktur', 'nik': '317401150580000'}]},
            'directors-0-nik',
            'NIK harus 16 angka.',
        ),
        ({'directors': []}, 'directors', 'minimal satu pengurus'),
        (
            {'licences': [{'name': 'Izin', 'number': '1', 'kbli': '4610'}]},
            'licences-0-kbli',
            'KBLI harus 5 angka',
        ),
        (
            {'licences': [{'name': 'IUJK', 'number': '1', 'kbli': '41011'}]},
            'sbu_grade',
            'wajib mengisi kualifikasi SBU',
        ),
        ({'sbu_grade': 'B'}, 'sbu_grade', 'hanya untuk badan usaha konstruksi'),
        ({'legal_form': 'bumn'}, 'legal_form', 'Pilih bentuk usaha'),
        ({'phone': 'abc'}, 'phone', 'Nomor telepon'),
        ({'bank_account': '12-34'}, 'bank_account', 'Nomor rekening harus 6–20 angka'),
        ({'bank_account': '1234567890'}, 'bank_name', 'Isi nama bank'),
        ({'bank_name': 'Bank Uji'}, 'bank_account', 'Isi nomor rekening'),
        ({'password': 'pendek'}, 'password', 'minimal'),
        ({'email': 'bukan-email'}, 'email', 'Alamat email tidak valid'),
        ({'email': 'budi@kantor'}, 'email', 'Alamat email tidak valid'),  # no dot in the domain
        ({'email': 'budi santoso@pt-maju.co.id'}, 'email', 'Alamat email tidak valid'),
        ({'email': 'budi@@pt-maju.co.id'}, 'email', 'Alamat email tidak valid'),
        ({'email': 'budi@pt..maju.co.id'}, 'email', 'Alamat email tidak valid'),
        ({'email': 'budi@server.local'}, 'email', 'Alamat email tidak valid'),  # reserved name
    ],
)
def test_bad_input_is_refused_with_a_clear_error(client, outbox, changes, field, message):
    before = (count(User), count(Vendor), count(AuditEvent))
    response = client.post('/api/v1/vendors', json=registration_data(**changes))
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()['error']['message']
    assert (count(User), count(Vendor), count(AuditEvent)) == before
    assert outbox == []


def test_construction_firm_with_sbu_is_accepted(client, outbox):
    data = registration_data(
        licences=[{'name': 'IUJK', 'number': '1', 'kbli': '41011'}], sbu_grade='M'
    )
    assert client.post('/api/v1/vendors', json=data).status_code == 201
    assert db.session.scalar(db.select(Vendor.sbu_grade)) == 'M'


@pytest.mark.parametrize(
    'changes',
    [
        {'nib': '9120009999999'},  # same NPWP (15-digit form)
        {'npwp': '0012345678901000', 'nib': '9120009999999'},  # same NPWP, 16-digit form
        {'npwp': '021234567890100'},  # same NIB
    ],
)
def test_duplicate_ids_are_refused_without_naming_the_other_account(client, outbox, changes):
    assert client.post('/api/v1/vendors', json=registration_data()).status_code == 201
    before = (count(User), count(Vendor))
    second = registration_data(email='lain@saingan.co.id', company_name='CV Lain', **changes)
    response = client.post('/api/v1/vendors', json=second)
    assert response.status_code == 409
    message = response.get_json()['error']['message']
    assert message == str(registration.DUPLICATE)
    assert 'majujaya' not in message and 'Maju' not in message
    assert (count(User), count(Vendor)) == before


def test_blacklisted_ids_cannot_register_until_the_entry_expires(client, outbox, person):
    today = clock.now().date()
    admin = person('admin@lpse.go.id', 'admin')
    db.session.add(
        BlacklistEntry(
            company_name='PT Maju Jaya',
            nib=NIB,
            reason='Pemalsuan dokumen',
            decree_number='SK-1',
            starts_on=today - timedelta(days=400),
            ends_on=today + timedelta(days=1),
            created_at=clock.now(),
            created_by_id=admin.id,
        )
    )
    db.session.commit()
    response = client.post('/api/v1/vendors', json=registration_data())
    assert response.status_code == 403
    assert 'Daftar Hitam' in response.get_json()['error']['message']
    assert count(Vendor) == 0
    clock.set_now(clock.now() + timedelta(days=3))  # the entry has ended
    assert client.post('/api/v1/vendors', json=registration_data()).status_code == 201


def test_expired_and_forged_links_are_refused(client, outbox):
    assert client.post('/api/v1/vendors', json=registration_data()).status_code == 201
    link = link_from(outbox[0])
    forged = link[:-3] + ('AAA' if not link.endswith('AAA') else 'BBB')
    response = client.get(forged)
    assert response.status_code == 422
    assert 'tidak sah' in response.get_data(as_text=True)
    clock.set_now(clock.now() + timedelta(hours=48, seconds=1))
    response = client.get(link)
    assert response.status_code == 422
    assert 'kedaluwarsa' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Vendor.status)) == 'unconfirmed'
    assert 'vendor.email_confirmed' not in actions()


def test_a_link_signed_with_another_salt_or_for_another_email_is_refused(app, client, outbox):
    assert client.post('/api/v1/vendors', json=registration_data()).status_code == 201
    vendor = db.session.scalar(db.select(Vendor))
    from itsdangerous import URLSafeTimedSerializer

    other_salt = URLSafeTimedSerializer(app.config['SECRET_KEY'], salt='password-reset').dumps(
        {'vendor': vendor.id, 'email': vendor.email}
    )
    other_email = URLSafeTimedSerializer(app.config['SECRET_KEY'], salt='vendor-email').dumps(
        {'vendor': vendor.id, 'email': 'penyerang@contoh.id'}
    )
    for token in (other_salt, other_email):
        assert client.get(f'/vendors/confirm/{token}').status_code == 422
    assert db.session.scalar(db.select(Vendor.status)) == 'unconfirmed'


def test_resend_is_rate_limited(client, outbox):
    client.post('/vendors/register', data=page_form())
    assert len(outbox) == 1
    client.post('/vendors/me/resend')
    assert len(outbox) == 1  # too soon
    clock.set_now(clock.now() + timedelta(minutes=6))
    assert client.post('/vendors/me/resend').status_code == 302
    assert len(outbox) == 2
