"""Pages: Indonesian by default, English by the switch, error pages, headers, CSRF, bad input."""

import pytest
from helpers import csrf_token

from lpse.agencies.models import Agency
from lpse.extensions import db


def test_indonesian_by_default_even_for_english_browsers(client):
    page = client.get('/', headers={'Accept-Language': 'en-US,en;q=0.9'}).get_data(as_text=True)
    assert '<html lang="id">' in page
    assert 'Layanan Pengadaan Secara Elektronik' in page
    assert 'Masuk' in page
    for link in ('href="/ocds/"', 'href="/verify"', 'href="/audit/checkpoints"'):
        assert link in page  # open data, verification and the log's checkpoints, from every page


def test_language_switch(client):
    response = client.get('/lang/en?next=/auth/login')
    assert response.status_code == 302 and response.headers['Location'] == '/auth/login'
    page = client.get('/auth/login').get_data(as_text=True)
    assert '<html lang="en">' in page
    assert 'Log in' in page and 'Password' in page
    client.get('/lang/id')
    assert 'Kata sandi' in client.get('/auth/login').get_data(as_text=True)


def test_language_switch_refuses_offsite_next(client):
    assert client.get('/lang/en?next=//evil.example').headers['Location'] == '/'


@pytest.mark.parametrize(
    ('lang', 'title'), [('id', 'Halaman tidak ditemukan'), ('en', 'Page not found')]
)
def test_404_page_in_both_languages(client, lang, title):
    client.get(f'/lang/{lang}')
    response = client.get('/no/such/page')
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_403_page_in_both_languages(client, login_as):
    login_as('vendor')
    assert 'Akses ditolak' in client.get('/admin/users').get_data(as_text=True)
    client.get('/lang/en')
    response = client.get('/admin/users')
    assert response.status_code == 403
    assert 'Access denied' in response.get_data(as_text=True)


@pytest.fixture
def boom_app(app):
    def boom():
        raise RuntimeError('kaboom')

    app.add_url_rule('/boom', 'boom', boom)
    app.add_url_rule('/api/v1/boom', 'api_boom', boom)
    return app


def test_500_page_and_json_without_details(boom_app, client):
    response = client.get('/boom')
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert 'Terjadi kesalahan' in page and 'kaboom' not in page
    client.get('/lang/en')
    assert 'Something went wrong' in client.get('/boom').get_data(as_text=True)
    response = client.get('/api/v1/boom')
    assert response.status_code == 500
    assert response.get_json()['error']['code'] == 'internal_server_error'
    assert 'kaboom' not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    'url', ['/', '/auth/login', '/no/such/page', '/api/v1/me', '/api/v1/openapi.json', '/boom']
)
def test_security_headers_on_every_response(boom_app, client, url):
    response = client.get(url)
    csp = response.headers['Content-Security-Policy']
    assert "'unsafe-inline'" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert response.headers['Referrer-Policy'] == 'same-origin'


def test_no_store_on_authenticated_pages(client, login_as):
    assert 'no-store' not in client.get('/').headers.get('Cache-Control', '')
    login_as('auditor')
    assert client.get('/').headers['Cache-Control'] == 'no-store'
    assert client.get('/audit/').headers['Cache-Control'] == 'no-store'


def test_no_store_on_api_with_token(client, api_token):
    assert client.get('/api/v1/me', headers=api_token('ppk')).headers['Cache-Control'] == 'no-store'


def test_form_without_csrf_token_is_refused_and_nothing_written(client, login_as):
    login_as('admin')
    response = client.post(
        '/admin/agencies/new',
        data={'code': 'KAB-Y', 'name': 'Kabupaten Y', 'timezone': 'Asia/Jakarta'},
    )
    assert response.status_code == 400
    assert 'Formulir kedaluwarsa' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Agency).where(Agency.code == 'KAB-Y')) is None


def test_logout_needs_csrf(client, login_as):
    login_as('ppk')
    assert client.post('/auth/logout').status_code == 400
    assert client.get('/auth/profile').status_code == 200


def test_agency_form_errors_are_shown_and_nothing_written(client, login_as):
    login_as('admin')
    token = csrf_token(client, '/admin/agencies/new')
    response = client.post(
        '/admin/agencies/new',
        data={
            'code': 'KOTAUJI',
            'name': 'Duplikat',
            'timezone': 'Asia/Jakarta',
            'csrf_token': token,
        },
    )
    assert response.status_code == 409
    assert 'Kode instansi sudah dipakai.' in response.get_data(as_text=True)
    response = client.post(
        '/admin/agencies/new',
        data={'code': 'X', 'name': 'Y', 'timezone': 'Mars/Olympus', 'csrf_token': token},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Agency)) == 1


