"""API authentication: bearer tokens (integrations, scripts) or the Django session (workbench pages)."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from ordex.core.errors import Forbidden
from ordex.core.lookups import one_or_none

from .access import Principal, principal_for_user
from .models import ApiToken, hash_token


def _live_token(raw: str) -> tuple[ApiToken, str | None] | None:
    """(token with its user, department code) for a raw token that is issued and not revoked. A plain ORM
    query: the raw-SQL version saved ~0.4 ms a request, inside the noise of the HTTP ingest benchmark."""
    token = one_or_none(ApiToken.objects.select_related("user", "department")
                        .filter(token_hash=hash_token(raw), revoked_at__isnull=True))
    if token is None:
        return None
    return token, token.department.code if token.department_id is not None else None


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str) -> Principal | None:
        found = _live_token(token)
        if found is None:
            return None
        row, department_code = found
        now = timezone.now()
        # Touch at most once a minute so a busy integration does not write on every request.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return Principal(
            role=row.role,
            name=row.name,
            user=row.user,
            department_code=department_code,
            token_id=row.pk,
        )


class UserSessionAuth(SessionAuth):
    """The workbench's logged-in user. CSRF is checked only for a request that carries a logged-in session:
    a request with neither a valid token nor a session is simply unauthenticated (401), not a CSRF failure."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise Forbidden("csrf_failed", "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user is None:
            return None
        return principal_for_user(user)


api_auth = [TokenAuth(), UserSessionAuth()]
