"""The schedule of a tender: set whole in a draft, changed with a reason afterwards (each change
recorded in the Perubahan history)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.errors import NotAllowed, ValidationFailed
from lpse.extensions import db
from lpse.tenders import news, rules
from lpse.tenders.models import ScheduleChange, ScheduleEntry
from lpse.tenders.stages import ALL_STAGES, STAGE_LABELS, Stage, validate_schedule


class ScheduleInvalid(ValidationFailed):
    """The schedule breaks rules; ``problems`` lists (stage, message) for the form."""

    def __init__(self, problems):
        text = '; '.join(f'{STAGE_LABELS[p.stage]}: {p.message}' for p in problems)
        super().__init__(_l('Jadwal tidak valid — %(problems)s', problems=text), field='schedule')
        self.problems = problems


# Functions ``frozen(tender) -> set[Stage]``: stages whose window an announcement fixed (the
# objection period it announced with its end); a schedule change may not move them, so a page
# never shows two deadlines for one period. The modules that announce register one.
FROZEN_STAGES = []


def register_frozen_stages(frozen):
    """Decorator: add a function naming the stages of a tender no schedule change may move."""
    FROZEN_STAGES.append(frozen)
    return frozen


def frozen_stages(tender) -> set[Stage]:
    return set().union(*(frozen(tender) for frozen in FROZEN_STAGES))


def _write_schedule(tender, schedule):
    """The windows of the method's stages (a stage the method lacks — left from a draft whose
    method changed — is dropped)."""
    rows = {row.stage: row for row in tender.schedule_rows}
    for row in list(tender.schedule_rows):
        if Stage(row.stage) not in schedule:
            tender.schedule_rows.remove(row)
    for stage in tender.method.stages:
        position = ALL_STAGES.index(stage) + 1
        window = schedule[stage]
        row = rows.get(stage.value)
        if row is None:
            row = ScheduleEntry(stage=stage.value, position=position)
            tender.schedule_rows.append(row)
        row.position, row.starts_at, row.ends_at = position, window.start, window.end
    tender.bid_deadline = schedule[Stage.bid_submission].end


def set_schedule(tender, schedule, *, actor, now, ip=None):
    """Set the whole schedule of a draft (checked against the configured minimums)."""
    if not tender.can_edit(actor):
        raise NotAllowed(_l('Hanya Pokja atau PPK tender ini yang dapat mengubah draf.'))
    problems = validate_schedule(schedule, rules.schedule_rules(tender))
    if problems:
        raise ScheduleInvalid(problems)
    _write_schedule(tender, schedule)
    db.session.flush()
    audit.record(
        'tender.schedule_set', tender, actor=actor, now=now, ip=ip, schedule=_as_json(schedule)
    )


def change_schedule(tender, changes, *, reason, actor, now, ip=None, announce=True):
    """Change windows of a running tender: with a reason, kept as history, never rewriting
    the past (an ended window stays, a started window keeps its start). Its audience hears of it
    (``announce=False``: the caller's own news says it, as an addendum's does)."""
    if not tender.can_manage(actor):
        raise NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat mengubah jadwal.'))
    reason = rules.required_text(reason, 'reason', _l('Perubahan jadwal wajib menyertakan alasan.'))
    old = tender.schedule
    changed = {s: w for s, w in changes.items() if old.get(s) != w}
    if not changed:
        raise ValidationFailed(_l('Tidak ada tahap yang berubah.'), field='schedule')
    problems = []
    frozen = frozen_stages(tender)
    for stage, window in changed.items():
        before = old[stage]
        if stage in frozen:
            problems.append(
                (
                    stage,
                    _l(
                        'Masa sanggah ini sudah diumumkan bersama batas akhirnya; jadwalnya '
                        'tidak dapat diubah lagi.'
                    ),
                )
            )
        elif before.end <= now:
            problems.append((stage, _l('Tahap yang sudah berakhir tidak dapat diubah.')))
        elif before.start <= now and window.start != before.start:
            problems.append((stage, _l('Awal tahap yang sudah dimulai tidak dapat diubah.')))
        elif window.end <= now:
            problems.append((stage, _l('Akhir tahap yang baru harus di masa depan.')))
    from lpse.tenders.stages import Problem

    problems = [Problem(s, m) for s, m in problems]
    merged = {**old, **changed}
    problems += validate_schedule(merged, rules.tender_schedule_rules(tender))
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
    if announce:
        news.tell(tender, 'schedule_changed', now=now, reason=reason)


def changes_of(tender):
    return db.session.scalars(
        select(ScheduleChange)
        .where(ScheduleChange.tender_id == tender.id)
        .order_by(ScheduleChange.id)
    ).all()


def _as_json(schedule):
    return {
        s.value: {'start': w.start.isoformat(), 'end': w.end.isoformat()}
        for s, w in sorted(schedule.items(), key=lambda item: ALL_STAGES.index(item[0]))
    }
