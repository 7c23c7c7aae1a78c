"""The public list's stage filter: where each listed tender's derived stage lies in time.

`stages.current_stage` derives a tender's stage from its schedule, milestones, status and the
clock; no job ever writes "the current stage". What changes only when the tender changes is the
whole timeline (`stages.phase_windows`): the bounded windows go to `StageWindow`, the open-ended
last one to `StageHold`. "In stage S now" is then

- the `StageWindow` rows ``stage = S AND ends_at > now AND starts_at <= now`` — one index range
  over the tenders that have not left S yet (those in S and those still before it), never over
  the archive of tenders that went through S long ago;
- plus the `StageHold` rows ``stage = S AND starts_at <= now``, walked in list order.

A flush listener rewrites a tender's rows whenever anything they depend on changes (schedule
rows, milestones, status, publication, retender, the carried sort and filter columns).
"""

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from lpse.tenders import stages
from lpse.tenders.locking import lock_tenders
from lpse.tenders.models import (
    LISTED_COLUMNS,
    ScheduleEntry,
    StageHold,
    StageWindow,
    Tender,
    changed_tenders,
)
from lpse.tenders.stages import Stage, Window

WATCHED = ('status', 'superseded', *LISTED_COLUMNS, *stages.MILESTONES)


def timeline_rows(tender: Mapping, schedule: Mapping[Stage, Window]) -> tuple[list[dict], dict]:
    """(`StageWindow` rows, the `StageHold` row) of a listed tender given as a mapping of its
    columns (id, status, the milestones and `LISTED_COLUMNS`)."""
    carried = {name: tender[name] for name in LISTED_COLUMNS}
    milestones = {name: tender.get(name) for name in stages.MILESTONES}
    spans = stages.phase_windows(tender['status'], schedule, milestones)
    *bounded, (held, since, _end) = spans
    windows = [
        {'tender_id': tender['id'], 'stage': str(stage), 'starts_at': start, 'ends_at': end}
        | carried
        for stage, start, end in bounded
    ]
    hold = {'tender_id': tender['id'], 'stage': str(held), 'starts_at': since} | carried
    return windows, hold


def write(connection, tender_ids: Sequence[int], milestones=stages.MILESTONES) -> None:
    """Rewrite the stage rows of these tenders from what the database holds now. The tenders
    are locked first: a schedule change and a milestone of the same tender in two transactions
    would otherwise each rewrite the rows from a state missing the other's change. A migration
    names the `milestones` columns its revision has (a missing one reads as not recorded)."""
    if not tender_ids:
        return
    lock_tenders(connection, tender_ids)
    for model in (StageWindow, StageHold):
        connection.execute(delete(model).where(model.tender_id.in_(tender_ids)))
    columns = [Tender.id, Tender.status, *(getattr(Tender, n) for n in milestones)]
    columns += [getattr(Tender, name) for name in LISTED_COLUMNS]
    listed = select(*columns).where(
        Tender.id.in_(tender_ids), Tender.published_at.is_not(None), Tender.superseded.is_(False)
    )
    tenders = list(connection.execute(listed).mappings())
    if not tenders:
        return
    schedules: dict[int, dict[Stage, Window]] = {t['id']: {} for t in tenders}
    rows = connection.execute(
        select(
            ScheduleEntry.tender_id,
            ScheduleEntry.stage,
            ScheduleEntry.starts_at,
            ScheduleEntry.ends_at,
        ).where(ScheduleEntry.tender_id.in_(list(schedules)))
    )
    for row in rows:
        schedules[row.tender_id][Stage(row.stage)] = Window(row.starts_at, row.ends_at)
    windows, holds = [], []
    for tender in tenders:
        spans, hold = timeline_rows(tender, schedules[tender['id']])
        windows += spans
        holds.append(hold)
    if windows:
        connection.execute(insert(StageWindow), windows)
    connection.execute(insert(StageHold), holds)


@event.listens_for(Session, 'after_flush')
def _follow(session, _context):
    changed = {t.id for t in changed_tenders(session, WATCHED)}
    changed |= {
        obj.tender_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, ScheduleEntry) and obj.tender_id is not None
    }
    if changed:
        write(session.connection(), sorted(changed))
