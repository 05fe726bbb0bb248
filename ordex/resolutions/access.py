"""Who may see and do what with actions: whoever may see the case sees its actions; whoever may work the
case may request them; approving follows the approval limits (actions.approve_action checks them)."""

from ordex.accounts.access import Principal
from ordex.cases.access import access_case, require_case_worker
from ordex.cases.models import Case
from ordex.core.errors import NotFound

from .models import Action


def access_action(principal: Principal, action_id: int) -> Action:
    """The action if the principal may see its case; 404 otherwise."""
    case_id = Action.objects.filter(pk=action_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound("action_not_found", f"action {action_id} does not exist")
    try:
        access_case(principal, case_id)
    except NotFound:
        raise NotFound("action_not_found", f"action {action_id} does not exist")
    return Action.objects.select_related("order").get(pk=action_id)


def require_requester(principal: Principal, case_id: int) -> Case:
    """May ask for actions on this case: may work it (its department's staff, supervisors, admins)."""
    case = access_case(principal, case_id, Case.objects.select_related("department"))
    require_case_worker(principal, case)
    return case
