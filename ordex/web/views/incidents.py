"""Incidents: the open ones with their case counts and cause, and one incident's cases with the bulk actions
the API has (assign, transition, note), each case checked and changed on its own."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ordex.cases import actions, queries
from ordex.cases.access import access_incident
from ordex.cases.queries import CaseFilters
from ordex.core.errors import NotFound

from ..forms import BulkActionForm
from .common import page, principal

PAGE_SIZE = 50
# An incident page lists its cases on one page; bigger incidents are paged in the queue (?incident=<id>).
INCIDENT_CASES_SHOWN = 200


@page()
def incidents(request):
    show_all = request.GET.get("all") == "1"
    requested = request.GET.get("page", "")
    number = max(1, min(int(requested), 100_000)) if requested.isdigit() else 1
    rows, count = queries.incidents(unresolved=not show_all, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    paginator = Paginator(range(count), PAGE_SIZE)
    return render(request, "web/incidents.html", {
        "nav": "incidents", "incidents": rows, "count": count, "show_all": show_all,
        "page_obj": paginator.get_page(number),
    })


@page(methods=("GET", "POST"))
def incident_page(request, incident_id: int):
    who = principal(request)
    try:
        incident = access_incident(who, incident_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    cases, count = queries.case_queue(who, CaseFilters(incident=incident.pk), limit=INCIDENT_CASES_SHOWN)
    form = BulkActionForm(request.POST if request.method == "POST" else None, incident=incident, cases=cases,
                          assignees=queries.queue_filter_options(who)["assignees"])
    results = None
    if request.method == "POST" and form.is_valid():
        results = actions.bulk_on_incident(incident.pk, actor=who, **form.bulk_arguments())
        succeeded = sum(1 for result in results if result["ok"])
        if succeeded == len(results):
            messages.success(request, _("Done on all %(count)d cases.") % {"count": succeeded})
            return redirect("web:incident", incident_id=incident.pk)
        cases, count = queries.case_queue(who, CaseFilters(incident=incident.pk), limit=INCIDENT_CASES_SHOWN)
    now = timezone.now()
    return render(request, "web/incident.html", {
        "nav": "incidents", "incident": incident, "form": form, "results": results,
        "failed": [result for result in results or () if not result["ok"]],
        "rows": [{"case": case, "sla": queries.sla_view(case, now)} for case in cases], "count": count,
        "shown": INCIDENT_CASES_SHOWN, "now": now,
    })
