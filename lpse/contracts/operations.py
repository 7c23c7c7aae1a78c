"""The steps of a contract (DOMAIN §8): the PPK drafts it from the SPPBJ, the winner reviews
it, both sign (the vendor first, with its own certificate; then the PPK's system signature),
then the SPMK, amendments (each drafted, reviewed and signed the same way) and the BAST, which
completes the tender.

No request, no commit: each function checks who acts and in what state, writes, flushes and
records its step through `_step` — the one place a contract step happens (a notifier hooks
there). A refused step raises before writing anything, except a wrong signing passphrase,
whose throttle count and `key.unlock_failed` event the caller commits before answering."""

import io
import json
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lpse import audit, storage
from lpse.auth import scope
from lpse.contracts import documents as contract_documents
from lpse.contracts import terms
from lpse.contracts.models import Contract, ContractAmendment, SigningStatus
from lpse.documents import operations as documents
from lpse.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from lpse.evaluation import award as awards
from lpse.extensions import db
from lpse.opening.models import OpenedBid
from lpse.tenders import news
from lpse.tenders.models import TenderStatus
from lpse.vendors import signing

MAX_SIGNED_PDF = signing.MAX_SIGNED_PDF
MAX_TEXT = 5000
SignatureInvalid = signing.SignatureInvalid


# --- who may act --------------------------------------------------------------------------


def contract_of(tender) -> Contract | None:
    return db.session.scalar(select(Contract).where(Contract.tender_id == tender.id))


def require_contract(tender) -> Contract:
    contract = contract_of(tender)
    if contract is None:
        raise NotFound(_l('Kontrak tender ini belum dibuat.'))
    return contract


def is_ppk(tender, user) -> bool:
    return user is not None and getattr(user, 'id', None) == tender.ppk_id


def is_winner(tender, user) -> bool:
    """The user of the vendor the SPPBJ appointed."""
    award = awards.award_of(tender)
    return user is not None and award is not None and award.vendor.user_id == user.id


def can_view(tender, user) -> bool:
    """The PPK, the winner, the Pokja, admins, and auditors whose assignment covers the tender
    (the public sees the stage only)."""
    if user is None or not getattr(user, 'is_authenticated', False):
        return False
    return (
        is_ppk(tender, user)
        or is_winner(tender, user)
        or tender.is_officer(user)
        or user.has_role('admin')
        or scope.audits_tender(user, tender)
    )


def _require_ppk(tender, actor):
    if not is_ppk(tender, actor):
        raise NotAllowed(_l('Hanya PPK paket ini yang dapat melakukan langkah kontrak ini.'))


def _require_winner(tender, actor):
    if not is_winner(tender, actor):
        raise NotAllowed(_l('Hanya penyedia pemenang yang dapat melakukan langkah kontrak ini.'))


# Who hears of a step, and what (tenders.news.MESSAGES): the party whose turn it is next, so
# neither has to keep checking the contract page. An amendment's steps say so.
_NEWS = {
    'drafted': ('winner', 'contract_drafted'),
    'changes_requested': ('ppk', 'contract_changes_requested'),
    'vendor_signed': ('ppk', 'contract_vendor_signed'),
    'signed': ('winner', 'contract_signed'),
    'spmk_issued': ('winner', 'spmk_issued'),
    'handed_over': ('winner', 'handed_over'),
}


def _step(action, instrument, tender, *, actor, now, ip, **data):
    """Record one contract step (`contract.<action>`): the single place where contract events
    happen, for the audit log and whoever follows them."""
    audit.record(
        f'contract.{action}', instrument, actor=actor, now=now, ip=ip, tender=tender.code, **data
    )
    amendment, _, step = action.rpartition('.')
    if step in _NEWS:
        party, kind = _NEWS[step]
        user = tender.ppk if party == 'ppk' else awards.award_of(tender).vendor.user
        what = _l('adendum kontrak') if amendment else _l('kontrak')
        news.tell(tender, kind, to=[user], now=now, endpoint='contracts.show', what=what)


# --- drafting -----------------------------------------------------------------------------


def _text(value, name, *, limit=MAX_TEXT, required=True) -> str:
    text = value.strip() if isinstance(value, str) else ''
    if required and not text:
        raise ValidationFailed(_l('Kolom ini wajib diisi.'), field=name)
    if len(text) > limit:
        raise ValidationFailed(_l('Teks terlalu panjang (maks. %(n)s).', n=limit), field=name)
    return text


def _date(value, name) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationFailed(_l('Tanggal tidak valid (format YYYY-MM-DD).'), field=name)


