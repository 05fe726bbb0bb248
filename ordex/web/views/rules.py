"""Rules for supervisors and admins: each rule's parameters, per-shop/per-platform overrides, hit count,
false-positive rate and latest changes; admins change a parameter with a reason (recorded who/when/old/new)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ordex.accounts.models import Role
from ordex.core.errors import DomainError
from ordex.detection import actions, queries
from ordex.detection.access import RULES_PAGE_ROLES, may_edit_rules

from ..forms import RuleEditForm
from .common import page, principal


@page(roles=RULES_PAGE_ROLES)
def rules(request):
    return render(request, "web/rules.html", {
        "nav": "rules", "rules": queries.rules_page(), "may_edit": may_edit_rules(principal(request)),
    })


@page(roles={Role.ADMIN}, methods=("GET", "POST"))
def rule_edit(request, code: str):
    line = next((line for line in queries.rules_page([code])), None) if code else None
    if line is None:
        raise Http404(f"no rule {code!r}")
    form = RuleEditForm(request.POST if request.method == "POST" else None, line=line, scope=request.GET)
    if request.method == "POST" and form.is_valid():
        try:
            change = actions.change_rule(code, actor=principal(request), **form.change_arguments())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Rule %(code)s changed.") % {"code": code} if change
                             else _("Nothing changed: the values are the ones stored."))
            return redirect(reverse("web:rules") + f"#rule-{code}")
    return render(request, "web/rule_edit.html", {"nav": "rules", "rule": line, "form": form})
