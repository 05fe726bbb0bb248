"""Who may see and change rules. The rules page and the API both ask here."""

from ordex.accounts.access import Principal, require_role
from ordex.accounts.models import Role

# Supervisors tune their teams' work from the rules' record; only admins change a rule.
RULES_PAGE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_view_rules_page(principal: Principal) -> bool:
    return principal.role in RULES_PAGE_ROLES


def may_edit_rules(principal: Principal) -> bool:
    return principal.role == Role.ADMIN


def require_rule_editor(principal: Principal) -> None:
    require_role(principal, Role.ADMIN)