def boq_at_contract_prices(tender, award) -> list[dict]:
    """The tender's BoQ with the winner's unit prices from its opened (price) envelope."""
    rows = db.session.scalars(
        select(OpenedBid.bid_json).where(
            OpenedBid.tender_id == tender.id,
            OpenedBid.vendor_id == award.vendor_id,
            OpenedBid.bid_json.is_not(None),
        )
    ).all()
    prices = {}
    for raw in rows:
        for line in json.loads(raw).get('price_lines', []):
            prices[str(line.get('item'))] = line.get('unit_price')
    result = []
    for item in tender.boq_items:
        price = prices.get(str(item.position))
        unit_price = Decimal(price) if price is not None else None
        total = unit_price * item.quantity if unit_price is not None else None
        result.append(
            {
                'position': item.position,
                'description': item.description,
                'quantity': str(item.quantity.normalize()),
                'unit': item.unit,
                'unit_price': str(unit_price) if unit_price is not None else None,
                'total': str(total.quantize(Decimal('0.01'))) if total is not None else None,
            }
        )
    return result


def draft_terms(tender, data: dict) -> dict:
    """The PPK's terms, checked: dates in order, bond fields, payment terms."""
    starts_on = _date(data.get('starts_on'), 'starts_on')
    ends_on = _date(data.get('ends_on'), 'ends_on')
    if ends_on < starts_on:
        raise ValidationFailed(_l('Tanggal selesai harus setelah tanggal mulai.'), field='ends_on')
    valid_until = _date(data.get('bond_valid_until'), 'bond_valid_until')
    if valid_until < ends_on:
        raise ValidationFailed(
            _l('Jaminan pelaksanaan harus berlaku sampai akhir kontrak.'),
            field='bond_valid_until',
        )
    return {
        'starts_on': starts_on,
        'ends_on': ends_on,
        'bond_valid_until': valid_until,
        'bond_number': _text(data.get('bond_number'), 'bond_number', limit=100),
        'bond_issuer': _text(data.get('bond_issuer'), 'bond_issuer', limit=200),
        'payment_terms': _text(data.get('payment_terms'), 'payment_terms'),
    }


def draft_contract(tender, data: dict, *, actor, now, ip=None) -> Contract:
    """The PPK drafts (or, after the vendor asked for changes, redrafts) the contract."""
    _require_ppk(tender, actor)
    if tender.status != TenderStatus.published:
        raise InvalidTransition(_l('Tender ini tidak sedang berjalan.'))
    award = awards.award_of(tender)
    if award is None:
        raise InvalidTransition(_l('SPPBJ belum diterbitkan.'))
    contract = contract_of(tender)
    if contract is not None and contract.status not in (
        SigningStatus.draft,
        SigningStatus.changes_requested,
    ):
        raise InvalidTransition(_l('Kontrak sudah disetujui penyedia dan tidak dapat diubah.'))
    fields = draft_terms(tender, data)
    value = Decimal(award.amount)
    bond, base = terms.bond(value, tender.hps)
    form = terms.contract_form(tender.category, value, current_app.config)
    boq = json.dumps(boq_at_contract_prices(tender, award), ensure_ascii=False)
    if contract is None:
        contract = Contract(tender_id=tender.id, award=award, vendor=award.vendor)
    contract.number = f'{tender.code}/{"SPK" if form == "spk" else "SP"}/{tender.version}'
    contract.form = form.value
    contract.value = value
    contract.bond_amount = bond
    contract.bond_base = base.value
    contract.boq = boq
    for name, field_value in fields.items():
        setattr(contract, name, field_value)
    with db.session.no_autoflush:
        draft = contract_documents.contract_draft(contract, tender, actor, now=now)
    _redraft(contract, draft, actor, now)
    db.session.add(contract)
    db.session.flush()
    _step(
        'drafted',
        contract,
        tender,
        actor=actor,
        now=now,
        ip=ip,
        number=contract.number,
        form=contract.form,
        value=str(value),
        starts_on=contract.starts_on.isoformat(),
        ends_on=contract.ends_on.isoformat(),
        bond=str(bond),
        bond_base=contract.bond_base,
        sha256=contract.draft_sha256,
    )
    return contract


def _redraft(instrument, draft, actor, now):
    """Store a new to-be-signed PDF; the vendor reviews it afresh."""
    sha, _size = storage.blob_store().put_stream(io.BytesIO(draft.pdf), max_size=MAX_SIGNED_PDF)
    instrument.status = SigningStatus.draft.value
    instrument.draft_id = draft.document_id
    instrument.draft_sha256 = sha
    instrument.draft_data = json.dumps(draft.data, sort_keys=True, ensure_ascii=False, default=str)
    instrument.checkpoint_id = draft.checkpoint_id
    instrument.drafted_at = now
    instrument.drafted_by_id = actor.id
    instrument.review_note = None
    instrument.reviewed_at = None


# --- review and signatures (the contract and each amendment) ------------------------------


