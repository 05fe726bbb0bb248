"""The caller's in-app notifications (near breach, breach, department breach, assignment): newest first,
unread ones marked; opening one or "mark all read" marks them read."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from ordex.cases import actions, queries
from ordex.core.errors import NotFound

from .common import page

SHOWN = 100


@page()
def notifications(request):
    rows, unread = queries.notifications_of(request.user.pk, limit=SHOWN)
    return render(request, "web/notifications.html", {"nav": "notifications", "rows": rows, "unread": unread})


@page(methods=("POST",))
def read_notifications(request):
    """`id` marks that notification read and opens its case; without it every unread one is marked read."""
    notification_id = request.POST.get("id", "")
    if notification_id.isdigit():
        try:
            notification = actions.mark_notification_read(int(notification_id), user=request.user)
        except NotFound as error:
            raise Http404(str(error)) from error
        if notification.case_id:
            return redirect("web:case", case_id=notification.case_id)
    else:
        actions.mark_all_notifications_read(user=request.user)
    return redirect(reverse("web:notifications"))
