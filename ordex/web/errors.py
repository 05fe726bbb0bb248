"""A refused action in words, next to the control, in the page's language: the refusal's own words when it
was raised with them as a translatable message (`core.text.shown_text`: naming the limit, the amount, ...),
else the meaning of its error code."""

from django.utils.functional import Promise
from django.utils.translation import get_language

from ordex.core.error_codes import CODES
from ordex.core.errors import DomainError


def describe(error: DomainError) -> str:
    if isinstance(error.message, Promise):
        return str(error.message)
    entry = CODES.get(error.code)
    if entry is None:
        return error.message
    return entry.en if (get_language() or "").startswith("en") else entry.zh
