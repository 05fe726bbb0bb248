"""The rule engine: stored parameters (with per-shop/per-platform overrides), recording what rules found,
and clearing what is no longer true. Rules decide; this module writes (findings, then cases through
`ordex.cases.actions`)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy

from ordex.cases import actions
from ordex.cases.models import Case
from ordex.core.text import stored_text
from ordex.core.versions import read_token, stamp

from . import history, withdraw
from .models import Finding, FindingLevel, Rule, RuleOverride, RulesVersion
from .rules import REGISTRY
from .rules.base import BaseRule, Hit, ParamGroup


class Params:
    """Every rule's effective parameters, read once (per chunk or per scan pass)."""

    def __init__(self, extra: dict[str, dict] | None = None, rules: list[str] | None = None):
        rows = Rule.objects.all() if rules is None else Rule.objects.filter(code__in=rules)
        self.rows = {row.code: row for row in rows}
        self.extra = extra or {}  # code -> params given on the command line (dry runs)
        self.shop_layers: dict[str, dict[int, dict]] = defaultdict(dict)
        self.platform_layers: dict[str, dict[str, dict]] = defaultdict(dict)
        for override in RuleOverride.objects.filter(rule_id__in=[r.pk for r in self.rows.values()]).select_related(
                "rule"):
            if override.shop_id:
                self.shop_layers[override.rule.code][override.shop_id] = override.params
            else:
                self.platform_layers[override.rule.code][override.platform] = override.params
        self._cache: dict[tuple, dict] = {}

    def enabled(self, code: str) -> bool:
        row = self.rows.get(code)
        return row is None or row.enabled

    def base(self, rule: BaseRule) -> dict:
        row = self.rows.get(rule.code)
        return rule.merge(row.params if row else {}, self.extra.get(rule.code, {}))

    def for_order(self, rule: BaseRule, shop_id: int | None, platform: str) -> dict:
        key = (rule.code, shop_id, platform)
        if key not in self._cache:
            row = self.rows.get(rule.code)
            self._cache[key] = rule.merge(
                row.params if row else {},
                self.platform_layers[rule.code].get(platform, {}),
                self.shop_layers[rule.code].get(shop_id, {}),
                self.extra.get(rule.code, {}),
            )
        return self._cache[key]

    def smallest(self, rule: BaseRule, *names: str):
        """The smallest value any order could get for these parameters (base, every platform and shop
        layer): a lower bound rules use to skip candidates before resolving each order's parameters."""
        row = self.rows.get(rule.code)
        base = row.params if row else {}
        cli = self.extra.get(rule.code, {})
        layers = [*self.platform_layers.get(rule.code, {}).values(), *self.shop_layers.get(rule.code, {}).values()]
        merged = [rule.merge(base, cli)] + [rule.merge(base, layer, cli) for layer in layers]
        return min(params[name] for params in merged for name in names)

    def for_order_obj(self, rule: BaseRule, order) -> dict:
        return self.for_order(rule, order.shop_id, order.platform)

    def groups(self, rule: BaseRule) -> list[ParamGroup]:
        """Disjoint sets of orders with their parameters, for set-based queries."""
        shops = self.shop_layers.get(rule.code, {})
        platforms = self.platform_layers.get(rule.code, {})
        row = self.rows.get(rule.code)
        base_layer = row.params if row else {}
        cli = self.extra.get(rule.code, {})
        groups = [ParamGroup(rule.merge(base_layer, cli), exclude_shops=frozenset(shops),
                             exclude_platforms=frozenset(platforms))]
        for platform, layer in platforms.items():
            groups.append(ParamGroup(rule.merge(base_layer, layer, cli), platforms=frozenset({platform}),
                                     exclude_shops=frozenset(shops)))
        if shops:
            from ordex.orders.queries import shop_platforms

            for shop_id, platform in shop_platforms(shops).items():
                groups.append(ParamGroup(rule.merge(base_layer, platforms.get(platform, {}), shops[shop_id], cli),
                                         shops=frozenset({shop_id})))
        return groups


_CURRENT: dict = {"token": None, "params": None}


def current_params() -> Params:
    """The stored parameters, kept per process while `RulesVersion` says nobody changed them.

    Loading 44 rules and their overrides costs more than applying a small HTTP batch; the token costs one
    indexed read. The token is read before the rules, so a change committed in between is seen next time."""
    token = read_token(RulesVersion)
    if _CURRENT["params"] is None or token != _CURRENT["token"]:
        _CURRENT["params"] = Params()
        _CURRENT["token"] = token
    return _CURRENT["params"]


def rules_changed(**kwargs) -> None:
    """A rule or an override was saved or deleted: every process reloads the parameters (signal handler)."""
    _CURRENT["params"] = None
    stamp(RulesVersion)


