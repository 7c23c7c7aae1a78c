"""Document ids, verification URLs and the QR data URI."""

import base64
from io import BytesIO

import segno
from PIL import Image

from lpse.pdf import new_document_id, qr_data_uri, verification_url
from lpse.pdf.qr import ID_ALPHABET, is_document_id


def test_document_ids_are_20_base32_characters_and_distinct():
    ids = {new_document_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 20 and set(i) <= set(ID_ALPHABET) for i in ids)
    assert all(is_document_id(i) for i in ids)


def test_is_document_id_rejects_other_shapes():
    assert not is_document_id('abcdefghijklmnopqrst')  # lower case
    assert not is_document_id('ABCDEFGHIJKLMNOPQRS1')  # 1 is not base32
    assert not is_document_id('A' * 64)  # a SHA-256 is not an id


def test_verification_url():
    assert verification_url('https://lpse.contoh.go.id/', 'X' * 20) == (
        'https://lpse.contoh.go.id/verify/' + 'X' * 20
    )


def test_qr_data_uri_is_a_png_of_the_url_modules():
    url = 'https://lpse.contoh.go.id/verify/ABCDEFGHIJKLMNOPQRS7'
    uri = qr_data_uri(url)
    prefix = 'data:image/png;base64,'
    assert uri.startswith(prefix)
    image = Image.open(BytesIO(base64.b64decode(uri.removeprefix(prefix)))).convert('L')
    rows = [list(row) for row in segno.make(url, error='m').matrix_iter(border=4)]
    seen = [
        [int(image.getpixel((x, y)) < 128) for x in range(image.width)] for y in range(image.height)
    ]
    assert seen == rows
