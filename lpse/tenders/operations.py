"""Tender rules: drafts, publication, cancellation, failure and retender. No request, no commit."""

import json
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from lpse import audit, ids
from lpse.agencies.models import TIMEZONES, Agency, WorkUnit
from lpse.auth.models import Role, User
from lpse.crypto.canonical import canonical_json
from lpse.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from lpse.extensions import db, savepoint
from lpse.tenders import rules
from lpse.tenders import search as _search  # noqa: F401 — keeps the list index in step
from lpse.tenders.methods import method_for
from lpse.tenders.models import (
    BoqItem,
    BusinessSize,
    Category,
    ContractType,
    EvaluationMethod,
    QualificationMethod,
    SelectionMethod,
    Tender,
    TenderCounter,
    TenderMember,
    TenderStatus,
)

REQUIRED = (
    'title',
    'category',
    'selection_method',
    'contract_type',
    'fiscal_year',
    'pagu',
    'hps',
    'business_size',
    'evaluation_method',
)
CHOICES = {
    'category': Category,
    'selection_method': SelectionMethod,
    'qualification_method': QualificationMethod,
    'contract_type': ContractType,
    'business_size': BusinessSize,
    'evaluation_method': EvaluationMethod,
}
TEXTS = {'title': 300, 'description': 20000, 'funding_source': 100, 'location': 300}


UNCHECKED = object()


def lean() -> tuple:
    """get_tender(options=lean()): the tender without its member and BoQ lists, which load
    only if read — for a hot path that reads neither (a bid upload at the deadline rush)."""
    return (lazyload(Tender.members), lazyload(Tender.boq_items))


def assigned_to(scope) -> tuple[list, list]:
    """A scoped auditor's assignment: its agencies and its tenders (their current versions);
    nothing for a national one, whose reach is everything."""
    if scope.national:
        return [], []
    agencies = db.session.scalars(
        select(Agency).where(Agency.id.in_(sorted(scope.agency_ids))).order_by(Agency.name)
    ).all()
    tenders = db.session.scalars(
        select(Tender)
        .where(Tender.code.in_(sorted(scope.tender_codes)), Tender.superseded.is_(False))
        .order_by(Tender.code)
    ).all()
    return agencies, tenders


def get_tender(code, version=None, *, visible_to=UNCHECKED, options=()) -> Tender:
    """The newest version of a tender code (or the given version) that ``visible_to`` may see
    (anyone, when not given); 404 when unknown, hidden, or the version is out of range."""
    stmt = select(Tender).where(Tender.code == (code or '').strip().upper()[:40]).options(*options)
    if version is not None:
        version = ids.bounded_id(version)
        if version is None:
            raise NotFound(_l('Tender dengan kode itu tidak ditemukan.'))
        stmt = stmt.where(Tender.version == version)
    for tender in db.session.scalars(stmt.order_by(Tender.version.desc())):
        if visible_to is UNCHECKED or tender.can_view(visible_to):
            return tender
    raise NotFound(_l('Tender dengan kode itu tidak ditemukan.'))


def next_code(agency, year) -> str:
    """`<agency>-<year>-<seq>`; the counter row is locked by UPDATE … RETURNING, so two
    concurrent drafts never get the same number."""
    for _attempt in range(3):
        stmt = (
            update(TenderCounter)
            .where(TenderCounter.agency_id == agency.id, TenderCounter.year == year)
            .values(last=TenderCounter.last + 1)
            .returning(TenderCounter.last)
        )
        seq = db.session.scalar(stmt)
        if seq is not None:
            return f'{agency.code}-{year}-{seq:05d}'
        try:
            with savepoint():
                db.session.add(TenderCounter(agency_id=agency.id, year=year, last=1))
            return f'{agency.code}-{year}-00001'
        except IntegrityError:
            continue  # another transaction created the row first: take the next number
    raise Conflict(_l('Nomor tender sedang dipakai; coba lagi.'))


def create_draft(*, agency, data, actor, now, ip=None) -> Tender:
    """A new draft package of ``agency`` by a Pokja member or PPK of that agency."""
    if agency is None or not actor.has_role(Role.pokja, Role.ppk) or actor.agency_id != agency.id:
        raise NotAllowed(_l('Hanya Pokja atau PPK instansi ini yang dapat membuat tender.'))
    missing = [name for name in REQUIRED if data.get(name) in (None, '')]
    if missing:
        raise ValidationFailed(
            _l('Kolom wajib belum diisi: %(names)s.', names=', '.join(missing)), field=missing[0]
        )
    year = now.astimezone(ZoneInfo(agency.timezone)).year
    tender = Tender(
        code=next_code(agency, year),
        version=1,
        agency=agency,
        timezone=agency.timezone,
        status=TenderStatus.draft.value,
        created_at=now,
        created_by_id=actor.id,
        submission_files=1,
        method_params='{}',
    )
    data = dict(data)
    if actor.has_role(Role.pokja):
        data.setdefault('pokja', [actor.id])
    if actor.has_role(Role.ppk):
        data.setdefault('ppk', actor.id)
    _apply(tender, data)
    db.session.add(tender)
    db.session.flush()
    audit.record('tender.created', tender, actor=actor, now=now, ip=ip, code=tender.code)
    return tender


