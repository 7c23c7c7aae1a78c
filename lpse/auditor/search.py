"""Searching the audit log: filters (tender, actor, role, action, object, IP, time range in the
reader's zone), the reader's scope, keyset paging behind an opaque cursor (stable while the log
grows: a cursor names a seq, never an offset), names for actors and objects, and the CSV rows."""

import base64
import binascii
import csv
import io
import json
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lpse.audit import AuditEvent, AuditEventTender
from lpse.auth.models import ROLE_VALUES, User, UserRole
from lpse.auth.operations import normalise_email
from lpse.errors import ValidationFailed
from lpse.extensions import db
from lpse.tenders.models import Tender
from lpse.vendors.models import Vendor

PAGE_SIZE = 50
MAX_PAGE = 200
EXPORT_BATCH = 1000
MAX_TEXT = 200
MIN_YEAR, MAX_YEAR = 1970, 2999


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; every field optional (None: not filtered)."""

    tender: str | None = None
    actor: str | None = None
    role: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    ip: str | None = None
    since: date | None = None
    until: date | None = None

    def query_args(self) -> dict:
        """The filters as query-string values (for links to the next page and the CSV)."""
        return {
            f.name: (v.isoformat() if isinstance(v, date) else v)
            for f in fields(self)
            if (v := getattr(self, f.name)) is not None
        }


def _text(args, name, limit=MAX_TEXT) -> str | None:
    value = (args.get(name) or '').strip()
    if len(value) > limit:
        raise ValidationFailed(_l('Parameter "%(name)s" terlalu panjang.', name=name), field=name)
    return value or None


def _date(args, name) -> date | None:
    text = _text(args, name, 10)
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:  # far years overflow with a zone
        raise ValidationFailed(
            _l('Parameter "%(name)s" harus tanggal TTTT-BB-HH.', name=name), field=name
        )
    return day


def parse_filters(args) -> Filters:
    """Filters from a query string; a bad value is a 422 naming its parameter."""
    role = _text(args, 'role', 20)
    if role is not None and role not in ROLE_VALUES:
        raise ValidationFailed(_l('Peran tidak dikenal.'), field='role')
    tender = _text(args, 'tender', 40)
    filters = Filters(
        tender=tender.upper() if tender else tender,  # codes are upper case; typed either way
        actor=_text(args, 'actor', 254),
        role=role,
        action=_text(args, 'action', 80),
        object_type=_text(args, 'object_type', 40),
        object_id=_text(args, 'object_id', 80),
        ip=_text(args, 'ip', 45),
        since=_date(args, 'since'),
        until=_date(args, 'until'),
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise ValidationFailed(_l('Tanggal awal setelah tanggal akhir.'), field='since')
    return filters


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone))


def _tender_seqs(where):
    return (
        select(AuditEventTender.seq)
        .join(Tender, Tender.id == AuditEventTender.tender_id)
        .where(where)
    )


def statement(filters: Filters, scope, zone: str):
    """The events matching ``filters`` inside ``scope``, unordered and unbounded."""
    stmt = select(AuditEvent)
    clause = scope.tender_clause(Tender.agency_id, Tender.code)
    if clause is not None:
        stmt = stmt.where(AuditEvent.seq.in_(_tender_seqs(clause)))
    if filters.tender:
        stmt = stmt.where(AuditEvent.seq.in_(_tender_seqs(Tender.code == filters.tender)))
    if filters.actor:
        if '@' in filters.actor:
            who = User.email == normalise_email(filters.actor)
        else:
            who = func.lower(User.name).contains(filters.actor.lower(), autoescape=True)
        stmt = stmt.where(AuditEvent.actor_id.in_(select(User.id).where(who)))
    if filters.role:
        stmt = stmt.where(
            AuditEvent.actor_id.in_(select(UserRole.user_id).where(UserRole.role == filters.role))
        )
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.ip:
        stmt = stmt.where(AuditEvent.actor_ip == filters.ip)
    if filters.since:
        stmt = stmt.where(AuditEvent.occurred_at >= _day_start(filters.since, zone))
    if filters.until:
        end = _day_start(filters.until + timedelta(days=1), zone)
        stmt = stmt.where(AuditEvent.occurred_at < end)
    return stmt


# --- cursors ------------------------------------------------------------------------------------

BAD_CURSOR = _l('Kursor halaman tidak valid.')


def encode_cursor(seq: int, ascending: bool) -> str:
    raw = json.dumps({'v': 1, 's': seq, 'a': ascending}, separators=(',', ':')).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def decode_cursor(text: str | None, ascending: bool) -> int | None:
    """The seq a cursor continues from; a cursor of another order or a forged one is a 422."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error):
        raise ValidationFailed(BAD_CURSOR, field='cursor') from None
    if not isinstance(data, dict):
        raise ValidationFailed(BAD_CURSOR, field='cursor')
    seq = data.get('s')
    if (
        len(text) > 200
        or data.get('v') != 1
        or data.get('a') is not ascending
        or not isinstance(seq, int)
        or isinstance(seq, bool)
        or not 0 <= seq < 2**63
    ):
        raise ValidationFailed(BAD_CURSOR, field='cursor')
    return seq


