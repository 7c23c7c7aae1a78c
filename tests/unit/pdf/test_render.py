"""Rendering: the sample parsed back with pypdf, and the fetcher that refuses the outside world."""

import socket
from io import BytesIO

import jinja2
import pytest
import segno
from pypdf import PdfReader

from lpse.pdf import render
from lpse.pdf.render import ResourceRefused, StaticOnlyFetcher, render_pdf

from .conftest import CHECKPOINT, DOCUMENT_ID, NOW, ROW_IDS, sample_context


def _text(pdf: bytes) -> str:
    return '\n'.join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_sample_text_holds_title_id_rows_and_words(sample_pdf):
    text = ' '.join(_text(sample_pdf).split())
    assert 'DOKUMEN CONTOH PENGUJIAN' in text
    assert f'ID Dokumen: {DOCUMENT_ID}' in text
    assert f'https://lpse.contoh.go.id/verify/{DOCUMENT_ID}' in text
    assert f'Titik audit: {CHECKPOINT}' in text
    assert 'Rp1.543.250.750' in text
    assert (
        'Satu miliar lima ratus empat puluh tiga juta dua ratus lima puluh ribu '
        'tujuh ratus lima puluh rupiah' in text
    )
    assert '5 Januari 2026 17:30 WITA (16:30 WIB)' in text
    assert [row for row in ROW_IDS if row not in text] == []


def test_long_table_breaks_across_pages_with_repeated_header(sample_pdf):
    pages = PdfReader(BytesIO(sample_pdf)).pages
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f'Halaman {number} dari {len(pages)}' in text
        assert 'Kode item' in text  # the table header, repeated on every page the table spans
        assert DOCUMENT_ID in text


def test_metadata(sample_pdf):
    meta = PdfReader(BytesIO(sample_pdf)).metadata
    assert meta.title == 'Dokumen Contoh Pengujian'
    assert meta.author == 'LPSE'
    assert meta['/CreationDate'].startswith('D:20260105093000')
    assert meta['/Producer'].startswith('WeasyPrint')


def test_fonts_are_embedded_dejavu(sample_pdf):
    page = PdfReader(BytesIO(sample_pdf)).pages[0]
    fonts = [font.get_object() for font in page['/Resources']['/Font'].values()]
    names = {font['/BaseFont'].split('+', 1)[-1] for font in fonts}
    assert names >= {'DejaVu-Sans', 'DejaVu-Sans-Bold', 'DejaVu-Sans-Mono'}
    for font in fonts:
        descriptor = font['/DescendantFonts'][0].get_object()['/FontDescriptor']
        assert '/FontFile2' in descriptor


def test_qr_on_page_one_encodes_the_verification_url(sample_pdf):
    """The QR image's pixels are exactly the modules segno makes for the URL (1 px per module)."""
    images = PdfReader(BytesIO(sample_pdf)).pages[0].images
    assert len(images) == 1
    pixels = images[0].image.convert('L')
    expected = segno.make(f'https://lpse.contoh.go.id/verify/{DOCUMENT_ID}', error='m')
    rows = [list(row) for row in expected.matrix_iter(border=4)]
    assert pixels.size == (len(rows[0]), len(rows))
    seen = [
        [int(pixels.getpixel((x, y)) < 128) for x in range(pixels.width)] for y in range(len(rows))
    ]
    assert seen == rows


def test_same_input_and_now_give_the_same_bytes(env, sample_pdf):
    assert render_pdf('pdf/sample.html', sample_context(), env=env, now=NOW) == sample_pdf


def test_footer_fields_are_required(env):
    with pytest.raises(ValueError, match='audit_checkpoint'):
        render_pdf('pdf/sample.html', sample_context(audit_checkpoint=''), env=env, now=NOW)


def test_a_missing_font_is_an_error_not_a_fallback(env, tmp_path):
    with pytest.raises(render.FontMissing, match='fonts-dejavu-core'):
        render_pdf('pdf/sample.html', sample_context(), env=env, now=NOW, font_dir=tmp_path)


HOSTILE = {
    'img https': '<img src="https://example.com/x.png">',
    'img file': '<img src="file:///etc/passwd">',
    'stylesheet http': '<link rel="stylesheet" href="http://example.com/x.css">',
    'css background file': '<div style="background: url(file:///etc/hostname)">x</div>',
    'relative escape': '<img src="../../../../../../etc/passwd">',
    'font-face https': (
        '<style>@font-face { font-family: X; src: url(https://example.com/x.ttf) }'
        ' p { font-family: X }</style><p>x</p>'
    ),
}


@pytest.fixture
def recorded_fetchers(monkeypatch):
    """Every fetcher render_pdf makes, and a socket that fails the test if anything dials out."""
    made = []

    class Recording(StaticOnlyFetcher):
        def __init__(self, roots):
            super().__init__(roots)
            made.append(self)

    def no_network(*args, **kwargs):
        raise AssertionError('rendering tried to open a network connection')

    monkeypatch.setattr(render, 'StaticOnlyFetcher', Recording)
    monkeypatch.setattr(socket.socket, 'connect', no_network)
    monkeypatch.setattr(socket, 'create_connection', no_network)
    return made


@pytest.mark.parametrize('markup', HOSTILE.values(), ids=HOSTILE.keys())
def test_fetcher_refuses_network_and_files_outside_static(recorded_fetchers, markup):
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {'pdf/hostile.html': f'<html><head><title>t</title></head><body>{markup}</body></html>'}
        ),
        autoescape=True,
    )
    with pytest.raises(ResourceRefused, match='refused to fetch'):
        render_pdf('pdf/hostile.html', sample_context(), env=env, now=NOW)
    (fetcher,) = recorded_fetchers
    assert len(fetcher.refused) == 1
    assert not [url for url in fetcher.fetched if not url.startswith(('data:', 'file:'))]
    assert not [url for url in fetcher.fetched if 'etc/' in url or 'example.com' in url]


def test_fetcher_serves_static_files_and_data_uris(recorded_fetchers, env):
    render_pdf('pdf/sample.html', sample_context(), env=env, now=NOW)
    (fetcher,) = recorded_fetchers
    assert fetcher.refused == []
    assert any(url.endswith('/lpse/static/css/pdf.css') for url in fetcher.fetched)
    assert any(url.startswith('data:image/png') for url in fetcher.fetched)
    assert any(url.endswith('/DejaVuSans.ttf') for url in fetcher.fetched)


def test_fetcher_refuses_a_symlink_out_of_static(tmp_path):
    static = tmp_path / 'static'
    static.mkdir()
    (static / 'logo.png').symlink_to('/etc/hostname')
    fetcher = StaticOnlyFetcher([static])
    with pytest.raises(ResourceRefused):
        fetcher.fetch((static / 'logo.png').as_uri())
    assert fetcher.fetched == []
