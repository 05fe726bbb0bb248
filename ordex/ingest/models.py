from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """Every accepted inbound event, stored as received, so history can be replayed.

    `event_id` is the integrator's idempotency key: a second event with the same id is a duplicate.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        WAITING = "waiting", _("Waiting for its order or parcel")

    event_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    source = models.CharField(max_length=40, help_text="http, file, kuaidi100, aftership, ...")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    envelope = models.TextField(help_text="The event as received (JSON)")

    class Meta:
        indexes = [models.Index(fields=["occurred_at"]), models.Index(fields=["type", "occurred_at"])]

    def __str__(self):
        return f"{self.type} {self.event_id}"
