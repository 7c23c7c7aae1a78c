"""The signed PDFs of the award stages (DOMAIN §4): the evaluation result minutes (BAHP) and
the winner announcement (issued with the announcement), the answer to each objection
(Jawaban Sanggah) and the letter of award (SPPBJ). Rendered from the frozen public result, so
each document says exactly what was announced."""

from decimal import Decimal

from lpse.documents import operations as documents
from lpse.evaluation import public_result, worksheets
from lpse.extensions import db
from lpse.i18n import rupiah
from lpse.pdf import terbilang
from lpse.tenders.document_context import base_context, moment

METHOD_NAMES = {
    'lowest_price': 'Harga Terendah (sistem gugur)',
    'merit_point': 'Sistem Nilai',
    'life_cycle_cost': 'Penilaian Biaya Selama Umur Ekonomis',
    'qcbs': 'Kualitas dan Biaya',
    'quality': 'Kualitas',
    'fixed_budget': 'Pagu Anggaran',
    'least_cost': 'Biaya Terendah',
}
VERDICTS = {'passed': 'Lulus', 'failed': 'Gugur', 'not_evaluated': '–'}
CONSEQUENCES = {
    'reevaluate': 'Evaluasi ulang: hasil evaluasi dibuka kembali sebagai versi baru dan '
    'pengumuman pemenang ditarik.',
    'fail': 'Tender dinyatakan gagal dan pengumuman pemenang ditarik.',
}


def _rows(result) -> list[dict]:
    rows = []
    for row in result['bidders']:
        columns = row['columns']
        rows.append(
            {
                **row,
                'verdicts': {k: VERDICTS[columns[k]] for k in ('A', 'K', 'T', 'B')},
                'price_verdict': VERDICTS[row['price']],
                'P': rupiah(columns['P']) if columns['P'] else '–',
                'PT': rupiah(columns['PT']) if columns['PT'] else '–',
                'HN': rupiah(columns['HN']) if columns.get('HN') else '–',
                'ST': columns['ST'] or '–',
                'SH': columns['SH'] or '–',
                'SA': columns['SA'] or '–',
            }
        )
    return rows


def _winner(result) -> dict | None:
    row = public_result.winner_row(result)
    if row is None:
        return None
    price = public_result.contract_price(row)
    label = 'Harga hasil negosiasi (HN)' if row['columns'].get('HN') else 'Harga terkoreksi'
    return {**row, 'price': rupiah(price), 'price_words': terbilang(price), 'price_label': label}


def pokja_signers(tender, names) -> list[dict]:
    """The signature blocks of the Pokja members named in ``names`` (those who approved),
    each with the NIP recorded for them."""
    wanted = set(names)
    return [
        {'role': 'Anggota Pokja Pemilihan', 'name': m.user.name, 'nip': m.user.nip}
        for m in sorted(tender.members, key=lambda m: m.user.name)
        if m.user.name in wanted
    ]


def award_tembusan(tender) -> list[str]:
    """Who receives a copy of the SPPBJ (tembusan): the budget holder, the procurement unit,
    the tender's Pokja and the internal auditor (APIP) of the agency."""
    agency = tender.agency.name
    return [
        f'Pengguna Anggaran/Kuasa Pengguna Anggaran {agency}',
        f'Kepala Unit Kerja Pengadaan Barang/Jasa {agency}',
        f'Pokja Pemilihan paket {tender.code}',
        f'Aparat Pengawasan Intern Pemerintah (APIP) {agency}',
    ]


