"""The JSON API under /api/v1: each domain's api.py adds its routes to one blueprint."""

from lpse.agencies import api as _agencies_api  # noqa: F401
from lpse.api import openapi as _openapi  # noqa: F401
from lpse.api.base import bp
from lpse.auth import api as _auth_api  # noqa: F401

__all__ = ['bp']
