"""Demo data for `make run`: one agency, two work units, one user per role, two verified
vendors (companies with directors and licences)."""

from sqlalchemy import select

from lpse import audit
from lpse.agencies import operations as agency_ops
from lpse.agencies.models import Agency
from lpse.auth import operations as auth_ops
from lpse.extensions import db
from lpse.vendors.models import Vendor, VendorDirector, VendorLicence, VendorStatus
from lpse.vendors.validators import npwp_key

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
# The demo vendors' companies, verified so they can take part in tenders straight away.
COMPANIES = {
    'penyedia1@demo.lpse.id': ('PT Maju Jaya', '012345678901000', '9120001234567', 'M'),
    'penyedia2@demo.lpse.id': ('CV Karya Mandiri', '023456789012000', '9120007654321', None),
}


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
        if email in COMPANIES:
            _verified_company(_user, *COMPANIES[email], now=now)
    return created


def _verified_company(user, name, npwp, nib, sbu, *, now):
    vendor = Vendor(
        user=user,
        company_name=name,
        legal_form='pt' if name.startswith('PT') else 'cv',
        npwp=npwp,
        npwp_key=npwp_key(npwp),
        nib=nib,
        address='Jl. Jenderal Sudirman No. 1',
        province='Sulawesi Selatan',
        city='Makassar',
        phone='0411123456',
        email=user.email,
        email_confirmed_at=now,
        size_class='kecil',
        sbu_grade=sbu,
        status=VendorStatus.verified.value,
        registered_at=now,
        submitted_at=now,
        decided_at=now,
    )
    vendor.directors = [VendorDirector(name=user.name, position='Direktur', nik='7371011505800001')]
    kbli = '41011' if sbu else '46100'
    vendor.licences = [VendorLicence(name='Izin usaha (OSS)', number=f'IU-{nib}', kbli=kbli)]
    db.session.add(vendor)
    db.session.flush()
    audit.record('vendor.registered', vendor, actor=None, now=now, company=name, demo=True)
    audit.record('vendor.verified', vendor, actor=None, now=now, reason=None, demo=True)


def _exists():
    return db.session.scalar(select(Agency.id).where(Agency.code == AGENCY['code'])) is not None
