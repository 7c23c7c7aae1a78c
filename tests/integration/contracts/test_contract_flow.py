"""The contract from the SPPBJ to the BAST (issue 16 points 1 and 3): the PPK drafts, the
winner reviews and signs with its own certificate, the PPK signs last; the PDF carries both
PAdES signatures (parsed back with pyHanko); SPMK, an addendum and the BAST complete the
tender, and the stage follows every step. Refusals write nothing."""

import io
from decimal import Decimal

import pki_helpers
import pytest
from helpers import login
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from lpse import clock, pki_service, storage
from lpse.audit import AuditEvent
from lpse.contracts import operations as contracts
from lpse.contracts.models import SigningStatus
from lpse.documents import operations as documents
from lpse.errors import InvalidTransition, NotAllowed, ValidationFailed
from lpse.extensions import db
from lpse.pdf import sign_pdf
from lpse.tenders.stages import Phase, Stage
from lpse.vendors import enrolment

from .conftest import OTHER_KEY, TERMS, WINNER_KEY


def stored(sha) -> bytes:
    with storage.blob_store().open(sha) as fh:
        return fh.read()


def events(prefix='contract.') -> list[str]:
    rows = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like(f'{prefix}%'))
        .order_by(AuditEvent.seq)
    ).all()
    return list(rows)


def sign_both(tender, instrument, winner, ppk):
    contracts.review(tender, instrument, actor=winner, accept=True, now=clock.now())
    contracts.vendor_sign(
        tender, instrument, actor=winner, passphrase=pki_helpers.SIGNING_PASSPHRASE, now=clock.now()
    )
    contracts.ppk_sign(tender, instrument, actor=ppk, now=clock.now())
    db.session.commit()


