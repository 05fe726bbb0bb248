"""API authentication: bearer tokens (integrations, scripts) or the Django session (workbench pages)."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .access import Principal, principal_for_user
from .models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str) -> Principal | None:
        row = (
            ApiToken.objects.select_related("department", "user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        # Touch at most once a minute so a busy integration does not write on every request.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return Principal(
            role=row.role,
            name=row.name,
            user=row.user,
            department_code=row.department.code if row.department_id else None,
            token_id=row.pk,
        )


class UserSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        return principal_for_user(user)


api_auth = [TokenAuth(), UserSessionAuth()]
