"""OpenSSL both ways, with the commands of docs/VERIFY.md run as written: a bid sealed only
with OpenSSL opens and verifies in the ceremony, and a bid the system sealed opens with
`openssl cms -decrypt` under the published key and verifies with `openssl cms -verify`."""

import hashlib
import re
import subprocess
from pathlib import Path

import opening_helpers
import pki_helpers
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from lpse import clock
from lpse.bids.permissions import signing_certificate
from lpse.extensions import db
from lpse.opening.models import OpenedBid
from lpse.tenders.keys import key_of

from .conftest import OTHER_KEY, VENDOR_KEY, make_bid, submit, submit_sealed

VERIFY_MD = Path(__file__).resolve().parents[3] / 'docs' / 'VERIFY.md'


def block(marker):
    """The ```sh block of docs/VERIFY.md whose first line is `# <marker>`."""
    for body in re.findall(r'```sh\n(.*?)```', VERIFY_MD.read_text(), re.S):
        if body.startswith(f'# {marker}\n'):
            return body
    raise AssertionError(f'docs/VERIFY.md has no block "# {marker}"')


def run_block(marker, cwd):
    done = subprocess.run(
        ['bash', '-c', block(marker)], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def pem(obj):
    return obj.public_bytes(serialization.Encoding.PEM)


def test_a_bid_sealed_with_openssl_alone_opens_in_the_ceremony(
    tmp_path, tender, bidder, rival, members
):
    package = make_bid(tender, bidder, marker='openssl')
    (tmp_path / 'bid.zip').write_bytes(package)
    (tmp_path / 'me.crt').write_bytes(pem(signing_certificate(bidder, clock.now()).x509))
    (tmp_path / 'me.key').write_bytes(
        pki_helpers.key(VENDOR_KEY).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / 'tender.pem').write_bytes(key_of(tender).certificate_pem.encode())
    run_block('seal-bid', tmp_path)
    p7m = (tmp_path / 'bid.p7m').read_bytes()
    sealed = submit(tender, bidder, p7m, (tmp_path / 'bid.p7m.sig').read_bytes())
    ours = submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = {r.bid_id: r for r in db.session.scalars(select(OpenedBid))}
    assert rows[sealed.id].result == 'opened' and rows[sealed.id].signature_valid is True
    assert rows[ours.id].result == 'opened'
    assert '"tender_code":"' + tender.code + '"' in rows[sealed.id].bid_json


def test_a_system_sealed_bid_opens_with_openssl_and_the_published_key(
    tmp_path, client, tender, bids, cast, members, token
):
    opening_helpers.open_all(tender, members)
    headers = token(cast['auditor'])
    base = f'/api/v1/tenders/{tender.code}'
    for name, url in (
        ('tender.key', base + '/key.pem'),
        ('tender.pem', base + '/certificate'),
        ('ca.pem', '/api/v1/ca.pem'),
        ('bid.p7m', f'{base}/bids/{bids[0].id}/envelope'),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        (tmp_path / name).write_bytes(response.data)
    done = run_block('verify-bid', tmp_path)
    assert hashlib.sha256((tmp_path / 'bid.p7m').read_bytes()).hexdigest() == bids[0].sha256
    assert bids[0].sha256 in done.stdout
    assert 'Verification successful' in done.stderr
    assert '012345678901000' in done.stdout  # the signer's serialNumber: the bidder's NPWP
    listed = client.get(base + '/bids', headers=headers).get_json()['bids'][0]
    assert f'"declared_total": "{listed["declared_total"].rstrip("0").rstrip(".")}"' in done.stdout
