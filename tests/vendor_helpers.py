"""Give an existing vendor user a verified company, for tests of other domains (tenders, bids)
whose vendors must be allowed to take part (import as `vendor_helpers`)."""

import itertools

from lpse import clock
from lpse.extensions import db
from lpse.vendors.models import Vendor, VendorDirector, VendorLicence, VendorStatus

_numbers = itertools.count(1)


def verify_vendor(user, *, company=None, status=VendorStatus.verified, npwp=None, nib=None):
    """A company for `user` in `status` (verified by default), committed; returns the Vendor."""
    n = next(_numbers)
    now = clock.now()
    npwp = npwp or f'09876543210{n:04d}'
    vendor = Vendor(
        user=user,
        company_name=company or f'PT Penyedia Uji {n}',
        legal_form='pt',
        npwp=npwp,
        npwp_key=npwp if len(npwp) == 16 else '0' + npwp,
        nib=nib or f'812000999{n:04d}',
        address='Jl. Uji',
        province='DKI Jakarta',
        city='Jakarta Pusat',
        phone='0211234567',
        email=user.email,
        email_confirmed_at=now,
        size_class='kecil',
        status=str(status),
        status_reason=None if status in (VendorStatus.verified, VendorStatus.submitted) else 'uji',
        registered_at=now,
        submitted_at=now,
    )
    vendor.directors = [VendorDirector(name=user.name, position='Direktur', nik='3174011505800001')]
    vendor.licences = [VendorLicence(name='Izin usaha', number='1', kbli='46100')]
    db.session.add(vendor)
    db.session.commit()
    return vendor
