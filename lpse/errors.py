"""Domain errors, mapped to HTTP statuses in one place."""


class DomainError(Exception):
    """A rule of the domain refused an action; ``message`` is shown to the user."""

    status = 400
    code = 'bad_request'

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status = 422
    code = 'validation_failed'


class TokenExpired(DomainError):
    status = 401
    code = 'token_expired'


class NotAllowed(DomainError):
    status = 403
    code = 'forbidden'


class NotFound(DomainError):
    status = 404
    code = 'not_found'


class Conflict(DomainError):
    status = 409
    code = 'conflict'


class InvalidTransition(Conflict):
    code = 'invalid_transition'


class StageClosed(Conflict):
    code = 'stage_closed'


class Throttled(DomainError):
    status = 429
    code = 'too_many_requests'

    def __init__(self, message, *, retry_after):
        super().__init__(message)
        self.retry_after = retry_after
