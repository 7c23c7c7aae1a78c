"""Issued PDFs carry signature blocks with the officers' names and NIP (the Pokja members who
approved the BAHP, the PPK of the SPPBJ) and the SPPBJ its tembusan list (#16 point 6)."""

import pytest

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.errors import ValidationFailed
from lpse.evaluation import announcement, award
from lpse.extensions import db
from lpse.i18n import format_nip

from .sanggah_fixtures import announcement_time, approve, evaluate
from .test_award import pdf_text

PPK_NIP = '198501012010011001'
POKJA_NIPS = ('197003152000031002', '197512202005012003', '198006302008041004')


def _give_nips(cast, pokja):
    auth_ops.set_nip(cast['ppk'], PPK_NIP, actor=None, now=clock.now())
    for member, nip in zip(pokja, POKJA_NIPS, strict=False):
        auth_ops.set_nip(member, nip, actor=None, now=clock.now())
    db.session.commit()


def test_nip_is_eighteen_digits_and_printed_in_groups():
    assert auth_ops.normalise_nip('19850101 201001 1 001') == PPK_NIP
    assert auth_ops.normalise_nip('  ') is None
    for bad in ('12345', '1985010120100110011', '19850101201001100X'):
        with pytest.raises(ValidationFailed):
            auth_ops.normalise_nip(bad)
    assert format_nip(PPK_NIP) == '19850101 201001 1 001'
    assert format_nip(None) == '–'


@pytest.fixture
def announced_with_nips(opened_tender, pokja, cast):
    _give_nips(cast, pokja)
    tender, bids = opened_tender()
    evaluate(tender, bids, pokja)
    approve(tender, pokja)
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    return tender, bids, row


def test_bahp_names_each_approving_member_with_nip(app, announced_with_nips, pokja):
    _tender, _bids, row = announced_with_nips
    text = pdf_text(row.bahp_document)
    approvers = [m for m in pokja if m.name in text.split('Persetujuan anggota Pokja')[1]]
    assert approvers, text
    for member in approvers:
        assert f'NIP {format_nip(member.nip)}' in text
    notice = pdf_text(row.notice_document)
    assert 'Anggota Pokja Pemilihan' in notice
    assert f'NIP {format_nip(approvers[0].nip)}' in notice


def test_sppbj_has_the_ppk_signature_block_and_tembusan(app, announced_with_nips, cast):
    tender, _bids, row = announced_with_nips
    letter = award.issue_award(tender, actor=cast['ppk'], now=row.objection_ends_at)
    db.session.commit()
    text = pdf_text(letter.document)
    assert 'Pejabat Pembuat Komitmen' in text
    assert f'{cast["ppk"].name} NIP 19850101 201001 1 001' in text
    assert 'Tembusan Yth.:' in text
    assert f'Pokja Pemilihan paket {tender.code}' in text
    assert tender.agency.name in text.split('Tembusan Yth.:')[1]


def test_a_missing_nip_is_shown_as_a_dash_not_hidden(app, announced, cast):
    tender, _bids, row = announced
    assert cast['ppk'].nip is None
    letter = award.issue_award(tender, actor=cast['ppk'], now=row.objection_ends_at)
    db.session.commit()
    assert f'{cast["ppk"].name} NIP –' in pdf_text(letter.document)
