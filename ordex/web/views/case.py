"""The case page: everything about one case, and the actions the caller may take on it.

Each action is a plain form posted to `/cases/<id>/do/<verb>/`; the handler parses the form and calls the
same domain action the API calls. Refused: the page comes back with the reason next to the control and
everything typed still in the form. Done: back to the page (post/redirect/get)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ordex.accounts.access import can_see_personal_data, order_contact
from ordex.accounts.models import Department
from ordex.accounts.services import record_reveal
from ordex.cases import actions, queries
from ordex.cases.access import access_case, allowed_actions, require_case_worker
from ordex.cases.choices import Resolution, Severity
from ordex.cases.models import Case
from ordex.core.errors import DomainError, InvalidInput, NotFound
from ordex.orders.queries import customer_history, order_detail

from .common import page, principal
from .resolutions import panel_context

PERSONAL_FIELDS = ["receiver_name", "phone", "address"]


def _case_or_404(request, case_id: int):
    try:
        return queries.case_detail(principal(request), case_id)
    except NotFound as error:
        raise Http404(str(error)) from error


def _step_of_field(field: str) -> int | None:
    """`steps.3` (the field of a refusal that names a playbook step) -> 3."""
    prefix, _, position = field.partition(".")
    return int(position) if prefix == "steps" and position.isdigit() else None


def _resolution_labels(codes) -> list[tuple[str, str]]:
    labels = dict(Resolution.choices)
    return [(code, labels.get(code, code)) for code in codes]


def _render(request, case_id: int, *, errors=None, submitted=None, status=200, revealed=False):
    who = principal(request)
    case = _case_or_404(request, case_id)
    now = timezone.now()
    order = order_detail(case.order_no) if case.order_id else None
    history = customer_history(order.customer_id, as_of=now) if order is not None else None
    history_cases = queries.cases_of_orders(who, [o.order_no for o in history.orders]) if history else {}
    may_reveal = can_see_personal_data(who)
    context = {
        "case": case,
        "now": now,
        "sla": queries.sla_view(case, now),
        "clocks": queries.department_clocks(case),
        "allowed": allowed_actions(who, case, now=now),
        "choice": queries.open_choice(case),
        "order": order,
        "contact": order_contact(order, unmasked=revealed and may_reveal) if order is not None else None,
        "may_reveal": may_reveal and order is not None and not revealed,
        "personal_shown": revealed and may_reveal,
        "history": history,
        "history_rows": [{"order": o, "cases": history_cases.get(o.order_no, [])} for o in history.orders]
        if history else [],
        "members": queries.department_members(case.department_id),
        "departments": Department.objects.exclude(pk=case.department_id).order_by("code"),
        "resolutions": _resolution_labels(case.type.allowed_resolutions),
        "evidence_max_mb": actions.evidence_max_bytes() // (1024 * 1024),
        "severities": Severity.choices,
        "blocking_step": _step_of_field((errors or {}).get("field", "")),
        "errors": errors or {},
        "submitted": submitted or {},
        **panel_context(who, case, order, errors=errors or {}, submitted=submitted or {}),
    }
    return render(request, "web/case.html", context, status=status)


render_case = _render  # the resolutions views answer a refusal with the case page too


@page()
def case_page(request, case_id: int):
    return _render(request, case_id)


@page(methods=("POST",))
def reveal(request, case_id: int):
    """Show the order's personal data unmasked, once, to a role that may see it; the reveal is recorded
    (who, what, when) before anything is shown."""
    who = principal(request)
    case = _case_or_404(request, case_id)
    if not can_see_personal_data(who) or case.order_id is None:
        return redirect("web:case", case_id=case_id)
    record_reveal(request.user, subject=f"case:{case.pk}", fields=PERSONAL_FIELDS)
    return _render(request, case_id, revealed=True)


# --- actions ----------------------------------------------------------------------------------------------


def _number(value: str, field: str) -> int | None:
    if value in ("", None):
        return None
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput("invalid", _("Enter a whole number."), field=field)
    return int(value)


def _transition(request, who, case_id):
    post = request.POST
    actions.transition(case_id, to=post.get("to", ""), actor=who, reason=post.get("reason", ""),
                       resolution=post.get("resolution", ""))
    return _("Status changed.")


def _take(request, who, case_id):
    actions.assign(case_id, actor=who, user_id=who.user_id)
    return _("The case is yours.")


def _assign(request, who, case_id):
    value = request.POST.get("user_id", "")
    if value == "auto":
        actions.assign(case_id, actor=who, auto=True)
    else:
        actions.assign(case_id, actor=who, user_id=_number(value, "user_id"))
    return _("Assignment changed.")


def _transfer(request, who, case_id):
    actions.transfer(case_id, actor=who, department_code=request.POST.get("department", ""),
                     reason=request.POST.get("reason", ""))
    return _("The case was handed to another department.")


def _severity(request, who, case_id):
    actions.change_severity(case_id, severity=request.POST.get("severity", ""), actor=who,
                            reason=request.POST.get("reason", ""))
    return _("Severity changed.")


def _escalate(request, who, case_id):
    actions.escalate(case_id, actor=who, reason=request.POST.get("reason", ""))
    return _("The case was escalated; the supervisors are told.")


def _step(request, who, case_id):
    position = _number(request.POST.get("position", ""), "position")
    if position is None:
        raise InvalidInput("invalid", _("Choose a step."), field="position")
    actions.complete_step(case_id, position, actor=who, status=request.POST.get("status", "done"),
                          note=request.POST.get("note", ""))
    return _("Step recorded.")


def _offer_choice(request, who, case_id):
    actions.offer_choice(case_id, actor=who, options=request.POST.getlist("options"),
                         deadline_hours=_number(request.POST.get("deadline_hours", ""), "deadline_hours"))
    return _("The customer was offered a choice.")


def _record_choice(request, who, case_id):
    actions.record_choice(case_id, actor=who, chosen=request.POST.get("chosen", ""))
    return _("The customer's choice was recorded.")


def _note(request, who, case_id):
    actions.add_note(case_id, actor=who, text=request.POST.get("text", ""))
    return _("Note added.")


def _evidence(request, who, case_id):
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("invalid", _("Choose a file."), field="file")
    actions.add_evidence(case_id, actor=who, upload=upload, note=request.POST.get("note", ""))
    return _("Evidence uploaded.")


VERBS = {
    "transition": _transition, "take": _take, "assign": _assign, "transfer": _transfer, "severity": _severity,
    "escalate": _escalate, "step": _step, "offer_choice": _offer_choice, "record_choice": _record_choice, "note": _note,
    "evidence": _evidence,
}


@page(methods=("POST",))
def act(request, case_id: int, verb: str):
    handler = VERBS.get(verb)
    if handler is None:
        raise Http404(verb)
    who = principal(request)
    try:
        case = access_case(who, case_id, Case.objects.select_related("department"))
    except NotFound as error:
        raise Http404(str(error)) from error
    try:
        require_case_worker(who, case)
        done = handler(request, who, case_id)
    except DomainError as error:
        submitted = {key: request.POST.getlist(key) if key == "options" else request.POST.get(key)
                     for key in request.POST}
        return _render(request, case_id, status=error.status, submitted={"verb": verb, **submitted},
                       errors={verb: error.in_words(), "field": error.field or ""})
    messages.success(request, done)
    return redirect(reverse("web:case", args=[case_id]) + f"#{verb}")
