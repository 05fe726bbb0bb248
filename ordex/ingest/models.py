from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """Every accepted inbound event, stored as received, so history can be replayed.

    `event_id` is the integrator's idempotency key: a second event with the same id is a duplicate.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        WAITING = "waiting", _("Waiting for its order or parcel")

    event_id = models.CharField(_("event ID"), max_length=200, unique=True)
    type = models.CharField(_("type"), max_length=40)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    source = models.CharField(
        _("source"), max_length=40, help_text=_("http, file, kuaidi100, aftership, ...")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    envelope = models.TextField(_("envelope"), help_text=_("The event as received (JSON)"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["occurred_at"]), models.Index(fields=["type", "occurred_at"])]

    def __str__(self):
        return f"{self.type} {self.event_id}"
