"""Standard formats only: OpenSSL opens what we seal (given the tender key rebuilt from k
shares), our endpoint accepts what OpenSSL alone makes; `lpse seal` + `lpse submit` against a
live server, then `lpse verify-receipt`; memory stays flat for a 40 MB envelope."""

import hashlib
import io
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pki_helpers
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from lpse import pki_service
from lpse.bids.models import Bid
from lpse.crypto import keystore, shamir
from lpse.extensions import db
from lpse.tenders.keys import key_of

from .conftest import P7M, VENDOR_KEY, make_bid, seal, sig_header


def pem(obj):
    return obj.public_bytes(serialization.Encoding.PEM)


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def openssl(*args):
    subprocess.run(['openssl', *args], check=True, capture_output=True)


def rebuilt_tender_key(tender, cast):
    """What the opening will do: k members decrypt their shares; the key is rebuilt."""
    row = key_of(tender)
    keys = {cast['pokja'].id: pki_helpers.key(1), cast['pokja2'].id: pki_helpers.key(2)}
    shares = [
        shamir.decrypt_share(s.ciphertext, keys[s.user_id]) for s in row.shares if s.user_id in keys
    ]
    return shamir.recover_tender_key(row.protected_key, shamir.combine_shares(shares)), row


def test_openssl_opens_and_verifies_what_the_system_sealed(tmp_path, tender, bidder, cast):
    package = make_bid(tender, bidder)
    p7m, _sig = seal(tender, bidder, VENDOR_KEY, package=package)
    key, row = rebuilt_tender_key(tender, cast)
    (tmp_path / 'bid.p7m').write_bytes(p7m)
    (tmp_path / 'tender.pem').write_bytes(row.certificate_pem.encode())
    (tmp_path / 'tender.key').write_bytes(key_pem(key))
    (tmp_path / 'ca.pem').write_bytes(pem(pki_service.authority().ca_cert))
    os.chdir(tmp_path)
    openssl(
        'cms',
        '-decrypt',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'bid.p7m',
        '-recip',
        'tender.pem',
        '-inkey',
        'tender.key',
        '-out',
        's.der',
    )
    openssl(
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        's.der',
        '-CAfile',
        'ca.pem',
        '-purpose',
        'any',
        '-out',
        'bid.zip',
    )
    assert (tmp_path / 'bid.zip').read_bytes() == package


