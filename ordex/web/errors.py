"""A refused action in words: the meaning of its error code in the page's language, next to the control."""

from django.utils.translation import get_language

from ordex.core.error_codes import CODES
from ordex.core.errors import DomainError


def describe(error: DomainError) -> str:
    entry = CODES.get(error.code)
    if entry is None:
        return error.message
    return entry.en if (get_language() or "").startswith("en") else entry.zh
