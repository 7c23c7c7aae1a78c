"""Recording worksheet entries: one bid's entries all or nothing, each attributed to the member
who made it and audited; pending proposals lapse and the File II gates follow (no request, no
commit)."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lpse import audit
from lpse.errors import InvalidTransition, NotAllowed, ValidationFailed
from lpse.evaluation import permissions
from lpse.evaluation.export import live_ranking
from lpse.evaluation.models import FILE_ONE, EntryKind, WorksheetEntry
from lpse.evaluation.technical import sync_technical_pass
from lpse.evaluation.worksheets import (
    Participant,
    check_open_for_entries,
    ensure_version,
    entries_of,
    file_one_frozen,
    lapse_pending,
    lock,
    parse_entries,
    participant,
)
from lpse.extensions import db


def record(tender, bid_id, data, *, actor, now, ip=None) -> Participant:
    """Record the given entries for one bid, all or nothing; pending proposals lapse."""
    if not permissions.can_evaluate(tender, actor):
        raise NotAllowed(_l('Hanya Pokja tender ini yang dapat mengevaluasi.'))
    check_open_for_entries(tender, now)
    lock(tender)
    p = participant(tender, bid_id)
    parsed = parse_entries(tender, data)
    decided = sorted(set(parsed) & set(tender.method.system_verdicts(tender, p.vendor, now)))
    if decided:
        raise ValidationFailed(
            _l(
                'Metode %(method)s menetapkan sendiri hasil evaluasi %(stages)s (dari data '
                'penyedia); tidak dicatat Pokja.',
                method=tender.method.label,
                stages=', '.join(decided),
            ),
            field=decided[0],
        )
    changes_file_one = any(kind in FILE_ONE for kind in parsed)
    if changes_file_one and file_one_frozen(tender):
        raise InvalidTransition(
            _l(
                'File II sudah dibuka: hasil evaluasi File I tidak dapat diubah lagi, kecuali '
                'pada evaluasi ulang (versi baru).'
            )
        )
    if EntryKind.clarification in parsed and not needs_clarification(tender, p):
        raise ValidationFailed(
            _l('Klarifikasi harga hanya untuk penawaran di bawah batas kewajaran HPS.'),
            field='clarification',
        )
    version = ensure_version(tender, actor=actor, now=now)
    current = entries_of(version, p.bid.id)
    for kind, values in parsed.items():
        entry = current.get(kind)
        if entry is None:
            entry = WorksheetEntry(version=version, bid_id=p.bid.id, kind=kind)
            db.session.add(entry)
        for name, value in values.items():
            setattr(entry, name, value)
        entry.entered_by_id, entry.entered_at = actor.id, now
        db.session.flush()
        audit.record(
            'evaluation.entry_recorded',
            entry,
            actor=actor,
            now=now,
            ip=ip,
            version=version.number,
            bid=p.bid.id,
            kind=kind,
            **_payload(values),
        )
    lapse_pending(version, reason='entry changed', actor=actor, now=now)
    sync_technical_pass(tender)
    return p


def needs_clarification(tender, p) -> bool:
    result = live_ranking(tender).result(str(p.bid.id))
    return any(flag.code == 'below_reasonable_price' for flag in result.flags)


def _payload(values: dict) -> dict:
    out = {}
    for name, value in values.items():
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out