def test_an_envelope_made_with_openssl_alone_is_accepted(tmp_path, tender, bidder, token, client):
    from lpse.bids.permissions import signing_certificate

    cert = signing_certificate(bidder, pki_helpers.material()['created']).x509
    (tmp_path / 'bid.zip').write_bytes(make_bid(tender, bidder))
    (tmp_path / 'v.crt').write_bytes(pem(cert))
    (tmp_path / 'v.key').write_bytes(key_pem(pki_helpers.key(VENDOR_KEY)))
    (tmp_path / 'tender.crt').write_bytes(key_of(tender).certificate_pem.encode())
    os.chdir(tmp_path)
    # -keyopt applies to the -signer before it: it must come after -signer/-inkey.
    pss = [
        '-md',
        'sha256',
        '-signer',
        'v.crt',
        '-inkey',
        'v.key',
        '-keyopt',
        'rsa_padding_mode:pss',
    ]
    openssl(
        'cms',
        '-sign',
        '-binary',
        '-nodetach',
        '-outform',
        'DER',
        *pss,
        '-in',
        'bid.zip',
        '-out',
        'signed.der',
    )
    openssl(
        'cms',
        '-encrypt',
        '-binary',
        '-aes-256-gcm',
        '-recip',
        'tender.crt',
        '-keyopt',
        'rsa_padding_mode:oaep',
        '-keyopt',
        'rsa_oaep_md:sha256',
        '-outform',
        'DER',
        '-in',
        'signed.der',
        '-out',
        'bid.p7m',
    )
    openssl(
        'cms', '-sign', '-binary', '-outform', 'DER', *pss, '-in', 'bid.p7m', '-out', 'bid.p7m.sig'
    )
    p7m = (tmp_path / 'bid.p7m').read_bytes()
    response = client.post(
        f'/api/v1/tenders/{tender.code}/bids',
        data=p7m,
        headers={
            **token(bidder),
            'Content-Type': P7M,
            'X-LPSE-Submission-Signature': sig_header((tmp_path / 'bid.p7m.sig').read_bytes()),
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()['receipt']['envelope_sha256'] == hashlib.sha256(p7m).hexdigest()


def _run_lpse(*args, env=None):
    return subprocess.run(
        [sys.executable, '-m', 'lpse.console', *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )


def test_lpse_seal_submit_and_verify_receipt_against_a_live_server(
    tmp_path, live_server, tender, bidder, token
):
    import json

    from lpse.bids.permissions import signing_certificate
    from lpse.vendors.verification import vendor_of

    cert = signing_certificate(bidder, pki_helpers.material()['created']).x509
    (tmp_path / 'my.crt').write_bytes(pem(cert))
    (tmp_path / 'my.key').write_bytes(
        keystore.dump_key_file(pki_helpers.key(VENDOR_KEY), 'kunci-uji-12345')
    )
    (tmp_path / 'tender.pem').write_bytes(key_of(tender).certificate_pem.encode())
    (tmp_path / 'ca.pem').write_bytes(pem(pki_service.authority().ca_cert))
    (tmp_path / 'system.pem').write_bytes(pem(pki_service.authority().system_cert))
    (tmp_path / 'surat.pdf').write_bytes(b'%PDF-1.4\n%%EOF\n')
    bid = {
        'format': 'lpse-bid/1',
        'tender_code': tender.code,
        'tender_version': 1,
        'vendor_npwp': vendor_of(bidder).npwp,
        'envelope': 'single',
        'price_lines': [{'item': '1', 'quantity': '1000', 'unit': 'm3', 'unit_price': '400000'}],
        'declared_total': '400000000',
        'currency': 'IDR',
        'tkdn': '40',
        'validity_days': 90,
        'attachments': [],
    }
    (tmp_path / 'bid.json').write_text(json.dumps(bid))
    headers = token(bidder)
    t = tmp_path
    sealed = _run_lpse(
        'seal',
        '--tender-cert',
        str(t / 'tender.pem'),
        '--key',
        str(t / 'my.key'),
        '--cert',
        str(t / 'my.crt'),
        '--bid',
        str(t / 'bid.json'),
        '--attach',
        str(t / 'surat.pdf'),
        '-o',
        str(t / 'bid.p7m'),
        env={'LPSE_KEY_PASSPHRASE': 'kunci-uji-12345'},
    )
    assert sealed.returncode == 0, sealed.stderr
    assert (t / 'bid.p7m.sig').is_file()
    submitted = _run_lpse(
        'submit',
        '--server',
        live_server,
        '--tender',
        tender.code,
        '--ca',
        str(t / 'ca.pem'),
        '--system-cert',
        str(t / 'system.pem'),
        str(t / 'bid.p7m'),
        env={'LPSE_API_TOKEN': headers['Authorization'].split()[1]},
    )
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    assert 'OK: the receipt signature verifies' in submitted.stdout
    checked = _run_lpse(
        'verify-receipt',
        str(t / 'bid.p7m.receipt.json'),
        '--bid',
        str(t / 'bid.p7m'),
        '--ca',
        str(t / 'ca.pem'),
        '--system-cert',
        str(t / 'system.pem'),
    )
    assert checked.returncode == 0, checked.stderr
    db.session.expire_all()
    assert (
        db.session.scalar(select(Bid.sha256))
        == hashlib.sha256((t / 'bid.p7m').read_bytes()).hexdigest()
    )


def test_memory_does_not_grow_with_the_envelope_size(app, tender, bidder, token, post_bid):
    """A 40 MB envelope streams through in chunks: the peak stays a few MB."""
    app.config['MAX_CONTENT_LENGTH'] = 60 * 1024 * 1024
    big = make_bid(
        tender, bidder, attachments=[('lampiran.pdf', b'%PDF-' + os.urandom(40 * 1024 * 1024))]
    )
    p7m, sig = seal(tender, bidder, VENDOR_KEY, package=big)
    del big
    path = Path(app.config['LPSE_DATA_DIR']).parent / 'big.p7m'
    path.write_bytes(p7m)
    size = len(p7m)
    del p7m
    headers = token(bidder)
    with path.open('rb') as fh:
        tracemalloc.start()
        response = post_bid(tender, None, sig, headers, stream=fh, length=size)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 201, response.get_data(as_text=True)
    assert peak < 8 * 1024 * 1024, f'peak {peak / 2**20:.1f} MB for a {size / 2**20:.0f} MB upload'
    assert io