@dataclass
class Outcome:
    found: list[Hit] = field(default_factory=list)  # new findings (recorded, or would be in a dry run)
    already: int = 0  # hits that were already recorded
    cleared: list[tuple] = field(default_factory=list)  # (finding, cleared_at, summary)
    cases_opened: int = 0

    def merge(self, other: "Outcome"):
        self.found += other.found
        self.already += other.already
        self.cleared += other.cleared
        self.cases_opened += other.cases_opened


def _dedupe(hits: list[Hit]) -> list[Hit]:
    seen, unique = set(), []
    for hit in sorted(hits, key=lambda h: h.found_at):
        key = (hit.rule, hit.subject_key, hit.occurrence)
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique


def known_findings(hits: list[Hit]) -> dict[tuple, Finding]:
    keys = {(h.rule, h.subject_key, h.occurrence) for h in hits}
    found = {}
    subjects = sorted({k[1] for k in keys})
    for start in range(0, len(subjects), 500):
        for finding in Finding.objects.filter(subject_key__in=subjects[start:start + 500],
                                              rule_code__in={k[0] for k in keys}):
            key = (finding.rule_code, finding.subject_key, finding.occurrence)
            if key in keys:
                found[key] = finding
    return found


def _active_subjects(hits: list[Hit]) -> set[tuple[str, str]]:
    wanted = {(h.rule, h.subject_key) for h in hits if not h.repeatable and h.cleared_at is None}
    subjects = sorted({s for _, s in wanted})
    found = set()
    for start in range(0, len(subjects), 500):
        rows = Finding.objects.filter(active=True, level=FindingLevel.FINDING, subject_key__in=subjects[start:start + 500],
                                      rule_code__in={r for r, _ in wanted}).values_list("rule_code", "subject_key")
        found |= set(rows) & wanted
    return found


def _orders_with_cases(hits: list[Hit]) -> set[tuple[int, str]]:
    """(order id, type code) of every case, in any status, on the orders these hits name: one read per
    chunk, so opening a case for an order that never had one of its type skips the per-case lookup."""
    order_ids = {hit.order.pk for hit in hits if hit.order is not None and hit.level != FindingLevel.WARNING}
    found = set()
    ids = sorted(order_ids)
    for start in range(0, len(ids), 500):
        found.update(Case.objects.filter(order_id__in=ids[start:start + 500]).values_list("order_id", "type__code"))
    return found


def record(hits: list[Hit], *, dry_run: bool = False) -> Outcome:
    """Record what rules found: a new firing becomes a Finding and opens or updates a case; a firing
    already recorded changes nothing (replays, repeated scans). A hit that arrives already ended
    (history replayed after the fact) is recorded and cleared at once. The caller holds a transaction."""
    outcome = Outcome()
    hits = _dedupe(hits)
    if not hits:
        return outcome
    known = known_findings(hits)
    open_subjects = _active_subjects(hits)
    fresh = []
    for hit in hits:
        finding = known.get((hit.rule, hit.subject_key, hit.occurrence))
        if finding is None and not hit.repeatable and hit.level == FindingLevel.FINDING and hit.cleared_at is None \
                and (hit.rule, hit.subject_key) in open_subjects:
            outcome.already += 1  # the condition is already open on this subject: nothing new
        elif finding is None:
            fresh.append(hit)
        else:
            outcome.already += 1
            if finding.active and hit.cleared_at is not None:
                outcome.cleared.append((finding, hit.cleared_at, hit.clear_summary))
    outcome.found = fresh
    if dry_run:
        return outcome
    replay = history.current()
    if replay is not None:
        _log_for_history(fresh, replay)
        return outcome
    rows = []
    standing_unsaved = set()  # cases given a standing condition by a row of this batch (not saved yet)
    have_cases = _orders_with_cases(fresh)
    for hit in fresh:
        row = _finding_row(hit)
        if hit.level != FindingLevel.WARNING:
            result = actions.record_finding(
                type_code=hit.type_code, found_at=hit.found_at, summary=hit.summary,
                facts={**hit.facts, "level": hit.level} if hit.level != FindingLevel.FINDING else hit.facts,
                rule_code=hit.rule, order=hit.order, subject_key="" if hit.order is not None else hit.subject_key,
                orders=hit.orders, incident_key=hit.incident_key, incident_title=hit.incident_title,
                no_case_yet=hit.order is not None and (hit.order.pk, hit.type_code) not in have_cases,
            )
            if hit.order is not None:
                have_cases.add((hit.order.pk, hit.type_code))
            row.case_id = result.case.pk
            row.case_created = result.created
            outcome.cases_opened += int(result.created)
            if hit.cleared_at is not None and hit.level == FindingLevel.FINDING:
                actions.clear_finding(type_code=hit.type_code, cleared_at=hit.cleared_at,
                                      summary=stored_text(hit.clear_summary or gettext_lazy("The condition cleared")),
                                      rule_code=hit.rule,
                                      order=hit.order, subject_key="" if hit.order is not None else hit.subject_key,
                                      whole_case=row.case_id not in standing_unsaved
                                      and not _still_standing({row.case_id}))
            elif row.active and hit.level == FindingLevel.FINDING:
                standing_unsaved.add(row.case_id)
        rows.append(row)
    Finding.objects.bulk_create(rows, batch_size=500)
    return outcome


