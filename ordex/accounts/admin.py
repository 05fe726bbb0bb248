from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, Department, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Ordex", {"fields": ("role", "department", "available", "max_open_cases", "time_zone")}),)
    list_display = ("username", "role", "department", "available", "is_active")
    list_filter = ("role", "department", "available", "is_active")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("name", "hint")
    readonly_fields = ("token_hash", "hint", "created_at", "last_used_at")
