"""Rules are editable in the admin (parameters as JSON, checked against the rule's declared parameters, saved
through `actions.change_rule` so the change is recorded with its reason; overrides are shown, and edited on
the rules page or the API); the dry-run action shows what selected periodic rules would find now, opening
no cases."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import principal_for_user
from ordex.core.errors import DomainError

from .actions import change_rule
from .models import Finding, HistoryImport, Rule, RuleChange, RuleOverride
from .queries import rule_records
from .rules import REGISTRY


class RuleForm(forms.ModelForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"),
                             help_text=_("Why the rule changes (recorded)"))

    class Meta:
        model = Rule
        fields = ["enabled", "params", "description"]

    def clean_params(self):
        params = self.cleaned_data["params"] or {}
        rule = REGISTRY.get(self.instance.code)
        if rule is not None:
            try:
                parsed = rule.validate(params)
            except DomainError as exc:
                raise forms.ValidationError(exc.message)
            params = {k: rule.param(k).to_json(v) for k, v in parsed.items()}
        return params


class OverrideInline(admin.TabularInline):
    model = RuleOverride
    extra = 0
    fields = readonly_fields = ("shop", "platform", "params")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChangeInline(admin.TabularInline):
    model = RuleChange
    extra = 0
    fields = readonly_fields = ("changed_at", "actor_name", "shop_code", "platform", "old", "new", "reason")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("code", "type_code", "trigger", "enabled", "findings", "cases_opened", "rejected", "cleared")
    list_filter = ("trigger", "enabled", "type_code")
    search_fields = ("code", "type_code")
    readonly_fields = ("code", "type_code", "trigger", "updated_at")
    inlines = [OverrideInline, ChangeInline]
    actions = ["dry_run"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """Parameters and the switch go through the recorded change; the description is plain text."""
        change_rule(obj.code, actor=principal_for_user(request.user), reason=form.cleaned_data["reason"],
                    params=form.cleaned_data["params"], enabled=form.cleaned_data["enabled"])
        Rule.objects.filter(pk=obj.pk).update(description=form.cleaned_data["description"])

    def get_queryset(self, request):
        self._records = rule_records()
        return super().get_queryset(request)

    def _record(self, obj, key):
        return getattr(self, "_records", {}).get(obj.code, {}).get(key, 0)

    @admin.display(description=_("findings"))
    def findings(self, obj):
        return self._record(obj, "findings")

    @admin.display(description=_("cases opened"))
    def cases_opened(self, obj):
        return self._record(obj, "cases_opened")

    @admin.display(description=_("rejected (false positive)"))
    def rejected(self, obj):
        return self._record(obj, "rejected")

    @admin.display(description=_("cleared"))
    def cleared(self, obj):
        return self._record(obj, "cleared")

    @admin.action(description=_("Dry run now: show what would fire (opens no case)"))
    def dry_run(self, request, queryset):
        from .scan import run_scan

        codes = [r.code for r in queryset if REGISTRY.get(r.code) and REGISTRY[r.code].trigger == "periodic"]
        if not codes:
            self.message_user(request, gettext("Dry run covers periodic rules; on-event rules fire as events arrive."),
                              messages.WARNING)
            return
        for result in run_scan(timezone.now(), rules=codes, dry_run=True):
            found = [h for h in result.found if h.level == "finding"]
            sample = "; ".join(f"{h.subject_key}: {h.summary}" for h in found[:5])
            summary = gettext("%(rule)s: would find %(found)s new, clear %(cleared)s") % {
                "rule": result.code, "found": len(found), "cleared": len(result.cleared)}
            self.message_user(request, summary + (f" — {sample}" if sample else ""))


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("rule_code", "type_code", "level", "subject_key", "found_at", "active", "cleared_at", "case_id")
    list_filter = ("rule_code", "level", "active")
    search_fields = ("subject_key", "sku")
    readonly_fields = [f.name for f in Finding._meta.fields]
    raw_id_fields = ("order", "shipment", "refund")

    def has_add_permission(self, request):
        return False


@admin.register(HistoryImport)
class HistoryImportAdmin(admin.ModelAdmin):
    """History imports and backfills: how far each one's clock came and what it settled (view only)."""

    list_display = ("key", "source", "scan_minutes", "started_at", "clock", "finished_at", "historical_cases",
                    "live_cases")
    list_filter = ("source",)
    search_fields = ("key",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
