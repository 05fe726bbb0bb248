"""Rules that fire on an event: payments, parcels' carrier statuses, shipped lines, refunds, customer
reports, stock snapshots, system faults."""

import re
from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ordex.core.text import stored_text
from ordex.orders.address import parse_address
from ordex.orders.choices import RefundStatus, ReportKind, TrackingStatus
from ordex.orders.queries import completed_refund_totals, reports_since_delivery

from .base import BaseRule, Hit, Param, fmt_time, order_subject
from .incidents import group_incidents


class PaymentMismatch(BaseRule):
    code = "payment_mismatch"
    type_code = "payment_mismatch"
    trigger = "on_event"
    title = _("Payment mismatch")
    description = _("Paid ≠ payable, or paid twice (the same transaction id told twice is one payment).")
    events = frozenset({"order.paid", "order.created", "order.updated"})
    params = (Param("tolerance", Decimal, Decimal("0.00"), _("Tolerance (CNY)")),)

    def problem(self, order, p):
        if not order.paid_at:
            return None
        if order.payment_count >= 2:
            return stored_text(_("Paid %(count)s times, ¥%(paid)s in all (payable ¥%(payable)s)"),
                               count=order.payment_count, paid=order.paid_amount, payable=order.total), "paid_twice"
        if abs(order.paid_amount - order.total) > p["tolerance"]:
            kind = "underpaid" if order.paid_amount < order.total else "overpaid"
            message = _("Paid ¥%(paid)s ≠ payable ¥%(payable)s (underpaid by ¥%(difference)s)") if kind == "underpaid" \
                else _("Paid ¥%(paid)s ≠ payable ¥%(payable)s (overpaid by ¥%(difference)s)")
            return stored_text(message, paid=order.paid_amount, payable=order.total,
                               difference=abs(order.paid_amount - order.total)), kind
        return None

    def evaluate(self, ctx):
        hits = []
        for order, at in ctx.orders_with(self.events):
            found = self.problem(order, ctx.params.for_order_obj(self, order))
            if found:
                hits.append(Hit(self.code, self.type_code, order_subject(order), max(at, order.paid_at), found[0],
                                {"variant": found[1], "paid": str(order.paid_amount), "payable": str(order.total),
                                 "payments": order.payment_count}, order=order))
        return hits

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        if order is not None and order.paid_at and not self.problem(order, ctx.params.for_order_obj(self, order)):
            return ctx.event_time(order=order) or as_of, _("Amounts agree")
        return None


class CancelShippedAnyway(BaseRule):
    code = "cancel_shipped_anyway"
    type_code = "cancel_failed"
    trigger = "on_event"
    title = _("Shipped despite a cancel request")
    description = _("Cancel requested and not honoured, but the order was shipped anyway.")
    events = frozenset({"shipment.created", "order.cancel_requested"})
    params = ()

    def evaluate(self, ctx):
        hits = []
        for order, _at in ctx.orders_with(self.events):
            requested, shipped = order.cancel_requested_at, order.shipped_at
            if requested and shipped and requested <= shipped and (order.cancelled_at is None or
                                                                    order.cancelled_at > shipped):
                hits.append(Hit(self.code, self.type_code, order_subject(order), shipped,
                                stored_text(_("The buyer asked to cancel at %(requested)s; the order was not cancelled"
                                              " but shipped at %(shipped)s: intercept"),
                                            requested=fmt_time(requested), shipped=fmt_time(shipped)),
                                {"cancel_requested_at": requested.isoformat(), "shipped_at": shipped.isoformat(),
                                 "variant": "shipped_anyway"}, order=order))
        return hits


class CarrierStatus(BaseRule):
    """One carrier status (or set) opens one type. Instantiated per type below."""

    trigger = "on_event"
    events = frozenset({"tracking.updated"})
    params = ()
    statuses: frozenset = frozenset()
    clears_on_delivery = False

    def __init__(self, code, type_code, statuses, title, description, clears_on_delivery=False):
        self.code, self.type_code, self.statuses = code, type_code, frozenset(statuses)
        self.title, self.description, self.clears_on_delivery = title, description, clears_on_delivery

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("tracking.updated", ()):
            if event.data.status not in self.statuses or event.order is None or getattr(event.data, "stalled", False):
                continue
            shipment = event.shipment
            label = TrackingStatus(event.data.status).label
            hits.append(Hit(self.code, self.type_code, order_subject(event.order), event.occurred_at,
                            stored_text(_("%(carrier)s %(tracking_no)s: %(status)s (%(place)s, %(at)s)"),
                                        carrier=shipment.carrier, tracking_no=shipment.tracking_no, status=label,
                                        place=f"{event.data.location or '—'} {event.data.description or ''}".rstrip(),
                                        at=fmt_time(event.occurred_at)),
                            {"carrier": shipment.carrier, "tracking_no": shipment.tracking_no,
                             "status": event.data.status, "location": event.data.location,
                             "description": event.data.description}, order=event.order, shipment=shipment))
        return hits

    def check_clear(self, finding, as_of, ctx):
        shipment = finding.shipment
        if self.clears_on_delivery and shipment is not None and shipment.delivered_at \
                and shipment.delivered_at > finding.found_at:
            return shipment.delivered_at, _("Signed for")
        return None


