"""What every workbench page shares: who may open it, and the caller as the domain sees them."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_http_methods

from ordex.accounts.access import Principal, principal_for_user
from ordex.accounts.models import Role

# The people who work in the workbench; integrations use the API with tokens.
STAFF_ROLES = frozenset({Role.AGENT, Role.WAREHOUSE, Role.LOGISTICS, Role.FINANCE, Role.SUPERVISOR, Role.ADMIN})
MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def principal(request) -> Principal:
    if not hasattr(request, "_principal"):
        request._principal = principal_for_user(request.user)
    return request._principal


def page(*, roles=STAFF_ROLES, methods=("GET",)):
    """A workbench view: anonymous people are sent to /login/ (with `next`), other roles get 403.
    The roles are kept on the view (`workbench_roles`), so the URL × role test reads them from the URL conf."""

    def decorate(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if principal(request).role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.workbench_roles = frozenset(roles)
        wrapped.workbench_methods = tuple(methods)
        return wrapped

    return decorate