def test_from_award_to_bast(app, client, awarded, cast):
    tender, winner, _loser = awarded
    ppk = cast['ppk']
    assert tender.stage(clock.now()) is Stage.contract
    contract = contracts.draft_contract(tender, TERMS, actor=ppk, now=clock.now())
    db.session.commit()
    assert contract.form == 'surat_perjanjian'  # Rp1.340.000.000 > Rp200.000.000
    assert contract.value == Decimal('1340000000')
    assert contract.bond_amount == Decimal('67000000') and contract.bond_base == 'contract'
    assert [r['unit_price'] for r in contract.boq_rows] == ['400000', '470000']

    # The vendor asks for a change; the PPK redrafts; the vendor accepts.
    contracts.review(
        tender, contract, actor=winner, accept=False, note='Termin 30 hari.', now=clock.now()
    )
    db.session.commit()
    assert contract.status == SigningStatus.changes_requested
    first_draft = contract.draft_id
    contracts.draft_contract(
        tender,
        {**TERMS, 'payment_terms': 'Termin 30 hari setelah tagihan.'},
        actor=ppk,
        now=clock.now(),
    )
    db.session.commit()
    assert contract.status == SigningStatus.draft and contract.draft_id != first_draft
    sign_both(tender, contract, winner, ppk)
    assert contract.status == SigningStatus.signed
    assert tender.contract_signed_at == clock.now()
    assert tender.stage(clock.now()) is Phase.implementation

    # The issued PDF: the vendor's signature, then the system's, both valid (pyHanko).
    issued = documents.find_document(contract.document_id)
    pdf = stored(issued.blob_sha256)
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert [s.field_name for s in embedded] == ['TandaTanganPenyedia', 'TandaTanganLPSE']
    check = documents.check_pdf(pdf)
    assert check.genuine, check.signature.reason_if_invalid
    names = [s.signer_name for s in check.signature.signatures]
    assert names == [winner.name, 'LPSE Uji sistem']
    assert all(s.valid for s in check.signature.signatures)
    page = client.get(f'/verify/{issued.id}').get_data(as_text=True)
    for signature in check.signature.signatures:
        assert signature.signer_name in page

    # SPMK (construction), an addendum signed the same way, the BAST.
    contracts.issue_spmk(tender, {'work_starts_on': '2026-04-06'}, actor=ppk, now=clock.now())
    db.session.commit()
    amendment = contracts.draft_amendment(
        tender,
        {
            'reason': 'Pekerjaan tambah drainase.',
            'new_value': '1400000000',
            'new_ends_on': '2026-10-31',
        },
        actor=ppk,
        now=clock.now(),
    )
    db.session.commit()
    with pytest.raises(InvalidTransition):
        contracts.hand_over(tender, {}, actor=ppk, now=clock.now())
    db.session.rollback()
    sign_both(tender, amendment, winner, ppk)
    assert contract.value == Decimal('1400000000')
    assert documents.check_pdf(
        stored(documents.find_document(amendment.document_id).blob_sha256)
    ).genuine
    contracts.hand_over(tender, {'note': 'Diterima baik.'}, actor=ppk, now=clock.now())
    db.session.commit()
    assert tender.stage(clock.now()) is Phase.completed
    # Each step told the party whose turn came next — in the inbox and by mail.
    from lpse.notify.models import Mail, Notification

    def told(user):
        rows = db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        ).all()
        return [(r.kind, r.title) for r in rows]

    code = tender.code
    assert told(winner) == [
        ('announced', f'Pemenang tender {code} diumumkan'),  # as every bidder
        ('award_issued', f'SPPBJ tender {code} diterbitkan untuk Anda'),
        ('contract_drafted', f'Draf kontrak tender {code} siap ditinjau'),
        ('contract_drafted', f'Draf kontrak tender {code} siap ditinjau'),
        ('contract_signed', f'Tanda tangan lengkap: kontrak tender {code}'),
        ('spmk_issued', f'SPMK tender {code} diterbitkan'),
        ('contract_drafted', f'Draf adendum kontrak tender {code} siap ditinjau'),
        ('contract_signed', f'Tanda tangan lengkap: adendum kontrak tender {code}'),
        ('handed_over', f'Serah terima pekerjaan tender {code} tercatat'),
    ]
    assert told(ppk) == [
        ('contract_changes_requested', f'Penyedia meminta perubahan draf kontrak tender {code}'),
        ('contract_vendor_signed', f'Penyedia menandatangani kontrak tender {code}'),
        ('contract_vendor_signed', f'Penyedia menandatangani adendum kontrak tender {code}'),
    ]
    mailed = db.session.scalars(select(Mail.subject).where(Mail.to == winner.email)).all()
    assert f'[LPSE] Serah terima pekerjaan tender {code} tercatat' in mailed

    # The winner's home says the work was handed over, not only that the contract is signed.
    client.get('/auth/login')
    assert login(client, winner.email).status_code == 302
    home = client.get('/beranda').get_data(as_text=True)
    card = home.split('id="home-contracts"')[1].split('</section>')[0]
    assert 'Selesai: pekerjaan telah diserahterimakan (BAST)' in card
    assert 'Ditandatangani kedua pihak' not in card
    assert events() == [
        'contract.drafted',
        'contract.changes_requested',
        'contract.drafted',
        'contract.accepted',
        'contract.vendor_signed',
        'contract.signed',
        'contract.spmk_issued',
        'contract.amendment.drafted',
        'contract.amendment.accepted',
        'contract.amendment.vendor_signed',
        'contract.amendment.signed',
        'contract.handed_over',
    ]


def test_the_list_and_page_show_the_stage_and_the_winner(app, client, awarded, cast):
    tender, _winner, _loser = awarded
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Penandatanganan Kontrak' in page
    assert 'id="winner">Pemenang: <strong>PT Dua</strong>' in page
    listing = client.get('/tenders/').get_data(as_text=True)
    assert 'data-label="Tahap">Penandatanganan Kontrak</td>' in listing
    assert client.get('/tenders/?stage=contract').get_data(as_text=True).count(tender.code) >= 1


def test_after_the_announcement_the_stage_is_the_objection_period(app, client, announced):
    """Announced before the schedule's Masa Sanggah window starts: the stage is the objection
    period the announcement opened (and never "Pembukaan…")."""
    tender, _bids, _row = announced
    assert tender.schedule[Stage.objection].start > clock.now()
    assert tender.stage(clock.now()) is Stage.objection
    listing = client.get('/tenders/').get_data(as_text=True)
    assert 'data-label="Tahap">Masa Sanggah</td>' in listing
    assert 'Pembukaan Dokumen Penawaran</td>' not in listing
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'id="winner">Pemenang: <strong>PT Dua</strong>' in page
    assert client.get('/tenders/?stage=objection').get_data(as_text=True).count(tender.code) >= 1


