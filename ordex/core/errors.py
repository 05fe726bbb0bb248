"""Errors a client can see. Each has a stable code, registered with its HTTP status and meaning in
`ordex.core.error_codes` (one line per code); the API turns it into `{"code", "error", "field"}`."""

from django.utils import translation
from django.utils.functional import Promise

from . import error_codes


class DomainError(Exception):
    """A refused request: `code` is stable and documented (docs/errors.md). The HTTP status is not the
    error's business: the API edge reads it from the registry (`status` shows what it will be)."""

    def __init__(self, code: str, message, *, field: str | None = None):
        """`message`: English text, or a `core.text.shown_text` (a msgid with its values) when the words are
        meant for people: the workbench shows those in the reader's language, the API in English."""
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def status(self) -> int:
        """The HTTP status the API answers this code with (ordex.core.error_codes)."""
        return error_codes.http_status(self.code, type(self))

    def in_words(self) -> str:
        """The refusal for a person, in the active language: its own words when it was raised with them as a
        translatable message (naming the limit, the amount, ...), else the meaning of its code."""
        if isinstance(self.message, Promise):
            return str(self.message)
        entry = error_codes.CODES.get(self.code)
        if entry is None:
            return str(self.message)
        return entry.en if (translation.get_language() or "").startswith("en") else entry.zh

    def as_dict(self) -> dict:
        with translation.override("en"):
            return {"code": self.code, "error": str(self.message), "field": self.field or None}


class NotFound(DomainError):
    """The object does not exist (or the caller may not know it does)."""


class Forbidden(DomainError):
    """The caller's role may not do this."""


class InvalidInput(DomainError):
    """The input is wrong; `field` names it."""


class CommandError(Exception):
    """Raised by a command-line verb for a clear, expected failure: printed as one line, exit code 2."""
