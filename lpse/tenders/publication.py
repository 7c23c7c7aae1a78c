"""Publication: what is missing before a draft can be announced, and announcing it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.errors import InvalidTransition, NotAllowed, ValidationFailed
from lpse.extensions import db
from lpse.tenders import keys as tender_keys
from lpse.tenders import rules
from lpse.tenders.documents import Document
from lpse.tenders.models import (
    Category,
    DocumentKind,
    Tender,
    TenderStatus,
)
from lpse.tenders.stages import STAGE_LABELS, Stage, Window, validate_schedule


class PublicationRefused(ValidationFailed):
    """What is still missing before a draft can be announced."""

    def __init__(self, reasons):
        super().__init__(
            _l('Tender belum dapat diumumkan: %(reasons)s', reasons='; '.join(map(str, reasons)))
        )
        self.reasons = reasons


def publication_problems(tender, now) -> list:
    """Everything still missing or wrong before ``tender`` can be announced at ``now``."""
    reasons = []
    need = [
        (tender.work_unit_id, _l('Satuan kerja belum dipilih.')),
        (tender.funding_source, _l('Sumber dana belum diisi.')),
        (tender.location, _l('Lokasi pekerjaan belum diisi.')),
        (tender.description, _l('Uraian pekerjaan belum diisi.')),
        (tender.ppk_id, _l('PPK belum dipilih.')),
    ]
    reasons += [message for value, message in need if not value]
    if not tender.boq_items:
        reasons.append(_l('BoQ belum diisi.'))
    size = len(tender.members)
    if size < 3 or size % 2 == 0:
        reasons.append(_l('Pokja harus beranggotakan ganjil, minimal 3 orang.'))
    elif not 1 <= tender.threshold <= size:
        reasons.append(_l('Ambang kunci harus antara 1 dan jumlah anggota Pokja.'))
    consultancy = tender.category == Category.jasa_konsultansi
    reasons += tender.method.publication_problems(tender)
    if consultancy and tender.submission_files != 2:
        reasons.append(_l('Jasa konsultansi memakai penawaran dua file.'))
    problem = rules.method_problem(tender, _params(tender))
    if problem:
        reasons.append(_l('Parameter metode evaluasi: %(problem)s', problem=problem))
    reasons += _schedule_reasons(tender, now)
    has_main = db.session.scalar(
        select(Document.id).where(
            Document.tender_id == tender.id, Document.kind == DocumentKind.dokumen_pemilihan
        )
    )
    if not has_main:
        reasons.append(_l('Dokumen Pemilihan belum diunggah.'))
    reasons += tender_keys.key_problems(tender, now)
    return reasons


def _params(tender):
    from lpse.tenders.operations import method_params

    return method_params(tender)


def _schedule_reasons(tender, now):
    schedule = tender.schedule
    if not set(tender.method.stages) <= set(schedule):
        return [_l('Jadwal belum lengkap.')]
    if any(window.end <= now for window in schedule.values()):
        return [_l('Ada tahap jadwal yang sudah berakhir; perbarui jadwal.')]
    announcement = schedule[Stage.announcement]
    # Announced now: the announcement period counts from publication, and so does every stage
    # drafted to open with it (a prakualifikasi's form submission, a download).
    effective = {
        stage: Window(max(window.start, now), window.end)
        if stage == Stage.announcement or window.start == announcement.start
        else window
        for stage, window in schedule.items()
    }
    return [
        _l('%(stage)s: %(message)s', stage=STAGE_LABELS[p.stage], message=p.message)
        for p in validate_schedule(effective, rules.schedule_rules(tender))
    ]


def publish_tender(tender: Tender, *, actor, now, ip=None):
    """Announce a draft: everything that decides the outcome is frozen with `rules_version`."""
    if not tender.is_draft:
        raise InvalidTransition(_l('Tender ini sudah diumumkan.'))
    if not tender.can_publish(actor):
        raise NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat mengumumkan.'))
    reasons = publication_problems(tender, now)
    if reasons:
        raise PublicationRefused(reasons)
    schedule_rules = rules.schedule_rules(tender)
    tender.frozen_rules, tender.frozen_sha256 = rules.freeze(
        tender, _params(tender), schedule_rules
    )
    tender.rules_version = rules.RULES_VERSION
    tender.status = TenderStatus.published.value
    tender.published_at = now
    if tender.previous is not None:
        tender.previous.superseded = True
    db.session.flush()
    key = tender_keys.create_tender_key(tender, now=now)
    audit.record(
        'tender.published',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        code=tender.code,
        version=tender.version,
        rules_version=tender.rules_version,
        frozen_sha256=tender.frozen_sha256,
        tender_certificate=key.fingerprint,
        key_threshold=key.threshold,
    )