class CarrierSaysStalled(BaseRule):
    code = "carrier_stalled"
    type_code = "tracking_stalled"
    trigger = "on_event"
    title = _("Carrier flags no update")
    description = _("The carrier itself says the parcel stopped updating (kuaidi100 202). Clears when it"
                               " moves.")
    events = frozenset({"tracking.updated"})
    params = ()

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("tracking.updated", ()):
            shipment = event.shipment
            if getattr(event.data, "stalled", False) and event.order is not None and shipment.carrier_stalled_at:
                hits.append(Hit(self.code, self.type_code, order_subject(event.order), event.occurred_at,
                                stored_text(_("%(carrier)s %(tracking_no)s: the carrier marks it as not updated in"
                                              " time; last: %(location)s %(at)s"), carrier=shipment.carrier,
                                            tracking_no=shipment.tracking_no, location=shipment.last_location or "—",
                                            at=fmt_time(shipment.last_event_at)),
                                {"carrier": shipment.carrier, "tracking_no": shipment.tracking_no,
                                 "last_location": shipment.last_location}, order=event.order, shipment=shipment,
                                basis_at=event.occurred_at, occurrence=f"{shipment.shipment_no}@carrier"))
        return hits

    def check_clear(self, finding, as_of, ctx):
        shipment = finding.shipment
        if shipment is not None and shipment.carrier_stalled_at is None and shipment.status_at \
                and shipment.status_at >= finding.found_at:
            return shipment.status_at, _("Parcel moved")
        return None


class ShippedLines(BaseRule):
    """wrong_item and missing_item: what all of an order's parcels hold vs what was ordered."""

    trigger = "on_event"
    events = frozenset({"shipment.created"})
    params = ()

    def __init__(self, code, type_code, title, description):
        self.code, self.type_code, self.title, self.description = code, type_code, title, description

    def evaluate(self, ctx):
        orders = [o for o, _ in ctx.orders_with(self.events) if o.pk]
        if not orders:
            return []
        shipped, ordered = ctx.shipped_and_ordered([o.pk for o in orders])
        hits = []
        for order, at in ctx.orders_with(self.events):
            got, want = shipped.get(order.pk, {}), ordered.get(order.pk, {})
            if not got or not want:
                continue
            wrong = sorted(set(got) - set(want))
            short = {sku: (qty, got.get(sku, 0)) for sku, qty in want.items() if got.get(sku, 0) < qty}
            if self.type_code == "wrong_item" and wrong:
                hits.append(Hit(self.code, self.type_code, order_subject(order), at,
                                stored_text(_("Shipped %(shipped)s, which the order does not hold (ordered:"
                                              " %(ordered)s)"), shipped=wrong, ordered=sorted(want)),
                                {"shipped_not_ordered": wrong, "ordered": want, "shipped": got}, order=order,
                                sku=wrong[0]))
            elif self.type_code == "missing_item" and short and not wrong:
                missing = [stored_text(_("%(sku)s ordered %(ordered)s, shipped %(shipped)s"), sku=sku, ordered=q,
                                       shipped=g) for sku, (q, g) in sorted(short.items())]
                hits.append(Hit(self.code, self.type_code, order_subject(order), at,
                                stored_text(_("Short shipped: %(lines)s"), lines=missing),
                                {"short": {k: {"ordered": q, "shipped": g} for k, (q, g) in short.items()}},
                                order=order, sku=sorted(short)[0]))
        return hits

    def check_clear(self, finding, as_of, ctx):
        if self.type_code != "missing_item" or finding.order is None or "shipment.created" not in ctx.order_events(
                finding.order_id):
            return None
        shipped, ordered = ctx.shipped_and_ordered([finding.order_id])
        got, want = shipped.get(finding.order_id, {}), ordered.get(finding.order_id, {})
        if want and all(got.get(sku, 0) >= qty for sku, qty in want.items()):
            return ctx.event_time(order=finding.order) or as_of, _("The rest was shipped")
        return None


