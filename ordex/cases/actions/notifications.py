"""In-app notifications to users."""


from django.db import transaction
from django.utils import timezone

from ordex.core.errors import NotFound

from ..models import Notification


@transaction.atomic
def mark_notification_read(notification_id: int, *, user) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise NotFound("notification_not_found", f"notification {notification_id} does not exist")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_notifications_read(*, user) -> int:
    """Every unread notification of the user is read from now on; returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
