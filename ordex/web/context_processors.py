"""`workbench` in every template: the caller's role and department in words, and what the menu offers."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from ordex.accounts.models import Role


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
        }

    return {"workbench": SimpleLazyObject(build)}
