"""SPPBJ (Surat Penunjukan Penyedia Barang/Jasa): the PPK appoints the announced winner once
the objection period has ended and every objection is answered."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit, checkpoints
from lpse.bids.models import Bid
from lpse.errors import InvalidTransition, NotAllowed, StageClosed, ValidationFailed
from lpse.evaluation import announcement as announcements
from lpse.evaluation import award_documents, objections, public_result
from lpse.evaluation.objection_models import AwardLetter
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.tenders import news
from lpse.tenders.models import TenderStatus

#: Performance bond (jaminan pelaksanaan): 5% of the contract value, or 5% of the HPS when the
#: price is below 80% of the HPS (DOMAIN §3, price reasonableness).
BOND_RATE = Decimal('0.05')
LOW_PRICE_RATIO = Decimal('0.80')
#: The contract is signed within 14 days of the SPPBJ unless the PPK sets another deadline.
DEFAULT_CONTRACT_DAYS = 14


def award_of(tender) -> AwardLetter | None:
    return db.session.scalar(select(AwardLetter).where(AwardLetter.tender_id == tender.id))


def blocking_error(tender, now):
    """The domain error saying why the SPPBJ cannot be issued now (None when it can)."""
    if tender.status != TenderStatus.published:
        return InvalidTransition(_l('Tender ini tidak sedang berjalan.'))
    if award_of(tender) is not None or tender.award_issued_at is not None:
        return InvalidTransition(_l('SPPBJ tender ini sudah diterbitkan.'))
    current = announcements.current_announcement(tender)
    if current is None:
        return InvalidTransition(_l('Pemenang belum diumumkan.'))
    if now < current.objection_ends_at:
        return StageClosed(
            _l(
                'SPPBJ belum dapat diterbitkan: masa sanggah masih berjalan sampai %(end)s.',
                end=with_wib(current.objection_last_minute, tender.timezone),  # as the panel
            )
        )
    pending = [o for o in objections.objections_of(tender) if o.is_pending]
    if pending:
        return StageClosed(
            _l(
                'SPPBJ belum dapat diterbitkan: masih ada %(n)s sanggah yang belum dijawab Pokja.',
                n=len(pending),
            )
        )
    return None


def can_issue(tender, user, now) -> bool:
    is_ppk = user is not None and tender.ppk_id == getattr(user, 'id', None)
    return is_ppk and blocking_error(tender, now) is None


def bond_on_hps(amount: Decimal, hps: Decimal) -> bool:
    """The bond is computed on the HPS when the price is under 80 % of it (exact Decimals)."""
    return Decimal(amount) < LOW_PRICE_RATIO * Decimal(hps)


def performance_bond(amount: Decimal, hps: Decimal) -> Decimal:
    base = Decimal(hps) if bond_on_hps(amount, hps) else Decimal(amount)
    return (base * BOND_RATE).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def issue_award(tender, *, actor, now, contract_deadline=None, ip=None) -> AwardLetter:
    """Issue the SPPBJ to the announced winner at its contract price (negotiated, else
    corrected); sets award_issued_at."""
    if actor is None or tender.ppk_id != actor.id:
        raise NotAllowed(_l('Hanya PPK paket ini yang dapat menerbitkan SPPBJ.'))
    error = blocking_error(tender, now)
    if error is not None:
        raise error
    deadline = contract_deadline or now + timedelta(days=DEFAULT_CONTRACT_DAYS)
    if deadline <= now:
        raise ValidationFailed(
            _l('Batas penandatanganan kontrak harus setelah hari ini.'), field='contract_deadline'
        )
    current = announcements.current_announcement(tender)
    winner = public_result.winner_row(current.result)
    amount = public_result.contract_price(winner)
    bid = db.session.get(Bid, winner['bid_id'])
    row = AwardLetter(
        tender_id=tender.id,
        announcement_id=current.id,
        number=f'{tender.code}/SPPBJ/{tender.version}.{current.evaluation_version}',
        vendor_id=bid.vendor_id,
        amount=amount,
        performance_bond=performance_bond(amount, tender.hps),
        contract_deadline=deadline,
        issued_at=now,
        issued_by_id=actor.id,
    )
    db.session.add(row)
    tender.award_issued_at = now
    db.session.flush()
    audit.record(
        'award.issued',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        award=row.id,
        number=row.number,
        vendor=bid.vendor_id,
        amount=str(amount),
    )
    checkpoints.create_checkpoint('award.issued', now=now, tender=tender)
    award_documents.issue_award_letter(row, now=now)
    news.tell(tender, 'award_issued', to=[row.vendor.user], now=now, number=row.number)
    return row
