"""The role gate for pages; API routes use lpse.api.auth.api_role_required."""

from functools import wraps

from flask import abort
from flask_login import current_user

from lpse.extensions import login_manager


def role_required(*roles):
    """Let in logged-in users holding any of ``roles`` (any role when none is given)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


login_required = role_required()
