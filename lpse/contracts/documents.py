"""The PDFs of the contract stage: the contract (SPK or Surat Perjanjian) and each amendment
(rendered as drafts both parties sign), the SPMK and the BAST (issued by the system for the
PPK). Amounts in figures and Indonesian words, dates the Indonesian way."""

from datetime import date
from decimal import Decimal

from babel.dates import format_date

from lpse.documents import operations as documents
from lpse.i18n import rupiah
from lpse.pdf import terbilang
from lpse.tenders.document_context import base_context, moment

FORM_TITLES = {
    'spk': 'Surat Perintah Kerja (SPK)',
    'surat_perjanjian': 'Surat Perjanjian',
}
BOND_BASES = {
    'contract': '5% dari nilai kontrak',
    'hps': '5% dari HPS (harga penawaran di bawah 80% HPS)',
}


def tanggal(value: date | None) -> str:
    """`2 Maret 2026`."""
    return format_date(value, 'd MMMM y', locale='id') if value else '–'


def _amount(value) -> dict:
    value = Decimal(value)
    return {'figures': rupiah(value), 'words': terbilang(value.quantize(Decimal(1)))}


def _parties(contract, tender, ppk) -> dict:
    vendor = contract.vendor
    directors = [d.name for d in getattr(vendor, 'directors', [])]
    return {
        'ppk_name': ppk.name,
        'ppk_nip': ppk.nip,
        'vendor_name': vendor.company_name,
        'vendor_npwp': vendor.npwp_display,
        'vendor_address': ', '.join(p for p in (vendor.address, vendor.city, vendor.province) if p),
        'vendor_director': directors[0] if directors else vendor.user.name,
    }


def contract_draft(contract, tender, ppk, *, now) -> documents.Draft:
    rows = [
        {
            **row,
            'unit_price': rupiah(Decimal(row['unit_price'])) if row['unit_price'] else '–',
            'total': rupiah(Decimal(row['total'])) if row['total'] else '–',
        }
        for row in contract.boq_rows
    ]
    context = {
        **base_context(tender, FORM_TITLES[contract.form], contract.number),
        **_parties(contract, tender, ppk),
        'award_number': contract.award.number,
        'award_date': moment(contract.award.issued_at, tender.timezone),
        'value': _amount(contract.value),
        'contract_type': tender.contract_type,
        'boq': rows,
        'starts_on': tanggal(contract.starts_on),
        'ends_on': tanggal(contract.ends_on),
        'payment_terms': contract.payment_terms,
        'bond': _amount(contract.bond_amount),
        'bond_base': BOND_BASES[contract.bond_base],
        'bond_number': contract.bond_number,
        'bond_issuer': contract.bond_issuer,
        'bond_valid_until': tanggal(contract.bond_valid_until),
        'drafted_at': moment(now, tender.timezone),
    }
    return documents.prepare_document(
        'contract', 'pdf/contract.html', context, tender=tender, now=now, countersigned=True
    )


def amendment_draft(amendment, contract, tender, ppk, *, now) -> documents.Draft:
    context = {
        **base_context(tender, f'Adendum Kontrak ke-{amendment.seq}', amendment.number),
        **_parties(contract, tender, ppk),
        'contract_number': contract.number,
        'reason': amendment.reason,
        'scope': amendment.scope,
        'old_value': _amount(contract.value),
        'new_value': _amount(amendment.new_value) if amendment.new_value is not None else None,
        'old_ends_on': tanggal(contract.ends_on),
        'new_ends_on': tanggal(amendment.new_ends_on) if amendment.new_ends_on else None,
        'drafted_at': moment(now, tender.timezone),
    }
    return documents.prepare_document(
        'contract_amendment',
        'pdf/contract_amendment.html',
        context,
        tender=tender,
        now=now,
        countersigned=True,
    )


def issue_spmk(contract, tender, ppk, *, now):
    context = {
        **base_context(tender, 'Surat Perintah Mulai Kerja (SPMK)', f'{contract.number}/SPMK'),
        **_parties(contract, tender, ppk),
        'contract_number': contract.number,
        'work_starts_on': tanggal(contract.work_starts_on),
        'ends_on': tanggal(contract.ends_on),
        'value': _amount(contract.value),
        'issued_at': moment(now, tender.timezone),
    }
    return documents.issue_document(
        'spmk', 'pdf/spmk.html', context, tender=tender, owner=contract.vendor.user, now=now
    )


def issue_bast(contract, tender, ppk, *, note, now):
    context = {
        **base_context(tender, 'Berita Acara Serah Terima (BAST)', f'{contract.number}/BAST'),
        **_parties(contract, tender, ppk),
        'contract_number': contract.number,
        'value': _amount(contract.value),
        'amendments': [a.number for a in contract.amendments if a.is_signed],
        'note': note,
        'handed_over_at': moment(now, tender.timezone),
    }
    return documents.issue_document(
        'bast', 'pdf/bast.html', context, tender=tender, owner=contract.vendor.user, now=now
    )
