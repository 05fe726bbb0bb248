"""Detection's tables: the stored rules (editable parameters), their per-shop/per-platform overrides,
each periodic rule's scan watermark, and the finding log.

A `Finding` is one firing of one rule on one subject (an order, a parcel, a SKU, a shop ...). It is the
de-duplication key (the same firing seen again — replayed events, a second scan — changes nothing) and the
list of conditions that are still true (`active`), which is what clearing re-checks.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    ON_EVENT = "on_event", _("On event")
    PERIODIC = "periodic", _("Periodic")


class FindingLevel(models.TextChoices):
    FINDING = "finding", _("Finding")
    WARNING = "warning", _("Warning")
    ESCALATION = "escalation", _("Escalation")


class Rule(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    type_code = models.CharField(
        _("type code"), max_length=64, help_text=_("Exception type the rule opens cases of")
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(
        _("parameters"), default=dict, blank=True, help_text=_("Parameters; missing keys take the defaults")
    )
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["code"]

    def __str__(self):
        return self.code


class RuleOverride(models.Model):
    """Parameters that differ for one shop or one platform (a shop override wins over its platform's)."""

    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="overrides")
    shop = models.ForeignKey(
        "orders.Shop", verbose_name=_("shop"), null=True, blank=True, on_delete=models.CASCADE
    )
    platform = models.CharField(_("platform"), max_length=20, blank=True)
    params = models.JSONField(_("parameters"), default=dict)

    class Meta:
        verbose_name = _("rule override")
        verbose_name_plural = _("rule overrides")
        constraints = [
            models.CheckConstraint(
                condition=(Q(shop__isnull=False) & Q(platform="")) | (Q(shop__isnull=True) & ~Q(platform="")),
                name="rule_override_shop_xor_platform",
            ),
            models.UniqueConstraint(fields=["rule", "shop"], condition=Q(shop__isnull=False),
                                    name="rule_override_unique_shop"),
            models.UniqueConstraint(fields=["rule", "platform"], condition=~Q(platform=""),
                                    name="rule_override_unique_platform"),
        ]

    def __str__(self):
        return f"{self.rule_id} @ {self.shop or self.platform}"


class RuleChange(models.Model):
    """One edit of a rule: who, when, which scope (the rule itself, one shop or one platform), each changed
    key's old and new value, and why. Written only by `actions.change_rule`, never changed afterwards."""

    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="changes")
    shop_code = models.CharField(
        _("shop code"), max_length=64, blank=True, help_text=_("The shop whose override changed")
    )
    platform = models.CharField(
        _("platform"), max_length=20, blank=True, help_text=_("The platform whose override changed")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, help_text=_("User or API token name"))
    old = models.JSONField(
        _("old values"), default=dict,
        help_text=_("Changed keys before the edit (null: not set in this scope)"),
    )
    new = models.JSONField(_("new values"), default=dict, help_text=_("Changed keys after the edit"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes")
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["rule", "changed_at"], name="rule_change_rule_at")]

    def __str__(self):
        return f"{self.rule_id} {self.changed_at:%Y-%m-%d %H:%M} {self.actor_name}"

    @property
    def scope(self) -> str:
        return f"shop:{self.shop_code}" if self.shop_code else f"platform:{self.platform}" if self.platform else ""


class RulesVersion(models.Model):
    """One row whose token changes whenever a rule or an override is saved or deleted (signals in apps.py):
    how a process knows the rule parameters it keeps in memory are still what the database holds."""

    token = models.CharField(_("token"), max_length=32)

    class Meta:
        verbose_name = _("rules version")
        verbose_name_plural = _("rules versions")

    def __str__(self):
        return self.token


