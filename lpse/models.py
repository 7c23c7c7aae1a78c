"""Imports every model module so that the metadata knows every table."""

from lpse.agencies.models import Agency, WorkUnit
from lpse.audit import AuditEvent, AuditHead
from lpse.auth.models import ApiToken, LoginThrottle, User, UserRole

__all__ = [
    'Agency',
    'ApiToken',
    'AuditEvent',
    'AuditHead',
    'LoginThrottle',
    'User',
    'UserRole',
    'WorkUnit',
]
