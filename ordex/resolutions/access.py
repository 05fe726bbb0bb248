"""Who may see and do what with actions: whoever may see the case sees its actions; whoever may work the
case may request them; approving follows the approval limits (actions.approve_action checks them)."""

from dataclasses import dataclass, field
from decimal import Decimal

from ordex.accounts.access import Principal
from ordex.cases.access import access_case, require_case_worker
from ordex.cases.models import Case
from ordex.core.errors import NotFound
from ordex.core.lookups import one_or_none

from . import config
from .actions import approval_refused, is_requester
from .choices import ALWAYS_EXECUTORS, CLAIM_TRANSITIONS, EXECUTOR_ROLES, ActionKind, ActionStatus
from .models import Action
from .money import ZERO

# What a person may do to an action, as the workbench names it (`/actions/<id>/do/<verb>/`).
APPROVE, REJECT, CANCEL, DONE, FAILED, CLAIM = "approve", "reject", "cancel", "done", "failed", "claim"


def access_action(principal: Principal, action_id: int) -> Action:
    """The action if the principal may see its case, or carries out or approves actions of its kind
    whatever department holds the case (finance pays refunds of every team's cases); 404 otherwise."""
    action = one_or_none(Action.objects.select_related("order").filter(pk=action_id))
    if action is None:
        raise NotFound("action_not_found", f"action {action_id} does not exist")
    if may_carry_out(principal, action.kind) or config.may_approve(principal.role):
        return action
    try:
        access_case(principal, action.case_id)
    except NotFound:
        raise NotFound("action_not_found", f"action {action_id} does not exist")
    return action


def require_requester(principal: Principal, case_id: int) -> Case:
    """May ask for actions on this case: may work it (its department's staff, supervisors, admins)."""
    case = access_case(principal, case_id, Case.objects.select_related("department"))
    require_case_worker(principal, case)
    return case


def may_carry_out(principal: Principal, kind: str) -> bool:
    """Marks actions of this kind done or failed (finance pays, the warehouse ships, ...)."""
    return principal.role in ALWAYS_EXECUTORS or principal.role in EXECUTOR_ROLES[kind]


@dataclass(frozen=True)
class Approving:
    """What deciding on approvals takes, read once for a page: whether the caller's role approves at all, its
    per-case limit (None: no limit) and the money each listed case's live actions commit."""

    approves: bool
    limit: Decimal | None
    exposure: dict[int, Decimal] = field(default_factory=dict)  # case id -> committed


def offered_verbs(principal: Principal, action: Action, *, may_request: bool, approving: Approving) -> frozenset[str]:
    """What the workbench offers this principal on this action now: approve a request of someone else when
    `actions.approval_refused` (the rule approve_action applies) has nothing against it, so within the
    approver's limit; reject a request of someone else (roles that approve); cancel what is not yet carried
    out (those who may ask for actions on the case); done / failed to whoever carries the kind out, and the
    next steps of a running carrier claim. The action functions check everything again under the lock."""
    verbs = set()
    if action.status == ActionStatus.REQUESTED and approving.approves and not is_requester(action, principal):
        verbs.add(REJECT)
        if approval_refused(action, principal, approves=approving.approves, limit=approving.limit,
                            exposure=approving.exposure.get(action.case_id, ZERO)) is None:
            verbs.add(APPROVE)
    if action.status in (ActionStatus.REQUESTED, ActionStatus.APPROVED) and may_request:
        verbs.add(CANCEL)
    if may_carry_out(principal, action.kind):
        if action.kind == ActionKind.CARRIER_CLAIM:
            if action.status == ActionStatus.EXECUTING and CLAIM_TRANSITIONS[action.claim_status]:
                verbs.add(CLAIM)
        elif action.status in (ActionStatus.APPROVED, ActionStatus.EXECUTING):
            verbs |= {DONE, FAILED}
    return frozenset(verbs)
