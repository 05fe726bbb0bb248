"""Read paths: each rule with its effective parameters, overrides, record and changes."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q

from ordex.cases.models import Case

from .models import Finding, Rule, RuleChange, RuleOverride
from .rules import REGISTRY

# How many recent changes the rules page shows under each rule.
CHANGES_SHOWN = 3


def rule_records(codes=None) -> dict[str, dict]:
    """Per rule: findings, cases opened, rejected as false positive (cases it opened that ended `rejected`),
    cleared (conditions that went away), withdrawn (findings late data showed never held: not false
    positives), warnings."""
    findings = Finding.objects.all() if codes is None else Finding.objects.filter(rule_code__in=codes)
    rows = findings.values("rule_code").annotate(
        findings=Count("id", filter=Q(level="finding")),
        warnings=Count("id", filter=Q(level="warning")),
        cases_opened=Count("id", filter=Q(case_created=True)),
        cleared=Count("id", filter=Q(cleared_at__isnull=False, withdrawn_at__isnull=True)),
        withdrawn=Count("id", filter=Q(withdrawn_at__isnull=False)),
        open=Count("id", filter=Q(active=True)),
    )
    records = {code: {"findings": 0, "warnings": 0, "cases_opened": 0, "cleared": 0, "withdrawn": 0, "open": 0,
                      "rejected": 0}
               for code in (codes or REGISTRY)}
    for row in rows:
        records.setdefault(row.pop("rule_code"), {"rejected": 0}).update(row)
    for code, count in rejected_by_rule(codes):
        if code in records:
            records[code]["rejected"] = count
    return records


def rejected_by_rule(codes=None):
    """(rule code, cases it opened that people rejected as false positives), read from the (status, rule)
    index of cases."""
    rejected = Case.objects.filter(status="rejected")
    if codes is not None:
        rejected = rejected.filter(opened_by_rule__in=codes)
    return rejected.values_list("opened_by_rule").annotate(n=Count("id")).order_by("opened_by_rule")


def _stored_rules(codes=None) -> dict[str, Rule]:
    rules = Rule.objects.all() if codes is None else Rule.objects.filter(code__in=codes)
    overrides = RuleOverride.objects.select_related("shop").order_by("shop__code", "platform")
    return {r.code: r for r in rules.prefetch_related(Prefetch("overrides", queryset=overrides))}


def rule_rows(codes=None) -> list[dict]:
    """Every rule (or the given ones) as the API shows it. Four queries whatever the number of rules."""
    rows = _stored_rules(codes)
    records = rule_records(codes)
    out = []
    for code, rule in REGISTRY.items():
        if codes is not None and code not in codes:
            continue
        row = rows.get(code)
        stored = row.params if row else {}
        out.append({
            "code": code, "type": rule.type_code, "trigger": rule.trigger, "title": str(rule.title),
            "description": str(rule.description), "enabled": row.enabled if row else True,
            "params": {p.name: p.to_json(v) for p, v in zip(rule.params, rule.merge(stored).values(), strict=False)},
            "param_help": {p.name: {"default": p.to_json(p.default), "help": str(p.help), "kind": p.kind.__name__}
                           for p in rule.params},
            "overrides": [{"shop": o.shop.code if o.shop_id else None, "platform": o.platform or None,
                           "params": o.params} for o in row.overrides.all()] if row else [],
            "record": records.get(code, {}),
        })
    return out


def rule_changes(code: str, *, limit: int = 50) -> list[dict]:
    """The rule's recorded changes, newest first."""
    changes = RuleChange.objects.filter(rule__code=code).order_by("-changed_at", "-pk")[:limit]
    return [_change(change) for change in changes]


def _change(change: RuleChange) -> dict:
    return {"changed_at": change.changed_at, "actor_name": change.actor_name, "shop": change.shop_code or None,
            "platform": change.platform or None, "old": change.old, "new": change.new, "reason": change.reason,
            "diff": [(key, change.old.get(key), value) for key, value in change.new.items()]}


