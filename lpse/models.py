"""Imports every model module so that the metadata knows every table."""

from lpse.agencies.models import Agency, WorkUnit
from lpse.audit import AuditEvent, AuditHead
from lpse.auth.models import ApiToken, LoginThrottle, User, UserRole
from lpse.pki_service import Authority, Certificate
from lpse.tenders.documents import Addendum, Document
from lpse.tenders.models import (
    BoqItem,
    ScheduleChange,
    ScheduleEntry,
    SearchToken,
    Tender,
    TenderCounter,
    TenderMember,
)
from lpse.tenders.questions import Question
from lpse.vendors.models import (
    BlacklistEntry,
    Vendor,
    VendorDirector,
    VendorDocument,
    VendorLicence,
)

__all__ = [
    'Addendum',
    'Agency',
    'ApiToken',
    'AuditEvent',
    'AuditHead',
    'Authority',
    'BlacklistEntry',
    'BoqItem',
    'Certificate',
    'Document',
    'LoginThrottle',
    'Question',
    'ScheduleChange',
    'ScheduleEntry',
    'SearchToken',
    'Tender',
    'TenderCounter',
    'TenderMember',
    'User',
    'UserRole',
    'Vendor',
    'VendorDirector',
    'VendorDocument',
    'VendorLicence',
    'WorkUnit',
]
