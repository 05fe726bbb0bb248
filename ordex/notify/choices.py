"""Every status set of the notify app, once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Moment(models.TextChoices):
    """When the customer hears from us."""

    OPENED = "opened", _("case opened")
    CHOICE_OFFERED = "choice_offered", _("choice offered")
    CHOICE_REMINDER = "choice_reminder", _("choice reminder")
    DEFAULT_APPLIED = "default_applied", _("default applied")
    REFUND_SENT = "refund_sent", _("refund sent")
    RESHIP_DISPATCHED = "reship_dispatched", _("reship dispatched")
    RESOLVED = "resolved", _("resolved")
    SURVEY = "survey", _("survey")


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("merchant webhook")
    IN_APP = "in_app", _("in-app (case timeline)")


# Channels whose text comes from a template; the webhook carries the SMS text in a structured body.
TEMPLATE_CHANNELS = (Channel.EMAIL, Channel.SMS)


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed (provider report)")
    DEAD = "dead", _("dead (gave up)")
    SKIPPED = "skipped", _("skipped")


# A message in one of these will not be attempted again.
FINAL_STATUSES = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED,
                            MessageStatus.DEAD, MessageStatus.SKIPPED})


class SurveyStatus(models.TextChoices):
    SENT = "sent", _("sent")
    ANSWERED = "answered", _("answered")
    NO_ANSWER = "no_answer", _("no answer")
