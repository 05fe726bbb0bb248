"""Admin: configuration is editable (limits, resolution → kind map, platform rules, commerce settings);
actions, the ledger and the outbox are read-only here (they change only through `actions`)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import (
    Action,
    ApprovalLimit,
    CommerceSettings,
    LedgerLine,
    OutboxMessage,
    PlatformRule,
    ResolutionKind,
)


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    list_display = ("role", "per_case")


@admin.register(ResolutionKind)
class ResolutionKindAdmin(admin.ModelAdmin):
    list_display = ("resolution", "kind", "position")
    list_filter = ("kind",)


@admin.register(PlatformRule)
class PlatformRuleAdmin(admin.ModelAdmin):
    list_display = ("platform", "exception_type", "kind", "percent", "minimum", "maximum", "source")


@admin.register(CommerceSettings)
class CommerceSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "adapter", "webhook_url", "secret_hint", "postage_allowance", "reconcile_with_events")
    readonly_fields = ("secret_hint",)
    actions = ["issue_secret"]

    @admin.action(description=_("Issue a new webhook secret (shown once)"))
    def issue_secret(self, request, queryset):
        for row in queryset:
            secret = actions.issue_webhook_secret(row.shop_id)
            self.message_user(request, _("Webhook secret for %(row)s: %(secret)s — copy it now, it is not stored.")
                              % {"row": row, "secret": secret}, messages.WARNING)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(ReadOnly):
    list_display = ("pk", "case", "order", "kind", "status", "amount", "requested_by_name", "approved_by_name",
                    "created_at")
    list_filter = ("kind", "status", "adapter")
    search_fields = ("order__order_no", "idempotency_key", "reference")
    raw_id_fields = ("case", "order")


@admin.register(LedgerLine)
class LedgerLineAdmin(ReadOnly):
    list_display = ("at", "order", "case", "action", "kind", "direction", "amount", "actor_name")
    list_filter = ("kind", "direction")
    search_fields = ("order__order_no", "idempotency_key")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnly):
    list_display = ("pk", "action", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    list_filter = ("status",)
