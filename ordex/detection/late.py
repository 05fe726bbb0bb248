"""Late history for periodic rules.

A periodic rule's incremental pass reads only what became due since its previous pass (its watermark), so
an order, parcel or refund whose events arrive after its due time was passed would never be evaluated. The
import hook notes those (`queue_late_history`, in the chunk's transaction, from the applied events only:
no query unless a rule has a watermark and something is behind it); the rule's next pass evaluates exactly
them over the whole stored history (`take`), as a first pass would have, then drops them (`done`)."""

from django.utils import timezone

from . import history
from .models import LateCheck, RuleState


def queue_late_history(ctx, rules) -> int:
    late = [r for r in rules if r.late_events & set(ctx.by_type) and ctx.params.enabled(r.code)]
    if not late:
        return 0
    replay = history.current()
    if replay is not None:
        # A history import's passes run from its own watermark, one after the other in this thread.
        if replay.scanned_until is None:
            return 0
        watermarks = {r.code: replay.scanned_until for r in late}
        now = replay.scanned_until
    else:
        watermarks = dict(RuleState.objects.filter(rule__code__in=[r.code for r in late],
                                                   scanned_until__isnull=False).values_list("rule__code",
                                                                                            "scanned_until"))
        now = timezone.now()
    if not watermarks:
        return 0  # no pass has run yet: the first pass reads the whole history anyway
    rows = []
    for rule in late:
        watermark = watermarks.get(rule.code)
        if watermark is None:
            continue
        horizon = rule.late_horizon(watermark, now)
        due_by_target = {}
        for event_type in rule.late_events:
            for event in ctx.by_type.get(event_type, ()):
                found = rule.late_due(event, ctx.params)
                if found is None or found[1] > horizon:
                    continue
                target, due = str(found[0]), found[1]
                if target not in due_by_target or due < due_by_target[target]:
                    due_by_target[target] = due
        rows += [LateCheck(rule_code=rule.code, target=t, due_at=d) for t, d in due_by_target.items()]
    LateCheck.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def take(rule, as_of) -> tuple[list[int], dict]:
    """Queued rows of this rule that are due by as_of: (row ids, target -> earliest due)."""
    ids, targets = [], {}
    for pk, target, due in LateCheck.objects.filter(rule_code=rule.code, due_at__lte=as_of).values_list(
            "pk", "target", "due_at"):
        ids.append(pk)
        if target not in targets or due < targets[target]:
            targets[target] = due
    return ids, targets


def done(ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        LateCheck.objects.filter(pk__in=ids[start:start + 500]).delete()