_DELIVERED_ELSEWHERE = re.compile(r"送错|错送|地址错|不是我(下单|填写)的地址|签收地址")


class AddressMisdelivery(BaseRule):
    code = "address_misdelivery"
    type_code = "address_misdelivery"
    trigger = "on_event"
    title = _("Address misdelivery")
    description = _("Delivered in another district than the order's address; the customer reports a"
                               " wrong delivery address; or an address change asked after shipping"
                               " (intercept/redirect).")
    events = frozenset({"tracking.updated", "customer.reported", "order.change_requested"})
    params = (Param("compare_districts", bool, True, _("Compare the delivery place with the order's district")),)

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("tracking.updated", ()):
            order = event.order
            if event.data.status != TrackingStatus.DELIVERED or order is None or not order.district:
                continue
            if not ctx.params.for_order_obj(self, order)["compare_districts"]:
                continue
            place = f"{event.data.location} {event.data.description}"
            parsed = parse_address(place)
            if parsed.district and parsed.city and parsed.district != order.district and order.district not in place:
                hits.append(Hit(self.code, self.type_code, order_subject(order), event.occurred_at,
                                stored_text(_("Signed for at “%(place)s”, outside the delivery address (%(area)s)"),
                                            place=event.data.location or event.data.description,
                                            area=f"{order.city}{order.district}"),
                                {"delivered_at_place": place.strip(), "order_district": order.district,
                                 "carrier": event.shipment.carrier, "tracking_no": event.shipment.tracking_no},
                                order=order, shipment=event.shipment))
        for event in ctx.by_type.get("customer.reported", ()):
            if event.data.kind == ReportKind.OTHER and _DELIVERED_ELSEWHERE.search(event.data.message or ""):
                hits.append(Hit(self.code, self.type_code, order_subject(event.order), event.occurred_at,
                                stored_text(_("The customer reports delivery to a wrong address: “%(message)s”"),
                                            message=event.data.message[:120]),
                                {"message": event.data.message, "attachments": len(event.data.attachments)},
                                order=event.order, occurrence=f"report:{event.event_id}"))
        return hits


# Customer report kind -> (rule code, exception type). not_received opens signed_not_received only after
# the parcel was signed for; before that it is a complaint about a late parcel.
REPORTS = {
    ReportKind.WRONG_ITEM: ("report_wrong_item", "wrong_item", _("Customer reports a wrong item")),
    ReportKind.MISSING_ITEM: ("report_missing_item", "missing_item", _("Customer reports missing items")),
    ReportKind.QUANTITY_MISMATCH: ("report_missing_item", "missing_item", ""),
    ReportKind.DAMAGED: ("report_damaged", "parcel_damaged", _("Customer reports damage")),
    ReportKind.NOT_RECEIVED: ("report_not_received", "signed_not_received",
                              _("Signed for, customer says not received")),
    ReportKind.NOT_AS_DESCRIBED: ("report_not_as_described", "not_as_described",
                                  _("Customer reports not as described")),
    ReportKind.QUALITY: ("report_quality", "quality_issue", _("Customer reports a quality issue")),
    ReportKind.COMPLAINT: ("report_complaint", "complaint", _("Customer complaint or appeal")),
    ReportKind.OTHER: ("report_complaint", "complaint", ""),
}


