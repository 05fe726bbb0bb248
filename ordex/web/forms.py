"""Forms of the workbench: they parse what a person typed into the arguments the domain functions take."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.cases.choices import CaseStatus, Severity
from ordex.cases.queries import OPEN_ALIAS, CaseFilters

YES = "1"
# Ids are 64-bit in the database; a larger number can only be a typo (and would overflow the query).
MAX_ID = 2**63 - 1


class QueueFilterForm(forms.Form):
    """The queue's filters, as the case API has them; every value lives in the URL."""

    status = forms.ChoiceField(
        required=False, choices=[(OPEN_ALIAS, _("All open")), ("", _("Any status")), *CaseStatus.choices]
    )
    type = forms.CharField(required=False, max_length=60)
    severity = forms.ChoiceField(required=False, choices=[("", _("Any severity")), *Severity.choices])
    department = forms.CharField(required=False, max_length=40)
    assignee = forms.CharField(required=False, max_length=150)
    breached = forms.ChoiceField(required=False, choices=[("", "—"), (YES, _("Breached"))])
    near_breach = forms.ChoiceField(required=False, choices=[("", "—"), (YES, _("Near breach"))])
    incident = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    opened_from = forms.DateField(required=False)
    opened_to = forms.DateField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def __init__(self, data):
        data = data.copy()
        data.setdefault("status", OPEN_ALIAS)
        super().__init__(data)

    def filters(self) -> CaseFilters:
        """The filters of the valid fields (an invalid one is shown with its error and left out)."""
        values = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}

        def day_start(day, plus_one=False):
            if day is None:
                return None
            moment = datetime.combine(day, time.min)
            if plus_one:
                moment = datetime.combine(day.fromordinal(day.toordinal() + 1), time.min)
            return timezone.make_aware(moment)

        return CaseFilters(
            status=values.get("status") or None,
            type=values.get("type") or None,
            severity=values.get("severity") or None,
            department=values.get("department") or None,
            assignee=values.get("assignee") or None,
            breached=True if values.get("breached") == YES else None,
            near_breach=True if values.get("near_breach") == YES else None,
            incident=values.get("incident"),
            opened_from=day_start(values.get("opened_from")),
            opened_to=day_start(values.get("opened_to"), plus_one=True),
        )

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if "page" not in self.errors else None) or 1
