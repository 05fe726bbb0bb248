"""Errors a client can see. Each has a stable code, registered with its HTTP status and meaning in
`ordex.core.error_codes` (one line per code); the API turns it into `{"code", "error", "field"}`."""

from . import error_codes


class DomainError(Exception):
    """A refused request: `code` is stable and documented (docs/errors.md). The HTTP status is not the
    error's business: the API edge reads it from the registry (`status` shows what it will be)."""

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def status(self) -> int:
        """The HTTP status the API answers this code with (ordex.core.error_codes)."""
        return error_codes.http_status(self.code, type(self))

    def as_dict(self) -> dict:
        body = {"code": self.code, "error": self.message}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(DomainError):
    """The object does not exist (or the caller may not know it does)."""


class Forbidden(DomainError):
    """The caller's role may not do this."""


class InvalidInput(DomainError):
    """The input is wrong; `field` names it."""


class CommandError(Exception):
    """Raised by a command-line verb for a clear, expected failure: printed as one line, exit code 2."""