def instrument_of(tender, amendment_seq=None):
    """The contract, or its amendment number `amendment_seq`."""
    contract = require_contract(tender)
    if amendment_seq is None:
        return contract
    amendment = db.session.scalar(
        select(ContractAmendment).where(
            ContractAmendment.contract_id == contract.id, ContractAmendment.seq == amendment_seq
        )
    )
    if amendment is None:
        raise NotFound(_l('Adendum kontrak ini tidak ditemukan.'))
    return amendment


def _action(instrument, action) -> str:
    """`accepted` for the contract, `amendment.accepted` for an amendment."""
    return f'amendment.{action}' if isinstance(instrument, ContractAmendment) else action


def review(tender, instrument, *, actor, accept, note=None, now, ip=None):
    """The winner accepts the draft, or asks for changes (saying which)."""
    _require_winner(tender, actor)
    if instrument.status != SigningStatus.draft:
        raise InvalidTransition(_l('Draf ini tidak sedang menunggu tinjauan penyedia.'))
    note = _text(note, 'note', required=not accept)
    instrument.status = (
        SigningStatus.accepted if accept else SigningStatus.changes_requested
    ).value
    instrument.review_note = note or None
    instrument.reviewed_at = now
    db.session.flush()
    action = _action(instrument, 'accepted' if accept else 'changes_requested')
    _step(action, instrument, tender, actor=actor, now=now, ip=ip, note=note or None)
    return instrument


def draft_stream(instrument):
    """The to-be-signed PDF, exactly as drafted."""
    return storage.blob_store().open(instrument.draft_sha256)


def draft_pdf(instrument) -> bytes:
    with draft_stream(instrument) as fh:
        return fh.read()


def vendor_sign(tender, instrument, *, actor, now, passphrase=None, signed_pdf=None, ip=None):
    """The winner signs the accepted draft: on the server with its server-held key (its
    passphrase), or by uploading the draft it signed with its self-held key (`lpse
    sign-contract`). Either way the signed PDF must be exactly the draft plus one valid
    signature by the vendor's own usable certificate (chain to our CA, not revoked)."""
    _require_winner(tender, actor)
    if instrument.status != SigningStatus.accepted:
        raise InvalidTransition(_l('Draf harus disetujui penyedia sebelum ditandatangani.'))
    signed_pdf, certificate, via = signing.vendor_signed(
        draft_pdf(instrument),
        actor=actor,
        now=now,
        passphrase=passphrase,
        signed_pdf=signed_pdf,
        ip=ip,
    )
    sha, _size = storage.blob_store().put_stream(io.BytesIO(signed_pdf), max_size=MAX_SIGNED_PDF)
    instrument.status = SigningStatus.vendor_signed.value
    instrument.vendor_signed_sha256 = sha
    instrument.vendor_signed_at = now
    instrument.vendor_certificate_id = certificate.id
    db.session.flush()
    _step(
        _action(instrument, 'vendor_signed'),
        instrument,
        tender,
        actor=actor,
        now=now,
        ip=ip,
        via=via,
        serial=certificate.serial,
        sha256=sha,
    )
    return instrument


def ppk_sign(tender, instrument, *, actor, now, ip=None):
    """The PPK signs last: the system signature over the vendor-signed PDF makes it an issued
    document. A signed contract starts its implementation; a signed amendment changes it."""
    _require_ppk(tender, actor)
    if instrument.status != SigningStatus.vendor_signed:
        raise InvalidTransition(_l('Penyedia belum menandatangani dokumen ini.'))
    with storage.blob_store().open(instrument.vendor_signed_sha256) as fh:
        vendor_signed = fh.read()
    contract = instrument if isinstance(instrument, Contract) else instrument.contract
    draft = documents.Draft(
        kind='contract' if instrument is contract else 'contract_amendment',
        document_id=instrument.draft_id,
        pdf=vendor_signed,
        data=json.loads(instrument.draft_data),
        checkpoint_id=instrument.checkpoint_id,
    )
    issued = documents.issue_signed(
        draft, vendor_signed, tender=tender, owner=contract.vendor.user, now=now
    )
    instrument.status = SigningStatus.signed.value
    instrument.signed_at = now
    instrument.signed_by_id = actor.id
    instrument.document_id = issued.id
    if instrument is contract:
        tender.contract_signed_at = now
    else:
        if instrument.new_value is not None:
            contract.value = instrument.new_value
        if instrument.new_ends_on is not None:
            contract.ends_on = instrument.new_ends_on
    db.session.flush()
    _step(
        _action(instrument, 'signed'),
        instrument,
        tender,
        actor=actor,
        now=now,
        ip=ip,
        document=issued.id,
        sha256=issued.sha256,
    )
    return instrument


# --- after signing: SPMK, amendments, BAST ------------------------------------------------


