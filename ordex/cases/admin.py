"""Admin: configuration (calendars, SLA policies, exception types with playbooks) is edited here; cases,
timeline and notifications are shown read-only, because they change only through `actions`."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .calendar import unconfirmed_years
from .models import (
    Calendar,
    CalendarHours,
    CalendarOverride,
    Case,
    CaseStep,
    DepartmentClock,
    Evidence,
    ExceptionType,
    Incident,
    Notification,
    PlaybookStep,
    SlaPolicy,
    SlaTarget,
    TimelineEntry,
)

# Years ahead whose holiday schedule must be known for deadlines to be right.
YEARS_AHEAD = 2


def holiday_warning(calendar: Calendar) -> str:
    if not calendar.observe_holidays:
        return ""
    this_year = timezone.localdate().year
    missing = [
        year for year in unconfirmed_years(range(this_year, this_year + YEARS_AHEAD))
        if not calendar.overrides.filter(date__year=year).exists()
    ]
    if not missing:
        return ""
    years = ", ".join(str(year) for year in missing)
    return gettext("The installed holiday data has not confirmed China's official schedule for %(years)s: "
                   "deadlines there are estimates. Add overrides for the holidays and make-up working days of "
                   "%(years)s.") % {"years": years}


class CalendarHoursInline(admin.TabularInline):
    model = CalendarHours
    extra = 0


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "time_zone", "observe_holidays", "holiday_data")
    inlines = [CalendarHoursInline, CalendarOverrideInline]
    readonly_fields = ("holiday_data",)

    @admin.display(description=_("holiday data"))
    def holiday_data(self, obj):
        return holiday_warning(obj) or gettext("confirmed")

    def changelist_view(self, request, extra_context=None):
        for calendar in Calendar.objects.filter(observe_holidays=True):
            warning = holiday_warning(calendar)
            if warning:
                messages.warning(request, f"{calendar.code}: {warning}")
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        calendar = self.get_object(request, object_id)
        warning = holiday_warning(calendar) if calendar else ""
        if warning and request.method == "GET":
            messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "calendar", "pause_on_third_party", "near_breach_percent", "reassign_on_breach")
    inlines = [SlaTargetInline]


@admin.register(DepartmentClock)
class DepartmentClockAdmin(admin.ModelAdmin):
    list_display = ("department", "calendar", "target_minutes")


class PlaybookStepInline(admin.TabularInline):
    model = PlaybookStep
    extra = 0


@admin.register(ExceptionType)
class ExceptionTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "family", "default_department", "default_severity", "sla_policy", "active")
    list_filter = ("family", "default_department", "default_severity", "active")
    search_fields = ("code", "name_zh", "name_en")
    inlines = [PlaybookStepInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseStepInline(admin.TabularInline):
    model = CaseStep
    extra = 0
    can_delete = False
    fields = ("position", "title_zh", "role", "required", "status", "due_at", "done_at", "done_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    can_delete = False
    fields = ("at", "actor_name", "kind", "from_status", "to_status", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "status", "severity", "department", "assignee", "escalation_level", "order_no",
                    "found_at", "resolve_due_at", "breached_at")
    list_filter = ("status", "severity", "department", "type__family", "escalation_level")
    search_fields = ("=order_no", "subject_key", "title")
    list_select_related = ("type", "department", "assignee")
    inlines = [CaseStepInline, TimelineInline]
    date_hierarchy = "found_at"
    show_full_result_count = False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("id", "exception_type", "key", "title", "status", "owner", "opened_at")
    list_filter = ("status", "exception_type")
    fields = ("exception_type", "key", "title", "status", "owner", "opened_at", "resolved_at")
    readonly_fields = ("exception_type", "key", "opened_at", "resolved_at")

    def has_add_permission(self, request):
        return False


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ("case", "at", "actor_name", "kind", "from_status", "to_status", "message")
    list_filter = ("kind",)
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "rule_code", "summary", "content_type", "found_at")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "message", "created_at", "read_at")
