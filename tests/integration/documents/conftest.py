"""Documents fixtures: the CA, a cast around one draft tender, and an issued sample PDF."""

import pytest
from ca_fixtures import authority, ca_pki, foreign_pki, locked_keys, signing_config
from tenders.factories import T0, draft_data

from lpse import clock
from lpse.agencies import operations as agency_ops
from lpse.documents import operations
from lpse.extensions import db
from lpse.tenders import operations as tender_ops

__all__ = ['authority', 'ca_pki', 'foreign_pki', 'locked_keys', 'signing_config']


@pytest.fixture
def app_config(signing_config):
    return signing_config


@pytest.fixture
def cast(person, agency):
    """Who matters to a document: its owner, the tender's officers, the agency's, others."""
    clock.set_now(T0)
    other = agency_ops.create_agency(
        code='KABLAIN', name='Kabupaten Lain', timezone='Asia/Jayapura', actor=None, now=T0
    )
    db.session.commit()
    return {
        'pokja': person('pokja1@uji.go.id', 'pokja', agency=agency),
        'pokja2': person('pokja2@uji.go.id', 'pokja', agency=agency),
        'pokja3': person('pokja3@uji.go.id', 'pokja', agency=agency),
        'ppk': person('ppk@uji.go.id', 'ppk', agency=agency),
        'pokja_agency': person('pokja.lain@uji.go.id', 'pokja', agency=agency),
        'pokja_other_agency': person('pokja@lain.go.id', 'pokja', agency=other),
        'verifier': person('verif@uji.go.id', 'verifier', agency=agency),
        'vendor': person('pt.maju@contoh.co.id', 'vendor'),
        'other_vendor': person('pt.lain@contoh.co.id', 'vendor'),
        'auditor': person('auditor@bpkp.go.id', 'auditor'),
        'admin': person('admin@uji.go.id', 'admin', agency=agency),
    }


@pytest.fixture
def tender(cast, agency):
    tender = tender_ops.create_draft(
        agency=agency, data=draft_data(cast), actor=cast['pokja'], now=T0
    )
    db.session.commit()
    return tender


def sample_context(**changes):
    return {
        'title': 'Dokumen Contoh',
        'agency_name': 'Pemerintah Kota Uji',
        'tender_code': 'KOTAUJI-2026-00001',
        'package_name': 'Pembangunan Jalan Lingkar Utara',
        'issued_at': '2 Maret 2026 10:00 WITA',
        'amount': 'Rp1.500.000.000,00',
        'amount_words': 'satu miliar lima ratus juta rupiah',
        'rows': [{'id': f'ITEM-{i}', 'description': 'Galian', 'price': '500.000'} for i in (1, 2)],
    } | changes


@pytest.fixture
def issued(authority, tender, cast):
    """A sample PDF issued for the tender, owned by the vendor (committed)."""
    row = operations.issue_document(
        'sample', 'pdf/sample.html', sample_context(), tender=tender, owner=cast['vendor'], now=T0
    )
    db.session.commit()
    return row
