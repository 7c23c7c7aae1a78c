"""The main navigation says where each link goes (#16 point 6): per role, each label leads to
its page — "Beranda" to the user's own home, "Perusahaan saya" to the vendor's company, "Cari
tender" to the tender search — and no two links share a label."""

import re

import pytest

NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)')

EXPECTED = {
    'Cari tender': '/tenders/',
    'Daftar hitam penyedia': '/vendors/blacklist',
    'Beranda': '/beranda',
    'Profil': '/auth/profile',
}
BY_ROLE = {
    'vendor': {'Perusahaan saya': '/vendors/me', 'Kunci & sertifikat': '/keys/'},
    'pokja': {'Tender saya': '/tenders/mine', 'Kunci & sertifikat': '/keys/'},
    'ppk': {'Tender saya': '/tenders/mine'},
    'verifier': {'Verifikasi penyedia': '/vendors/queue'},
    'admin': {'Pengguna': '/admin/users', 'Email yang belum terkirim': '/admin/mail'},
}


def nav_links(page: str) -> dict[str, str]:
    links = [(label.strip(), href) for href, label in LINK.findall(NAV.search(page).group(1))]
    labels = [label for label, _href in links]
    assert len(labels) == len(set(labels)), labels  # one label, one place
    return dict(links)


@pytest.mark.parametrize('role', sorted(BY_ROLE))
def test_each_nav_label_leads_where_it_says(client, login_as, role):
    login_as(role)
    links = nav_links(client.get('/beranda').get_data(as_text=True))
    for label, href in {**EXPECTED, **BY_ROLE[role]}.items():
        assert links.get(label, '').split('?')[0] == href, (label, links)
    if role != 'vendor':
        assert 'Perusahaan saya' not in links


def test_anonymous_nav(client):
    links = nav_links(client.get('/').get_data(as_text=True))
    assert links['Cari tender'] == '/tenders/' and 'Beranda' not in links
