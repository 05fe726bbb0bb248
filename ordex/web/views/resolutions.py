"""Resolutions in the workbench: the actions panel of the case page (refunds, reships, compensation, ...
with their approvals), the list of actions waiting for the caller, and the forms that change actions.

The views parse a form and call `ordex.resolutions.actions`; what is offered comes from
`ordex.resolutions.access` and `ordex.resolutions.queries`. Every request form carries an idempotency key
made when the page was rendered, so a double submit of one form makes one action. Refused: the page comes
back with the reason next to the control and what was typed still there."""

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ordex.accounts.access import Principal
from ordex.cases.access import access_case, may_work
from ordex.cases.models import Case
from ordex.core.errors import DomainError, InvalidInput, NotFound
from ordex.resolutions import access, actions, commitments, queries
from ordex.resolutions.choices import (
    CHARGEBACK_ROLES,
    CLAIM_TRANSITIONS,
    GOODS_KINDS,
    MONEY_KINDS,
    OVERRIDE_ROLES,
    ActionKind,
    ClaimStatus,
)
from ordex.resolutions.models import Action
from ordex.resolutions.money import to_money

from .common import page, principal

# Kinds whose form names order lines and quantities.
LINE_KINDS = frozenset({ActionKind.REFUND, ActionKind.RESHIP, ActionKind.EXCHANGE, ActionKind.PRICE_DIFFERENCE})
# Kinds whose form takes an amount (the suggestion filled in).
AMOUNT_KINDS = MONEY_KINDS - {ActionKind.CANCEL}
# Keys a rendered form may carry: a browser's double submit repeats one of these; anything longer is not ours.
MAX_KEY_LENGTH = 200


def new_key() -> str:
    return f"web:{uuid.uuid4().hex}"


def _row(who: Principal, action: Action, *, may_request: bool, approving: access.Approving, error: str = "",
         kept=None) -> dict:
    claim_labels = dict(ClaimStatus.choices)
    return {"action": action, "verbs": access.offered_verbs(who, action, may_request=may_request, approving=approving),
            "claim_next": [(step, claim_labels[step]) for step in sorted(CLAIM_TRANSITIONS[action.claim_status])]
            if action.claim_status else [],
            "error": error, "kept": kept or {}}


def panel_context(who: Principal, case: Case, order, *, errors: dict, submitted: dict) -> dict:
    """What `web/case/_resolutions.html` shows: the case's actions with what the caller may do to each,
    the kinds the playbook offers with their suggested amounts, the limits and the order's ledger."""
    if order is None:
        return {"money": None}
    panel = queries.panel(case, who, order)
    may_request = may_work(who, case)
    refused_id = submitted.get("action_id") if submitted.get("verb") == "action" else None
    rows = [_row(who, action, may_request=may_request, approving=panel.approving,
                 error=errors.get("action", "") if action.pk == refused_id else "",
                 kept=submitted if action.pk == refused_id else {})
            for action in panel.actions]
    ledger = queries.ledger_of_order(case.order_id)
    failed_kind = submitted.get("kind") if submitted.get("verb") == "request_action" else None

    def lines(kind):
        kept = submitted if kind == failed_kind else {}
        return [{"line": line, "qty": kept.get(f"qty_{line.line_no}") or ""} for line in order.lines.all()]

    return {"money": {
        "panel": panel,
        "rows": rows,
        "ledger": ledger,
        "net_cost": queries.net_cost_of(line for line in ledger if line.case_id == case.pk),
        "may_request": may_request,
        "may_override": who.role in OVERRIDE_ROLES,
        "may_charge_back": who.role in CHARGEBACK_ROLES,
        "chargeback_key": submitted.get("idempotency_key") if submitted.get("verb") == "chargeback" else new_key(),
        "offers": [{"offer": offer, "key": submitted.get("idempotency_key") if offer.kind == failed_kind else new_key(),
                    "lines": lines(offer.kind) if offer.kind in LINE_KINDS else [], "amount": offer.kind in AMOUNT_KINDS,
                    "postage": offer.kind in GOODS_KINDS, "address": offer.kind == ActionKind.ADDRESS_CHANGE,
                    "expires": offer.kind == ActionKind.COUPON}
                   for offer in panel.offers],
    }}


def _amount(value: str, field: str) -> Decimal | None:
    value = (value or "").strip().replace(",", "").removeprefix("¥")
    if not value:
        return None
    try:
        return to_money(value)
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput("invalid_amount", _("Enter an amount such as 12.50."), field=field)


def _lines(post) -> tuple[actions.LineRequest, ...]:
    """`qty_<line_no>` fields with `sku_<line_no>`: the units of each order line the action covers."""
    lines = []
    for name, value in post.items():
        if not name.startswith("qty_") or not value.strip() or value.strip() == "0":
            continue
        number = name.removeprefix("qty_")
        if not number.isdigit() or not value.strip().isdigit() or len(value.strip()) > 6:
            raise InvalidInput("invalid_quantity", _("Enter a whole number of units."), field=name)
        lines.append(actions.LineRequest(sku=post.get(f"sku_{number}", ""), qty=int(value), line_no=int(number)))
    return tuple(sorted(lines, key=lambda line: line.line_no))


