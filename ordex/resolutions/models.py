"""Tables of the resolutions app: configuration (approval limits, which actions each resolution means,
platform compensation rules, each shop's commerce adapter) and the actions, the append-only ledger and the
webhook outbox.

Rows change only through `ordex.resolutions.actions` (configuration also through the admin)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordex.accounts.models import Role
from ordex.cases.models import Case
from ordex.orders.choices import Platform
from ordex.orders.models import Order, Shop

from .choices import ActionKind, ActionStatus, Adapter, ClaimStatus, Direction, LedgerKind, OutboxStatus

MONEY = {"max_digits": 12, "decimal_places": 2}


class ApprovalLimit(models.Model):
    """How much money (cash out and coupons) one case may commit on a role's word alone. An action that
    takes the case above the requester's limit waits for someone whose limit covers it."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    per_case = models.DecimalField(
        _("per case"), **MONEY, null=True, blank=True, help_text=_("Empty: no limit")
    )

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        ordering = ["per_case"]

    def __str__(self):
        return f"{self.role} ≤ {self.per_case if self.per_case is not None else '∞'}"


class ResolutionKind(models.Model):
    """Which action kinds a case resolution means (`refund` → refund; `compensation` → compensation or
    coupon). The kinds a case may request are those of its type's allowed resolutions."""

    resolution = models.CharField(_("resolution code"), max_length=40, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("The first kind is the one a choice creates")
    )

    class Meta:
        verbose_name = _("resolution kind")
        verbose_name_plural = _("resolution kinds")
        ordering = ["resolution", "position"]
        constraints = [models.UniqueConstraint(fields=["resolution", "kind"], name="resolution_kind_unique")]

    def __str__(self):
        return f"{self.resolution} → {self.kind}"


