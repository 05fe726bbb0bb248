"""Findings with a shared cause grouped into one incident (price errors or quality reports on one SKU)."""

from collections import defaultdict
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from ordex.core.text import stored_text

from ..models import Finding
from .base import Hit


def group_incidents(ctx, rule, hits: list[Hit], prefix, title, min_param, hours_param):
    """When ≥ N findings of this rule share a SKU within the window, they join one incident (the
    earlier ones too)."""
    if not hits:
        return hits
    p = ctx.params.base(rule)
    window = timedelta(hours=p[hours_param])
    by_sku = defaultdict(list)
    for hit in hits:
        if hit.sku:
            by_sku[hit.sku].append(hit)
    if not by_sku:
        return hits
    earliest = min(h.found_at for h in hits) - window
    earlier = defaultdict(list)
    for finding in Finding.objects.filter(rule_code=rule.code, sku__in=list(by_sku), found_at__gte=earliest,
                                          level="finding", withdrawn_at__isnull=True).select_related("order"):
        earlier[finding.sku].append(finding)
    extra = []
    for sku, members in by_sku.items():
        key = f"{prefix}:sku:{sku}"
        known_orders = {f.order_id for f in earlier[sku]}
        fresh = [h for h in members if h.order is None or h.order.pk not in known_orders]
        if len({*known_orders, *(h.order.pk for h in fresh if h.order is not None)}) < p[min_param]:
            continue
        incident_title = stored_text(_("%(title)s: %(sku)s"), title=title, sku=sku)
        for hit in members:
            hit.incident_key, hit.incident_title = key, incident_title
            hit.facts = {**hit.facts, "incident": key}
        for finding in earlier[sku]:
            if finding.facts.get("incident") != key and finding.order is not None:
                extra.append(Hit(rule.code, rule.type_code, finding.subject_key, finding.found_at,
                                 stored_text(_("%(summary)s (several on the same SKU already, grouped into an"
                                               " incident)"), summary=finding.summary),
                                 {**finding.facts, "incident": key}, order=finding.order, sku=sku,
                                 level="escalation", occurrence=f"{finding.occurrence}:incident",
                                 incident_key=key, incident_title=incident_title))
    return hits + extra