def test_a_wrong_passphrase_is_refused_and_counted(app, awarded, cast):
    tender, winner, _loser = awarded
    contract = contracts.draft_contract(tender, TERMS, actor=cast['ppk'], now=clock.now())
    contracts.review(tender, contract, actor=winner, accept=True, now=clock.now())
    db.session.commit()
    with pytest.raises(enrolment.WrongSigningPassphrase):
        contracts.vendor_sign(
            tender, contract, actor=winner, passphrase='bukan frasa yang benar', now=clock.now()
        )
    db.session.commit()  # the failure count and its event stand
    assert contract.status == SigningStatus.accepted
    assert 'key.unlock_failed' in events('key.')


def _self_signed(draft, key_index, user, now):
    """The draft signed by `key_index` under a certificate of `user`."""
    cert_row = pki_service.active_certificate(user, now=now)
    return sign_pdf(
        draft,
        key=pki_helpers.key(key_index),
        cert=cert_row.x509,
        chain=(pki_service.require_authority().ca_cert,),
        field_name='TandaTanganPenyedia',
        now=now,
    )


def test_an_uploaded_signature_must_be_the_draft_signed_by_the_vendor(app, awarded, cast):
    tender, winner, loser = awarded
    contract = contracts.draft_contract(tender, TERMS, actor=cast['ppk'], now=clock.now())
    contracts.review(tender, contract, actor=winner, accept=True, now=clock.now())
    db.session.commit()
    draft = contracts.draft_pdf(contract)
    now = clock.now()
    good = _self_signed(draft, WINNER_KEY, winner, now)
    pki_helpers.certify(loser, OTHER_KEY)
    other = _self_signed(draft, OTHER_KEY, loser, now)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    # Tampered: one byte of the draft changed before signing.
    tampered_draft = draft.replace(b'/Producer', b'/Producex', 1)
    for bad in (
        _self_signed(tampered_draft, WINNER_KEY, winner, now),
        good[:-200] + b'0' * 200,
        good + b'\n% appended\n',
        b'%PDF-1.7 not a pdf',
    ):
        with pytest.raises(ValidationFailed, match=r'Tanda tangan ditolak|Unggah PDF'):
            contracts.vendor_sign(tender, contract, actor=winner, signed_pdf=bad, now=now)
        db.session.rollback()
    # A valid signature by another vendor's certificate is not the winner's signature.
    with pytest.raises(ValidationFailed, match='bukan sertifikat akun Anda'):
        contracts.vendor_sign(tender, contract, actor=winner, signed_pdf=other, now=now)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    contracts.vendor_sign(tender, contract, actor=winner, signed_pdf=good, now=now)
    db.session.commit()
    assert contract.status == SigningStatus.vendor_signed


@pytest.mark.parametrize('who', ['ppk_other', 'pokja', 'loser'])
def test_only_the_ppk_drafts_and_only_the_winner_reviews(app, awarded, cast, who):
    tender, _winner, loser = awarded
    actor = loser if who == 'loser' else cast[who]
    with pytest.raises(NotAllowed):
        contracts.draft_contract(tender, TERMS, actor=actor, now=clock.now())
    contract = contracts.draft_contract(tender, TERMS, actor=cast['ppk'], now=clock.now())
    with pytest.raises(NotAllowed):
        contracts.review(tender, contract, actor=actor, accept=True, now=clock.now())
    with pytest.raises(NotAllowed):
        contracts.review(tender, contract, actor=cast['ppk'], accept=True, now=clock.now())


BAD_TERMS = [
    ({'ends_on': '2026-03-01'}, 'ends_on'),
    ({'starts_on': 'besok'}, 'starts_on'),
    ({'starts_on': None}, 'starts_on'),
    ({'bond_valid_until': '2026-09-01'}, 'bond_valid_until'),
    ({'bond_number': '  '}, 'bond_number'),
    ({'payment_terms': ['x']}, 'payment_terms'),
    ({'payment_terms': 'x' * 6000}, 'payment_terms'),
]


def test_bad_terms_name_their_field(app, awarded, cast):
    tender, _winner, _loser = awarded
    for changes, field in BAD_TERMS:
        with pytest.raises(ValidationFailed) as caught:
            contracts.draft_contract(
                tender, {**TERMS, **changes}, actor=cast['ppk'], now=clock.now()
            )
        assert caught.value.field == field, changes
        db.session.rollback()
    assert contracts.contract_of(tender) is None
