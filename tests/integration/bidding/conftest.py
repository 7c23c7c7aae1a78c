"""Bid fixtures: a tender in its bid-submission stage, bidders with signing certificates,
and sealing helpers (keys come from pki_helpers, made once per process)."""

import base64
import io
import os
from decimal import Decimal

import pki_helpers
import pytest
from tenders.conftest import (  # noqa: F401 — fixtures shared with the tender tests
    _reused_tender_keys,
    app_config,
    as_user,
    cast,
    create_tender,
    other_agency,
)
from tenders.factories import PDF, T0
from vendor_helpers import verify_vendor

from lpse import clock
from lpse.bids import sealing
from lpse.bids.package import build_package
from lpse.crypto import detached, envelope
from lpse.extensions import db
from lpse.tenders import keys
from lpse.tenders.stages import Stage
from lpse.vendors import verification

VENDOR_KEY, OTHER_KEY = 10, 11
PG_URL = os.environ.get('LPSE_TEST_DATABASE_URL')
P7M = 'application/pkcs7-mime'


@pytest.fixture
def bidder(cast):  # noqa: F811
    """The verified vendor of the cast with a server-held signing certificate (key 10)."""
    user = cast['vendor']
    pki_helpers.certify(user, VENDOR_KEY, server_held=True)
    return user


@pytest.fixture
def rival(person):
    """A second verified vendor with its own signing certificate (key 11)."""
    return certified_vendor(person, 'cv.saingan@contoh.co.id', 'CV Saingan', OTHER_KEY)


def certified_vendor(person, email, company, key_index):
    """A verified vendor `company` (user `email`) with its own signing certificate."""
    user = person(email, 'vendor')
    verify_vendor(user, company=company)
    pki_helpers.certify(user, key_index)
    return user


@pytest.fixture
def tender(create_tender, bidder):  # noqa: F811
    """A published one-file tender in its bid-submission stage (clock at T0)."""
    return create_tender(Stage.bid_submission)


def tender_cert(tender):
    return keys.require_key(tender).certificate


def make_bid(tender, user, *, kind='single', marker='', attachments=None):
    vendor = verification.vendor_of(user)
    from lpse.bids.models import EnvelopeKind

    bid = sealing.bid_document(
        tender,
        vendor,
        EnvelopeKind(kind),
        prices={1: Decimal('400000'), 2: Decimal('450000')},
        tkdn='40',
        validity_days=90,
    )
    files = (
        attachments if attachments is not None else [('surat-penawaran.pdf', PDF + marker.encode())]
    )
    return build_package(bid, files)


def seal(tender, user, key_index, *, package=None, recipient=None, **kw):
    """(envelope, submission signature) sealed and signed as `user` with key `key_index`."""
    from lpse.vendors.views import verification as _v  # noqa: F401

    cert = _signing_cert(user)
    package = package if package is not None else make_bid(tender, user, **kw)
    p7m = envelope.seal(
        package,
        signer_key=pki_helpers.key(key_index),
        signer_cert=cert,
        recipient_cert=recipient or tender_cert(tender),
    )
    return p7m, detached.sign_detached(p7m, key=pki_helpers.key(key_index), cert=cert)


def _signing_cert(user):
    from lpse.bids.permissions import signing_certificate

    return signing_certificate(user, clock.now()).x509


def sig_header(signature):
    return base64.b64encode(signature).decode()


@pytest.fixture
def token(app):
    from lpse.auth import operations

    def make(user):
        _row, value = operations.create_token(user, 'uji', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {value}'}

    return make


@pytest.fixture
def post_bid(client):
    """POST an envelope as the raw body (as `lpse submit` does)."""

    def post(tender, p7m, signature, headers, *, kind=None, stream=None, length=None):
        url = f'/api/v1/tenders/{tender.code}/bids' + (f'?envelope={kind}' if kind else '')
        extra = {'Content-Type': P7M, 'X-LPSE-Submission-Signature': sig_header(signature)}
        if stream is not None:
            extra['Content-Length'] = str(length)
            return client.post(url, input_stream=stream, headers={**headers, **extra})
        return client.post(url, data=p7m, headers={**headers, **extra})

    return post


def stored_files(app):
    """Every file under the data directory (blobs and anything else), and every blob and
    unfinished upload of the store wherever it keeps them (S3)."""
    from pathlib import Path

    import blob_helpers

    from lpse import storage
    from lpse.storage_s3 import S3Store

    root = Path(app.config['LPSE_DATA_DIR'])
    files = sorted(p for p in root.rglob('*') if p.is_file()) if root.exists() else []
    store = storage.blob_store()
    if isinstance(store, S3Store):  # (its spool folder is under the data directory)
        files += [blob_helpers.InStore('store', sha) for sha in blob_helpers.stored_blobs()]
        files += [
            blob_helpers.InStore('store', 'incoming', key)
            for key, _id, _at in store.incomplete_uploads()
        ]
    return files


__all__ = ['PDF', 'T0', 'io']
