"""The one form Chinese phone numbers are stored, compared, looked up and masked in.

People write the same number many ways: `138-0013-8000`, `138 0013 8000`, `(138)0013-8000`, `+86 13800138000`,
`0086-138-0013-8000`, full-width `１３８００１３８０００`. All of them are the mobile `13800138000`; a fixed line is
its area code with the trunk `0` and the subscriber number (`010-6234 5678` → `01062345678`). Two spellings of
one number must never be two buyers (duplicate orders, malicious bursts) nor miss each other in a lookup.

Kept as written, only compacted: platform-masked numbers (`138****5678`), relay numbers with an extension
(`13800001234-5678`, `13800001234转5678` → `13800001234-5678`), and anything that is not a valid number (so an
agent still sees what the buyer typed, and `invalid` stays visible).
"""

import re
import unicodedata
from functools import lru_cache

import phonenumbers

# Separators people and platforms put between digit groups (ASCII and their full-width forms fold to these
# under NFKC): spaces, hyphens and dashes, dots, slashes, brackets.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.·/()\[\]【】（）]")
_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086|86(?=1\d{10}$))")
# A relay (virtual) number: an 11-digit mobile, then an extension after a marker.
_EXTENSION = re.compile(r"^(?P<main>.*\d)\s*(?:[-_#]|转|分机|ext\.?|x)\s*(?P<ext>\d{1,6})$", re.IGNORECASE)
_MOBILE = re.compile(r"^1\d{10}$")


def normalise_phone(raw: str | None) -> str:
    """The canonical form of a phone number as typed (see the module docstring); "" for nothing."""
    if not raw:
        return ""
    if len(raw) == 11 and raw.isascii() and raw.isdigit():
        return raw  # the common case on bulk import: already canonical
    return _normalise(raw)


@lru_cache(maxsize=65536)
def _normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    relay = _EXTENSION.match(text)
    if relay:
        main = _compact(relay.group("main"))
        if _MOBILE.match(main):
            return f"{main}-{relay.group('ext')}"
    compact = _compact(text)
    if not compact or "*" in compact or not compact.isdigit():
        return compact
    try:
        parsed = phonenumbers.parse(compact, "CN")
    except phonenumbers.NumberParseException:
        return compact
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return compact
    national = str(parsed.national_number)
    return national if _MOBILE.match(national) else f"0{national}"


def _compact(text: str) -> str:
    return _COUNTRY_PREFIX.sub("", _SEPARATORS.sub("", text))
