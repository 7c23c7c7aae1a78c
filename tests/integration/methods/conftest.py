"""Fixtures of the selection-method tests: the tender, bid and evaluation fixtures, and vendors
whose register data meets (or misses) a package's qualification requirements."""

import hashlib

import pytest
from bidding.conftest import OTHER_KEY, VENDOR_KEY, bidder, rival  # noqa: F401
from evaluation.conftest import (  # noqa: F401 — fixtures shared with the evaluation tests
    _reused_tender_keys,
    app_config,
    as_user,
    cast,
    create_tender,
    other_agency,
    pokja,
)
from tenders.conftest import token  # noqa: F401

from lpse import clock
from lpse.extensions import db
from lpse.tenders.stages import Stage
from lpse.vendors.models import REQUIRED_DOCUMENTS, VendorDocument, VendorLicence
from lpse.vendors.verification import vendor_of

KBLI = '46591'  # perdagangan besar mesin kantor


def register(user, *, kbli=KBLI, documents=REQUIRED_DOCUMENTS):
    """Give a vendor's register a licence with ``kbli`` (none when None) and ``documents``."""
    vendor = vendor_of(user)
    if kbli:
        db.session.add(
            VendorLicence(vendor_id=vendor.id, name='NIB berbasis risiko', number='1', kbli=kbli)
        )
    for kind in documents:
        db.session.add(
            VendorDocument(
                vendor_id=vendor.id,
                kind=kind.value,
                filename=f'{kind.value}.pdf',
                media_type='application/pdf',
                sha256=hashlib.sha256(kind.value.encode()).hexdigest(),
                size=100,
                uploaded_at=clock.now(),
            )
        )
    db.session.commit()
    return user


@pytest.fixture
def fast_draft(create_tender):  # noqa: F811
    """A complete Tender Cepat draft (goods, small business, KBLI 46591), schedule from T0 +1 d."""
    return create_tender(
        'ready',
        selection_method='tender_cepat',
        category='barang',
        business_size='kecil',
        required_kbli=KBLI,
    )


@pytest.fixture
def konstruksi(create_tender):  # noqa: F811
    """A construction tender with prakualifikasi, in its announcement stage."""
    return create_tender(Stage.announcement, qualification_method='prakualifikasi')


# A consultancy seleksi: QCBS 80/20, technical threshold 70, two files.
SELEKSI_QCBS = {
    'selection_method': 'seleksi',
    'category': 'jasa_konsultansi',
    'evaluation_method': 'qcbs',
    'submission_files': 2,
    'method_params': {'weights': {'technical': '0.8', 'price': '0.2'}, 'technical_threshold': '70'},
}


@pytest.fixture
def seleksi(create_tender):  # noqa: F811
    """A seleksi (SELEKSI_QCBS) with prakualifikasi, in its announcement stage."""
    return create_tender(Stage.announcement, qualification_method='prakualifikasi', **SELEKSI_QCBS)


@pytest.fixture
def seleksi_pasca(create_tender):  # noqa: F811
    """A seleksi (SELEKSI_QCBS) with post-qualification, in its announcement stage."""
    return create_tender(Stage.announcement, **SELEKSI_QCBS)
