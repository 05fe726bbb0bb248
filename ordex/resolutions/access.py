"""Who may see and do what with actions: whoever may see the case sees its actions; whoever may work the
case may request them; approving follows the approval limits (actions.approve_action checks them)."""

from ordex.accounts.access import Principal
from ordex.cases.access import access_case, require_case_worker
from ordex.cases.models import Case
from ordex.core.errors import NotFound

from . import config
from .actions import is_requester
from .choices import ALWAYS_EXECUTORS, CLAIM_TRANSITIONS, EXECUTOR_ROLES, ActionKind, ActionStatus
from .models import Action

# What a person may do to an action, as the workbench names it (`/actions/<id>/do/<verb>/`).
APPROVE, REJECT, CANCEL, DONE, FAILED, CLAIM = "approve", "reject", "cancel", "done", "failed", "claim"


def access_action(principal: Principal, action_id: int) -> Action:
    """The action if the principal may see its case, or carries out or approves actions of its kind
    whatever department holds the case (finance pays refunds of every team's cases); 404 otherwise."""
    action = Action.objects.select_related("order").filter(pk=action_id).first()
    if action is None:
        raise NotFound("action_not_found", f"action {action_id} does not exist")
    if principal.role in EXECUTOR_ROLES[action.kind] or config.may_approve(principal.role):
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


def offered_verbs(principal: Principal, action: Action, *, may_request: bool,
                  approvers: frozenset[str] | None = None) -> frozenset[str]:
    """What the workbench offers this principal on this action now: approve / reject a request of
    someone else (roles with an approval limit), cancel what is not yet carried out (those who may ask
    for actions on the case), done / failed to whoever carries the kind out, and the next steps of a
    running carrier claim. The action functions check everything again under the lock.
    `approvers`: the roles that may approve, when the caller read them already (one query for a list)."""
    verbs = set()
    may_approve = principal.role in approvers if approvers is not None else config.may_approve(principal.role)
    if action.status == ActionStatus.REQUESTED and may_approve and not is_requester(action, principal):
        verbs |= {APPROVE, REJECT}
    if action.status in (ActionStatus.REQUESTED, ActionStatus.APPROVED) and may_request:
        verbs.add(CANCEL)
    if may_carry_out(principal, action.kind):
        if action.kind == ActionKind.CARRIER_CLAIM:
            if action.status == ActionStatus.EXECUTING and CLAIM_TRANSITIONS[action.claim_status]:
                verbs.add(CLAIM)
        elif action.status in (ActionStatus.APPROVED, ActionStatus.EXECUTING):
            verbs |= {DONE, FAILED}
    return frozenset(verbs)