def issue_announcement_documents(announcement, *, now) -> None:
    """BAHP and Pengumuman Pemenang, issued in the announcement's transaction."""
    tender, result = announcement.tender, announcement.result
    zone = tender.timezone
    common = {
        'method': METHOD_NAMES.get(result['tender']['method'], result['tender']['method']),
        'rules_version': result['tender']['rules_version'],
        'evaluation_version': announcement.evaluation_version,
        'formulas': result['formulas'],
        'stage_counts': result['stage_counts'],
        'bidders': _rows(result),
        'negotiated': any(b['columns'].get('HN') for b in result['bidders']),
        'winner': _winner(result),
        'reserves': public_result.reserve_rows(result),
        'approved_by': result['approved_by'],
        'decided_at': moment(tender.winner_decided_at or now, zone),
        'announced_at': moment(announcement.announced_at, zone),
        'objection_ends_at': moment(announcement.objection_last_minute, zone),
        'pokja': [m.user.name for m in tender.members],
        'signers': pokja_signers(tender, result['approved_by']),
    }
    version = f'{tender.version}.{announcement.evaluation_version}'
    bahp = documents.issue_document(
        'evaluation_report',
        'pdf/bahp.html',
        {
            **base_context(tender, 'Berita Acara Hasil Pemilihan', f'{tender.code}/BAHP/{version}'),
            **common,
        },
        tender=tender,
        now=now,
    )
    notice = documents.issue_document(
        'winner_announcement',
        'pdf/winner_announcement.html',
        {**base_context(tender, 'Pengumuman Pemenang', f'{tender.code}/PP/{version}'), **common},
        tender=tender,
        now=now,
    )
    announcement.bahp_document_id = bahp.id
    announcement.notice_document_id = notice.id
    db.session.flush()


def issue_failure_report(tender, *, decision, actor, now):
    """The BAHP of a tender declared failed (gagal) at the evaluation: every bidder's verdicts
    as the worksheets stand, the stage counts, and the statement of failure with its reason.
    ``decision`` is a lpse.evaluation.service.Decision without a winner (its ``result`` may be
    None when the evaluation cannot be computed). Returns the IssuedDocument."""
    zone = tender.timezone
    result = public_result.build(tender, decision) if decision.result is not None else None
    common = {
        'method': METHOD_NAMES.get(tender.evaluation_method, tender.evaluation_method),
        'rules_version': result['tender']['rules_version'] if result else '',
        'evaluation_version': decision.version,
        'formulas': result['formulas'] if result else [],
        'stage_counts': result['stage_counts'] if result else {},
        'bidders': _rows(result) if result else [],
        'winner': None,
        'reserves': [],
        'approved_by': [actor.name],
        'decided_at': moment(now, zone),
        'announced_at': moment(now, zone),
        'pokja': [m.user.name for m in tender.members],
        'failed': True,
        'failed_reason': decision.failed_reason,
        'failed_by': actor.name,
        'signers': [{'role': 'Anggota Pokja Pemilihan', 'name': actor.name, 'nip': actor.nip}],
    }
    number = f'{tender.code}/BAHP/{tender.version}.{decision.version}-GAGAL'
    return documents.issue_document(
        'evaluation_report',
        'pdf/bahp.html',
        {**base_context(tender, 'Berita Acara Hasil Pemilihan (Tender Gagal)', number), **common},
        tender=tender,
        now=now,
    )


def issue_objection_answer(objection, *, now) -> None:
    """Jawaban Sanggah: objector, grounds, answer, accepted or rejected, consequence."""
    announcement = objection.announcement
    tender = announcement.tender
    context = {
        **base_context(
            tender, 'Jawaban Sanggah', f'{tender.code}/JS/{tender.version}.{objection.id}'
        ),
        'objector': objection.vendor.company_name,
        'objector_npwp': objection.vendor.npwp_display,
        'filed_at': moment(objection.filed_at, tender.timezone),
        'grounds': objection.grounds,
        'answer': objection.answer,
        'accepted': objection.status == 'accepted',
        'consequence': CONSEQUENCES.get(objection.consequence or '', ''),
        'answered_at': moment(objection.answered_at, tender.timezone),
        'answered_by': objection.answered_by.name,
        'answered_by_nip': objection.answered_by.nip,
        'late': objection.answered_late,
        'answer_due_at': moment(announcement.answer_due_at, tender.timezone),
    }
    document = documents.issue_document(
        'objection_answer',
        'pdf/objection_answer.html',
        context,
        tender=tender,
        owner=objection.filed_by,
        now=now,
    )
    objection.answer_document_id = document.id
    db.session.flush()


