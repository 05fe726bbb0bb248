"""Django admin is for admins only: configuration (types, playbooks, calendars, rules, users). Every other role
works in the workbench; a supervisor's staff flag does not open the admin."""

from django.contrib.admin import AdminSite

from .models import Role


class OrdexAdminSite(AdminSite):
    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))