def test_oversized_form_is_413(app, client, login_as):
    login_as('admin')
    app.config['MAX_CONTENT_LENGTH'] = 2048
    response = client.post('/admin/agencies/new', data={'name': 'x' * 10000})
    assert response.status_code == 413
    assert 'Berkas terlalu besar' in response.get_data(as_text=True)


def test_admin_creates_user_and_sees_the_password_once(client, login_as):
    login_as('admin')
    token = csrf_token(client, '/admin/users/new')
    response = client.post(
        '/admin/users/new',
        data={
            'email': 'baru@uji.go.id',
            'name': 'Pengguna Baru',
            'roles': ['pokja'],
            'agency': 'KOTAUJI',
            'csrf_token': token,
        },
    )
    assert response.status_code == 201
    assert 'id="one-time-password"' in response.get_data(as_text=True)
    listing = client.get('/admin/users').get_data(as_text=True)
    assert 'baru@uji.go.id' in listing
    row = listing.split('baru@uji.go.id')[1].split('</tr>')[0]
    assert 'Pokja Pemilihan' in row and '>pokja<' not in row  # the role's name, not its key


def test_token_created_on_profile_is_shown_once_and_works(client, login_as):
    login_as('verifier')
    token = csrf_token(client, '/auth/profile')
    page = client.post('/auth/tokens', data={'name': 'laptop', 'csrf_token': token})
    assert page.status_code == 201
    secret = page.get_data(as_text=True).split('id="new-token">')[1].split('<')[0]
    assert secret.startswith('lpse_')
    assert secret not in client.get('/auth/profile').get_data(as_text=True)
    me = client.get('/api/v1/me', headers={'Authorization': f'Bearer {secret}'})
    assert me.get_json()['roles'] == ['verifier']


def test_pages_have_landmarks_and_labels(client):
    page = client.get('/auth/login').get_data(as_text=True)
    assert '<main id="main"' in page and '<nav' in page and 'class="skip-link"' in page
    assert '<label for="email">' in page and '<label for="password">' in page


@pytest.mark.parametrize('url', ['/admin/users/999999', '/admin/agencies/NOPE', '/admin/users/abc'])
def test_unknown_ids_are_404(client, login_as, url):
    login_as('admin')
    assert client.get(url).status_code == 404


def test_malformed_user_form_is_422_and_nothing_written(client, login_as):
    from lpse.auth.models import User

    login_as('admin')
    token = csrf_token(client, '/admin/users/new')
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    for data in (
        {'email': 'a@b.id', 'name': 'A', 'roles': ['emperor'], 'agency': ''},
        {'email': '', 'name': 'A', 'roles': ['vendor'], 'agency': ''},
        {'email': 'a@b.id', 'name': 'A', 'roles': ['pokja'], 'agency': ''},
        {'email': 'a@b.id', 'name': 'A', 'roles': ['pokja'], 'agency': 'NOPE'},
    ):
        response = client.post('/admin/users/new', data={**data, 'csrf_token': token})
        assert response.status_code == 422, data
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


@pytest.mark.parametrize(
    ('lang', 'required', 'other'),
    [
        ('id', 'Isian ini wajib diisi.', 'This field is required.'),
        ('en', 'This field is required.', 'wajib diisi'),
    ],
)
def test_the_validators_own_messages_speak_the_pages_language(
    client, login_as, lang, required, other
):
    """WTForms and Flask-WTF ship no Indonesian: their default messages come from
    translations/wtforms/id.po on Indonesian pages, their own English on English ones."""
    login_as('admin')
    client.get(f'/lang/{lang}')
    url = '/admin/agencies/new'
    page = client.post(url, data={'csrf_token': csrf_token(client, url)})
    text = page.get_data(as_text=True)
    assert page.status_code == 422, text[:500]
    assert required in text and other not in text


def test_every_validator_message_has_its_indonesian():
    from pathlib import Path

    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    with (Path(messages_path()) / 'wtforms.pot').open('rb') as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    ours = Path(__file__).resolve().parents[2] / 'translations' / 'wtforms' / 'id.po'
    with ours.open('rb') as f:
        catalog = read_po(f, locale='id')
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    assert wanted <= have, sorted(wanted - have)


def test_the_login_page_leads_a_new_company_to_sign_up(client):
    page = client.get('/auth/login').get_data(as_text=True)
    assert 'href="/vendors/register"' in page.split('<main')[1]
    assert 'Daftar sebagai penyedia' in page and 'Lupa kata sandi?' in page


@pytest.mark.parametrize('path', ['/login', '/masuk'])
def test_the_typed_login_addresses_lead_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 301 and response.headers['Location'] == '/auth/login'
