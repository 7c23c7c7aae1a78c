"""Agency and work-unit rules. No request, no commit."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.agencies.models import TIMEZONES, Agency, WorkUnit
from lpse.errors import Conflict, NotFound, ValidationFailed
from lpse.extensions import db

CODE_RE = re.compile(r'^[A-Z0-9][A-Z0-9-]{0,19}$')


def _text(value):
    return value.strip() if isinstance(value, str) else ''


def _check_code(code):
    code = _text(code).upper()
    if not CODE_RE.match(code):
        raise ValidationFailed(
            _l('Kode harus 1–20 huruf besar, angka atau tanda hubung.'), field='code'
        )
    return code


def find_agency(code):
    return db.session.scalar(select(Agency).where(Agency.code == _text(code).upper()))


def get_agency(code):
    agency = find_agency(code)
    if agency is None:
        raise NotFound(_l('Instansi tidak ditemukan.'))
    return agency


def create_agency(*, code, name, timezone, actor, now, ip=None):
    """A new instansi in one of Indonesia's three zones."""
    code = _check_code(code)
    if not _text(name):
        raise ValidationFailed(_l('Nama wajib diisi.'), field='name')
    if timezone not in TIMEZONES:
        raise ValidationFailed(
            _l('Zona waktu harus Asia/Jakarta, Asia/Makassar atau Asia/Jayapura.'),
            field='timezone',
        )
    if find_agency(code) is not None:
        raise Conflict(_l('Kode instansi sudah dipakai.'), field='code')
    agency = Agency(code=code, name=name.strip(), timezone=timezone, created_at=now)
    db.session.add(agency)
    db.session.flush()
    audit.record(
        'agency.created',
        agency,
        actor=actor,
        now=now,
        ip=ip,
        code=code,
        name=agency.name,
        timezone=timezone,
    )
    return agency


def add_work_unit(agency, *, code, name, actor, now, ip=None):
    """A new satuan kerja inside ``agency``."""
    code = _check_code(code)
    if not _text(name):
        raise ValidationFailed(_l('Nama wajib diisi.'), field='name')
    if any(unit.code == code for unit in agency.work_units):
        raise Conflict(_l('Kode satuan kerja sudah dipakai di instansi ini.'), field='code')
    unit = WorkUnit(agency=agency, code=code, name=name.strip())
    db.session.add(unit)
    db.session.flush()
    audit.record(
        'agency.work_unit_added', agency, actor=actor, now=now, ip=ip, code=code, name=unit.name
    )
    return unit
