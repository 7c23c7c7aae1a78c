"""Tender Cepat (fast tender; Perpres 16/2018 art. 38 as amended, DOMAIN §9): for work whose
specification and volume are fully known. Vendors qualify automatically from their verified
register data — checked against the package's requirements, the reasons shown — there is no
aanwijzing (no Q&A stage), the bid is the price alone, the lowest price wins, and the schedule
minimums are this method's own, shorter ones (``LPSE_FAST_STAGE_MIN_*``)."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lpse.tenders.methods.base import Method
from lpse.tenders.stages import STAGES, Stage
from lpse.vendors.models import REQUIRED_DOCUMENTS, SbuGrade, SizeClass

#: SBU grades that may take a construction package of each business size.
SBU_FOR_SIZE = {'kecil': (SbuGrade.K,), 'non_kecil': (SbuGrade.M, SbuGrade.B)}


class TenderCepat(Method):
    key = 'tender_cepat'
    selection_method = 'tender_cepat'
    label = _l('Tender Cepat')
    stages = tuple(s for s in STAGES if s != Stage.clarification)
    evaluation_methods = ('lowest_price',)
    schedule_settings = 'LPSE_FAST_STAGE'
    bid_attachments = False

    def publication_problems(self, tender) -> list:
        problems = super().publication_problems(tender)
        if tender.submission_files != 1:
            problems.append(_l('Tender Cepat memakai penawaran satu file (harga saja).'))
        if tender.category == 'jasa_konsultansi':
            problems.append(_l('Tender Cepat tidak untuk jasa konsultansi.'))
        if not tender.kbli_codes:
            problems.append(
                _l(
                    'Tender Cepat: isi KBLI yang disyaratkan (kualifikasi otomatis dari data '
                    'penyedia).'
                )
            )
        return problems

    def requirement_failures(self, tender, vendor) -> list:
        """Every requirement of the package the vendor's verified register data does not meet,
        each naming the requirement."""
        failures = []
        if tender.business_size == 'kecil' and vendor.size_class != SizeClass.kecil:
            failures.append(_l('paket untuk usaha kecil, sedangkan penyedia bukan usaha kecil'))
        held = {licence.kbli for licence in vendor.licences}
        wanted = tender.kbli_codes
        if wanted and not held & set(wanted):
            failures.append(
                _l(
                    'tidak ada izin usaha dengan KBLI yang disyaratkan (%(codes)s)',
                    codes=', '.join(wanted),
                )
            )
        if tender.category == 'pekerjaan_konstruksi':
            grades = SBU_FOR_SIZE.get(tender.business_size, ())
            if vendor.sbu_grade not in grades:
                failures.append(
                    _l(
                        'SBU kualifikasi %(need)s disyaratkan, data penyedia: %(has)s',
                        need='/'.join(grades),
                        has=vendor.sbu_grade or _l('tidak ada'),
                    )
                )
        kinds = {doc.kind for doc in vendor.documents}
        missing = [kind.value.upper() for kind in REQUIRED_DOCUMENTS if kind not in kinds]
        if missing:
            failures.append(
                _l('dokumen %(kinds)s tidak ada dalam data penyedia', kinds=', '.join(missing))
            )
        return failures

    def participation_problem(self, tender, vendor, now):
        failures = self.requirement_failures(tender, vendor)
        if not failures:
            return None
        return _l(
            'Tender Cepat: data penyedia terverifikasi Anda tidak memenuhi persyaratan '
            'kualifikasi — %(reasons)s.',
            reasons='; '.join(str(f) for f in failures),
        )

    def system_verdicts(self, tender, vendor, now) -> dict[str, dict]:
        # The case is a record in Indonesian whoever builds it (a proposal and its approval
        # must see the same case).
        with force_locale('id'):
            return self._verdicts(tender, vendor)

    def _verdicts(self, tender, vendor) -> dict[str, dict]:
        failures = self.requirement_failures(tender, vendor)
        qualification = (
            {'passed': False, 'reason': '; '.join(str(f) for f in failures)}
            if failures
            else {
                'passed': True,
                'reason': str(_l('Memenuhi persyaratan kualifikasi menurut data penyedia.')),
            }
        )
        return {
            'administration': {
                'passed': True,
                'reason': str(_l('Tender Cepat: penawaran berupa harga saja.')),
            },
            'qualification': qualification,
            'technical': {
                'passed': True,
                'reason': str(_l('Tender Cepat: spesifikasi dan volume sudah pasti.')),
            },
            'pembuktian': {
                'passed': qualification['passed'],
                'reason': str(
                    _l('Tender Cepat: data kualifikasi diverifikasi saat pendaftaran penyedia.')
                ),
            },
        }


METHOD = TenderCepat()