def update_draft(tender, *, data, actor, now, ip=None) -> Tender:
    """Change a draft; a published tender changes only by addendum or schedule change."""
    if not tender.is_draft:
        raise InvalidTransition(
            _l(
                'Tender yang sudah diumumkan tidak dapat diubah; '
                'gunakan adendum atau perubahan jadwal.'
            )
        )
    if not tender.can_edit(actor):
        raise NotAllowed(_l('Hanya Pokja atau PPK tender ini yang dapat mengubahnya.'))
    _apply(tender, data)
    db.session.flush()
    audit.record('tender.updated', tender, actor=actor, now=now, ip=ip, fields=sorted(data))
    return tender


def _apply(tender, data):
    """Validate and set the given fields; the first problem is raised naming its field."""
    for name, limit in TEXTS.items():
        if name in data:
            if data[name] is not None and not isinstance(data[name], str):
                raise ValidationFailed(_l('Kolom ini harus berupa teks.'), field=name)
            value = (data[name] or '').strip()
            if name == 'title' and not value:
                raise ValidationFailed(_l('Judul wajib diisi.'), field='title')
            if len(value) > limit:
                raise ValidationFailed(_l('Teks terlalu panjang.'), field=name)
            setattr(tender, name, value)
    for name, enum in CHOICES.items():
        if name in data:
            if not isinstance(data[name], str) or data[name] not in enum.__members__:
                raise ValidationFailed(_l('Pilihan tidak dikenal.'), field=name)
            setattr(tender, name, data[name])
    if tender.qualification_method is None:
        tender.qualification_method = QualificationMethod.pascakualifikasi.value
    if method_for(tender.selection_method, tender.qualification_method) is None:
        raise ValidationFailed(
            _l('Metode pemilihan ini tidak memakai prakualifikasi.'), field='qualification_method'
        )
    if 'fiscal_year' in data:
        year = data['fiscal_year']
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year)
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            raise ValidationFailed(_l('Tahun anggaran tidak valid.'), field='fiscal_year')
        tender.fiscal_year = year
    for name in ('pagu', 'hps'):
        if name in data:
            setattr(tender, name, rules.parse_amount(data[name], name))
    rules.check_amounts(tender.pagu, tender.hps)
    if 'timezone' in data:
        if not isinstance(data['timezone'], str) or data['timezone'] not in TIMEZONES:
            raise ValidationFailed(_l('Zona waktu tidak dikenal.'), field='timezone')
        tender.timezone = data['timezone']
    if 'submission_files' in data:
        if str(data['submission_files']) not in ('1', '2'):
            raise ValidationFailed(_l('Sistem penawaran satu atau dua file.'), field='files')
        tender.submission_files = int(data['submission_files'])
    if 'method_params' in data:
        tender.method_params = canonical_json(rules.check_params(data['method_params']))
    if 'required_kbli' in data:
        tender.required_kbli = rules.parse_kbli(data['required_kbli'])
    _apply_people(tender, data)
    if 'work_unit' in data:
        tender.work_unit = _work_unit(tender.agency, data['work_unit'])
    if 'boq' in data:
        tender.boq_items = boq_items(rules.parse_boq(data['boq']))
    rules.check_boq_total(tender.boq_items, tender.hps)


def boq_items(lines) -> list[BoqItem]:
    """New BoQ rows, numbered from 1, from parsed lines or another tender's items."""
    return [
        BoqItem(
            position=n,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
        )
        for n, line in enumerate(lines, start=1)
    ]


