"""Who may see and do what with actions: whoever may see the case sees its actions; whoever may work the
case may request them; approving follows the approval limits (actions.approve_action checks them)."""

from ordex.accounts.access import Principal
from ordex.cases.access import access_case, require_case_worker
from ordex.cases.models import Case
from ordex.core.errors import NotFound

from . import config
from .choices import EXECUTOR_ROLES
from .models import Action


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
