"""Search stored text and bytes for an RSA private key in the clear, in any usual encoding:
hex or decimal numbers, DER, base64 at every byte alignment (so a PEM body cut into 64-character
lines is still found once whitespace is stripped), and any `-----BEGIN … PRIVATE KEY-----`
block, which is decoded and compared with the key. The modulus is public, so it is looked for
everywhere except inside certificates, public keys, CSRs and CRLs; the private exponent and
primes are looked for everywhere."""

import base64
import re

from cryptography.hazmat.primitives import serialization

PEM_BLOCK = re.compile(
    r'-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(.*?)-----END \1PRIVATE KEY-----', re.DOTALL
)
WHITESPACE = re.compile(r'\s+')


def _b64_needles(raw: bytes, length: int = 48) -> set[str]:
    """Base64 of `raw` as it appears inside any larger base64 text: one stretch for each of
    the three byte alignments, trimmed of the characters that depend on neighbouring bytes."""
    needles = set()
    for shift in range(3):
        chunk = raw[shift : shift + length + 3]
        text = base64.b64encode(chunk).decode()
        needles.add(text[4 : 4 + length])
    return needles


def _bytes(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, 'big')


def needles_for(key) -> tuple[set[str], set[str]]:
    """(needles of the private numbers, needles of the public modulus). The modulus is public:
    a certificate or public key legitimately carries it, so its needles are looked for only
    outside PEM blocks of public objects (see `_without_public_blocks`)."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    private = {format(numbers.d, 'x'), str(numbers.d), format(numbers.p, 'x')}
    for secret in (numbers.d, numbers.p, numbers.q):
        private |= _b64_needles(_bytes(secret)[8:])
    public = {format(n, 'x'), str(n)} | _b64_needles(_bytes(n)[8:])
    return private, public


PUBLIC_BLOCK = re.compile(
    r'-----BEGIN (CERTIFICATE|PUBLIC KEY|CERTIFICATE REQUEST|X509 CRL)-----.*?-----END \1-----',
    re.DOTALL,
)


def _without_public_blocks(text: str) -> str:
    return PUBLIC_BLOCK.sub('', text)


def _pem_keys_match(text: str, key) -> bool:
    """Whether a PRIVATE KEY block in the text is this key (unencrypted PKCS#8 or PKCS#1)."""
    for match in PEM_BLOCK.finditer(text):
        pem = match.group(0).encode()
        try:
            loaded = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError):
            continue  # encrypted, or not a key: not in the clear
        if loaded.private_numbers() == key.private_numbers():
            return True
    return False


def leaks(values, key) -> list[str]:
    """What gives the key away in `values` (str, bytes or memoryview), empty when nothing."""
    d_bytes = _bytes(key.private_numbers().d)
    private, public = needles_for(key)
    found = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            if d_bytes in raw:
                found.append('private exponent as raw bytes')
            texts = [raw.hex(), raw.decode('latin-1')]
        else:
            texts = [str(value)]
        for text in texts:
            if _pem_keys_match(text, key):
                found.append('an unencrypted PEM private key')
            for needles, haystack in ((private, text), (public, _without_public_blocks(text))):
                flat = WHITESPACE.sub('', haystack)
                lowered = flat.lower()
                found += [f'needle {n[:12]}…' for n in needles if n in flat or n.lower() in lowered]
    return found
