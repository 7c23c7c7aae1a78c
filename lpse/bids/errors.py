"""Why a bid package was refused: a short sentence for the opening minutes and a stable code."""


class PackageError(ValueError):
    """A bid package was refused; ``reason`` is a sentence a Pokja member can read aloud."""

    def __init__(self, reason: str, *, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class UnsafePackage(PackageError):
    """The ZIP is built to harm whoever unpacks it (bomb, path escape, link, nested archive…)."""


class MalformedPackage(PackageError):
    """The file is not a valid `lpse-bid/1` package (no bid.json, schema errors, hash mismatch…).

    ``errors`` lists every problem found as "path: message" (the reason names the first)."""

    def __init__(self, reason: str, *, code: str, errors: tuple[str, ...] = ()):
        super().__init__(reason, code=code)
        self.errors = errors or (reason,)


class TenderMismatch(PackageError):
    """A well-formed bid that does not fit this tender (code, version, BoQ, NPWP, envelope).

    ``problems`` holds every (code, message) found; ``code`` is the first one's."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__('; '.join(message for _, message in problems), code=problems[0][0])
        self.problems = tuple(problems)


# --- submission refusals (domain errors, mapped to HTTP by lpse.web) --------------------------

from lpse.errors import (  # noqa: E402
    Busy,
    Conflict,
    DomainError,
    StageClosed,
    ValidationFailed,
)


class EnvelopeRejected(ValidationFailed):
    """The upload is not a sealed bid for this tender from this vendor; nothing was kept."""

    code = 'envelope_rejected'


class PayloadTooLarge(DomainError):
    status = 413
    code = 'too_large'


class UploadInProgress(Conflict):
    code = 'upload_in_progress'


class DeadlinePassed(StageClosed):
    code = 'deadline_passed'


class ServerBusy(Busy):
    """The database stayed locked past LPSE_BID_DB_BUSY_SECONDS (SQLite under a burst): nothing
    was stored, the vendor retries. A 503 with Retry-After, never a 500."""