def _still_standing(case_ids: set[int], *, besides=()) -> set[int]:
    """The cases among these that still have a stored condition standing (an active finding) other than the
    findings `besides`: clearing one condition of such a case does not resolve it."""
    return set(Finding.objects.filter(case_id__in=case_ids, level=FindingLevel.FINDING, active=True,
                                      withdrawn_at__isnull=True).exclude(pk__in=besides)
               .values_list("case_id", flat=True))


def _finding_row(hit: Hit, **extra) -> Finding:
    return Finding(
        rule_code=hit.rule, type_code=hit.type_code, level=hit.level, subject_key=hit.subject_key[:260],
        occurrence=hit.occurrence, order=hit.order, shipment=hit.shipment, refund=hit.refund, sku=hit.sku,
        found_at=hit.found_at, basis_at=hit.basis_at, summary=hit.summary, facts=hit.facts,
        active=hit.level == FindingLevel.FINDING and hit.cleared_at is None,
        cleared_at=hit.cleared_at if hit.level == FindingLevel.FINDING else None,
        clear_summary=stored_text(hit.clear_summary), **extra,
    )


def _log_for_history(hits: list[Hit], replay) -> None:
    """During a history import: log the findings with it; their cases are settled when it ends
    (`history.finish`), with what a case needs that the log has no column for."""
    rows = []
    for hit in hits:
        row = _finding_row(hit, history=replay)
        case = {key: value for key, value in (("incident_key", hit.incident_key),
                                             ("incident_title", hit.incident_title),
                                             ("orders", [o.pk for o in hit.orders if o is not None])) if value}
        if case:
            row.facts = {**row.facts, "history_case": case}
        rows.append(row)
    Finding.objects.bulk_create(rows, batch_size=500)


def clear(items: list[tuple], *, dry_run: bool = False) -> int:
    """End findings whose condition went away: the case's timeline says so, an untouched case resolves.
    A condition that ended before its finding's limit passed never held (late history): withdrawn instead."""
    if dry_run or not items:
        return len(items)
    never_held = [(f, at, summary) for f, at, summary in items if f.active and at < f.found_at]
    if never_held:
        withdraw.withdraw([(f, at, stored_text(gettext_lazy("Late events show the condition never held: %(why)s"),
                                               why=summary)) for f, at, summary in never_held])
    ending = [f for f, _, _ in items if f.active]
    standing = _still_standing({f.case_id for f in ending if f.case_id}, besides=[f.pk for f in ending])
    done, seen = [], set()
    for finding, cleared_at, summary in items:
        if not finding.active or finding.pk in seen:
            continue
        seen.add(finding.pk)
        finding.active = False
        finding.cleared_at = max(cleared_at, finding.found_at)
        finding.clear_summary = stored_text(summary)
        done.append(finding)
        # A finding of a history import that has no case yet: its case is settled when the import ends.
        if finding.level == FindingLevel.FINDING and not (finding.history_id and finding.case_id is None):
            actions.clear_finding(type_code=finding.type_code, cleared_at=finding.cleared_at, summary=finding.clear_summary,
                                  rule_code=finding.rule_code, order=finding.order if finding.order_id else None,
                                  subject_key="" if finding.order_id else finding.subject_key,
                                  whole_case=finding.case_id not in standing)
    Finding.objects.bulk_update(done, ["active", "cleared_at", "clear_summary"], batch_size=500)
    return len(done)


def write_in_batches(hits: list[Hit], clears: list[tuple], *, batch: int = 100) -> Outcome:
    """Record hits and clears in short transactions so a scan never holds the write lock for long."""
    outcome = Outcome()
    for start in range(0, len(hits), batch):
        with transaction.atomic():
            outcome.merge(record(hits[start:start + batch]))
    pending = clears + outcome.cleared
    outcome.cleared = []
    for start in range(0, len(pending), batch):
        with transaction.atomic():
            part = pending[start:start + batch]
            clear(part)
            outcome.cleared += part
    return outcome


def rule(code: str) -> BaseRule:
    return REGISTRY[code]


def all_rules() -> list[BaseRule]:
    return list(REGISTRY.values())


def as_utc(value: datetime) -> datetime:
    from datetime import UTC

    return value.astimezone(UTC)
