"""A refused action in words: the meaning of its error code in the page's language, next to the control."""

from django.utils.translation import get_language

from ordex.core.errors import DomainError

try:  # the registry of every error code with its meaning in zh and en
    from ordex.core.error_codes import CODES
except ImportError:  # pragma: no cover - before the registry exists
    CODES = {}


def describe(error: DomainError) -> str:
    entry = CODES.get(error.code)
    if entry is None:
        return error.message
    return entry.en if (get_language() or "").startswith("en") else entry.zh
