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


class Problems(ValidationFailed):
    """Several fields refused at once (a form shows each on its field; the API's message lists
    them all), so that a user corrects everything in one round."""

    def __init__(self, problems: list[ValidationFailed]):
        super().__init__('; '.join(str(p.message) for p in problems), field=problems[0].field)
        self.problems = problems


def collect(checks: dict) -> dict:
    """Run each ``name: check()`` and return ``{name: result}``; every check that raises
    ValidationFailed is kept, and they are raised together as Problems."""
    results, problems = {}, []
    for name, check in checks.items():
        try:
            results[name] = check()
        except Problems as exc:
            problems.extend(exc.problems)
        except ValidationFailed as exc:
            problems.append(exc)
    if problems:
        raise Problems(problems)
    return results


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


class Busy(Throttled):
    """The database cannot serve the request now (no free connection in time, locked, gone):
    503 with Retry-After; the request's transaction is rolled back, the client retries."""

    status = 503
    code = 'busy'

    def __init__(self, message, *, retry_after=5):
        super().__init__(message, retry_after=retry_after)
