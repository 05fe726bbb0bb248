"""Tables of the cases app: configuration (calendars, SLA policies, exception types and playbooks) and
the cases themselves with their steps, evidence, pauses, department clocks and append-only timeline.

Rows change only through `ordex.cases.actions` (configuration also through the admin)."""

from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordex.accounts.models import Department, Role
from ordex.orders.models import Order

from .calendar import BusinessCalendar
from .choices import (
    OPEN_STATUSES,
    CaseStatus,
    ChoiceSource,
    ChoiceStatus,
    EvidenceKind,
    Family,
    IncidentStatus,
    NotificationKind,
    Severity,
    StepStatus,
    TimelineKind,
)

OPEN = Q(status__in=sorted(OPEN_STATUSES))
# A case is open exactly while `ended_at` is empty (set on resolve/reject, cleared on reopen).
UNENDED = Q(ended_at__isnull=True)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Calendar(models.Model):
    """Working hours per weekday, Chinese holidays on or off, and per-date overrides; builds a BusinessCalendar."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    observe_holidays = models.BooleanField(
        _("observe holidays"), default=False,
        help_text=_("Chinese public holidays are off and make-up working days (调休) are worked")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")

    def __str__(self):
        return f"{self.name_zh} ({self.code})"

    def build(self) -> BusinessCalendar:
        """The pure calendar. Two queries (hours, overrides)."""
        week: dict[int, list[tuple[time, time]]] = {}
        for row in self.hours.all():
            week.setdefault(row.weekday, []).append((row.start, row.end))
        overrides: dict = {}
        for row in self.overrides.all():
            day = overrides.setdefault(row.date, [])
            if row.start is not None and row.end is not None:
                day.append((row.start, row.end))
        return BusinessCalendar(
            tz=self.time_zone, hours=week, observe_holidays=self.observe_holidays, overrides=overrides
        )

    def touch(self) -> None:
        Calendar.objects.filter(pk=self.pk).update(updated_at=timezone.now())


class CalendarHours(models.Model):
    """One working interval on a weekday; an end of 00:00 means midnight at the end of the day."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("calendar hours")
        ordering = ["calendar", "weekday", "start"]
        verbose_name_plural = _("calendar hours")

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.calendar.touch()


