"""Formatting shared by every workbench page: money as ¥1,234.50, SLA countdowns, personal data masks."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from ordex.accounts.access import mask_personal_data, render_personal
from ordex.cases.choices import CaseStatus, Resolution

register = template.Library()
CENT = Decimal("0.01")


@register.filter
def money(amount) -> str:
    """¥1,234.50 (CNY, two places, half up); empty for no amount; a minus before the sign when negative."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def duration_words(seconds: float) -> str:
    """2 d 3 h, 3 h 12 min, 12 min (the two largest units, in the active language)."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if (minutes or not parts) and len(parts) < 2:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)


@register.simple_tag
def countdown(due: datetime, now: datetime | None = None) -> str:
    """'in 3 hours 12 minutes' before the deadline, '2 hours overdue' after it."""
    seconds = (due - (now or timezone.now())).total_seconds()
    if seconds >= 0:
        return _("in %(time)s") % {"time": duration_words(seconds)}
    return _("%(time)s overdue") % {"time": duration_words(seconds)}


@register.filter
def in_language(obj, field: str) -> str:
    """`obj.<field>_en` when the page is in English, else `obj.<field>_zh` (types, departments, steps)."""
    if obj is None:
        return ""
    english = (get_language() or "").startswith("en")
    return getattr(obj, f"{field}_en" if english else f"{field}_zh", "") or getattr(obj, f"{field}_zh", "")


# The button that moves a case to a status says what the person does.
STATUS_VERBS = {
    CaseStatus.TRIAGED: gettext_lazy("Triage"),
    CaseStatus.IN_PROGRESS: gettext_lazy("Start work"),
    CaseStatus.WAITING_CUSTOMER: gettext_lazy("Wait for the customer"),
    CaseStatus.WAITING_THIRD_PARTY: gettext_lazy("Wait for a third party"),
    CaseStatus.RESOLVED: gettext_lazy("Resolve"),
    CaseStatus.CLOSED: gettext_lazy("Close"),
    CaseStatus.REJECTED: gettext_lazy("Reject as false positive"),
    CaseStatus.REOPENED: gettext_lazy("Reopen"),
}


@register.simple_tag
def status_verb(status: str) -> str:
    return STATUS_VERBS.get(status, status)


@register.simple_tag
def status_label(status: str) -> str:
    return CaseStatus(status).label if status in CaseStatus.values else status


@register.simple_tag
def resolution_label(code: str) -> str:
    return Resolution(code).label if code in Resolution.values else code


@register.simple_tag
def line_amount(line) -> Decimal:
    return line.unit_price * line.qty



def _shown(context) -> bool:
    """Personal data shows unmasked only on a page a role with the right asked to reveal (and the reveal
    was recorded); every other page masks it, as the API does for roles without the right."""
    return bool(context.get("personal_shown"))


@register.simple_tag(takes_context=True)
def personal(context, text, values=None):
    """Stored text about a case (title, rule summary, timeline message, note) with its personal-data
    placeholders filled through the same functions as the API's edge: masked forms, and any phone, email or
    IP typed into the text masked, unless the page shows personal data."""
    if _shown(context):
        return render_personal(text or "", values, _viewer(context))
    return mask_personal_data(render_personal(text or "", values, None))


@register.simple_tag(takes_context=True)
def personal_facts(context, facts) -> list:
    """A finding's facts as (key, value) pairs: the stored personal values are never listed themselves, and
    placeholders and personal keys are filled or masked as `personal` does."""
    shown = {key: value for key, value in (facts or {}).items() if key != "personal"}
    values = (facts or {}).get("personal")
    if _shown(context):
        return list(render_personal(shown, values, _viewer(context)).items())
    return list(mask_personal_data(render_personal(shown, values, None)).items())


def _viewer(context):
    from ordex.web.views.common import principal

    return principal(context["request"])