@dataclass(frozen=True)
class Page:
    events: list
    next_cursor: str | None


def page(stmt, *, cursor=None, limit=PAGE_SIZE, ascending=False) -> Page:
    """One page after ``cursor`` (newest first unless ``ascending``)."""
    after = decode_cursor(cursor, ascending)
    if after is not None:
        stmt = stmt.where(AuditEvent.seq > after if ascending else AuditEvent.seq < after)
    order = AuditEvent.seq.asc() if ascending else AuditEvent.seq.desc()
    rows = db.session.scalars(stmt.order_by(order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].seq, ascending) if more else None)


def page_size(args) -> int:
    text = (args.get('limit') or '').strip()
    if not text:
        return PAGE_SIZE
    if not (text.isascii() and text.isdigit() and 1 <= int(text[:4]) <= MAX_PAGE):
        raise ValidationFailed(
            _l('Parameter "limit" harus 1 sampai %(n)s.', n=MAX_PAGE), field='limit'
        )
    return int(text)


def iter_all(stmt, *, batch=EXPORT_BATCH):
    """Every matching event, oldest first, one bounded keyset query per batch."""
    after = 0
    while True:
        rows = db.session.scalars(
            stmt.where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq  # the identity map holds rows weakly: memory stays flat


# --- names --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """How an actor or an object reads: its label and, when it has one, a link target."""

    label: str
    endpoint: str | None = None
    values: dict | None = None


@dataclass(frozen=True)
class Names:
    actors: dict  # actor id -> User
    objects: dict  # (type, id) -> Named
    tenders: dict  # seq -> Tender (the tender the event concerns)

    def actor(self, event):
        return self.actors.get(event.actor_id)

    def object(self, event) -> Named | None:
        if event.object_type is None:
            return None
        return self.objects.get(
            (event.object_type, event.object_id),
            Named(f'{event.object_type} #{event.object_id}'),
        )

    def tender(self, event):
        return self.tenders.get(event.seq)


def _ids(events, kind) -> set[int]:
    return {
        int(e.object_id)
        for e in events
        if e.object_type == kind and e.object_id and e.object_id.isdigit()
    }


def _by_id(model, wanted):
    if not wanted:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(wanted)))}


def names_for(events) -> Names:
    """The users, tenders and vendors a page of events names: a few bounded queries."""
    seqs = [e.seq for e in events]
    links = (
        dict(
            db.session.execute(
                select(AuditEventTender.seq, AuditEventTender.tender_id).where(
                    AuditEventTender.seq.in_(seqs)
                )
            ).all()
        )
        if seqs
        else {}
    )
    users = _by_id(User, {e.actor_id for e in events if e.actor_id} | _ids(events, 'user'))
    tenders = _by_id(Tender, set(links.values()) | _ids(events, 'tender'))
    vendors = _by_id(Vendor, _ids(events, 'vendor'))
    objects = {}
    for ident, tender in tenders.items():
        objects['tender', str(ident)] = Named(
            f'{tender.code} — {tender.title}', 'tenders.detail', {'code': tender.code}
        )
    for ident, user in users.items():
        objects['user', str(ident)] = Named(
            f'{user.name} <{user.email}>', 'auditor.events', {'actor': user.email}
        )
    for ident, vendor in vendors.items():
        objects['vendor', str(ident)] = Named(
            vendor.company_name, 'vendors.detail', {'vendor_id': ident}
        )
    return Names(
        actors=users,
        objects=objects,
        tenders={seq: tenders[tid] for seq, tid in links.items() if tid in tenders},
    )


# --- CSV ----------------------------------------------------------------------------------------

CSV_HEADER = (
    'seq',
    'occurred_at',
    'actor_id',
    'actor_name',
    'actor_email',
    'actor_ip',
    'action',
    'object_type',
    'object_id',
    'object',
    'tender_code',
    'payload',
    'hash',
)


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = '' if value is None else str(value)
    return "'" + text if text[:1] in ('=', '+', '-', '@', '\t', '\r') else text


def csv_rows(events, zone: str):
    """The CSV text, header first, one chunk per batch of events."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    chunk = []
    for event in events:
        chunk.append(event)
        if len(chunk) == EXPORT_BATCH:
            yield _write(buffer, writer, chunk, zone)
            chunk = []
    yield _write(buffer, writer, chunk, zone)


def _write(buffer, writer, events, zone) -> str:
    names = names_for(events)
    tz = ZoneInfo(zone)
    for e in events:
        actor, obj, tender = names.actor(e), names.object(e), names.tender(e)
        writer.writerow(
            [
                _cell(v)
                for v in (
                    e.seq,
                    e.occurred_at.astimezone(tz).isoformat(),
                    e.actor_id,
                    actor.name if actor else None,
                    actor.email if actor else None,
                    e.actor_ip,
                    e.action,
                    e.object_type,
                    e.object_id,
                    obj.label if obj else None,
                    tender.code if tender else None,
                    e.payload,
                    e.hash,
                )
            ]
        )
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
