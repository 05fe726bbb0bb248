"""The queue: the cases a person may see, soonest deadline first, filtered by what is in the URL."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import mask_name, mask_phone
from ordex.cases import queries
from ordex.orders.queries import order_receivers

from ..forms import QueueFilterForm
from .common import page, principal

PAGE_SIZE = 50
# Saved views: a name and the filters it stands for (the URL it links to carries them).
SAVED_VIEWS = [
    ("mine", _("Mine"), {"assignee": "me"}),
    ("department", _("My department"), {"department": None}),
    ("breached", _("Breached"), {"breached": "1"}),
    ("unassigned", _("Unassigned"), {"assignee": "none"}),
]


def _saved_views(request, who):
    views = []
    for key, label, params in SAVED_VIEWS:
        params = {name: (value if value is not None else who.department_code) for name, value in params.items()}
        if any(value is None for value in params.values()):
            continue
        current = all(request.GET.get(name) == value for name, value in params.items())
        query = "&".join(f"{name}={value}" for name, value in params.items())
        views.append({"key": key, "label": label, "query": query, "current": current})
    return views


def _masked_customer(receiver: tuple[str, str] | None) -> str:
    if receiver is None:
        return ""
    name, phone = receiver
    return mask_name(name) or mask_phone(phone) or ""


def _rows(cases, now):
    receivers = order_receivers([case.order_id for case in cases if case.order_id])
    return [
        {
            "case": case,
            "sla": queries.sla_view(case, now),
            # The queue never shows personal data: the case page reveals it, audited, to roles that may see it.
            "customer": _masked_customer(receivers.get(case.order_id)),
            "order_nos": [link.order_no for link in case.case_orders.all()],
        }
        for case in cases
    ]


@page()
def queue(request):
    who = principal(request)
    form = QueueFilterForm(request.GET)
    form.is_valid()
    number = form.page_number
    cases, count = queries.case_queue(who, form.filters(), limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    paginator = Paginator(range(count), PAGE_SIZE)
    page_obj = paginator.get_page(number)
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "queue",
        "form": form,
        "rows": _rows(cases, now),
        "count": count,
        "page_obj": page_obj,
        "filter_query": query.urlencode(),
        "saved_views": _saved_views(request, who),
        "now": now,
    }
    if request.htmx:
        return render(request, "web/_queue_rows.html", context)
    context["options"] = queries.queue_filter_options(who)
    return render(request, "web/queue.html", context)
