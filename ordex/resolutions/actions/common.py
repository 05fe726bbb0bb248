"""What every action function shares: the case → order → action locks, the timeline entry, the one
transition function `_move` (checked against choices.TRANSITIONS) and who is acting."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.cases.choices import TimelineKind
from ordex.cases.models import Case, TimelineEntry
from ordex.core.errors import DomainError, NotFound
from ordex.core.text import stored_text
from ordex.orders import queries as hub

from .. import hooks
from ..choices import TRANSITIONS, ActionKind, ActionStatus
from ..models import Action

K = ActionKind
S = ActionStatus


def _user(actor: Principal | None):
    user = getattr(actor, "user", None)
    return user if getattr(user, "pk", None) else None


def _name(actor: Principal | None) -> str:
    return actor.name if actor is not None else "system"


def _lock_case(case_id: int) -> Case:
    case = Case.objects.select_for_update(of=("self",)).select_related("type").filter(pk=case_id).first()
    if case is None:
        raise NotFound("case_not_found", f"case {case_id} does not exist")
    return case


def _lock_action(action_id: int) -> tuple[Action, Case]:
    """Case, order and action locked in the fixed order case → order → action."""
    case_id = Action.objects.filter(pk=action_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound("action_not_found", f"action {action_id} does not exist")
    case = _lock_case(case_id)
    action = Action.objects.select_for_update(of=("self",)).get(pk=action_id)
    action.order = hub.order_for_update(action.order_id)
    return action, case


def _timeline(case: Case, actor, message: str, *, at: datetime, action: Action, from_status: str, **data) -> None:
    TimelineEntry.objects.create(
        case=case, at=at, actor=_user(actor), actor_name=_name(actor), kind=TimelineKind.ACTION,
        from_status="", to_status="", message=message,
        data={"action_id": action.pk, "kind": action.kind, "from": from_status, "to": action.status,
              "amount": str(action.amount), **data},
    )


def _move(action: Action, case: Case, to: str, actor, *, at: datetime, reason="",
          fields: list[str] | None = None, **data) -> None:
    """Apply one transition of the table (checked against the status read under the lock), save, write the
    timeline entry and tell the listeners. `reason`: a person's words, or the system's as a msgid (stored in
    zh-Hans, as every text Ordex writes into a record: core.text.stored_text)."""
    reason = stored_text(reason)
    from_status = action.status
    if to not in TRANSITIONS[from_status]:
        if from_status == S.REQUESTED and to in (S.EXECUTING, S.DONE, S.FAILED):
            raise DomainError("needs_approval", f"action {action.pk} waits for approval; it cannot be {to} yet")
        allowed = ", ".join(sorted(TRANSITIONS[from_status])) or "none"
        raise DomainError("illegal_action_transition",
                          f"action {action.pk} is {from_status}; it cannot become {to} (allowed: {allowed})")
    action.status = to
    fields = ["status", "updated_at", *(fields or [])]
    if to == S.APPROVED:
        action.approved_at, action.approved_by_name = at, _name(actor)
        fields += ["approved_at", "approved_by_name"]
    elif to == S.EXECUTING:
        action.executing_at = at
        fields.append("executing_at")
    elif to in (S.DONE, S.FAILED, S.CANCELLED):
        action.ended_at, action.ended_by_name = at, _name(actor)
        fields += ["ended_at", "ended_by_name"]
        if reason and to != S.DONE:
            action.outcome_reason = reason
            fields.append("outcome_reason")
    action.save(update_fields=fields)
    labels = {"kind": K(action.kind).label, "action": action.pk, "before": S(from_status).label, "after": S(to).label}
    message = stored_text(_("%(kind)s #%(action)s: %(before)s → %(after)s. %(reason)s"), reason=reason, **labels) \
        if reason else stored_text(_("%(kind)s #%(action)s: %(before)s → %(after)s"), **labels)
    _timeline(case, actor, message, at=at, action=action, from_status=from_status, **data)
    hooks.action_changed(hooks.ActionChanged(
        action_id=action.pk, case_id=case.pk, order_no=action.order.order_no, kind=action.kind,
        from_status=from_status, to_status=to, amount=action.amount, at=at, actor_name=_name(actor), reason=reason,
    ))