class PlatformRule(models.Model):
    """A platform's own rule for a compensation, offered to the agent as a suggestion with its source."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    exception_type = models.CharField(
        _("exception type"), max_length=60, help_text=_("Exception type code the rule is about")
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ActionKind.choices, default=ActionKind.COMPENSATION
    )
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, help_text=_("Percent of the order's paid amount")
    )
    minimum = models.DecimalField(_("minimum"), **MONEY, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), **MONEY, null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, help_text=_("Where the rule comes from"))

    class Meta:
        verbose_name = _("platform rule")
        verbose_name_plural = _("platform rules")
        ordering = ["platform", "exception_type"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "exception_type", "kind"], name="platform_rule_unique")
        ]

    def __str__(self):
        return f"{self.platform} {self.exception_type}: {self.percent}%"


class CommerceSettings(models.Model):
    """How a shop's actions are carried out. The row without a shop holds the defaults."""

    shop = models.OneToOneField(
        Shop, verbose_name=_("shop"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    adapter = models.CharField(_("adapter"), max_length=10, choices=Adapter.choices, default=Adapter.LEDGER)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    # The webhook secret is derived from SECRET_KEY and this salt; only its first characters are kept.
    secret_salt = models.CharField(_("secret salt"), max_length=64, blank=True, editable=False)
    secret_hint = models.CharField(_("secret hint"), max_length=12, blank=True, editable=False)
    postage_allowance = models.DecimalField(
        _("postage allowance"), **MONEY, default=Decimal("0.00"),
        help_text=_("Cash an order may pay out beyond what it paid (return postage)"),
    )
    reconcile_with_events = models.BooleanField(
        _("reconcile with events"), default=False,
        help_text=_("The merchant sends refund.completed / shipment.created for what Ordex asks")
    )
    confirm_within_hours = models.PositiveIntegerField(
        _("confirm within hours"), default=72,
        help_text=_("A done action with no matching event after this long becomes a finding")
    )

    class Meta:
        verbose_name = _("commerce settings")
        verbose_name_plural = _("commerce settings")

    def __str__(self):
        shop = self.shop or _("default")  # outside the f-string, where makemessages finds it
        return f"{shop}: {self.adapter}"


class Action(models.Model):
    """A money or goods action decided on a case: who asked, why, which lines, how much, and where it is."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="resolution_actions"
    )
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.REQUESTED
    )
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0.00"))
    lines = models.JSONField(
        _("lines"), default=list, blank=True, help_text=_("[{line_no, sku, qty, unit_price}]")
    )
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    request_hash = models.CharField(
        _("request hash"), max_length=64, help_text=_("SHA-256 of the request; a reused key must match it")
    )
    adapter = models.CharField(_("adapter"), max_length=10, choices=Adapter.choices, default=Adapter.LEDGER)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    requested_by_name = models.CharField(_("requested by name"), max_length=150)
    requested_role = models.CharField(_("requested role"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    approved_by_name = models.CharField(_("approved by name"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    executing_at = models.DateTimeField(_("executing at"), null=True, blank=True)
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, help_text=_("When it became done, failed or cancelled")
    )
    ended_by_name = models.CharField(_("ended by name"), max_length=150, blank=True)
    outcome_reason = models.TextField(
        _("outcome reason"), blank=True, help_text=_("Why it failed, was rejected or cancelled")
    )
    confirmed_by = models.CharField(
        _("confirmed by"), max_length=20, blank=True, help_text=_("staff, callback or event")
    )
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("The merchant's refund or shipment number")
    )

    override_reason = models.TextField(_("override reason"), blank=True)
    override_by_name = models.CharField(_("override by name"), max_length=150, blank=True)

    goods_cost = models.DecimalField(
        _("goods cost"), **MONEY, default=Decimal("0.00"), help_text=_("Reshipped goods at cost")
    )
    postage = models.DecimalField(_("postage"), **MONEY, default=Decimal("0.00"))
    claim_status = models.CharField(_("claim status"), max_length=10, choices=ClaimStatus.choices, blank=True)
    recovered_amount = models.DecimalField(_("recovered amount"), **MONEY, default=Decimal("0.00"))
    findings_checked_at = models.DateTimeField(_("findings checked at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["case", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "idempotency_key"], name="action_unique_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["case", "status"], name="action_case_status"),
            models.Index(fields=["order", "status"], name="action_order_status"),
            models.Index(fields=["ended_at"], condition=Q(status="done", findings_checked_at__isnull=True),
                         name="action_done_unchecked"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.amount} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.REQUESTED, ActionStatus.APPROVED, ActionStatus.EXECUTING)


class AppendOnlyError(Exception):
    """Ledger lines are history: a correction is a new line, never a change to an old one."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("ledger lines cannot be updated")

    def delete(self):
        raise AppendOnlyError("ledger lines cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("ledger lines cannot be updated")


class LedgerLine(models.Model):
    """One money movement: order, case, action, kind, amount, direction, who, when. Append-only."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="ledger_lines",
    )
    action = models.ForeignKey(
        Action, verbose_name=_("action"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="ledger_lines",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LedgerKind.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    idempotency_key = models.CharField(_("idempotency key"), max_length=220)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150)
    at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        ordering = ["order", "at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "idempotency_key"], name="ledger_unique_idempotency_key"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="ledger_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["case", "at"], name="ledger_case_at")]

    def __str__(self):
        sign = "-" if self.direction == Direction.OUT else "+"
        return f"{self.order_id} {self.kind} {sign}{self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("ledger lines cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("ledger lines cannot be deleted")


class OutboxMessage(models.Model):
    """A signed request to the merchant's system, written in the same transaction as the approval it
    carries; the worker sends it after commit and retries it with exponential backoff."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="outbox"
    )
    url = models.URLField(_("URL"))
    body = models.TextField(_("body"), help_text=_("Exactly the bytes that are signed and sent"))
    status = models.CharField(
        _("status"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(
        _("claimed until"), null=True, blank=True, help_text=_("A worker is sending it until then")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_due")]

    def __str__(self):
        return gettext("Outbox message #%(message)s for action #%(action)s (%(status)s)") % {
            "message": self.pk, "action": self.action_id, "status": self.status}


class CallbackReceipt(models.Model):
    """A merchant callback already accepted: the same signature again is a replay and is refused."""

    shop_code = models.CharField(_("shop code"), max_length=64)
    signature = models.CharField(_("signature"), max_length=64)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("callback receipt")
        verbose_name_plural = _("callback receipts")
        constraints = [models.UniqueConstraint(fields=["shop_code", "signature"], name="callback_unique_signature")]

    def __str__(self):
        return f"{self.shop_code} {self.received_at:%Y-%m-%d %H:%M:%S}"


class ReconcileCursor(models.Model):
    """How far reconciliation has read the hub's completed refunds."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    position = models.DateTimeField(_("position"))
    last_pk = models.BigIntegerField(_("last primary key"), default=0)

    class Meta:
        verbose_name = _("reconcile cursor")
        verbose_name_plural = _("reconcile cursors")

    def __str__(self):
        return gettext("%(name)s at %(position)s") % {"name": self.name, "position": self.position}
