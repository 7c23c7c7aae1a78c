"""SPPBJ: the PPK only, never while the objection period runs or an objection is unanswered;
the award letter and the announcement PDFs are signed, verifiable and say what was decided."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from lpse import clock, storage
from lpse.documents import operations as documents
from lpse.errors import InvalidTransition, NotAllowed, StageClosed
from lpse.evaluation import award, objections
from lpse.extensions import db

from .sanggah_fixtures import (
    LOSER,
    TECHNICAL_FAILURE,
    WINNER,
    vendor_user,
    written,
)

US = timedelta(microseconds=1)


def pdf_text(document) -> str:
    with storage.blob_store().open(document.blob_sha256) as fh:
        data = fh.read()
    check = documents.check_pdf(data)
    assert check.genuine, check.signature
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r'\s+', ' ', text)


def test_award_refused_during_the_period_and_while_an_objection_is_pending(
    app, announced, cast, pokja
):
    tender, bids, row = announced
    ppk = cast['ppk']
    before = written()
    with pytest.raises(StageClosed, match='masa sanggah'):
        award.issue_award(tender, actor=ppk, now=row.objection_ends_at - US)
    db.session.rollback()
    filed = objections.file_objection(
        tender, actor=vendor_user(bids[LOSER]), grounds='Keberatan.', now=row.announced_at
    )
    db.session.commit()
    before = written()
    with pytest.raises(StageClosed, match='belum dijawab'):
        award.issue_award(tender, actor=ppk, now=row.objection_ends_at)
    db.session.rollback()
    assert written() == before
    objections.answer_objection(
        filed, actor=pokja[0], accepted=False, answer='Ditolak.', now=row.objection_ends_at
    )
    db.session.commit()
    letter = award.issue_award(tender, actor=ppk, now=row.objection_ends_at)
    db.session.commit()
    assert tender.award_issued_at == row.objection_ends_at
    assert letter.vendor_id == bids[WINNER].vendor_id
    assert letter.amount == Decimal('1340000000')
    assert letter.performance_bond == Decimal('67000000')
    assert letter.contract_deadline == row.objection_ends_at + timedelta(days=14)
    with pytest.raises(InvalidTransition, match='sudah diterbitkan'):
        award.issue_award(tender, actor=ppk, now=row.objection_ends_at)


@pytest.mark.parametrize('who', ['ppk_other', 'pokja', 'vendor'])
def test_only_the_packages_ppk_awards(app, announced, cast, who):
    tender, _bids, row = announced
    with pytest.raises(NotAllowed):
        award.issue_award(tender, actor=cast[who], now=row.objection_ends_at)


def test_award_needs_an_announcement(app, decided, cast):
    tender, _bids = decided
    with pytest.raises(InvalidTransition, match='belum diumumkan'):
        award.issue_award(tender, actor=cast['ppk'], now=clock.now() + timedelta(days=30))


def test_bond_is_five_percent_of_hps_below_eighty_percent():
    assert award.performance_bond(Decimal('1000'), Decimal('2000')) == Decimal('100')
    assert award.performance_bond(Decimal('1600'), Decimal('2000')) == Decimal('80')


def test_announcement_pdfs_list_every_bidder_amounts_and_winner(app, announced):
    tender, _bids, row = announced
    bahp = pdf_text(row.bahp_document)
    for name in ('PT Satu', 'PT Dua', 'PT Tiga'):
        assert name in bahp
    for amount in ('Rp1.410.000.000', 'Rp1.340.000.000', 'Rp1.460.000.000', 'Rp1.500.000.000'):
        assert amount in bahp
    assert 'Pemenang PT Dua' in bahp
    assert 'Pemenang cadangan 1 PT Satu' in bahp
    assert TECHNICAL_FAILURE in bahp
    assert 'satu miliar tiga ratus empat puluh juta rupiah' in bahp.lower()
    assert 'Disetujui oleh 2 dari 3 anggota Pokja' in bahp
    assert tender.code in bahp
    notice = pdf_text(row.notice_document)
    assert 'Pengumuman Pemenang' in notice
    for name in ('PT Satu', 'PT Dua', 'PT Tiga'):
        assert name in notice
    assert 'Rp1.340.000.000' in notice and 'Rp1.500.000.000' in notice


def test_award_letter_pdf_has_amount_in_words_and_is_verifiable(app, client, announced, cast):
    tender, _bids, row = announced
    letter = award.issue_award(tender, actor=cast['ppk'], now=row.objection_ends_at)
    db.session.commit()
    text = pdf_text(letter.document)
    assert letter.number in text
    assert 'PT Dua' in text and 'Rp1.340.000.000' in text
    assert 'Satu miliar tiga ratus empat puluh juta rupiah' in text
    assert 'Rp67.000.000' in text and 'Enam puluh tujuh juta rupiah' in text
    assert cast['ppk'].name in text
    assert 'Daftar Hitam' in text
    with storage.blob_store().open(letter.document.blob_sha256) as fh:
        data = fh.read()
    response = client.post(
        '/verify',
        data={'file': (io.BytesIO(data), 'sppbj.pdf')},
        content_type='multipart/form-data',
    )
    assert response.status_code == 200
    assert 'Asli: dokumen ini diterbitkan oleh sistem ini.' in response.get_data(as_text=True)
