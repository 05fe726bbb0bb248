"""Forms of the workbench: they parse what a person typed into the arguments the domain functions take."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.cases.choices import TRANSITIONS, CaseStatus, Resolution, Severity
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


class BulkActionForm(forms.Form):
    """One action for every case of an incident: assign (to a person, or automatically), move to a status
    (with the reason or resolution it needs), or add a note. Offers only statuses some listed case can reach
    and the resolutions of the incident's type."""

    ASSIGN, TRANSITION, NOTE = "assign", "transition", "note"
    action = forms.ChoiceField(choices=[(ASSIGN, _("Assign")), (TRANSITION, _("Change status")), (NOTE, _("Add a note"))])
    assignee = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    to = forms.ChoiceField(required=False)
    resolution = forms.ChoiceField(required=False)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    text = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    AUTO = "auto"

    def __init__(self, data, *, incident, cases, assignees):
        super().__init__(data)
        reachable = set()
        for case in cases:
            reachable |= TRANSITIONS.get(case.status, frozenset())
        self.fields["to"].choices = [("", "—")] + [(value, label) for value, label in CaseStatus.choices if value in reachable]
        self.fields["resolution"].choices = [("", "—")] + [
            (code, Resolution(code).label if code in Resolution.values else code)
            for code in incident.exception_type.allowed_resolutions
        ]
        self.fields["assignee"].choices = [("", _("Automatically (round robin)"))] + [
            (person.pk, person.username) for person in assignees
        ]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == self.TRANSITION and not data.get("to"):
            self.add_error("to", _("Choose the status to move the cases to."))
        if action == self.NOTE and not (data.get("text") or "").strip():
            self.add_error("text", _("Write the note."))
        return data

    def bulk_arguments(self) -> dict:
        data = self.cleaned_data
        action = data["action"]
        if action == self.ASSIGN:
            return {"action": action, "user_id": data.get("assignee"), "auto": data.get("assignee") is None}
        if action == self.TRANSITION:
            return {"action": action, "to": data["to"], "reason": data.get("reason") or "",
                    "resolution": data.get("resolution") or ""}
        return {"action": action, "text": data["text"]}


class RuleEditForm(forms.Form):
    """Change one rule: its own parameters and switch, or one shop's or one platform's override of them
    (the scope comes from `?shop=` / `?platform=`). In an override a blank value means "inherit the rule's
    value". The reason is required; the change is recorded with who, when, old and new values."""

    shop = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    platform = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    enabled = forms.BooleanField(required=False, label=_("Enabled"))
    reason = forms.CharField(max_length=2000, label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Recorded with the change, for whoever reads the rule's history."))

    def __init__(self, data, *, line, scope):
        self.line = line
        self.shop_code = (data or scope).get("shop", "") or ""
        self.platform_code = "" if self.shop_code else (data or scope).get("platform", "") or ""
        self.is_override = bool(self.shop_code or self.platform_code)
        override = next((o for o in line.overrides if (o["shop"] or "") == self.shop_code
                         and (o["platform"] or "") == self.platform_code), None) if self.is_override else None
        stored = (override or {}).get("params", {}) if self.is_override else {p.name: p.value for p in line.params}
        super().__init__(data, initial={"shop": self.shop_code, "platform": self.platform_code,
                                        "enabled": line.enabled})
        if self.is_override:
            del self.fields["enabled"]
        for param in line.params:
            field_name = f"param_{param.name}"
            initial = stored.get(param.name)
            if param.kind == "bool":
                field = forms.ChoiceField(choices=[("", _("inherit")), ("true", _("yes")), ("false", _("no"))]
                                          if self.is_override else [("true", _("yes")), ("false", _("no"))],
                                          required=not self.is_override)
                initial = "" if initial is None else ("true" if initial else "false")
            else:
                field = forms.CharField(required=not self.is_override, max_length=40)
            field.label = param.name
            field.help_text = param.help
            field.initial = initial
            self.fields[field_name] = field

    @property
    def param_fields(self):
        return [self[f"param_{param.name}"] for param in self.line.params]

    def change_arguments(self) -> dict:
        params = {}
        for param in self.line.params:
            value = self.cleaned_data.get(f"param_{param.name}")
            if value in ("", None):
                value = None
            elif param.kind == "bool":
                value = value == "true"
            params[param.name] = value
        arguments = {"params": params, "reason": self.cleaned_data["reason"]}
        if self.shop_code:
            arguments["shop"] = self.shop_code
        elif self.platform_code:
            arguments["platform"] = self.platform_code
        else:
            arguments["enabled"] = self.cleaned_data["enabled"]
        return arguments

    def add_domain_error(self, error) -> None:
        """Show a refusal next to the field it names (`params.minutes` -> the minutes input)."""
        field = error.field or ""
        if field.startswith("params."):
            field = f"param_{field.removeprefix('params.')}"
        self.add_error(field if field in self.fields else None, error.message)
