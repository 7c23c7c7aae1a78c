"""The web path: the server seals a bid for a vendor with a server-held key, in memory.

The plaintext (price lines, attachments, the package ZIP) exists only in this request's memory:
the form's files are kept in memory (lpse.bids.forms.BidFormRequest), nothing is logged, and
what leaves this module is the sealed envelope and its submission signature — exactly what an
upload from `lpse seal` carries — so both paths end in `submission.receive`."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lpse.bids.errors import PackageError
from lpse.bids.models import EnvelopeKind
from lpse.bids.package import (
    BoqLine,
    TenderTerms,
    build_package,
    check_against_tender,
    seal_package,
)
from lpse.errors import ValidationFailed
from lpse.scoring.numbers import exact
from lpse.tenders import keys
from lpse.vendors import enrolment


@dataclass(frozen=True)
class SealedBid:
    envelope: bytes
    signature: bytes
    files: tuple[tuple[str, int], ...]  # attachment names and sizes, for the PDF receipt


def bid_document(tender, vendor, kind, *, prices, tkdn, validity_days) -> dict:
    """bid.json for one envelope (docs/BID_FORMAT.md): each fact in the envelope it belongs to."""
    bid = {
        'format': 'lpse-bid/1',
        'tender_code': tender.code,
        'tender_version': tender.version,
        'vendor_npwp': vendor.npwp,
        'envelope': kind.value,
        'attachments': [],
    }
    if kind in (EnvelopeKind.single, EnvelopeKind.price):
        lines = [
            {
                'item': str(item.position),
                'quantity': _plain(item.quantity),
                'unit': item.unit,
                'unit_price': _plain(prices[item.position])
                if prices.get(item.position) is not None
                else None,
            }
            for item in tender.boq_items
        ]
        with exact():
            total = sum(
                (item.quantity * (prices.get(item.position) or 0) for item in tender.boq_items),
                Decimal(0),
            ).quantize(Decimal('0.01'))
        bid |= {
            'price_lines': lines,
            'declared_total': _plain(total),
            'currency': 'IDR',
        }
    if kind in (EnvelopeKind.single, EnvelopeKind.technical):
        bid |= {'tkdn': _plain(tkdn), 'validity_days': int(validity_days)}
    return bid


def _plain(value: Decimal) -> str:
    """A decimal string without exponent or trailing zeros ("1500000", "12.5")."""
    text = format(Decimal(value).normalize(), 'f')
    return text


def terms_for(tender, vendor) -> TenderTerms:
    return TenderTerms(
        code=tender.code,
        version=tender.version,
        vendor_npwp=vendor.npwp,
        boq=tuple(BoqLine(str(i.position), i.unit) for i in tender.boq_items),
        envelopes=tuple(k.value for k in _kinds(tender)),
    )


def _kinds(tender):
    from lpse.bids.models import kinds_for

    return kinds_for(tender)


def seal_bids(tender, user, vendor, items, *, passphrase, now, ip=None) -> list[SealedBid]:
    """Check each bid against the tender, unlock the vendor's key once, build, seal
    (self-checked) and sign each envelope for submission (File I and File II of a two-file
    tender, or the single one): every bid is checked before the key is unlocked. A wrong
    passphrase raises after its failure was flushed (the caller commits it before answering)."""
    packages = []
    for bid, attachments in items:
        if attachments and not tender.method.bid_attachments:
            raise ValidationFailed(
                _l(
                    'Penawaran %(method)s hanya harga: lampiran tidak diterima.',
                    method=tender.method.label,
                ),
            )
        try:
            check_against_tender(bid, terms_for(tender, vendor))
            packages.append(build_package(bid, attachments))
        except PackageError as exc:
            raise ValidationFailed(_l('Penawaran tidak valid: %(why)s', why=exc.reason)) from None
    key, certificate = enrolment.unlock_signing_key(user, passphrase, now=now, ip=ip)
    cert = certificate.x509
    recipient = keys.require_key(tender).certificate
    sealed = []
    for (_bid, attachments), package in zip(items, packages, strict=True):
        p7m, signature = seal_package(package, key=key, cert=cert, recipient_cert=recipient)
        listed = tuple((name, len(data)) for name, data in attachments)
        sealed.append(SealedBid(p7m, signature, listed))
    packages.clear()
    return sealed
