"""Tables of the notify app: message templates (data), the outbox of messages, the customer's self-service
links and the satisfaction survey of each case.

Rows change only through `ordex.notify.actions` (templates also through the admin)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordex.cases.models import Case, ExceptionType

from .choices import Channel, Language, MessageStatus, Moment, SurveyStatus


class ShopLanguage(models.Model):
    """The language a shop's customers are written to in. The inbound events carry no language of the
    customer; without a row, `ORDEX_CUSTOMER_LANGUAGE` (zh-hans) applies."""

    shop = models.OneToOneField(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)

    class Meta:
        verbose_name = _("shop language")
        verbose_name_plural = _("shop languages")

    def __str__(self):
        return f"{self.shop}: {self.get_language_display()}"


class MessageTemplate(models.Model):
    """What the customer reads at one moment of one exception type, in one language, on one channel.
    Written with Django template syntax over a fixed set of variables (docs/notify.md); nothing else is
    reachable from a template."""

    exception_type = models.ForeignKey(
        ExceptionType, verbose_name=_("exception type"), on_delete=models.CASCADE,
        related_name="message_templates",
    )
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True, help_text=_("Email only"))
    body = models.TextField(_("body"))
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Off: this moment is not sent for this type")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["exception_type", "moment", "language", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["exception_type", "moment", "language", "channel"],
                                    name="message_template_unique")
        ]

    def __str__(self):
        return f"{self.exception_type.code} · {self.moment} · {self.language} · {self.channel}"


class Message(models.Model):
    """One message to one recipient on one channel: the transactional outbox. Written in the transaction of
    the case change that causes it; sent by the worker after commit. `idempotency_key` is
    `<case>:<moment>:<channel>`, so a moment reaches a channel at most once whatever retries or crashes."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="messages")
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    details = models.JSONField(
        _("details"), default=dict, blank=True,
        help_text=_("Facts of the moment the case does not hold (refund amount, tracking number)"),
    )
    segments = models.PositiveSmallIntegerField(_("segments"), default=0, help_text=_("SMS segments billed"))
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(
        _("claimed until"), null=True, blank=True, help_text=_("A worker holds the message until then")
    )
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider ID"), max_length=120, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    status_at = models.DateTimeField(
        _("status at"), null=True, blank=True, help_text=_("When the status last changed")
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["case", "created_at", "pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status__in=["queued", "sending"]),
                         name="message_due"),
            models.Index(fields=["recipient", "channel", "sent_at"], name="message_recipient_sent"),
        ]

    def __str__(self):
        return self.idempotency_key


class CustomerLink(models.Model):
    """A self-service link to one case. The URL carries this row's id and nonce, signed; revoking or
    expiring the row kills every copy of the link."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="customer_links"
    )
    nonce = models.CharField(_("nonce"), max_length=40)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")
        ordering = ["case", "-created_at"]

    def __str__(self):
        return gettext("Link %(link)s to case #%(case)s") % {"link": self.pk, "case": self.case_id}

    def usable(self, at) -> bool:
        return self.revoked_at is None and at < self.expires_at


class Survey(models.Model):
    """The satisfaction survey of one resolved case, and its answer: the CSAT row reports read, with the
    case's type, resolution, department and agent as they were when it resolved."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="survey")
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    no_answer_at = models.DateTimeField(_("no answer at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    type_code = models.CharField(_("type code"), max_length=60)
    resolution = models.CharField(_("resolution code"), max_length=40, blank=True)
    department_code = models.CharField(_("department code"), max_length=40, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up_case = models.ForeignKey(
        Case, verbose_name=_("follow-up case"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                                   name="survey_score_1_to_5"),
        ]
        indexes = [models.Index(fields=["sent_at"], condition=Q(status="sent"), name="survey_waiting")]

    def __str__(self):
        return gettext("Survey of case #%(case)s: %(result)s") % {"case": self.case_id, "result": self.score or self.status}