def _signed_contract(tender, actor) -> Contract:
    _require_ppk(tender, actor)
    contract = require_contract(tender)
    if not contract.is_signed:
        raise InvalidTransition(_l('Kontrak belum ditandatangani kedua pihak.'))
    if contract.handed_over_at is not None:
        raise InvalidTransition(_l('Pekerjaan sudah diserahterimakan (BAST).'))
    return contract


def issue_spmk(tender, data: dict, *, actor, now, ip=None) -> Contract:
    """The start-of-work order, for the types that need one (construction, consultancy)."""
    contract = _signed_contract(tender, actor)
    if not terms.needs_spmk(tender.category):
        raise InvalidTransition(_l('Jenis pengadaan ini tidak memerlukan SPMK.'))
    if contract.spmk_document_id is not None:
        raise InvalidTransition(_l('SPMK sudah diterbitkan.'))
    starts = _date(data.get('work_starts_on'), 'work_starts_on')
    if not contract.starts_on <= starts <= contract.ends_on:
        raise ValidationFailed(
            _l('Tanggal mulai kerja harus di dalam masa kontrak.'), field='work_starts_on'
        )
    contract.work_starts_on = starts
    document = contract_documents.issue_spmk(contract, tender, actor, now=now)
    contract.spmk_document_id = document.id
    contract.spmk_issued_at = now
    db.session.flush()
    _step('spmk_issued', contract, tender, actor=actor, now=now, ip=ip, document=document.id)
    return contract


def draft_amendment(tender, data: dict, *, actor, now, ip=None) -> ContractAmendment:
    """An addendum kontrak: a new value, end date and/or scope, with its reason."""
    contract = _signed_contract(tender, actor)
    if any(not a.is_signed for a in contract.amendments):
        raise InvalidTransition(_l('Masih ada adendum kontrak yang belum ditandatangani.'))
    reason = _text(data.get('reason'), 'reason')
    scope = _text(data.get('scope'), 'scope', required=False)
    new_value = _money(data.get('new_value'), 'new_value')
    new_ends_on = _date(data['new_ends_on'], 'new_ends_on') if data.get('new_ends_on') else None
    if new_ends_on is not None and new_ends_on < contract.starts_on:
        raise ValidationFailed(
            _l('Tanggal selesai harus setelah tanggal mulai.'), field='new_ends_on'
        )
    if new_value is None and new_ends_on is None and not scope:
        raise ValidationFailed(
            _l('Adendum harus mengubah nilai, tanggal selesai atau lingkup pekerjaan.'),
            field='reason',
        )
    seq = (
        db.session.scalar(
            select(func.max(ContractAmendment.seq)).where(
                ContractAmendment.contract_id == contract.id
            )
        )
        or 0
    ) + 1
    amendment = ContractAmendment(
        contract_id=contract.id,
        seq=seq,
        number=f'{contract.number}/ADD-{seq}',
        reason=reason,
        scope=scope,
        new_value=new_value,
        new_ends_on=new_ends_on,
    )
    with db.session.no_autoflush:
        amendment.contract = contract
        draft = contract_documents.amendment_draft(amendment, contract, tender, actor, now=now)
        _redraft(amendment, draft, actor, now)
    db.session.add(amendment)
    db.session.flush()
    _step(
        'amendment.drafted',
        amendment,
        tender,
        actor=actor,
        now=now,
        ip=ip,
        number=amendment.number,
        reason=amendment.reason,
        new_value=str(new_value) if new_value is not None else None,
        new_ends_on=new_ends_on.isoformat() if new_ends_on else None,
    )
    return amendment


def _money(value, name) -> Decimal | None:
    if value is None or value == '':
        return None
    try:
        amount = Decimal(str(value)) if isinstance(value, (str, int)) else None
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite() or not 0 < amount < Decimal('1e18'):
        raise ValidationFailed(_l('Nilai harus berupa angka rupiah positif.'), field=name)
    amount = amount.quantize(Decimal('0.01'))
    if amount <= 0:
        raise ValidationFailed(_l('Nilai harus berupa angka rupiah positif.'), field=name)
    return amount


def hand_over(tender, data: dict, *, actor, now, ip=None) -> Contract:
    """The BAST (handover minutes): the work is handed over; the tender is completed."""
    contract = _signed_contract(tender, actor)
    if terms.needs_spmk(tender.category) and contract.spmk_document_id is None:
        raise InvalidTransition(_l('SPMK belum diterbitkan.'))
    if any(not a.is_signed for a in contract.amendments):
        raise InvalidTransition(_l('Masih ada adendum kontrak yang belum ditandatangani.'))
    note = _text(data.get('note'), 'note', required=False)
    document = contract_documents.issue_bast(contract, tender, actor, note=note, now=now)
    contract.bast_document_id = document.id
    contract.handed_over_at = now
    tender.handed_over_at = now
    db.session.flush()
    _step('handed_over', contract, tender, actor=actor, now=now, ip=ip, document=document.id)
    return contract
