"""Demo data for `make run`: one agency, two work units, one user per role (officers with a
NIP for the signature blocks of the documents), two verified vendors — companies whose
directors are people, with licences and the documents a verifier requires."""

import io

from sqlalchemy import select

from lpse import audit, storage
from lpse.agencies import operations as agency_ops
from lpse.agencies.models import Agency
from lpse.auth import operations as auth_ops
from lpse.extensions import db
from lpse.vendors.models import (
    REQUIRED_DOCUMENTS,
    Vendor,
    VendorDirector,
    VendorDocument,
    VendorLicence,
    VendorStatus,
)
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
# The officers' NIP (18 digits: birth date, appointment month, sex, number), printed under
# their names in the signature blocks of the documents they issue.
NIPS = {
    'verifikator@demo.lpse.id': '198203142008011002',
    'ppk@demo.lpse.id': '197805122003121001',
    'pokja1@demo.lpse.id': '198501012010011001',
    'pokja2@demo.lpse.id': '198706232011012002',
    'pokja3@demo.lpse.id': '199002102014021003',
}
# The demo vendors' companies, verified so they can take part in tenders straight away; each
# director is a person (name, position, NIK).
COMPANIES = {
    'penyedia1@demo.lpse.id': ('PT Maju Jaya', '012345678901000', '9120001234567', 'M'),
    'penyedia2@demo.lpse.id': ('CV Karya Mandiri', '023456789012000', '9120007654321', None),
}
DIRECTORS = {
    'penyedia1@demo.lpse.id': ('Budi Santoso', 'Direktur Utama', '7371011505800001'),
    'penyedia2@demo.lpse.id': ('Siti Rahmawati', 'Direktur', '7371024208850002'),
}
DOCUMENT_TITLES = {'akta': 'Akta pendirian', 'nib': 'Nomor Induk Berusaha', 'npwp': 'NPWP'}


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
        if email in NIPS:
            auth_ops.set_nip(_user, NIPS[email], actor=None, now=now)
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
    director, position, nik = DIRECTORS[user.email]
    vendor.directors = [VendorDirector(name=director, position=position, nik=nik)]
    kbli = '41011' if sbu else '46100'
    vendor.licences = [VendorLicence(name='Izin usaha (OSS)', number=f'IU-{nib}', kbli=kbli)]
    db.session.add(vendor)
    db.session.flush()
    # What a verifier requires before approving (Vendor.missing_documents): a verified demo
    # vendor has them, as a real one would.
    for kind in REQUIRED_DOCUMENTS:
        data = demo_pdf(f'{DOCUMENT_TITLES[kind.value]} {name} (contoh)')
        sha256, size = storage.blob_store().put_stream(io.BytesIO(data), max_size=len(data))
        db.session.add(
            VendorDocument(
                vendor_id=vendor.id,
                kind=kind.value,
                filename=f'{kind.value}.pdf',
                media_type='application/pdf',
                sha256=sha256,
                size=size,
                uploaded_at=now,
                uploaded_by_id=user.id,
            )
        )
    db.session.flush()
    audit.record('vendor.registered', vendor, actor=None, now=now, company=name, demo=True)
    audit.record('vendor.verified', vendor, actor=None, now=now, reason=None, demo=True)


def demo_pdf(text: str) -> bytes:
    """A one-page PDF saying ``text`` (Latin-1), small and valid: the demo's documents."""
    safe = text.encode('latin-1', 'replace')
    for char in (b'\\', b'(', b')'):  # escaped in a PDF string literal
        safe = safe.replace(char, b'\\' + char)
    stream = b'BT /F1 14 Tf 72 760 Td (' + safe + b') Tj ET'
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R '
        b'/Resources << /Font << /F1 5 0 R >> >> >>',
        b'<< /Length ' + str(len(stream)).encode() + b' >>\nstream\n' + stream + b'\nendstream',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ]
    out = bytearray(b'%PDF-1.4\n')
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f'{number} 0 obj\n'.encode() + body + b'\nendobj\n'
    xref = len(out)
    out += f'xref\n0 {len(objects) + 1}\n0000000000 65535 f \n'.encode()
    out += b''.join(f'{o:010d} 00000 n \n'.encode() for o in offsets)
    out += (
        f'trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n'.encode()
    )
    return bytes(out)


def _exists():
    return db.session.scalar(select(Agency.id).where(Agency.code == AGENCY['code'])) is not None
