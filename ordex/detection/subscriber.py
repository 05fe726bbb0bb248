"""Called by ingest once per applied chunk, inside its transaction (registered with the hub's
`orders.hooks.applied_events` in `DetectionConfig.ready()`).

Batch-minded: the rules read what they need for the whole chunk (at most one query per rule), then
findings are recorded and conditions the chunk ended are cleared. Events whose periodic condition was due
before a rule's last pass (late history) are queued for that rule's next pass (`late.py`); findings whose
premise a late event disproves are withdrawn (`withdraw.py`, and each on-event rule's `disproved`: a late price
list or stock snapshot showing the price or stock was fine at the order's time)."""

from ordex.cases.actions import batch_of_findings

from . import engine, withdraw
from .context import EventContext
from .late import queue_late_history
from .queries import touched_findings
from .rules import RULES

PERIODIC = [rule for rule in RULES if rule.trigger == "periodic" and rule.late_events]


def on_events(applied) -> None:
    if not applied:
        return
    params = engine.current_params()
    ctx = EventContext(applied, params)
    types = set(ctx.by_type)
    hits, disproved = [], []
    for rule in RULES:
        if hasattr(rule, "evaluate") and rule.events & types and params.enabled(rule.code):
            hits.extend(rule.evaluate(ctx))
            if hasattr(rule, "disproved"):
                disproved.extend(rule.disproved(ctx))
    ctx.record_quantities()
    queue_late_history(ctx, PERIODIC)
    with batch_of_findings():
        # First what late events disprove, so a new finding on the same subject does not land on a case
        # whose premise this chunk has just shown never held.
        withdraw.withdraw(withdraw.disproved(applied) + disproved)
        outcome = engine.record(hits)
        clears = list(outcome.cleared)
        for finding in touched_findings(ctx):
            rule = engine.REGISTRY.get(finding.rule_code)
            if rule is None:
                continue
            ended = rule.check_clear(finding, ctx.end, ctx)
            if ended:
                clears.append((finding, ended[0], ended[1]))
        engine.clear(clears)
