"""Findings that late history disproves.

A time-based finding claims that nothing ended its condition between the moment it was measured from
(`basis_at`: the last heartbeat, the last scan; the start when unset) and the moment its limit passed
(`found_at`). An event that arrives late but happened inside that span shows, by `occurred_at`, that the
condition never held: the finding is withdrawn (`Finding.withdrawn_at`), and its case ends `withdrawn` when no
other finding of it still stands (`cases.actions.withdraw_finding`). An event after `found_at` ends the
condition instead: that is clearing, as before.

What ends each rule's condition is listed once, below. One read per chunk finds the findings (active or
already cleared) on the subjects the chunk's ending events touch, limited to those found after the chunk's
earliest such event.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from ordex.cases import actions
from ordex.core.text import stored_text
from ordex.orders.choices import CARRIER_HAS_IT, TrackingStatus

from .models import Finding, FindingLevel
from .rules.base import fmt_time


def _scan(event) -> bool:
    return event.type == "tracking.updated" and not event.data.stalled


@dataclass(frozen=True)
class Ending:
    """The events that end a rule's condition, and which column of a finding names their subject."""

    subject: str  # "order", "shipment", "refund", "component", "shop", "sku"
    ends: object  # (AppliedEvent) -> bool


ENDINGS: dict[str, Ending] = {
    "payment_timeout": Ending("order", lambda e: e.type in ("order.paid", "order.cancelled")),
    "ship_delay": Ending("order", lambda e: e.type == "shipment.created"),
    "cancel_failed": Ending("order", lambda e: e.type == "order.cancelled"),
    "delivery_overdue": Ending("order", lambda e: _scan(e) and e.data.status == TrackingStatus.DELIVERED),
    # "Not received, and never signed for": a delivered scan from before the report shows it was signed for.
    "report_not_delivered": Ending("order", lambda e: _scan(e) and e.data.status == TrackingStatus.DELIVERED),
    "pickup_timeout": Ending("shipment", lambda e: _scan(e) and e.data.status in CARRIER_HAS_IT),
    "false_shipment": Ending("shipment", lambda e: e.type == "tracking.updated"),
    "tracking_stalled": Ending("shipment", _scan),
    "parcel_lost_stalled": Ending("shipment", _scan),
    "refund_delayed": Ending("refund", lambda e: e.type == "refund.completed"),
    "heartbeat_missing": Ending("component", lambda e: e.type == "system.heartbeat"),
    "shop_silent": Ending("shop", lambda e: e.type == "order.created"),
    "inventory_sync_delay": Ending("sku", lambda e: e.type == "inventory.updated"),
}


def _subject_of(event, subject: str):
    """The value a finding's column holds for this event's subject (None when the event has none)."""
    if subject == "order":
        return event.order.id if event.order is not None else None
    if subject == "shipment":
        return event.shipment.id if event.shipment is not None else None
    if subject == "refund":
        return event.refund.id if event.refund is not None else None
    if subject == "component":
        return f"component:{event.data.component}"
    if subject == "shop":
        return f"shop:{event.data.shop}"
    return event.data.sku


_COLUMNS = {"order": "order_id", "shipment": "shipment_id", "refund": "refund_id", "component": "subject_key",
            "shop": "subject_key", "sku": "sku"}


def disproved(applied) -> list[tuple[Finding, object, str]]:
    """(finding, when, why) for every finding not yet withdrawn that an event of this chunk disproves."""
    # subject kind -> value -> [(rule code, event)]
    ending = defaultdict(lambda: defaultdict(list))
    earliest = None
    for event in applied:
        for code, rule in ENDINGS.items():
            if rule.ends(event):
                value = _subject_of(event, rule.subject)
                if value is not None:
                    ending[rule.subject][value].append((code, event))
                    earliest = event.occurred_at if earliest is None else min(earliest, event.occurred_at)
    if not ending:
        return []
    table = Finding._meta.db_table
    parts, params = [], []
    for subject, by_value in ending.items():
        codes = sorted({code for pairs in by_value.values() for code, _ in pairs})
        values = sorted(by_value)
        for start in range(0, len(values), 500):
            batch = values[start:start + 500]
            parts.append(f"SELECT id FROM {table} WHERE rule_code IN ({', '.join(['%s'] * len(codes))}) "
                         f"AND {_COLUMNS[subject]} IN ({', '.join(['%s'] * len(batch))}) "
                         f"AND found_at >= %s AND withdrawn_at IS NULL")
            params.extend([*codes, *batch, connection.ops.adapt_datetimefield_value(earliest)])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    found = []
    for finding in Finding.objects.filter(pk__in=ids):
        rule = ENDINGS[finding.rule_code]
        column = getattr(finding, _COLUMNS[rule.subject])
        inside = [event.occurred_at for code, event in ending[rule.subject].get(column, ())
                  if code == finding.rule_code and event.occurred_at <= finding.found_at
                  and (finding.basis_at is None or event.occurred_at > finding.basis_at)]
        if inside:
            at = min(inside)
            found.append((finding, at, _why(finding, at)))
    return found


def _why(finding: Finding, at) -> str:
    if finding.rule_code == "report_not_delivered":
        return stored_text(_("A late tracking scan shows the parcel was signed for at %(at)s, before the customer's"
                             " report (%(reported)s)"), reported=fmt_time(finding.found_at), at=fmt_time(at))
    return stored_text(_("Late events show the condition never held: %(event)s at %(at)s, within the limit"
                         " (%(due)s)"), event=ENDING_EVENTS.get(finding.rule_code, _("a tracking scan")),
                       at=fmt_time(at), due=fmt_time(finding.found_at))


# What ended each rule's condition, as the reason a finding was withdrawn names it.
ENDING_EVENTS = {"heartbeat_missing": _("a heartbeat"), "shop_silent": _("an order"),
                 "inventory_sync_delay": _("a stock snapshot"), "payment_timeout": _("payment or cancellation"),
                 "ship_delay": _("shipping"), "cancel_failed": _("the cancellation"),
                 "refund_delayed": _("the refund's completion"), "delivery_overdue": _("signing for")}


def withdraw(items: list[tuple[Finding, object, str]]) -> int:
    """Withdraw these findings; a case whose every finding is withdrawn ends `withdrawn`, any other case gets
    the withdrawal on its timeline. The caller holds a transaction."""
    if not items:
        return 0
    done = {}
    for finding, at, why in items:
        if finding.pk in done or finding.withdrawn_at is not None:
            continue
        finding.active = False
        finding.withdrawn_at = at
        finding.withdraw_summary = stored_text(why)
        done[finding.pk] = finding
    Finding.objects.bulk_update(list(done.values()), ["active", "withdrawn_at", "withdraw_summary"], batch_size=500)
    case_ids = {f.case_id for f in done.values() if f.case_id}
    standing = set(Finding.objects.filter(case_id__in=case_ids, level=FindingLevel.FINDING, withdrawn_at__isnull=True)
                   .values_list("case_id", flat=True))
    for finding in sorted(done.values(), key=lambda f: (f.level != FindingLevel.FINDING, f.pk)):
        if finding.case_id:
            actions.withdraw_finding(finding.case_id, withdrawn_at=finding.withdrawn_at, summary=finding.withdraw_summary,
                                     rule_code=finding.rule_code, whole_case=finding.case_id not in standing)
    return len(done)