def issue_award_letter(award, *, now) -> None:
    """SPPBJ: number and date, winner, decision reference, package, price in figures and
    words, performance bond, contract signing deadline, sanction for withdrawal, PPK."""
    tender, announcement = award.tender, award.announcement
    zone = tender.timezone
    vendor = award.vendor
    context = {
        **base_context(tender, 'Surat Penunjukan Penyedia Barang/Jasa (SPPBJ)', award.number),
        'issued_at': moment(award.issued_at, zone),
        'vendor_name': vendor.company_name,
        'vendor_npwp': vendor.npwp_display,
        'vendor_address': ', '.join(p for p in (vendor.address, vendor.city, vendor.province) if p),
        'decision_reference': f'{tender.code}/BAHP/{tender.version}.'
        f'{announcement.evaluation_version}',
        'decided_at': moment(tender.winner_decided_at or announcement.announced_at, zone),
        'announced_at': moment(announcement.announced_at, zone),
        'amount': rupiah(award.amount),
        'amount_words': terbilang(Decimal(award.amount)),
        'bond': rupiah(award.performance_bond),
        'bond_words': terbilang(Decimal(award.performance_bond)),
        'contract_deadline': moment(award.contract_deadline, zone),
        'ppk_name': award.issued_by.name,
        'ppk_nip': award.issued_by.nip,
        'tembusan_lines': award_tembusan(tender),
    }
    document = documents.issue_document(
        'award_letter',
        'pdf/sppbj.html',
        context,
        tender=tender,
        owner=vendor.user,
        now=now,
    )
    award.document_id = document.id
    db.session.flush()


def issue_negotiation_minutes(tender, negotiation, *, participant, result, now):
    """BA Klarifikasi dan Negosiasi: the firm, each line with its offered and negotiated unit
    price and amount, the totals (offer P, negotiated HN), the clarification notes, the outcome
    and the Pokja members. Returns the IssuedDocument (its id kept on the negotiation)."""
    vendor = participant.vendor
    agreed = {line['item']: Decimal(line['unit_price']) for line in negotiation.negotiated_lines}
    parameters = worksheets.tender_parameters(tender)
    boq = {item['id']: item for item in parameters.get('boq', [])}
    lines = []
    for line in participant.price_json.get('price_lines', []):
        item = boq.get(line['item'], {})
        quantity = Decimal(str(item.get('quantity', line['quantity'])))
        offered = Decimal(str(line['unit_price'] or 0))
        negotiated = agreed.get(line['item'], offered) if negotiation.status == 'agreed' else None
        lines.append(
            {
                'item': line['item'],
                'description': item.get('description', ''),
                'quantity': format(quantity.normalize(), 'f'),
                'unit': item.get('unit') or line.get('unit', ''),
                'offered': rupiah(offered),
                'offered_amount': rupiah(quantity * offered),
                'negotiated': '–' if negotiated is None else rupiah(negotiated),
                'negotiated_amount': '–' if negotiated is None else rupiah(quantity * negotiated),
            }
        )
    hn = result.negotiated_total
    version = negotiation.version.number
    context = {
        **base_context(
            tender,
            'Berita Acara Klarifikasi dan Negosiasi',
            f'{tender.code}/BAKN/{tender.version}.{version}.{negotiation.bid_id}',
        ),
        'method': METHOD_NAMES.get(worksheets.tender_method(tender), ''),
        'vendor_name': vendor.company_name,
        'vendor_npwp': vendor.npwp_display,
        'rank': result.rank,
        'lines': lines,
        'offered_total': rupiah(result.corrected_total) if result.corrected_total else '–',
        'negotiated_total': '–' if hn is None else rupiah(hn),
        'negotiated_words': '' if hn is None else terbilang(hn.quantize(Decimal(1))),
        'technical_notes': negotiation.technical_notes,
        'price_notes': negotiation.price_notes,
        'agreed': negotiation.status == 'agreed',
        'reason': negotiation.reason,
        'negotiated_at': moment(negotiation.entered_at, tender.timezone),
        'recorded_by': negotiation.entered_by.name,
        'pokja': [m.user.name for m in sorted(tender.members, key=lambda m: m.user.name)],
        'signers': [
            {'role': 'Anggota Pokja Pemilihan', 'name': m.user.name, 'nip': m.user.nip}
            for m in sorted(tender.members, key=lambda m: m.user.name)
        ]
        + [{'role': 'Penyedia', 'name': vendor.company_name}],
    }
    document = documents.issue_document(
        'evaluation_report', 'pdf/negotiation_minutes.html', context, tender=tender, now=now
    )
    negotiation.document_id = document.id
    db.session.flush()
    return document
