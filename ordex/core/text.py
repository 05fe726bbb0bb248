"""Text Ordex stores when something happens (timeline entries, in-app notifications, the reason a finding
cleared or was withdrawn): written once, in the default language (zh-Hans), whatever language the person
acting reads the pages in — the record reads the same to everyone afterwards."""

import zoneinfo

from django.conf import settings
from django.utils import translation

# How the stored language joins a list of words (Chinese enumerates with 、).
LIST_SEPARATORS = {"zh-hans": "、"}


def stored_text(message, **values) -> str:
    """`message` (a gettext_lazy msgid with %(name)s placeholders) in the default language, filled with
    `values` (lazy labels among them are rendered in that language too; a list is joined as a list of words
    is in that language)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
        separator = LIST_SEPARATORS.get(settings.LANGUAGE_CODE, ", ")
        filled = {name: separator.join(map(str, value)) if isinstance(value, list | tuple) else str(value)
                  for name, value in values.items()}
    return text % filled if values else text


def stored_time(moment) -> str:
    """A moment as stored text shows it: minutes, in the business's zone (Asia/Shanghai)."""
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
