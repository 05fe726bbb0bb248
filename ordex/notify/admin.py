"""Admin: templates are edited here, with a preview on a real case; messages (the outbox, dead letters
first), links and surveys are shown read-only and change only through `actions`."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import principal_for_user
from ordex.cases.models import Case
from ordex.core.errors import DomainError

from . import actions, render
from .choices import MessageStatus
from .models import CustomerLink, Message, MessageTemplate, ShopLanguage, Survey


def sample_context(language: str) -> dict:
    """Every variable filled with a plausible value: what the form checks a template against."""
    return {name: f"[{name}]" for name in render.VARIABLES}


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("exception_type", "moment", "language", "channel", "subject", "body", "active")

    def clean(self):
        data = super().clean()
        try:
            render.preview(data.get("subject", ""), data.get("body", ""), sample_context(data.get("language")))
        except DomainError as exc:
            raise forms.ValidationError({exc.field or "body": exc.message})
        return data


def preview_on_case(template: MessageTemplate, case: Case | None) -> str:
    if case is None:
        return gettext("No case of this type yet: the preview uses placeholders") + "\n\n" + render.preview(
            template.subject, template.body, sample_context(template.language)).body
    context = actions.message_context(case, template.language, link="https://example.invalid/c/preview/")
    rendered = render.preview(template.subject, template.body, context)
    heading = gettext("Case #%(case)s") % {"case": case.pk}
    return f"{heading}\n\n{rendered.subject}\n\n{rendered.body}".strip()


@admin.register(ShopLanguage)
class ShopLanguageAdmin(admin.ModelAdmin):
    list_display = ("shop", "language")
    list_filter = ("language",)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("exception_type", "moment", "language", "channel", "active", "updated_at")
    list_filter = ("moment", "language", "channel", "active", "exception_type__family")
    search_fields = ("exception_type__code", "exception_type__name_zh", "subject", "body")
    readonly_fields = ("preview",)
    fields = ("exception_type", "moment", "language", "channel", "active", "subject", "body", "preview")

    @admin.display(description=_("preview (latest case of the type; add ?case=<id> to the address for another)"))
    def preview(self, template: MessageTemplate):
        if not template.pk:
            return "—"
        case_id = getattr(self, "_preview_case_id", None)
        cases = Case.objects.select_related("type").filter(type_id=template.exception_type_id)
        case = cases.filter(pk=case_id).first() if case_id else cases.order_by("-pk").first()
        try:
            text = preview_on_case(template, case)
        except DomainError as exc:
            return format_html('<strong class="errornote">{}</strong>', exc.message)
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._preview_case_id = request.GET.get("case") if str(request.GET.get("case", "")).isdigit() else None
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "case", "moment", "channel", "status", "attempts", "next_attempt_at",
                    "sent_at", "last_error")
    list_filter = ("status", "channel", "moment")
    search_fields = ("idempotency_key", "case__order_no", "provider_id")
    actions = ["retry"]

    def get_ordering(self, request):
        return ["-status_at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send dead messages again"))
    def retry(self, request, queryset):
        count = 0
        for message in queryset.filter(status=MessageStatus.DEAD):
            actions.retry_dead(message.pk)
            count += 1
        messages.info(request, ngettext("%(count)s dead message queued again", "%(count)s dead messages queued again",
                                        count) % {"count": count})


@admin.register(CustomerLink)
class CustomerLinkAdmin(admin.ModelAdmin):
    list_display = ("case", "created_at", "expires_at", "revoked_at", "last_used_at")
    actions = ["revoke"]
    exclude = ("nonce",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke every link of these cases"))
    def revoke(self, request, queryset):
        for case_id in set(queryset.values_list("case_id", flat=True)):
            actions.revoke_links(case_id, actor=principal_for_user(request.user))


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("case", "status", "score", "type_code", "resolution", "department_code", "agent", "sent_at",
                    "answered_at", "follow_up_case")
    list_filter = ("status", "score", "type_code", "department_code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
