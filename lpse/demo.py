"""Demo data for `make run`: one agency, two work units, one user per role."""

from sqlalchemy import select

from lpse.agencies import operations as agency_ops
from lpse.agencies.models import Agency
from lpse.auth import operations as auth_ops
from lpse.extensions import db

AGENCY = {'code': 'KOTADEMO', 'name': 'Pemerintah Kota Demo', 'timezone': 'Asia/Makassar'}
WORK_UNITS = [('DPUPR', 'Dinas Pekerjaan Umum dan Penataan Ruang'), ('DINKES', 'Dinas Kesehatan')]
USERS = [
    ('admin@demo.lpse.id', 'Admin Demo', ['admin'], True),
    ('verifikator@demo.lpse.id', 'Verifikator Demo', ['verifier'], True),
    ('ppk@demo.lpse.id', 'PPK Demo', ['ppk'], True),
    ('pokja1@demo.lpse.id', 'Anggota Pokja 1', ['pokja'], True),
    ('pokja2@demo.lpse.id', 'Anggota Pokja 2', ['pokja'], True),
    ('pokja3@demo.lpse.id', 'Anggota Pokja 3', ['pokja'], True),
    ('penyedia1@demo.lpse.id', 'PT Maju Jaya', ['vendor'], False),
    ('penyedia2@demo.lpse.id', 'CV Karya Mandiri', ['vendor'], False),
    ('auditor@demo.lpse.id', 'Auditor Demo', ['auditor'], False),
]


def seed(*, now):
    """Create the demo data unless it exists; return [(email, roles, password)] or None."""
    if _exists():
        return None
    agency = agency_ops.create_agency(**AGENCY, actor=None, now=now)
    for code, name in WORK_UNITS:
        agency_ops.add_work_unit(agency, code=code, name=name, actor=None, now=now)
    created = []
    for email, name, roles, officer in USERS:
        _user, password = auth_ops.create_user(
            email=email,
            name=name,
            roles=roles,
            agency=agency if officer else None,
            actor=None,
            now=now,
        )
        created.append((email, roles, password))
    return created


def _exists():
    return db.session.scalar(select(Agency.id).where(Agency.code == AGENCY['code'])) is not None
