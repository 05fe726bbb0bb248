"""`workbench` in every template: the caller's role and department in words, what the menu offers, and the
number of unread notifications the bell shows."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from ordex.accounts.models import Role
from ordex.cases.queries import unread_notification_count
from ordex.detection.access import RULES_PAGE_ROLES


def workbench(request):
    def build():
        user = request.user
        if not user.is_authenticated:
            return {}
        role = Role.ADMIN if user.is_superuser else user.role
        department = user.department if user.department_id else None
        english = (get_language() or "").startswith("en")
        return {
            "role": role,
            "role_label": Role(role).label if role in Role.values else role,
            "department_name": (department.name_en if english else department.name_zh) if department else "",
            "is_admin": role == Role.ADMIN,
            "is_manager": role in (Role.SUPERVISOR, Role.ADMIN),
            "may_view_rules": role in RULES_PAGE_ROLES,
            # The bell: one indexed count per page.
            "unread_notifications": unread_notification_count(user.pk),
        }

    return {"workbench": SimpleLazyObject(build)}
