"""The prequalification's documents, in Indonesian whoever asks: the vendor's qualification
form (Formulir Isian Kualifikasi — its register data and answers, signed by the vendor and
countersigned by the system on receipt), the minutes of the result (BA Hasil Prakualifikasi:
every vendor, every requirement's verdict and reason, the scores) and the announcement of
the result with its shortlist (Pengumuman Hasil Prakualifikasi)."""

from lpse.documents import operations as documents
from lpse.i18n import number as figure
from lpse.tenders.document_context import base_context, moment

STATUS = {True: 'Lulus', False: 'Tidak lulus', None: 'Belum dievaluasi'}


def qualification_form(tender, vendor, answers, *, now) -> documents.Draft:
    context = {
        **base_context(tender, 'Formulir Isian Kualifikasi', f'{tender.code}/FIK/{vendor.id}'),
        'vendor': {
            'name': vendor.company_name,
            'legal_form': vendor.legal_form,
            'npwp': vendor.npwp_display,
            'nib': vendor.nib,
            'address': f'{vendor.address}, {vendor.city}, {vendor.province}',
            'email': vendor.email,
            'size_class': vendor.size_class,
            'sbu_grade': vendor.sbu_grade or '–',
            'licences': [
                {'name': lic.name, 'number': lic.number, 'kbli': lic.kbli}
                for lic in vendor.licences
            ],
            'directors': [{'name': d.name, 'position': d.position} for d in vendor.directors],
            'documents': sorted({doc.kind.upper() for doc in vendor.documents}),
        },
        'answers': answers,
        'prepared_at': moment(now, tender.timezone),
        'signers': [{'role': 'Penyedia', 'name': vendor.company_name}],
    }
    return documents.prepare_document(
        'qualification_form',
        'pdf/qualification_form.html',
        context,
        tender=tender,
        now=now,
        countersigned=True,
    )


def issue_result_documents(tender, announcement, *, approvers, now):
    """(BA Hasil Prakualifikasi, Pengumuman Hasil Prakualifikasi), both issued and signed; the
    signature blocks are the Pokja members who approved the result (`approvers`, users)."""
    result = announcement.result
    zone = tender.timezone
    rows = [
        {
            **v,
            'score': None if v['score'] is None else figure(v['score']),
            'status': STATUS[v['passed']],
            'verdicts': [
                {
                    'label': result['requirements'][key],
                    'passed': 'Memenuhi' if verdict['passed'] else 'Tidak memenuhi',
                    'reason': verdict['reason'],
                }
                for key, verdict in v['verdicts'].items()
            ],
        }
        for v in result['vendors']
    ]
    shortlist = sorted((r for r in rows if r['shortlisted']), key=lambda r: r['rank'])
    common = {
        'method': str(tender.method.label),
        'scored': result['scored'],
        'rows': rows,
        'shortlist': shortlist,
        'round': result['round'],
        'announced_at': moment(announcement.announced_at, zone),
        'objection_ends_at': moment(announcement.objection_ends_at, zone),
        'bounds': result['shortlist_bounds'],
        'signers': [
            {'role': 'Anggota Pokja Pemilihan', 'name': u.name, 'nip': u.nip}
            for u in sorted(approvers, key=lambda u: u.name)
        ],
    }
    number = f'{tender.code}/{{}}/{tender.version}.{result["round"]}'
    report = documents.issue_document(
        'qualification_report',
        'pdf/qualification_report.html',
        {
            **base_context(tender, 'Berita Acara Hasil Prakualifikasi', number.format('BAHK')),
            **common,
        },
        tender=tender,
        now=now,
    )
    notice = documents.issue_document(
        'qualification_announcement',
        'pdf/qualification_notice.html',
        {
            **base_context(tender, 'Pengumuman Hasil Prakualifikasi', number.format('PHK')),
            **common,
        },
        tender=tender,
        now=now,
    )
    return report, notice
