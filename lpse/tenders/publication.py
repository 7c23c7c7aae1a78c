"""The schedule (set in a draft, changed with a reason afterwards) and publication."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.bids import keys as tender_keys
from lpse.errors import InvalidTransition, NotAllowed, ValidationFailed
from lpse.extensions import db
from lpse.tenders import rules
from lpse.tenders.documents import Document
from lpse.tenders.models import (
    Category,
    DocumentKind,
    ScheduleChange,
    ScheduleEntry,
    SelectionMethod,
    Tender,
    TenderStatus,
)
from lpse.tenders.stages import STAGE_LABELS, STAGES, Stage, Window, validate_schedule


class ScheduleInvalid(ValidationFailed):
    """The schedule breaks rules; ``problems`` lists (stage, message) for the form."""

    def __init__(self, problems):
        text = '; '.join(f'{STAGE_LABELS[p.stage]}: {p.message}' for p in problems)
        super().__init__(_l('Jadwal tidak valid — %(problems)s', problems=text), field='schedule')
        self.problems = problems


class PublicationRefused(ValidationFailed):
    """What is still missing before a draft can be announced."""

    def __init__(self, reasons):
        super().__init__(
            _l('Tender belum dapat diumumkan: %(reasons)s', reasons='; '.join(map(str, reasons)))
        )
        self.reasons = reasons


def _write_schedule(tender, schedule):
    rows = {row.stage: row for row in tender.schedule_rows}
    for position, stage in enumerate(STAGES, start=1):
        window = schedule[stage]
        row = rows.get(stage.value)
        if row is None:
            row = ScheduleEntry(stage=stage.value, position=position)
            tender.schedule_rows.append(row)
        row.starts_at, row.ends_at = window.start, window.end
    tender.bid_deadline = schedule[Stage.bid_submission].end


def set_schedule(tender, schedule, *, actor, now, ip=None):
    """Set the whole schedule of a draft (checked against the configured minimums)."""
    if not tender.can_edit(actor):
        raise NotAllowed(_l('Hanya Pokja atau PPK tender ini yang dapat mengubah draf.'))
    problems = validate_schedule(schedule, rules.schedule_rules())
    if problems:
        raise ScheduleInvalid(problems)
    _write_schedule(tender, schedule)
    db.session.flush()
    audit.record(
        'tender.schedule_set', tender, actor=actor, now=now, ip=ip, schedule=_as_json(schedule)
    )


def change_schedule(tender, changes, *, reason, actor, now, ip=None):
    """Change windows of a running tender: with a reason, kept as history, never rewriting
    the past (an ended window stays, a started window keeps its start)."""
    if not tender.can_manage(actor):
        raise NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat mengubah jadwal.'))
    reason = rules.required_text(reason, 'reason', _l('Perubahan jadwal wajib menyertakan alasan.'))
    old = tender.schedule
    changed = {s: w for s, w in changes.items() if old.get(s) != w}
    if not changed:
        raise ValidationFailed(_l('Tidak ada tahap yang berubah.'), field='schedule')
    problems = []
    for stage, window in changed.items():
        before = old[stage]
        if before.end <= now:
            problems.append((stage, _l('Tahap yang sudah berakhir tidak dapat diubah.')))
        elif before.start <= now and window.start != before.start:
            problems.append((stage, _l('Awal tahap yang sudah dimulai tidak dapat diubah.')))
        elif window.end <= now:
            problems.append((stage, _l('Akhir tahap yang baru harus di masa depan.')))
    from lpse.tenders.stages import Problem

    problems = [Problem(s, m) for s, m in problems]
    merged = {**old, **changed}
    problems += validate_schedule(merged, rules.frozen_rules_of(tender) or rules.schedule_rules())
    if problems:
        raise ScheduleInvalid(problems)
    for stage, window in changed.items():
        db.session.add(
            ScheduleChange(
                tender_id=tender.id,
                stage=stage.value,
                old_starts_at=old[stage].start,
                old_ends_at=old[stage].end,
                new_starts_at=window.start,
                new_ends_at=window.end,
                reason=reason,
                changed_at=now,
                changed_by_id=actor.id,
            )
        )
    _write_schedule(tender, merged)
    db.session.flush()
    audit.record(
        'tender.schedule_changed',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        reason=reason,
        changes=_as_json(changed),
    )


def changes_of(tender):
    return db.session.scalars(
        select(ScheduleChange)
        .where(ScheduleChange.tender_id == tender.id)
        .order_by(ScheduleChange.id)
    ).all()


def _as_json(schedule):
    return {
        s.value: {'start': w.start.isoformat(), 'end': w.end.isoformat()}
        for s, w in sorted(schedule.items(), key=lambda item: STAGES.index(item[0]))
    }


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
    if tender.selection_method == SelectionMethod.seleksi and not consultancy:
        reasons.append(_l('Seleksi hanya untuk jasa konsultansi.'))
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
    if len(schedule) < len(STAGES):
        return [_l('Jadwal belum lengkap.')]
    if any(window.end <= now for window in schedule.values()):
        return [_l('Ada tahap jadwal yang sudah berakhir; perbarui jadwal.')]
    announcement = schedule[Stage.announcement]
    # Announced now: the announcement period counts from publication.
    effective = {
        **schedule,
        Stage.announcement: Window(max(announcement.start, now), announcement.end),
    }
    return [
        _l('%(stage)s: %(message)s', stage=STAGE_LABELS[p.stage], message=p.message)
        for p in validate_schedule(effective, rules.schedule_rules())
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
    schedule_rules = rules.schedule_rules()
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