class CustomerReport(BaseRule):
    trigger = "on_event"
    events = frozenset({"customer.reported"})

    def __init__(self, code, type_code, title, kinds, params=()):
        self.code, self.type_code, self.title, self.kinds, self.params = code, type_code, title, kinds, params
        self.description = format_lazy(_("{title}: opened by a customer.reported event."), title=title)

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("customer.reported", ()):
            kind = event.data.kind
            if kind not in self.kinds or event.order is None:
                continue
            order = event.order
            if kind == ReportKind.OTHER and _DELIVERED_ELSEWHERE.search(event.data.message or ""):
                continue  # address_misdelivery takes it
            if not self.applies(order, event.occurred_at):
                continue
            hits.append(self.hit(ctx, order, kind, event.data.message,
                                 [a.model_dump() for a in event.data.attachments], event.occurred_at, event.event_id))
        if self.code == "report_quality" and hits:
            return group_incidents(ctx, self, hits, "quality", _("Quality issues cluster"), "incident_min_reports",
                                   "incident_hours")
        return hits

    def applies(self, order, reported_at) -> bool:
        return True

    def hit(self, ctx, order, kind, message, attachments, reported_at, event_id) -> Hit:
        return Hit(self.code, self.type_code, order_subject(order), reported_at,
                   stored_text(_("Customer report (%(kind)s): “%(message)s”"), kind=ReportKind(kind).label,
                               message=message[:200]),
                   {"kind": kind, "message": message, "attachments": attachments,
                    "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None},
                   order=order, occurrence=f"report:{event_id}", sku=ctx.first_sku(order), repeatable=True)


class SignedNotReceived(CustomerReport):
    """A buyer says the parcel never came though the carrier says it was signed for. A delivered scan that
    arrives after the report but happened before it makes an earlier report this case, as if in order."""

    events = frozenset({"customer.reported", "tracking.updated"})

    def applies(self, order, reported_at) -> bool:
        return order.delivered_at is not None and order.delivered_at <= reported_at

    def evaluate(self, ctx):
        hits = super().evaluate(ctx)
        delivered = {event.order.id for event in ctx.by_type.get("tracking.updated", ())
                     if event.order is not None and event.data.status == TrackingStatus.DELIVERED}
        in_chunk = {hit.occurrence for hit in hits}
        for report in reports_since_delivery(delivered, self.kinds) if delivered else ():
            if f"report:{report.event_id}" not in in_chunk:
                hits.append(self.hit(ctx, report.order, report.kind, report.message, report.attachments,
                                     report.reported_at, report.event_id))
        return hits


class NotReceivedBeforeDelivery(CustomerReport):
    """A buyer says the parcel never came and it was never signed for: a complaint about a late parcel."""

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("customer.reported", ()):
            order = event.order
            if event.data.kind != ReportKind.NOT_RECEIVED or order is None:
                continue
            if order.delivered_at and order.delivered_at <= event.occurred_at:
                continue
            hits.append(Hit(self.code, self.type_code, order_subject(order), event.occurred_at,
                            stored_text(_("The customer says the parcel never came (not signed for yet):"
                                          " “%(message)s”"), message=event.data.message[:200]),
                            {"kind": event.data.kind, "message": event.data.message}, order=order,
                            occurrence=f"report:{event.event_id}"))
        return hits


class RefundFailed(BaseRule):
    code = "refund_failed"
    type_code = "refund_failed"
    trigger = "on_event"
    title = _("Refund failed")
    description = _("`refund.failed`; clears if that refund later completes.")
    events = frozenset({"refund.failed", "refund.completed"})
    params = ()

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("refund.failed", ()):
            refund = event.refund
            hits.append(Hit(self.code, self.type_code, order_subject(event.order), event.occurred_at,
                            stored_text(_("Refund %(refund)s (¥%(amount)s) failed: %(reason)s"),
                                        refund=refund.refund_no, amount=refund.amount or "—",
                                        reason=event.data.reason or _("no reason given")),
                            {"refund_no": refund.refund_no, "reason": event.data.reason,
                             "amount": str(refund.amount) if refund.amount is not None else None},
                            order=event.order, refund=refund, occurrence=refund.refund_no, repeatable=True))
        return hits

    def check_clear(self, finding, as_of, ctx):
        refund = finding.refund
        if refund is not None and refund.status == RefundStatus.COMPLETED and refund.completed_at:
            return refund.completed_at, _("Refund completed")
        return None


class RefundMismatch(BaseRule):
    code = "refund_mismatch"
    type_code = "refund_mismatch"
    trigger = "on_event"
    title = _("Refund mismatch")
    description = _("Refunded ≠ requested, or the order's completed refunds add up to more than was"
                               " paid.")
    events = frozenset({"refund.completed", "refund.requested"})
    params = ()

    def evaluate(self, ctx):
        events = [e for e in ctx.applied if e.type in self.events and e.refund is not None]
        if not events:
            return []
        totals = completed_refund_totals({e.order.pk for e in events})
        hits, seen = [], set()
        for event in events:
            refund, order = event.refund, event.order
            if refund.pk in seen:
                continue
            seen.add(refund.pk)
            if refund.completed_amount is not None and refund.amount is not None \
                    and refund.completed_amount != refund.amount:
                hits.append(Hit(self.code, self.type_code, order_subject(order), event.occurred_at,
                                stored_text(_("Refund %(refund)s: refunded ¥%(refunded)s ≠ requested"
                                              " ¥%(requested)s"), refund=refund.refund_no,
                                            refunded=refund.completed_amount, requested=refund.amount),
                                {"refund_no": refund.refund_no, "requested": str(refund.amount),
                                 "refunded": str(refund.completed_amount), "variant": "completed_differs"},
                                order=order, refund=refund, occurrence=refund.refund_no, repeatable=True))
            total = totals.get(order.pk)
            if total is not None and order.paid_amount and total > order.paid_amount:
                hits.append(Hit(self.code, self.type_code, order_subject(order), event.occurred_at,
                                stored_text(_("The order's refunds add up to ¥%(total)s, more than the ¥%(paid)s"
                                              " paid"), total=total, paid=order.paid_amount),
                                {"refunded_total": str(total), "paid": str(order.paid_amount),
                                 "variant": "refunds_exceed_paid"}, order=order, occurrence="exceeds_paid", repeatable=True))
        return hits


class InventoryDataError(BaseRule):
    code = "inventory_data_error"
    type_code = "inventory_data_error"
    trigger = "on_event"
    title = _("Inventory data error")
    description = _("Negative stock, or reserved above on hand (count mismatch). Clears when a sound"
                               " snapshot arrives.")
    events = frozenset({"inventory.updated"})
    params = ()

    @staticmethod
    def problem(stock):
        if stock.on_hand < 0:
            return stored_text(_("Negative on hand: %(on_hand)s"), on_hand=stock.on_hand), "negative_on_hand"
        if stock.reserved < 0:
            return stored_text(_("Negative reserved: %(reserved)s"), reserved=stock.reserved), "negative_reserved"
        if stock.reserved > stock.on_hand:
            return stored_text(_("Reserved %(reserved)s above on hand %(on_hand)s"), reserved=stock.reserved,
                               on_hand=stock.on_hand), "reserved_above_on_hand"
        return None

    def evaluate(self, ctx):
        hits = []
        for (sku, wh), snapshots in ctx.stock_timeline.items():
            for index, (moment, on_hand, reserved) in enumerate(snapshots):
                found = self.problem(_Snapshot(on_hand, reserved))
                if not found:
                    continue
                fixed = next((at for at, h, r in snapshots[index + 1:] if not self.problem(_Snapshot(h, r))), None)
                hits.append(Hit(self.code, self.type_code, f"sku:{sku}@{wh}", moment,
                                stored_text(_("%(sku)s @ %(warehouse)s: %(problem)s"), sku=sku, warehouse=wh,
                                            problem=found[0]),
                                {"sku": sku, "warehouse": wh, "on_hand": on_hand, "reserved": reserved,
                                 "variant": found[1]}, sku=sku, occurrence=moment.isoformat(), cleared_at=fixed,
                                clear_summary=_("A sound snapshot arrived") if fixed else ""))
        return hits

    def check_clear(self, finding, as_of, ctx):
        stock = ctx.stock_row(finding.facts.get("sku"), finding.facts.get("warehouse"))
        if stock is not None and stock.updated_at > finding.found_at and not self.problem(stock):
            return stock.updated_at, stored_text(_("A sound stock snapshot: %(on_hand)s on hand, %(reserved)s"
                                                   " reserved"), on_hand=stock.on_hand, reserved=stock.reserved)
        return None


class _Snapshot:
    def __init__(self, on_hand, reserved):
        self.on_hand, self.reserved = on_hand, reserved


class SystemFault(BaseRule):
    code = "system_fault"
    type_code = "system_outage"
    trigger = "on_event"
    title = _("System fault")
    description = _("A component reports a fault (`system.fault`).")
    events = frozenset({"system.fault"})
    params = ()

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("system.fault", ()):
            component = event.data.component
            hits.append(Hit(self.code, self.type_code, f"component:{component}", event.occurred_at,
                            stored_text(_("%(component)s fault (%(severity)s): %(message)s"), component=component,
                                        severity=event.data.severity or _("unrated"), message=event.data.message or "—"),
                            {"component": component, "severity": event.data.severity, "message": event.data.message},
                            occurrence=event.occurred_at.isoformat(), incident_key=f"outage:component:{component}",
                            incident_title=stored_text(_("%(component)s system outage"), component=component),
                            repeatable=True))
        return hits