def _apply_people(tender, data):
    if 'ppk' in data:
        tender.ppk = _officer(tender.agency, data['ppk'], Role.ppk, 'ppk') if data['ppk'] else None
    if 'pokja' in data:
        if not isinstance(data['pokja'], list | tuple):
            raise ValidationFailed(_l('Pokja harus berupa daftar anggota.'), field='pokja')
        users = [_officer(tender.agency, ref, Role.pokja, 'pokja') for ref in data['pokja']]
        if len({u.id for u in users}) != len(users):
            raise ValidationFailed(_l('Anggota Pokja tidak boleh ganda.'), field='pokja')
        kept = {m.user_id: m for m in tender.members}
        tender.members = [kept.get(u.id) or TenderMember(user=u) for u in users]
    if 'key_threshold' in data:
        value = data['key_threshold']
        if value in (None, ''):
            tender.key_threshold = None
        elif str(value).isdigit() and 1 <= int(value) <= max(len(tender.members), 1):
            tender.key_threshold = int(value)
        else:
            raise ValidationFailed(
                _l('Ambang kunci harus antara 1 dan jumlah anggota Pokja.'), field='key_threshold'
            )


def _officer(agency, ref, role, field):
    """A user of ``agency`` holding ``role``, by id or email."""
    user, ident = None, ids.bounded_id(ref)
    if ident is not None:
        user = db.session.get(User, ident)
    elif isinstance(ref, str) and not ref.strip().isdigit():
        user = db.session.scalar(select(User).where(User.email == ref.strip().lower()[:320]))
    if user is None or not user.active or not user.has_role(role) or user.agency_id != agency.id:
        raise ValidationFailed(
            _l(
                '%(ref)s bukan pengguna aktif dengan peran %(role)s di instansi ini.',
                ref=ref,
                role=role,
            ),
            field=field,
        )
    return user


def _work_unit(agency, ref):
    if ref in (None, ''):
        return None
    unit = db.session.scalar(
        select(WorkUnit).where(WorkUnit.agency_id == agency.id, WorkUnit.code == str(ref).upper())
    )
    if unit is None:
        raise ValidationFailed(
            _l('Satuan kerja tidak ditemukan di instansi ini.'), field='work_unit'
        )
    return unit


def method_params(tender) -> dict:
    return json.loads(tender.method_params or '{}')


def cancel_tender(tender, *, reason, actor, now, ip=None):
    """Cancel a running tender, with its reason."""
    _end(tender, reason, actor, allowed=tender.can_manage(actor))
    tender.status = TenderStatus.cancelled.value
    tender.cancelled_at = now
    db.session.flush()
    audit.record('tender.cancelled', tender, actor=actor, now=now, ip=ip, reason=tender.end_reason)


def fail_tender(tender, *, reason, actor, now, ip=None):
    """Declare the tender failed (gagal) after the bid deadline, with its reason."""
    if tender.can_manage(actor) and tender.before_deadline(now):
        raise InvalidTransition(
            _l('Tender baru dapat dinyatakan gagal setelah batas akhir penawaran.')
        )
    _end(tender, reason, actor, allowed=tender.can_fail(actor, now))
    tender.status = TenderStatus.failed.value
    tender.failed_at = now
    db.session.flush()
    audit.record('tender.failed', tender, actor=actor, now=now, ip=ip, reason=tender.end_reason)


def _end(tender, reason, actor, *, allowed):
    if not tender.is_active:
        raise InvalidTransition(_l('Hanya tender yang sedang berjalan yang dapat diakhiri.'))
    if not allowed:
        raise NotAllowed(_l('Hanya anggota Pokja tender ini yang dapat melakukannya.'))
    tender.end_reason = rules.required_text(reason, 'reason', _l('Alasan wajib diisi.'))


def retender(tender, *, actor, now, ip=None) -> Tender:
    """A failed tender starts again as the next version of the same code (a new draft)."""
    if not tender.can_retender(actor):
        raise NotAllowed(_l('Hanya Pokja tender yang gagal yang dapat melakukan tender ulang.'))
    if db.session.scalar(
        select(Tender.id).where(Tender.code == tender.code, Tender.version > tender.version)
    ):
        raise Conflict(_l('Tender ulang untuk versi ini sudah dibuat.'))
    new = Tender(
        code=tender.code,
        version=tender.version + 1,
        previous_id=tender.id,
        status=TenderStatus.draft.value,
        created_at=now,
        created_by_id=actor.id,
        agency=tender.agency,
        **{
            name: getattr(tender, name)
            for name in (
                *REQUIRED,
                *TEXTS,
                'work_unit_id',
                'timezone',
                'ppk_id',
                'key_threshold',
                'submission_files',
                'method_params',
                'qualification_method',
                'required_kbli',
            )
        },
    )
    new.members = [TenderMember(user_id=m.user_id) for m in tender.members]
    new.boq_items = boq_items(tender.boq_items)
    db.session.add(new)
    db.session.flush()
    audit.record(
        'tender.retendered',
        new,
        actor=actor,
        now=now,
        ip=ip,
        code=new.code,
        version=new.version,
        previous_id=tender.id,
    )
    return new
