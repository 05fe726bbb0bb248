"""The case page: everything about one case, and the actions the caller may take on it."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from ordex.cases import queries
from ordex.core.errors import NotFound

from .common import page, principal


def _case_or_404(request, case_id: int):
    try:
        return queries.case_detail(principal(request), case_id)
    except NotFound as error:
        raise Http404(str(error)) from error


@page()
def case_page(request, case_id: int):
    case = _case_or_404(request, case_id)
    now = timezone.now()
    return render(request, "web/case.html", {"case": case, "sla": queries.sla_view(case, now), "now": now})
