"""Read paths: each rule with its effective parameters and its record."""

from django.db.models import Count, Q

from ordex.cases.models import Case

from .models import Finding, Rule
from .rules import REGISTRY


def rule_records(codes=None) -> dict[str, dict]:
    """Per rule: findings, cases opened, rejected as false positive (cases it opened that ended `rejected`),
    cleared (conditions that went away), warnings."""
    findings = Finding.objects.all() if codes is None else Finding.objects.filter(rule_code__in=codes)
    rows = findings.values("rule_code").annotate(
        findings=Count("id", filter=Q(level="finding")),
        warnings=Count("id", filter=Q(level="warning")),
        cases_opened=Count("id", filter=Q(case_created=True)),
        cleared=Count("id", filter=Q(cleared_at__isnull=False)),
        open=Count("id", filter=Q(active=True)),
    )
    records = {code: {"findings": 0, "warnings": 0, "cases_opened": 0, "cleared": 0, "open": 0, "rejected": 0}
               for code in (codes or REGISTRY)}
    for row in rows:
        records.setdefault(row.pop("rule_code"), {"rejected": 0}).update(row)
    rejected = Case.objects.filter(status="rejected")
    if codes is not None:
        rejected = rejected.filter(opened_by_rule__in=codes)
    for code, count in rejected.values_list("opened_by_rule").annotate(n=Count("id")):
        if code in records:
            records[code]["rejected"] = count
    return records


def rule_rows(codes=None) -> list[dict]:
    rows = {r.code: r for r in (Rule.objects.all() if codes is None else Rule.objects.filter(code__in=codes))}
    records = rule_records(codes)
    out = []
    for code, rule in REGISTRY.items():
        if codes is not None and code not in codes:
            continue
        row = rows.get(code)
        stored = row.params if row else {}
        out.append({
            "code": code, "type": rule.type_code, "trigger": rule.trigger, "title": rule.title,
            "description": rule.description, "enabled": row.enabled if row else True,
            "params": {p.name: p.to_json(v) for p, v in zip(rule.params, rule.merge(stored).values(), strict=False)},
            "param_help": {p.name: {"default": p.to_json(p.default), "help": p.help, "kind": p.kind.__name__}
                           for p in rule.params},
            "overrides": [{"shop": o.shop.code if o.shop_id else None, "platform": o.platform or None,
                           "params": o.params} for o in row.overrides.select_related("shop")] if row else [],
            "record": records.get(code, {}),
        })
    return out
