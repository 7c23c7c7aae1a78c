"""Helpers shared by the tests (import as `helpers`; conftest modules are not importable)."""

import re

PASSWORD = 'kata-sandi-uji-123'
ROLES = ('admin', 'verifier', 'ppk', 'pokja', 'vendor', 'auditor')


def csrf_token(client, url='/auth/login'):
    if not client.application.config.get('WTF_CSRF_ENABLED', True):
        return ''
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f'no CSRF token on {url}'
    return match.group(1)


def login(client, email, password=PASSWORD):
    token = csrf_token(client)
    return client.post(
        '/auth/login', data={'email': email, 'password': password, 'csrf_token': token}
    )
