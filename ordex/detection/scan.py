"""One scan pass of the periodic rules as of a moment.

Reads happen outside any write transaction (WAL readers never block the importer); findings are then
written in short transactions. A pass looks only at what became due since the rule's last pass (its
watermark) plus the open findings to re-check for clearing; the first pass, a pass as of an earlier time
than the watermark, a pass with changed parameters and a dry run look at the whole stored history, so
the same events and the same `as_of` always give the same cases. What arrived after its due time had
been passed (late history) is queued by the import hook and evaluated, object by object, by the next pass."""

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import engine, history, late
from .context import ScanContext
from .models import Finding, Rule, RuleState
from .rules import RULES
from .rules.base import Hit


@dataclass
class RulePass:
    code: str
    found: list[Hit] = field(default_factory=list)
    already: int = 0
    cleared: list = field(default_factory=list)
    cases_opened: int = 0
    seconds: float = 0.0
    full: bool = False


def periodic_rules(only: list[str] | None = None):
    rules = [r for r in RULES if r.trigger == "periodic"]
    if only:
        unknown = set(only) - {r.code for r in RULES}
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        rules = [r for r in RULES if r.code in only and r.trigger == "periodic"]
    return rules


def run_scan(as_of: datetime | None = None, *, rules: list[str] | None = None, dry_run: bool = False,
             param_changes: dict[str, dict] | None = None, full: bool = False, replay: bool = False,
             replay_since: datetime | None = None) -> list[RulePass]:
    """`replay`: a pass of a history import (`history.py`) as of a moment of its stream, from its own
    watermark `replay_since` (None: the whole stored history); the live watermarks are left alone. The live
    pass (no `as_of`) waits while a history import is under way: it would judge a half-imported stream by
    today's clock."""
    if as_of is None and not dry_run and history.running():
        return []
    as_of = as_of or timezone.now()
    params = engine.Params(extra=param_changes)
    states = {s.rule_id: s for s in RuleState.objects.select_related("rule")}
    rows = {r.code: r for r in Rule.objects.all()}
    passes = []
    for rule in periodic_rules(rules):
        if not params.enabled(rule.code):
            continue
        started = time.perf_counter()
        row = rows.get(rule.code)
        state = states.get(row.pk) if row else None
        since = None
        if replay:
            since = replay_since
        elif not (full or dry_run or param_changes) and state and state.scanned_until and state.scanned_until <= as_of:
            since = state.scanned_until
        result = RulePass(rule.code, full=since is None)
        # Late history queued by the import hook: evaluated over the whole stored history (a full pass covers
        # it already). Only a pass that moves the watermark forward consumes the queue; a dry run never does.
        consumes = replay or not (dry_run or param_changes) and (state is None or state.scanned_until is None
                                                                 or as_of >= state.scanned_until)
        queued, targets = late.take(rule, as_of) if consumes else ([], {})
        hits = rule.scan(as_of, since, params.groups(rule))
        if targets and since is not None:
            hits += rule.scan_late(as_of, targets, params.groups(rule))
        # The import hook clears findings in the same transaction as the event that ends them; a full pass
        # (first pass, replay, --full, dry run) re-checks every open finding as well.
        clears = _recheck(rule, as_of, params) if since is None else []
        if dry_run:
            outcome = engine.record(hits, dry_run=True)
            result.found, result.already = outcome.found, outcome.already
            result.cleared = clears + outcome.cleared
        else:
            outcome = engine.write_in_batches(hits, clears)
            result.found, result.already = outcome.found, outcome.already
            result.cleared, result.cases_opened = outcome.cleared, outcome.cases_opened
            late.done(queued)
            if not replay and row is not None and (state is None or state.scanned_until is None or as_of > state.scanned_until):
                with transaction.atomic():
                    RuleState.objects.update_or_create(rule=row, defaults={
                        "scanned_until": as_of, "last_pass_at": timezone.now(),
                        "last_pass_seconds": time.perf_counter() - started})
        result.seconds = time.perf_counter() - started
        passes.append(result)
    return passes


def _recheck(rule, as_of, params) -> list[tuple]:
    """Open findings of this rule whose condition ended by as_of (e.g. data changed without the hook)."""
    findings = list(Finding.objects.filter(rule_code=rule.code, active=True, found_at__lte=as_of)
                    .select_related("order", "shipment", "refund"))
    if not findings:
        return []
    if hasattr(rule, "clear_in_scan"):
        return rule.clear_in_scan(findings, as_of)
    ctx = ScanContext(params)
    clears = []
    for finding in findings:
        ended = rule.check_clear(finding, as_of, ctx)
        if ended and ended[0] <= as_of:
            clears.append((finding, ended[0], ended[1]))
    return clears
