"""The Daftar Hitam: recording and lifting sanctions, and asking whether an id is blocked."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from lpse import audit
from lpse.errors import NotAllowed, ValidationFailed
from lpse.extensions import db
from lpse.vendors.models import BlacklistEntry, local_date
from lpse.vendors.validators import InvalidIdentifier, normalise_nib, normalise_npwp, npwp_key


def _matching(npwp=None, nib=None):
    conditions = []
    if npwp:
        conditions.append(BlacklistEntry.npwp_key == npwp_key(npwp))
    if nib:
        conditions.append(BlacklistEntry.nib == nib)
    if not conditions:
        return []
    return db.session.scalars(
        select(BlacklistEntry).where(or_(*conditions)).order_by(BlacklistEntry.ends_on.desc())
    ).all()


def active_entry(*, npwp=None, nib=None, now) -> BlacklistEntry | None:
    """The entry that blocks this NPWP or NIB at `now`, if any."""
    return next((e for e in _matching(npwp, nib) if e.is_active(now)), None)


def entries(*, now, include_past=False) -> list[BlacklistEntry]:
    """The public list: active entries (and, on request, the ones that have ended)."""
    rows = db.session.scalars(
        select(BlacklistEntry).order_by(BlacklistEntry.starts_on.desc(), BlacklistEntry.id.desc())
    ).all()
    today = local_date(now)
    return [e for e in rows if include_past or e.is_active(now) or e.starts_on > today]


def _date(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def add_entry(data: dict, *, actor, now, ip=None) -> BlacklistEntry:
    """Record a sanction: NPWP and/or NIB, company, reason, decree number and period."""
    if not actor.has_role('admin', 'verifier'):
        raise NotAllowed(_l('Hanya admin dan verifikator yang mencatat Daftar Hitam.'))
    fields = {}
    for name, normalise in (('npwp', normalise_npwp), ('nib', normalise_nib)):
        raw = data.get(name)
        if raw in (None, ''):
            fields[name] = None
            continue
        try:
            fields[name] = normalise(raw)
        except InvalidIdentifier as exc:
            raise ValidationFailed(exc.message, field=name) from None
    if not fields['npwp'] and not fields['nib']:
        raise ValidationFailed(_l('Isi NPWP atau NIB (atau keduanya).'), field='npwp')
    texts = {}
    for name, label, max_len in (
        ('company_name', _l('Nama perusahaan'), 200),
        ('reason', _l('Alasan'), 2000),
        ('decree_number', _l('Nomor SK'), 100),
    ):
        value = data.get(name).strip() if isinstance(data.get(name), str) else ''
        if not value or len(value) > max_len:
            raise ValidationFailed(
                _l('%(label)s wajib diisi (maks. %(n)s karakter).', label=label, n=max_len),
                field=name,
            )
        texts[name] = value
    starts, ends = _date(data.get('starts_on')), _date(data.get('ends_on'))
    if starts is None:
        raise ValidationFailed(_l('Tanggal mulai tidak valid (YYYY-MM-DD).'), field='starts_on')
    if ends is None or ends < starts:
        raise ValidationFailed(
            _l('Tanggal selesai harus tanggal yang sama atau setelah tanggal mulai.'),
            field='ends_on',
        )
    entry = BlacklistEntry(
        **texts,
        npwp=fields['npwp'],
        npwp_key=npwp_key(fields['npwp']) if fields['npwp'] else None,
        nib=fields['nib'],
        starts_on=starts,
        ends_on=ends,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        'blacklist.added',
        entry,
        actor=actor,
        now=now,
        ip=ip,
        npwp=entry.npwp,
        nib=entry.nib,
        decree=entry.decree_number,
        starts_on=starts.isoformat(),
        ends_on=ends.isoformat(),
    )
    return entry


def lift_entry(entry, *, reason, actor, now, ip=None):
    """End a sanction early (e.g. annulled by a court), with the reason on record."""
    if entry.names_company_of(actor):
        raise NotAllowed(
            _l(
                'Anda tidak dapat mencabut sanksi atas perusahaan Anda sendiri; mintalah '
                'petugas lain.'
            )
        )
    if not entry.can_lift(actor, now):
        raise NotAllowed(_l('Entri ini tidak dapat dicabut.'))
    reason = reason.strip() if isinstance(reason, str) else ''
    if not reason:
        raise ValidationFailed(_l('Alasan pencabutan wajib diisi.'), field='reason')
    entry.lifted_at = now
    entry.lift_reason = reason[:2000]
    db.session.flush()
    audit.record('blacklist.lifted', entry, actor=actor, now=now, ip=ip, reason=entry.lift_reason)


def entry_json(entry, now):
    return {
        'id': entry.id,
        'company_name': entry.company_name,
        'npwp': entry.npwp_display if entry.npwp else None,
        'nib': entry.nib,
        'reason': entry.reason,
        'decree_number': entry.decree_number,
        'starts_on': entry.starts_on.isoformat(),
        'ends_on': entry.ends_on.isoformat(),
        'active': entry.is_active(now),
        'lifted_at': entry.lifted_at.isoformat() if entry.lifted_at else None,
    }
