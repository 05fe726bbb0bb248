"""Deciding on a waiting action: approve (within the approver's limit, never one's own request), reject,
or withdraw one not yet handed to the merchant."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.accounts.models import Role
from ordex.core.errors import DomainError, Forbidden, InvalidInput
from ordex.core.text import shown_text
from ordex.core.writers import write_transaction

from .. import config, outbox
from ..choices import MONEY_KINDS
from ..commitments import case_exposure
from ..models import Action
from .common import S, _lock_action, _move, _user
from .execution import _start


def is_requester(action: Action, actor: Principal) -> bool:
    """Whether the actor asked for this action (nobody approves their own request)."""
    user = _user(actor)
    if user is not None and action.requested_by_id is not None:
        return user.pk == action.requested_by_id
    return action.requested_by_name == actor.name


def approval_refused(action: Action, actor: Principal, *, approves: bool, limit: Decimal | None,
                     exposure: Decimal) -> DomainError | None:
    """Why `actor` may not approve `action`, or None when they may: it waits for approval, someone else asked
    for it, the actor's role approves (`approves`: it has an approval limit row) and, for money, `limit`
    (None: no limit) covers `exposure`, what the case's live actions commit. The one rule: approve_action
    applies it under the lock, the workbench before it offers the button."""
    if action.status != S.REQUESTED:
        return DomainError("illegal_action_transition", f"action {action.pk} is {action.status}, not requested")
    if is_requester(action, actor):
        return Forbidden("own_request", "nobody approves their own request")
    if not approves:
        return Forbidden("forbidden", f"role '{actor.role}' may not approve actions")
    if action.kind in MONEY_KINDS and limit is not None and exposure > limit:
        return Forbidden("approval_limit_exceeded", shown_text(
            _("Case #%(case)s commits %(exposure)s; your approval limit as %(role)s is %(limit)s."),
            case=action.case_id, exposure=f"¥{exposure}", role=Role(actor.role).label, limit=f"¥{limit}"))
    return None


@write_transaction
def approve_action(action_id: int, *, actor: Principal, reason: str = "") -> Action:
    """Approve a waiting action. The approver is not the requester and their limit covers the case's money
    (re-read under the lock: `approval_refused`); then the shop's adapter carries it out."""
    action, case = _lock_action(action_id)
    refused = approval_refused(action, actor, approves=config.may_approve(actor.role),
                               limit=config.limit_for(actor.role), exposure=case_exposure(case.pk))
    if refused is not None:
        raise refused
    at = timezone.now()
    _move(action, case, S.APPROVED, actor, at=at, reason=reason)
    _start(action, case, actor, at)
    return action


@write_transaction
def reject_action(action_id: int, *, actor: Principal, reason: str) -> Action:
    """Turn a waiting request down (status cancelled, reason recorded)."""
    if not reason.strip():
        raise InvalidInput("reason_required", "rejecting an action needs a reason", field="reason")
    action, case = _lock_action(action_id)
    if not config.may_approve(actor.role):
        raise Forbidden("forbidden", f"role '{actor.role}' may not reject actions")
    if action.status != S.REQUESTED:
        raise DomainError("illegal_action_transition", f"action {action.pk} is {action.status}, not requested")
    _move(action, case, S.CANCELLED, actor, at=timezone.now(), reason=shown_text(_("Rejected: %(reason)s"), reason=reason))
    return action


@write_transaction
def cancel_action(action_id: int, *, actor: Principal | None, reason: str) -> Action:
    """Withdraw an action not yet handed to the merchant (requested, or approved with its request unsent)."""
    action, case = _lock_action(action_id)
    if action.status == S.APPROVED and not outbox.withdraw(action):
        raise DomainError("already_sent", f"action {action.pk} was already sent to the merchant's system")
    _move(action, case, S.CANCELLED, actor, at=timezone.now(), reason=reason or _("Withdrawn"))
    return action