class CalendarOverride(models.Model):
    """An admin decision for one local date: closed (no start/end) or open for the given interval.
    Several rows on one date give several intervals."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="overrides"
    )
    date = models.DateField(_("date"))
    start = models.TimeField(
        _("start"), null=True, blank=True, help_text=_("Empty start and end: the day is closed")
    )
    end = models.TimeField(_("end"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["calendar", "date", "start"]

    def __str__(self):
        if self.start is None:
            return gettext("%(date)s closed") % {"date": self.date}
        return f"{self.date} {self.start:%H:%M}-{self.end:%H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.calendar.touch()


class SlaPolicy(models.Model):
    """Targets per severity on a named calendar, and how the clock behaves."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="sla_policies"
    )
    pause_on_third_party = models.BooleanField(
        _("pause on third party"), default=False,
        help_text=_("The clock also stops while the case waits for a third party (carrier, platform)")
    )
    near_breach_percent = models.PositiveSmallIntegerField(_("near breach percent"), default=80)
    reassign_on_breach = models.BooleanField(
        _("reassign on breach"), default=False,
        help_text=_("On breach, hand the case to another available member of the department")
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self):
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="targets"
    )
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response minutes"))
    resolution_minutes = models.PositiveIntegerField(_("resolution minutes"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [models.UniqueConstraint(fields=["policy", "severity"], name="sla_target_unique_severity")]
        ordering = ["policy", "severity"]

    def __str__(self):
        return gettext("%(severity)s: respond in %(response)s min, resolve in %(resolution)s min") % {
            "severity": self.severity, "response": self.first_response_minutes, "resolution": self.resolution_minutes}

    @property
    def first_response(self) -> timedelta:
        return timedelta(minutes=self.first_response_minutes)

    @property
    def resolution(self) -> timedelta:
        return timedelta(minutes=self.resolution_minutes)


class DepartmentClock(models.Model):
    """A department's internal target for the time it holds a case, on its own calendar."""

    department = models.OneToOneField(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="clock"
    )
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    target_minutes = models.PositiveIntegerField(_("target minutes"))

    class Meta:
        verbose_name = _("department clock")
        verbose_name_plural = _("department clocks")

    def __str__(self):
        return gettext("%(department)s: %(minutes)s min on calendar %(calendar)s") % {
            "department": self.department.code, "minutes": self.target_minutes, "calendar": self.calendar.code}


class ExceptionType(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    family = models.CharField(_("family"), max_length=20, choices=Family.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120)
    description = models.TextField(_("description"), blank=True, help_text=_("How it is found"))
    default_department = models.ForeignKey(
        Department, verbose_name=_("default department"), on_delete=models.PROTECT, related_name="+"
    )
    default_severity = models.CharField(
        _("default severity"), max_length=2, choices=Severity.choices, default=Severity.P3
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="exception_types"
    )
    allowed_resolutions = models.JSONField(
        _("allowed resolutions"), default=list, help_text=_("Resolution codes, in the order offered")
    )
    default_resolution = models.CharField(
        _("default resolution"), max_length=40, blank=True,
        help_text=_("Applied when the customer does not choose before the deadline")
    )
    choice_deadline_hours = models.PositiveIntegerField(_("choice deadline hours"), default=48)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("exception type")
        verbose_name_plural = _("exception types")
        ordering = ["family", "code"]

    def __str__(self):
        return f"{self.name_zh} ({self.code})"


class PlaybookStep(models.Model):
    """A step of an exception type's playbook; copied onto each case when it opens."""

    exception_type = models.ForeignKey(
        ExceptionType, verbose_name=_("exception type"), on_delete=models.CASCADE, related_name="playbook"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    required = models.BooleanField(_("required step"), default=True)

    class Meta:
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")
        ordering = ["exception_type", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exception_type", "position"], name="playbook_step_unique_position")
        ]

    def __str__(self):
        return f"{self.position}. {self.title_zh}"


class Incident(models.Model):
    """One cause behind many cases (a SKU priced wrong, a carrier hub stalled, a channel down)."""

    exception_type = models.ForeignKey(
        ExceptionType, verbose_name=_("exception type"), on_delete=models.PROTECT, related_name="incidents"
    )
    key = models.CharField(_("key"), max_length=200)
    title = models.CharField(_("title"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [models.UniqueConstraint(fields=["exception_type", "key"], name="incident_unique_key")]

    def __str__(self):
        return self.title or f"{self.exception_type.code}:{self.key}"


class Case(models.Model):
    type = models.ForeignKey(
        ExceptionType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    order = models.ForeignKey(
        Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    order_no = models.CharField(
        _("order number"), max_length=100, blank=True, db_index=True,
        help_text=_("The primary order's number"),
    )
    subject_key = models.CharField(
        _("subject key"), max_length=200, blank=True,
        help_text=_("What the case is about when there is no order"),
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="cases",
    )
    title = models.CharField(_("title"), max_length=300)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    opened_by_rule = models.CharField(
        _("opened by rule"), max_length=80, db_index=True, help_text=_("Rule code, or 'manual'")
    )

    found_at = models.DateTimeField(
        _("found at"), help_text=_("When the exception was found (event occurred_at or scan as_of)")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    touched_at = models.DateTimeField(
        _("touched at"), null=True, blank=True, help_text=_("First action by a person")
    )

    # SLA clock. Started at found_at (restarted on reopen); due times are recomputed when a pause ends.
    sla_started_at = models.DateTimeField(_("SLA started at"))
    sla_paused = models.BooleanField(_("SLA paused"), default=False)
    response_due_at = models.DateTimeField(_("response due at"))
    resolve_due_at = models.DateTimeField(_("resolve due at"))
    near_breach_due_at = models.DateTimeField(_("near breach due at"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    response_breached_at = models.DateTimeField(_("response breached at"), null=True, blank=True)
    near_breach_at = models.DateTimeField(_("near breach at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    breach_department = models.ForeignKey(
        Department, verbose_name=_("breach department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("The department that held the case when its resolution time ran out"),
    )

    chosen_resolution = models.CharField(_("chosen resolution"), max_length=40, blank=True)
    resolution = models.CharField(_("resolution code"), max_length=40, blank=True)
    outcome_reason = models.TextField(
        _("outcome reason"), blank=True, help_text=_("Why it was resolved or rejected")
    )
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True,
        help_text=_("When it was resolved or rejected; empty exactly while the case is open")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            # At most one open case per order + type (and per subject + type when there is no order).
            models.UniqueConstraint(
                fields=["order", "type"], condition=OPEN & Q(order__isnull=False), name="case_one_open_per_order_type"
            ),
            models.UniqueConstraint(
                fields=["subject_key", "type"],
                condition=OPEN & Q(order__isnull=True) & ~Q(subject_key=""),
                name="case_one_open_per_subject_type",
            ),
        ]
        # Indexes for the queues and the SLA scan are partial on `ended_at IS NULL` (= open), not on the
        # status list: SQLite uses a partial index only when the query repeats its condition literally,
        # and a status IN (...) list is sent as parameters.
        indexes = [
            # department is in the key so that counting a person's queue (department staff see their
            # department's cases) reads the index alone.
            models.Index(
                fields=["assignee", "department", "resolve_due_at", "id"], condition=UNENDED,
                name="case_open_assignee_dept_due",
            ),
            models.Index(fields=["department", "resolve_due_at", "id"], condition=UNENDED, name="case_open_department_due"),
            models.Index(
                fields=["department", "resolve_due_at", "id"],
                condition=UNENDED & Q(breached_at__isnull=False),
                name="case_breached_department_due",
            ),
            models.Index(fields=["status", "resolve_due_at", "id"], name="case_status_due"),
            # The queue of those who see every department (supervisors, admins), with its saved views and
            # filters, each read in deadline order from an index instead of sorting every open case.
            models.Index(fields=["resolve_due_at", "id"], condition=UNENDED, name="case_open_due"),
            models.Index(
                fields=["resolve_due_at", "id"], condition=UNENDED & Q(breached_at__isnull=False),
                name="case_open_breached_due",
            ),
            models.Index(
                fields=["resolve_due_at", "id"],
                condition=UNENDED & Q(near_breach_at__isnull=False, breached_at__isnull=True),
                name="case_open_near_breach_due",
            ),
            models.Index(fields=["severity", "resolve_due_at", "id"], condition=UNENDED, name="case_open_severity_due"),
            models.Index(fields=["type", "resolve_due_at", "id"], condition=UNENDED, name="case_open_type_due"),
            models.Index(
                fields=["near_breach_due_at"],
                condition=UNENDED & Q(near_breach_at__isnull=True),
                name="case_sla_near_scan",
            ),
            models.Index(
                fields=["resolve_due_at"],
                condition=UNENDED & Q(breached_at__isnull=True),
                name="case_sla_breach_scan",
            ),
            models.Index(
                fields=["response_due_at"],
                condition=UNENDED & Q(responded_at__isnull=True, response_breached_at__isnull=True),
                name="case_sla_response_scan",
            ),
            models.Index(fields=["order", "type"], name="case_order_type"),
            models.Index(fields=["subject_key", "type"], name="case_subject_type"),
            models.Index(fields=["found_at"], name="case_found_at"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.type.code} {self.order_no or self.subject_key}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseOrder(models.Model):
    """An order the case is about. The primary order is linked too, so `order_nos` is one query."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="case_orders"
    )
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="+")
    order_no = models.CharField(_("order number"), max_length=100, db_index=True)

    class Meta:
        verbose_name = _("case order")
        verbose_name_plural = _("case orders")
        ordering = ["case", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "order"], name="case_order_unique")]

    def __str__(self):
        return self.order_no


class CaseStep(models.Model):
    """A playbook step as it stood when the case opened, and whether it was done."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    required = models.BooleanField(_("required step"), default=True)
    status = models.CharField(_("status"), max_length=8, choices=StepStatus.choices, default=StepStatus.OPEN)
    due_at = models.DateTimeField(
        _("due at"), null=True, blank=True,
        help_text=_("When the step must be done, if it has its own deadline"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="case_step_unique_position")]

    def __str__(self):
        return f"{self.position}. {self.title_zh} ({self.status})"


class CasePause(models.Model):
    """A stretch during which the case's SLA clocks were stopped (waiting on the customer / third party)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="pauses")
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case pause")
        verbose_name_plural = _("case pauses")
        ordering = ["case", "started_at"]

    def __str__(self):
        return f"{self.status} {self.started_at:%Y-%m-%d %H:%M} → {self.ended_at or '…'}"


class CaseDepartmentClock(models.Model):
    """The time one department held the case, against that department's internal target."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="department_clocks"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    target_minutes = models.PositiveIntegerField(_("target minutes"))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"))
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case department clock")
        verbose_name_plural = _("case department clocks")
        ordering = ["case", "started_at"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(breached_at__isnull=True, ended_at__isnull=True), name="dept_clock_scan"
            )
        ]

    def __str__(self):
        return gettext("%(department)s from %(start)s") % {
            "department": self.department.code, "start": f"{self.started_at:%Y-%m-%d %H:%M}"}


class Evidence(models.Model):
    """A rule's finding (facts) or an uploaded file (image, PDF) supporting the case."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    rule_code = models.CharField(_("rule code"), max_length=80, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    found_at = models.DateTimeField(_("found at"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["case", "found_at", "pk"]

    def __str__(self):
        return self.summary or self.file.name


class CustomerChoice(models.Model):
    """Options offered to the customer with a deadline; the default resolution applies when it passes."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="choices")
    options = models.JSONField(_("options"))
    offered_at = models.DateTimeField(_("offered at"))
    deadline_at = models.DateTimeField(_("deadline at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ChoiceStatus.choices, default=ChoiceStatus.OPEN
    )
    chosen = models.CharField(_("chosen"), max_length=40, blank=True)
    chosen_at = models.DateTimeField(_("chosen at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ChoiceSource.choices, blank=True)

    class Meta:
        verbose_name = _("customer choice")
        verbose_name_plural = _("customer choices")
        ordering = ["case", "offered_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status=ChoiceStatus.OPEN), name="choice_one_open_per_case")
        ]
        # chosen_at is empty exactly while the choice is open.
        indexes = [models.Index(fields=["deadline_at"], condition=Q(chosen_at__isnull=True), name="choice_open_deadline")]

    def __str__(self):
        return gettext("%(options)s by %(deadline)s (%(status)s)") % {
            "options": ", ".join(self.options), "deadline": f"{self.deadline_at:%Y-%m-%d %H:%M}", "status": self.status}


class AppendOnlyError(Exception):
    """Timeline entries are history: they are never changed or removed."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("timeline entries cannot be updated")

    def delete(self):
        raise AppendOnlyError("timeline entries cannot be deleted")


class TimelineEntry(models.Model):
    """Who did what to a case, when, from which status to which, and why. Append-only."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(
        _("actor name"), max_length=150, help_text=_("User, token name, or 'system'")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline entry")
        ordering = ["case", "at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="timeline_case_at")]
        verbose_name_plural = _("timeline entries")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("timeline entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("timeline entries cannot be deleted")


class Notification(models.Model):
    """An in-app message to one user (supervisors hear of near-breaches and breaches)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.message


class RoundRobinCursor(models.Model):
    """The last user a department's automatic assignment picked; its row lock serialises assignment."""

    department = models.OneToOneField(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last user"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("round robin cursor")
        verbose_name_plural = _("round robin cursors")

    def __str__(self):
        return f"{self.department_id} → {self.last_user_id}"
