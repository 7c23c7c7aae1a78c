"""An auditor dismisses one flag's evidence with a reason: an event in the audit log (never
silent, never erased), read back to show the flag as dismissed and leave it out of the weights."""

import hashlib
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.audit import AuditEvent
from lpse.crypto.canonical import canonical_json
from lpse.errors import ValidationFailed
from lpse.extensions import db

ACTION = 'redflag.dismissed'
MAX_REASON = 1000


def evidence_key(rule: str, evidence) -> str:
    """A stable id of one piece of evidence: the same facts give the same key."""
    data = {
        'rule': rule,
        'vendors': list(evidence.vendors),
        'bids': list(evidence.bids),
        'kind': evidence.kind,
        'value': evidence.value,
        'tenders': list(evidence.tenders),
        'times': [t.isoformat() for t in evidence.times],
    }
    return hashlib.sha256(canonical_json(data).encode('utf-8')).hexdigest()[:24]


def dismissed(tender) -> dict[str, dict]:
    """key -> {reason, actor_id, at, seq} of every dismissal logged for ``tender``."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == ACTION,
            AuditEvent.object_type == tender.__tablename__,
            AuditEvent.object_id == str(tender.id),
        )
        .order_by(AuditEvent.seq)
    )
    found = {}
    for row in rows:
        payload = json.loads(row.payload)
        found[payload['evidence']] = {
            'reason': payload['reason'],
            'actor_id': row.actor_id,
            'at': row.occurred_at,
            'seq': row.seq,
        }
    return found


def dismiss(tender, keys: set[str], *, rule, key, reason, actor, now, ip=None):
    """Log the dismissal of the evidence ``key`` (one of ``keys``, the tender's current ones)."""
    reason = (reason or '').strip()
    if not reason:
        raise ValidationFailed(_l('Alasan wajib diisi.'), field='reason')
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_l('Alasan terlalu panjang.'), field='reason')
    if key not in keys:
        raise ValidationFailed(_l('Indikator itu tidak ada (lagi) pada tender ini.'), field='key')
    if key in dismissed(tender):
        raise ValidationFailed(_l('Indikator itu sudah diabaikan.'), field='key')
    return audit.record(
        ACTION, tender, actor=actor, now=now, ip=ip, rule=rule, evidence=key, reason=reason
    )
