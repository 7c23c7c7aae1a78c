"""Imports every model module so that the metadata knows every table."""

from lpse.agencies.models import Agency, WorkUnit
from lpse.audit import AuditEvent, AuditEventTender, AuditHead
from lpse.auditor.reports.models import (
    TenderReportBid,
    TenderReportMark,
    TenderReportRow,
    TenderReportSum,
    TenderReportVendorSum,
)
from lpse.auth.models import ApiToken, LoginThrottle, User, UserRole
from lpse.auth.scope import AuditorScope, AuditorScopeAgency, AuditorScopeTender
from lpse.bids.models import (
    Bid,
    BidSetCommitment,
    BidUploadAttempt,
    BidUploadLock,
)
from lpse.checkpoints import AuditCheckpoint
from lpse.contracts.models import Contract, ContractAmendment
from lpse.documents.models import IssuedDocument
from lpse.evaluation import objection_models  # noqa: F401 — announcement, sanggah, SPPBJ
from lpse.evaluation.models import (
    EvaluationVersion,
    ResultApproval,
    ResultProposal,
    WorksheetEntry,
)
from lpse.jobs.models import Job
from lpse.notify.models import Mail, Notification
from lpse.opening.models import OpenedBid, OpeningCeremony, ShareRelease
from lpse.pki_service import Authority, Certificate
from lpse.tenders.documents import Addendum, Document
from lpse.tenders.follows import TenderFollow
from lpse.tenders.keys import TenderKey, TenderKeyShare
from lpse.tenders.models import (
    BoqItem,
    ScheduleChange,
    ScheduleEntry,
    SearchToken,
    StageHold,
    StageWindow,
    Tender,
    TenderCounter,
    TenderMember,
)
from lpse.tenders.prequalification.models import (
    QualificationApproval,
    QualificationObjection,
    QualificationResult,
    QualificationSubmission,
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
    'AuditCheckpoint',
    'AuditEvent',
    'AuditEventTender',
    'AuditHead',
    'AuditorScope',
    'AuditorScopeAgency',
    'AuditorScopeTender',
    'Authority',
    'Bid',
    'BidSetCommitment',
    'BidUploadAttempt',
    'BidUploadLock',
    'BlacklistEntry',
    'BoqItem',
    'Certificate',
    'Contract',
    'ContractAmendment',
    'Document',
    'EvaluationVersion',
    'IssuedDocument',
    'Job',
    'LoginThrottle',
    'Mail',
    'Notification',
    'OpenedBid',
    'OpeningCeremony',
    'QualificationApproval',
    'QualificationObjection',
    'QualificationResult',
    'QualificationSubmission',
    'Question',
    'ResultApproval',
    'ResultProposal',
    'ScheduleChange',
    'ScheduleEntry',
    'SearchToken',
    'ShareRelease',
    'StageHold',
    'StageWindow',
    'Tender',
    'TenderCounter',
    'TenderFollow',
    'TenderKey',
    'TenderKeyShare',
    'TenderMember',
    'TenderReportBid',
    'TenderReportMark',
    'TenderReportRow',
    'TenderReportSum',
    'TenderReportVendorSum',
    'User',
    'UserRole',
    'Vendor',
    'VendorDirector',
    'VendorDocument',
    'VendorLicence',
    'WorkUnit',
    'WorksheetEntry',
]
