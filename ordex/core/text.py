"""Text Ordex stores when something happens (timeline entries, in-app notifications, the reason a finding
cleared or was withdrawn): written once, in the default language (zh-Hans), whatever language the person
acting reads the pages in — the record reads the same to everyone afterwards.

And text Ordex shows but does not store (the words of a refusal): `shown_text` keeps the msgid and its
values and is translated when it is read, in the reader's language."""

import zoneinfo

from django.conf import settings
from django.utils import translation
from django.utils.functional import lazy

# How a language joins a list of words (Chinese enumerates with 、).
LIST_SEPARATORS = {"zh-hans": "、"}


def _fill(message, values: dict) -> str:
    """`message` in the active language, filled with `values` (lazy labels rendered in it too; a list joined
    as a list of words is in it)."""
    text = str(message)
    if not values:
        return text
    separator = LIST_SEPARATORS.get(translation.get_language() or "", ", ")
    filled = {name: separator.join(map(str, value)) if isinstance(value, list | tuple) else str(value)
              for name, value in values.items()}
    return text % filled


def stored_text(message, /, **values) -> str:
    """`message` (a gettext_lazy msgid with %(name)s placeholders) in the default language, filled with
    `values` (lazy labels among them are rendered in that language too; a list is joined as a list of words
    is in that language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _fill(message, values)


_shown = lazy(_fill, str)


def shown_text(message, /, **values):
    """`message` (a gettext_lazy msgid with %(name)s placeholders) filled with `values`, translated each time
    it is turned into a string: a page shows it in its reader's language; the API in English
    (`DomainError.as_dict`)."""
    return _shown(message, values)


def stored_time(moment) -> str:
    """A moment as stored text shows it: minutes, in the business's zone (Asia/Shanghai)."""
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
