"""Document ids and the verification QR code printed on every issued PDF."""

import secrets

import segno

# RFC 4648 base32 alphabet: no 0/1/8/9, so nothing reads as O/I/L/B when typed from paper.
ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
ID_LENGTH = 20  # 100 random bits: unguessable, so the id alone never leaks a document's existence


def new_document_id() -> str:
    """A fresh random document id (20 base32 characters), assigned before rendering."""
    return ''.join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def is_document_id(value: str) -> bool:
    """Whether `value` has the shape of a document id (for routing `/verify/<id>`)."""
    return len(value) == ID_LENGTH and all(c in ID_ALPHABET for c in value)


def verification_url(base_url: str, document_id: str) -> str:
    """The public page that tells anyone whether a document with this id is genuine."""
    return f'{base_url.rstrip("/")}/verify/{document_id}'


def qr_data_uri(url: str) -> str:
    """A PNG data URI of the QR code for `url`: one pixel per module, 4-module quiet zone.

    PNG rather than SVG so the code lands in the PDF as one image XObject that tests and tools can
    extract and compare module by module; CSS scales it up with `image-rendering: pixelated`.
    """
    return segno.make(url, error='m', micro=False).png_data_uri(scale=1, border=4)