class RuleState(models.Model):
    """How far a periodic rule has scanned: the next pass only looks at what became due after this."""

    rule = models.OneToOneField(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="state")
    scanned_until = models.DateTimeField(_("scanned until"), null=True, blank=True)
    last_pass_at = models.DateTimeField(_("last pass at"), null=True, blank=True)
    last_pass_seconds = models.FloatField(_("last pass seconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule state")
        verbose_name_plural = _("rule states")

    def __str__(self):
        return gettext("%(rule)s scanned until %(until)s") % {"rule": self.rule_id, "until": self.scanned_until}


class HistoryImport(models.Model):
    """A history import (`ordex import --history`, or a backfill pushed to `POST /api/v1/events` with
    `"backfill"`): while it runs, the periodic rules follow the stream's clock instead of the wall clock and
    the cases its findings would open wait; when it finishes they are settled — conditions that ended before
    the end of the import are recorded as closed historical cases, those still true open live cases."""

    key = models.CharField(
        _("key"), max_length=120, unique=True, help_text=_("The backfill's id, or file:<name>:<start>")
    )
    source = models.CharField(_("source"), max_length=10, help_text=_("file or http"))
    scan_minutes = models.PositiveIntegerField(
        _("scan minutes"), default=15,
        help_text=_("Replay the periodic rules every N minutes of the stream's time"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    clock = models.DateTimeField(
        _("clock"), null=True, blank=True, help_text=_("The newest occurred_at applied so far")
    )
    scanned_until = models.DateTimeField(
        _("scanned until"), null=True, blank=True, help_text=_("The last replayed scan moment")
    )
    active_at = models.DateTimeField(
        _("active at"), default=timezone.now, help_text=_("When its last events were applied")
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    historical_cases = models.PositiveIntegerField(_("historical cases"), default=0)
    live_cases = models.PositiveIntegerField(_("live cases"), default=0)

    class Meta:
        verbose_name = _("history import")
        verbose_name_plural = _("history imports")
        indexes = [models.Index(fields=["finished_at"], condition=Q(finished_at__isnull=True),
                                name="history_import_running")]

    def __str__(self):
        return self.key


class Finding(models.Model):
    rule_code = models.CharField(_("rule code"), max_length=64)
    type_code = models.CharField(_("type code"), max_length=64)
    level = models.CharField(
        _("level"), max_length=12, choices=FindingLevel.choices, default=FindingLevel.FINDING
    )
    subject_key = models.CharField(
        _("subject key"), max_length=260, help_text=_("order:<no>, sku:<sku>, shop:<code>, ...")
    )
    occurrence = models.CharField(
        _("occurrence"), max_length=60, blank=True,
        help_text=_("Tells apart repeated firings on one subject (e.g. a second stall)"),
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    shipment = models.ForeignKey(
        "orders.Shipment", verbose_name=_("shipment"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    refund = models.ForeignKey(
        "orders.Refund", verbose_name=_("refund"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    found_at = models.DateTimeField(_("found at"))
    basis_at = models.DateTimeField(
        _("measured from"), null=True, blank=True, help_text=_("The time the condition was measured from")
    )
    summary = models.TextField(_("summary"))
    facts = models.JSONField(_("facts"), default=dict)
    active = models.BooleanField(_("active"), default=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    clear_summary = models.TextField(_("clearing summary"), blank=True)
    withdrawn_at = models.DateTimeField(
        _("withdrawn at"), null=True, blank=True,
        help_text=_("When (by occurred_at) a late event showed the condition never held"))
    withdraw_summary = models.TextField(_("withdrawal summary"), blank=True)
    case_id = models.BigIntegerField(_("case ID"), null=True, blank=True)
    case_created = models.BooleanField(_("case created"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = models.ForeignKey(
        HistoryImport, verbose_name=_("history"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="findings",
        help_text=_("Found by this history import: its case is settled when the import ends"),
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(fields=["rule_code", "subject_key", "occurrence"], name="finding_unique_firing"),
        ]
        indexes = [
            models.Index(fields=["rule_code", "found_at"]),
            models.Index(fields=["rule_code"], condition=Q(active=True), name="finding_active_rule"),
            models.Index(fields=["order"], condition=Q(active=True), name="finding_active_order"),
            models.Index(fields=["shipment"], condition=Q(active=True), name="finding_active_shipment"),
            models.Index(fields=["subject_key"], condition=Q(active=True), name="finding_active_subject"),
            models.Index(fields=["sku"], condition=Q(active=True), name="finding_active_sku"),
        ]

    def __str__(self):
        return f"{self.rule_code} {self.subject_key} {self.found_at:%Y-%m-%d %H:%M}"


class Heartbeat(models.Model):
    """Every heartbeat detection has seen, by component: a late beat is judged against its neighbours in
    `occurred_at` order (the gap it splits), not against the newest beat seen so far."""

    component = models.CharField(_("component"), max_length=100)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        constraints = [models.UniqueConstraint(fields=["component", "at"], name="heartbeat_unique_beat")]

    def __str__(self):
        return f"{self.component} {self.at}"


class HeartbeatMark(models.Model):
    """The latest heartbeat detection has seen per component, so a gap is found when the next beat arrives."""

    component = models.CharField(_("component"), max_length=100, unique=True)
    last_at = models.DateTimeField(_("last heartbeat at"))

    class Meta:
        verbose_name = _("heartbeat mark")
        verbose_name_plural = _("heartbeat marks")

    def __str__(self):
        return f"{self.component} {self.last_at}"


class SkuQtyDay(models.Model):
    """How many orders bought a SKU in a given quantity on a day: the history behind 'the SKU's 30-day
    median qty per order', kept as a small histogram so the median costs one indexed read per chunk."""

    sku = models.CharField(_("SKU"), max_length=100)
    day = models.DateField(_("day"))
    qty = models.PositiveIntegerField(_("quantity"))
    orders = models.PositiveIntegerField(_("orders"), default=0)

    class Meta:
        verbose_name = _("SKU quantity per day")
        verbose_name_plural = _("SKU quantities per day")
        constraints = [models.UniqueConstraint(fields=["sku", "day", "qty"], name="sku_qty_day_unique")]

    def __str__(self):
        return f"{self.sku} {self.day} ×{self.qty}: {self.orders}"


class LateCheck(models.Model):
    """Something late-arriving history touched behind a periodic rule's watermark (an order created, a parcel
    shipped, a refund requested ... whose limit had already passed when its events arrived). A rule's
    incremental pass only reads what became due since its previous pass, so it would never see these: its
    next pass evaluates them over the whole stored history, then drops them from this queue."""

    rule_code = models.CharField(_("rule code"), max_length=64)
    target = models.CharField(
        _("target"), max_length=120,
        help_text=_("Primary key of the order/parcel/refund, or a key (payment method)"),
    )
    due_at = models.DateTimeField(
        _("due at"), help_text=_("When the condition became due (its event time + the rule's limit)")
    )
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("late check")
        verbose_name_plural = _("late checks")
        indexes = [models.Index(fields=["rule_code", "due_at"])]

    def __str__(self):
        return f"{self.rule_code} {self.target}"