def _action_request(post) -> actions.ActionRequest:
    kind = post.get("kind", "")
    details = {}
    if post.get("address", "").strip():
        details["address"] = post["address"].strip()
    if post.get("expires_at", "").strip():
        details["expires_at"] = post["expires_at"].strip()
    return actions.ActionRequest(
        kind=kind, lines=_lines(post), amount=_amount(post.get("amount", ""), "amount"),
        reason=post.get("reason", "").strip(), postage=_amount(post.get("postage", ""), "postage"),
        override_reason=post.get("override_reason", "").strip(), details=details,
    )


def _refused(request, case_id: int, error: DomainError, verb: str, action_id: int | None = None):
    from .case import render_case

    submitted = {"verb": verb, **{key: request.POST.get(key) for key in request.POST}}
    if action_id is not None:
        submitted["action_id"] = action_id
    return render_case(request, case_id, status=error.status, submitted=submitted,
                       errors={verb: error.in_words(), "field": error.field or ""})


@page(methods=("POST",))
def request_action(request, case_id: int):
    """Ask for an action of one of the kinds the playbook allows (the form's idempotency key makes a
    second submit of the same form answer with the first action)."""
    who = principal(request)
    key = request.POST.get("idempotency_key", "")
    try:
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise InvalidInput("invalid_idempotency_key", _("The form is out of date; reload the page."),
                               field="idempotency_key")
        access.require_requester(who, case_id)
        result = actions.request_action(case_id, actor=who, request=_action_request(request.POST),
                                        idempotency_key=key)
    except NotFound as error:
        raise Http404(str(error)) from error
    except DomainError as error:
        return _refused(request, case_id, error, "request_action")
    if result.created:
        messages.success(request, _("Action #%(id)s: %(status)s.") % {
            "id": result.action.pk, "status": result.action.get_status_display()})
    return redirect(reverse("web:case", args=[case_id]) + f"#action-{result.action.pk}")


@page(roles=CHARGEBACK_ROLES, methods=("POST",))
def record_chargeback(request, case_id: int):
    """Money the supplier paid back for the case (a ledger line in); the form's key makes a resubmit one line."""
    who = principal(request)
    try:
        access_case(who, case_id)
        recorded = actions.record_chargeback(
            case_id, actor=who, amount=_amount(request.POST.get("amount", ""), "amount"),
            supplier=request.POST.get("supplier", ""), reference=request.POST.get("reference", ""),
            idempotency_key=request.POST.get("idempotency_key", ""))
    except NotFound as error:
        raise Http404(str(error)) from error
    except DomainError as error:
        return _refused(request, case_id, error, "chargeback")
    if recorded.created:
        messages.success(request, _("Supplier chargeback recorded."))
    return redirect(reverse("web:case", args=[case_id]) + "#ledger")


def _approve(request, who, action_id):
    actions.approve_action(action_id, actor=who, reason=request.POST.get("reason", ""))
    return _("Approved.")


def _reject(request, who, action_id):
    actions.reject_action(action_id, actor=who, reason=request.POST.get("reason", ""))
    return _("Rejected.")


def _cancel(request, who, action_id):
    action = Action.objects.get(pk=action_id)
    access.require_requester(who, action.case_id)
    actions.cancel_action(action_id, actor=who, reason=request.POST.get("reason", ""))
    return _("Withdrawn.")


def _done(request, who, action_id):
    actions.mark_done(action_id, actor=who, reference=request.POST.get("reference", "").strip())
    return _("Marked done.")


def _failed(request, who, action_id):
    actions.mark_failed(action_id, actor=who, reason=request.POST.get("reason", ""))
    return _("Marked failed.")


def _claim(request, who, action_id):
    actions.progress_claim(action_id, actor=who, to=request.POST.get("to", ""),
                           recovered_amount=_amount(request.POST.get("recovered_amount", ""), "recovered_amount"),
                           note=request.POST.get("note", ""))
    return _("Claim updated.")


VERBS = {access.APPROVE: _approve, access.REJECT: _reject, access.CANCEL: _cancel, access.DONE: _done,
         access.FAILED: _failed, access.CLAIM: _claim}


@page(methods=("POST",))
def act_on_action(request, action_id: int, verb: str):
    """Approve, reject, withdraw, mark done or failed, move a claim along. Back to where the form was:
    the case page, or the list of actions waiting for the caller (`from=waiting`)."""
    handler = VERBS.get(verb)
    if handler is None:
        raise Http404(verb)
    who = principal(request)
    try:
        action = access.access_action(who, action_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    from_list = request.POST.get("from") == "waiting"
    try:
        done = handler(request, who, action_id)
    except DomainError as error:
        if from_list:
            return _waiting_page(request, status=error.status, errors={action_id: error.in_words()},
                                 submitted=request.POST)
        return _refused(request, action.case_id, error, "action", action_id)
    messages.success(request, done)
    if from_list:
        return redirect("web:waiting-actions")
    return redirect(reverse("web:case", args=[action.case_id]) + f"#action-{action_id}")


def _waiting_page(request, *, status=200, errors=None, submitted=None):
    who = principal(request)
    errors = errors or {}
    waiting = queries.waiting_for(who)
    approving = queries.approving(who, commitments.case_exposures({action.case_id for action in waiting}))
    rows = [_row(who, action, may_request=False, approving=approving, error=errors.get(action.pk, ""),
                 kept=submitted if action.pk in errors else {})
            for action in waiting]
    return render(request, "web/waiting_actions.html", {"rows": rows, "nav": "waiting"}, status=status)


@page()
def waiting_actions(request):
    """Actions waiting for the caller, whatever department holds their case: approvals, and refunds,
    reships, claims to carry out."""
    return _waiting_page(request)