@dataclass
class ParamLine:
    name: str
    value: Any
    default: Any
    help: str
    kind: str

    @property
    def is_default(self) -> bool:
        return self.value == self.default


@dataclass
class RuleLine:
    """One rule as the rules page shows it."""

    code: str
    title: str
    description: str
    type_code: str
    trigger: str
    enabled: bool
    params: list[ParamLine]
    overrides: list[dict]
    hits: int
    cases_opened: int
    rejected: int
    changes: list[dict] = field(default_factory=list)

    @property
    def false_positive_rate(self) -> float | None:
        """Share of the cases this rule opened that people rejected as false positives (None: no case yet)."""
        return self.rejected / self.cases_opened if self.cases_opened else None

    @property
    def false_positive_percent(self) -> int | None:
        rate = self.false_positive_rate
        return None if rate is None else round(rate * 100)


def rules_page(codes=None) -> list[RuleLine]:
    """Every rule with its effective parameters, its per-shop/per-platform overrides, hit count (findings),
    cases opened, rejected as false positive, and its latest changes. Five queries whatever the number of
    rules (rules, overrides, findings record, rejected cases, changes)."""
    lines = []
    for row in rule_rows(codes):
        help_by_name = row["param_help"]
        lines.append(RuleLine(
            code=row["code"], title=row["title"], description=row["description"], type_code=row["type"],
            trigger=row["trigger"],
            enabled=row["enabled"],
            params=[ParamLine(name=name, value=value, default=help_by_name[name]["default"],
                              help=help_by_name[name]["help"], kind=help_by_name[name]["kind"])
                    for name, value in row["params"].items()],
            overrides=row["overrides"], hits=row["record"].get("findings", 0),
            cases_opened=row["record"].get("cases_opened", 0), rejected=row["record"].get("rejected", 0),
        ))
    recent = defaultdict(list)
    changes = RuleChange.objects.select_related("rule").order_by("-changed_at", "-pk")
    if codes is not None:
        changes = changes.filter(rule__code__in=codes)
    for change in changes[:CHANGES_SHOWN * 100]:
        if len(recent[change.rule.code]) < CHANGES_SHOWN:
            recent[change.rule.code].append(_change(change))
    for line in lines:
        line.changes = recent.get(line.code, [])
    return lines


def touched_findings(ctx):
    """Active findings on anything this chunk touched: what may have cleared (one query)."""
    order_ids = set(ctx.by_order)
    shipment_ids = {e.shipment.id for e in ctx.applied if e.shipment is not None and e.shipment.id}
    refund_ids = {e.refund.id for e in ctx.applied if e.refund is not None and e.refund.id}
    skus = {e.data.sku for e in ctx.by_type.get("inventory.updated", ())}
    subjects = {f"component:{e.data.component}" for e in ctx.by_type.get("system.heartbeat", ())}
    subjects |= {f"sku:{sku}" for sku in skus}
    subjects |= ctx.arrived
    # One indexed read per kind of subject (an OR across columns makes SQLite scan every active finding,
    # which grows with the merchant's open work), in one raw UNION: most chunks touch no active finding,
    # and then this costs a single cheap query instead of compiling an ORM query per kind.
    table = Finding._meta.db_table
    parts, params = [], []

    def add(column: str, values, extra_sql: str = "", extra_params=()):
        values = sorted(values)
        for start in range(0, len(values), 500):
            batch = values[start:start + 500]
            # "WHERE active", word for word the partial indexes' condition, or SQLite will not use them.
            parts.append(f"SELECT id FROM {table} WHERE active{extra_sql} "
                         f"AND {column} IN ({', '.join(['%s'] * len(batch))})")
            params.extend([*extra_params, *batch])

    add("order_id", order_ids)
    add("shipment_id", shipment_ids)
    add("refund_id", refund_ids)
    stock_rules = ("out_of_stock", "inventory_data_error", "inventory_sync_delay")
    add("sku", skus, f" AND rule_code IN ({', '.join(['%s'] * len(stock_rules))})", stock_rules)
    add("subject_key", subjects)
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    return list(Finding.objects.filter(pk__in=ids).select_related("order", "shipment", "refund"))
