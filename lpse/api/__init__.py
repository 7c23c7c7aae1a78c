"""The JSON API under /api/v1: each domain's api.py adds its routes to one blueprint."""

from lpse.api import openapi as _openapi  # noqa: F401
from lpse.api.base import bp

# Each domain's API module: importing it registers its routes and documents them.
API_MODULES = (
    'lpse.auth.api',
    'lpse.agencies.api',
    'lpse.tenders.api',
    'lpse.vendors.api',
    'lpse.bids.api',
    'lpse.documents.api',
    'lpse.log_views',
    'lpse.evaluation.objections_api',
    'lpse.opening.api',
    'lpse.evaluation.api',
    'lpse.opendata.api',
    'lpse.auditor.api',
    'lpse.auditor.reports.api',
    'lpse.notify.api',
    'lpse.tenders.follow_api',
    'lpse.contracts.api',
    'lpse.tenders.prequalification.api',
    'lpse.redflags.api',
    'lpse.jobs.api',
)

__all__ = ['API_MODULES', 'bp']
