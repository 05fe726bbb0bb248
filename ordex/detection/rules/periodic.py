"""Time-based rules, evaluated as of a moment over the stored history (set-based SQL, indexed windows).

Each is history-aware: a condition that started before `as_of` is found even if it has ended since
(a parcel that stalled for 60 h and then moved), with `found_at` when the limit passed and `cleared_at`
when it ended. So one scan of imported history gives the cases a live system would have opened, and the
same events + the same `as_of` always give the same cases.
"""

from datetime import datetime, timedelta

from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ordex.core.text import stored_text
from ordex.orders.choices import FINAL_TRACKING, RefundStatus, TrackingStatus, is_remote_province
from ordex.orders.queries import orders_where, parcel_order_ids, parcels_where, refunds_where

from .base import BaseRule, Hit, Param, fmt_hours, fmt_time, hours, order_subject, remote_q


def _after(value: datetime | None, moment: datetime) -> bool:
    return value is None or value > moment


def _ended(candidates: list[tuple[datetime | None, str]], as_of: datetime) -> tuple[datetime | None, str]:
    past = [(at, why) for at, why in candidates if at is not None and at <= as_of]
    return min(past, key=lambda x: x[0]) if past else (None, "")


class PeriodicRule(BaseRule):
    trigger = "periodic"

    def window(self, field: str, as_of, since, longest: timedelta, shortest: timedelta) -> Q:
        """Rows whose deadline (field + limit) falls in (since, as_of]."""
        q = Q(**{f"{field}__lte": as_of - shortest})
        if since is not None:
            q &= Q(**{f"{field}__gt": since - longest})
        return q

    def windows(self, field: str, as_of, since, *limits: timedelta) -> Q:
        """Rows with a deadline (field + one of the limits) in (since, as_of]: one narrow range per limit,
        so a minute's pass reads a minute's worth of rows per limit through the index."""
        if since is None:
            return Q(**{f"{field}__lte": as_of - min(limits)})
        q = Q()
        for limit in sorted(set(limits)):
            q |= Q(**{f"{field}__gt": since - limit, f"{field}__lte": as_of - limit})
        return q


class PaymentTimeout(PeriodicRule):
    code = "payment_timeout"
    type_code = "payment_timeout"
    title = _("Payment timeout")
    description = _("Unpaid past the limit after creation (cancelled orders excepted). Clears on payment"
                               " or cancel.")
    params = (Param("minutes", int, 30, _("Minutes to pay"), minimum=1),)
    events = frozenset({"order.paid", "order.cancelled"})
    late_events = frozenset({"order.created"})

    def late_due(self, event, params):
        order = event.order
        if order is None or not order.pk:
            return None
        return order.pk, order.created_at + timedelta(minutes=params.for_order_obj(self, order)["minutes"])

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            limit = timedelta(minutes=group.params["minutes"])
            rows = orders_where(
                group.q(), self.window("created_at", as_of, since, limit, limit),
                Q(paid_at__isnull=True) | Q(paid_at__gt=F("created_at") + limit),
                Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=F("created_at") + limit),
                ids=only, fields=("id", "order_no", "created_at", "paid_at", "cancelled_at", "total", "shop_id", "platform"))
            for order in rows:
                due = order.created_at + limit
                ended, why = _ended([(order.paid_at, _("Paid")), (order.cancelled_at, _("Cancelled"))], as_of)
                hits.append(Hit(self.code, self.type_code, order_subject(order), due,
                                stored_text(_("Not paid %(minutes)s minutes after ordering (ordered %(ordered)s,"
                                              " payable ¥%(payable)s)"), minutes=group.params["minutes"],
                                            ordered=fmt_time(order.created_at), payable=order.total),
                                {"created_at": order.created_at.isoformat(), "limit_minutes": group.params["minutes"]},
                                order=order, cleared_at=ended, clear_summary=why))
        return hits

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        ended, why = _ended([(order.paid_at, _("Paid")), (order.cancelled_at, _("Cancelled"))], as_of)
        return (ended, why) if ended else None


class ShipDelay(PeriodicRule):
    code = "ship_delay"
    type_code = "ship_delay"
    title = _("Ship delay")
    description = _("Paid, not shipped within the limit after payment (the order's platform `ship_by`"
                               " wins when given); a warning (no case) at 75%.")
    params = (Param("hours", float, 48.0, _("Hours to ship after payment"), minimum=0.1),
              Param("warning_ratio", float, 0.75, _("Warning at this share of the limit (0 = off)")),)
    events = frozenset({"shipment.created", "order.cancelled"})
    late_events = frozenset({"order.paid", "order.created", "order.updated"})

    def late_due(self, event, params):
        order = event.order
        if order is None or not order.pk or order.paid_at is None:
            return None
        p = params.for_order_obj(self, order)
        limit = hours(p["hours"])
        ratio = p["warning_ratio"]
        lead = limit - (limit * ratio if 0 < ratio < 1 else limit)
        return order.pk, (order.ship_by or order.paid_at + limit) - lead

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            limit = hours(group.params["hours"])
            ratio = group.params["warning_ratio"]
            earliest = limit * ratio if 0 < ratio < 1 else limit
            lead = limit - earliest
            fields = ("id", "order_no", "paid_at", "ship_by", "shipped_at", "cancelled_at", "shop_id", "platform")
            if since is not None:
                # Newly due, through indexes: unshipped orders paid in the window (partial index on paid_at),
                # and platform deadlines in the window. The exact test is done below, per row.
                by_payment = orders_where(group.q(), Q(shipped_at__isnull=True, paid_at__gt=since - limit,
                                                       paid_at__lte=as_of - earliest), fields=fields)
                by_platform = orders_where(group.q(), Q(paid_at__isnull=False, shipped_at__isnull=True,
                                                        ship_by__isnull=False, ship_by__gt=since - lead,
                                                        ship_by__lte=as_of + lead), fields=fields)
                rows = [*by_payment, *by_platform]
            else:
                deadline = ExpressionWrapper(Coalesce("ship_by", F("paid_at") + limit), output_field=DateTimeField())
                rows = orders_where(group.q(), Q(paid_at__isnull=False), LessThanOrEqual(deadline, as_of + lead),
                                    Q(shipped_at__isnull=True) | Q(shipped_at__gt=deadline - lead),
                                    Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=deadline - lead),
                                    ids=only, fields=fields)
            for order in rows:
                due = order.ship_by or order.paid_at + limit
                if due <= as_of and _after(order.shipped_at, due) and _after(order.cancelled_at, due):
                    ended, why = _ended([(order.shipped_at, format_lazy("{} {}", _("Shipped"), fmt_time(order.shipped_at))),
                                         (order.cancelled_at, _("Cancelled"))], as_of)
                    hits.append(Hit(self.code, self.type_code, order_subject(order), due,
                                    stored_text(_("Not shipped by the platform's ship-by time (%(due)s); paid at"
                                                  " %(paid)s") if order.ship_by else
                                                _("Not shipped %(limit)s after payment (%(due)s); paid at %(paid)s"),
                                                limit=fmt_hours(limit), due=fmt_time(due), paid=fmt_time(order.paid_at)),
                                    {"paid_at": order.paid_at.isoformat(), "deadline": due.isoformat(),
                                     "ship_by_from_platform": bool(order.ship_by)},
                                    order=order, cleared_at=ended, clear_summary=why))
                warn_at = due - (limit - earliest)
                if ratio and 0 < ratio < 1 and warn_at <= as_of and _after(order.shipped_at, warn_at) \
                        and _after(order.cancelled_at, warn_at):
                    hits.append(Hit(self.code, self.type_code, order_subject(order), warn_at,
                                    stored_text(_("Ship warning: less than %(left)s to the ship-by deadline"
                                                  " (%(due)s), not shipped yet"), due=fmt_time(due),
                                                left=fmt_hours(limit - earliest)),
                                    {"deadline": due.isoformat()}, order=order, level="warning",
                                    occurrence="warning"))
        return hits

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        ended, why = _ended([(order.shipped_at, _("Shipped")), (order.cancelled_at, _("Cancelled"))], as_of)
        return (ended, why) if ended else None


class CancelNotHonoured(PeriodicRule):
    code = "cancel_failed"
    type_code = "cancel_failed"
    title = _("Cancel not honoured")
    description = _("Cancel requested, order not cancelled within the limit (requests made after"
                               " shipping excepted). Clears when cancelled.")
    params = (Param("hours", float, 12.0, _("Hours to cancel"), minimum=0.1),)
    events = frozenset({"order.cancelled"})
    late_events = frozenset({"order.cancel_requested"})

    def late_due(self, event, params):
        order = event.order
        if order is None or not order.pk or order.cancel_requested_at is None:
            return None
        return order.pk, order.cancel_requested_at + hours(params.for_order_obj(self, order)["hours"])

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            limit = hours(group.params["hours"])
            rows = orders_where(
                group.q(), self.window("cancel_requested_at", as_of, since, limit, limit),
                Q(cancel_requested_at__isnull=False),
                Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=F("cancel_requested_at") + limit),
                Q(shipped_at__isnull=True) | Q(shipped_at__gt=F("cancel_requested_at")),
                ids=only, fields=("id", "order_no", "cancel_requested_at", "cancelled_at", "shipped_at", "shop_id",
                                  "platform"))
            for order in rows:
                due = order.cancel_requested_at + limit
                ended, why = _ended([(order.cancelled_at, _("Cancelled"))], as_of)
                shipped = order.shipped_at is not None and order.shipped_at <= as_of
                hits.append(Hit(self.code, self.type_code, order_subject(order), due,
                                stored_text(_("The buyer asked to cancel at %(requested)s, still not cancelled"
                                              " %(limit)s later (and shipped)") if shipped else
                                            _("The buyer asked to cancel at %(requested)s, still not cancelled"
                                              " %(limit)s later"),
                                            requested=fmt_time(order.cancel_requested_at), limit=fmt_hours(limit)),
                                {"cancel_requested_at": order.cancel_requested_at.isoformat(), "shipped": shipped},
                                order=order, cleared_at=ended, clear_summary=why))
        return hits

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        if order.cancelled_at and order.cancelled_at <= as_of:
            return order.cancelled_at, _("Cancelled")
        return None


def _parcel_due(rule, event, params, due):
    """(parcel pk, due) for a parcel's event, with the parcel's order's parameters."""
    shipment, order = event.shipment, event.order
    if shipment is None or not shipment.pk or order is None:
        return None
    return shipment.pk, due(shipment, params.for_order_obj(rule, order))


def _stall_due(rule, event, params, limit):
    shipment = event.shipment
    if shipment is None or shipment.picked_up_at is None or shipment.last_event_at is None \
            or shipment.status not in MOVING:
        return None
    return _parcel_due(rule, event, params, lambda s, p: s.last_event_at + limit(p))


def _parcel_facts(shipment) -> dict:
    return {"carrier": shipment.carrier, "tracking_no": shipment.tracking_no, "status": shipment.status,
            "last_location": shipment.last_location, "last_description": shipment.last_description}


class PickupTimeout(PeriodicRule):
    code = "pickup_timeout"
    type_code = "pickup_timeout"
    title = _("Pickup timeout")
    description = _("Shipped, no `picked_up` (or later) scan within the limit; escalation evidence past"
                               " the second limit.")
    params = (Param("hours", float, 24.0, _("Hours to pickup"), minimum=0.1),
              Param("escalate_hours", float, 48.0, _("Escalate after hours (0 = off)")),)
    events = frozenset({"tracking.updated"})
    late_events = frozenset({"shipment.created"})

    def late_due(self, event, params):
        return _parcel_due(self, event, params, lambda s, p: s.created_at + hours(p["hours"]))

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            limit = hours(group.params["hours"])
            escalate = hours(group.params["escalate_hours"]) if group.params["escalate_hours"] else None
            conditions = [group.q("order__"), self.windows("created_at", as_of, since, limit, escalate or limit)]
            if since is None:
                conditions.append(Q(picked_up_at__isnull=True) | Q(picked_up_at__gt=F("created_at") + limit))
            for shipment in parcels_where(*conditions, ids=only):
                due = shipment.created_at + limit
                if due > as_of or not _after(shipment.picked_up_at, due):
                    continue
                ended, why = _ended([(shipment.picked_up_at, _("Picked up"))], as_of)
                summary = stored_text(_("%(carrier)s %(tracking_no)s: no pickup scan %(limit)s after shipping"
                                        " (shipped %(shipped)s)"), carrier=shipment.carrier,
                                      tracking_no=shipment.tracking_no, limit=fmt_hours(limit),
                                      shipped=fmt_time(shipment.created_at))
                hits.append(Hit(self.code, self.type_code, order_subject(shipment.order), due, summary,
                                _parcel_facts(shipment), order=shipment.order, shipment=shipment,
                                occurrence=shipment.shipment_no, cleared_at=ended, clear_summary=why))
                if escalate and shipment.created_at + escalate <= as_of and _after(
                        shipment.picked_up_at, shipment.created_at + escalate):
                    hits.append(Hit(self.code, self.type_code, order_subject(shipment.order),
                                    shipment.created_at + escalate,
                                    stored_text(_("Escalated: still not picked up after %(limit)s"),
                                                limit=fmt_hours(escalate)),
                                    {**_parcel_facts(shipment), "escalate": True}, order=shipment.order,
                                    shipment=shipment, level="escalation", occurrence=f"{shipment.shipment_no}:escalate"))
        return hits

    def check_clear(self, finding, as_of, ctx):
        shipment = finding.shipment
        if shipment is not None and shipment.picked_up_at and shipment.picked_up_at <= as_of:
            return shipment.picked_up_at, _("Picked up")
        return None


class FalseShipment(PeriodicRule):
    code = "false_shipment"
    type_code = "false_shipment"
    title = _("False shipment")
    description = _("A tracking number with no carrier event at all within the limit after"
                               " shipment.created. Clears when an event arrives.")
    params = (Param("hours", float, 72.0, _("Hours without any carrier event"), minimum=0.1),)
    events = frozenset({"tracking.updated"})
    late_events = frozenset({"shipment.created"})

    def late_due(self, event, params):
        return _parcel_due(self, event, params, lambda s, p: s.created_at + hours(p["hours"]))

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            limit = hours(group.params["hours"])
            rows = parcels_where(group.q("order__"), self.window("created_at", as_of, since, limit, limit),
                                 Q(first_event_at__isnull=True) | Q(first_event_at__gt=F("created_at") + limit), ids=only)
            for shipment in rows:
                due = shipment.created_at + limit
                ended, why = _ended([(shipment.first_event_at, _("Carrier event"))], as_of)
                hits.append(Hit(self.code, self.type_code, order_subject(shipment.order), due,
                                stored_text(_("%(carrier)s %(tracking_no)s: no carrier event at all %(limit)s after"
                                              " shipping, suspected false shipment"), carrier=shipment.carrier,
                                            tracking_no=shipment.tracking_no, limit=fmt_hours(limit)),
                                _parcel_facts(shipment), order=shipment.order, shipment=shipment,
                                occurrence=shipment.shipment_no, cleared_at=ended, clear_summary=why))
        return hits

    def check_clear(self, finding, as_of, ctx):
        shipment = finding.shipment
        if shipment is not None and shipment.first_event_at and shipment.first_event_at <= as_of:
            return shipment.first_event_at, _("Carrier event")
        return None


MOVING = [s for s in TrackingStatus.values if s not in FINAL_TRACKING and s != TrackingStatus.AVAILABLE_FOR_PICKUP]


class TrackingStalled(PeriodicRule):
    code = "tracking_stalled"
    type_code = "tracking_stalled"
    title = _("Tracking stalled")
    description = _("No tracking update within the limit after pickup (longer for remote provinces:"
                               " Tibet, Xinjiang, Qinghai, Inner Mongolia, Ningxia, Gansu), or the carrier flags the"
                               " parcel as not updated. Clears when the parcel moves. ≥ 3 parcels stalled at one"
                               " carrier hub form one incident.")
    params = (Param("hours", float, 48.0, _("Hours without update"), minimum=0.1),
              Param("remote_hours", float, 72.0, _("Hours for remote provinces"), minimum=0.1),
              Param("escalate_hours", float, 96.0, _("Escalate after hours (0 = off)")),
              Param("hub_incident_min", int, 3, _("Parcels at one hub for an incident"),
                    minimum=1),)
    events = frozenset({"tracking.updated"})

    late_events = frozenset({"tracking.updated"})

    def limit_for(self, shipment, p) -> timedelta:
        return hours(p["remote_hours"] if is_remote_province(shipment.order.province) else p["hours"])

    def late_due(self, event, params):
        return _stall_due(self, event, params, lambda p: hours(min(p["hours"], p["remote_hours"])))

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            p = group.params
            limits = [hours(p["hours"]), hours(p["remote_hours"])]
            if p["escalate_hours"]:
                limits.append(hours(p["escalate_hours"]))
            rows = parcels_where(group.q("order__"), self.windows("last_event_at", as_of, since, *limits),
                                 Q(status__in=MOVING, picked_up_at__isnull=False), ids=only)
            for shipment in rows:
                if shipment.last_event_at <= as_of - self.limit_for(shipment, p):
                    hits.extend(self.stall_hits(shipment, shipment.last_event_at, None, as_of, p))
        return self.group_hubs(hits, groups[0].params["hub_incident_min"])

    def stall_hits(self, shipment, since_at, moved_at, as_of, p) -> list[Hit]:
        limit = self.limit_for(shipment, p)
        due = since_at + limit
        remote = is_remote_province(shipment.order.province)
        where = shipment.last_location if moved_at is None else ""
        facts = {**_parcel_facts(shipment), "last_update_at": since_at.isoformat(), "remote": remote,
                 "limit_hours": limit.total_seconds() / 3600}
        silent = (moved_at or as_of) - since_at
        summary = stored_text(_("%(carrier)s %(tracking_no)s: no tracking update for %(silent)s (remote area);"
                                " last: %(location)s %(at)s") if remote else
                              _("%(carrier)s %(tracking_no)s: no tracking update for %(silent)s; last: %(location)s"
                                " %(at)s"), carrier=shipment.carrier, tracking_no=shipment.tracking_no,
                              silent=fmt_hours(silent), location=where or shipment.last_location or "—",
                              at=fmt_time(since_at))
        hit = Hit(self.code, self.type_code, order_subject(shipment.order), due, summary, facts,
                  order=shipment.order, shipment=shipment, occurrence=f"{shipment.shipment_no}@{since_at.isoformat()}",
                  basis_at=since_at, cleared_at=moved_at, clear_summary=_("Parcel moved") if moved_at else "")
        hits = [hit]
        if p["escalate_hours"] and since_at + hours(p["escalate_hours"]) <= (moved_at or as_of):
            hits.append(Hit(self.code, self.type_code, order_subject(shipment.order),
                            since_at + hours(p["escalate_hours"]),
                            stored_text(_("Escalated: no update for %(silent)s"),
                                        silent=fmt_hours(hours(p["escalate_hours"]))),
                            {**facts, "escalate": True}, order=shipment.order, shipment=shipment, level="escalation",
                            occurrence=f"{shipment.shipment_no}@{since_at.isoformat()}:escalate", basis_at=since_at))
        return hits

    def evaluate(self, ctx):
        """Stalls that already ended when their events were imported (history replayed after the fact)."""
        hits = []
        for shipment, silent_from, moved_at in ctx.tracking_gaps:
            p = ctx.params.for_order_obj(self, shipment.order)
            if moved_at - silent_from > self.limit_for(shipment, p):
                hits.extend(self.stall_hits(shipment, silent_from, moved_at, moved_at, p))
        return hits

    def group_hubs(self, hits, minimum):
        hubs = {}
        for hit in hits:
            if hit.level == "finding" and hit.cleared_at is None and hit.facts.get("last_location"):
                hubs.setdefault((hit.facts["carrier"], hit.facts["last_location"]), []).append(hit)
        for (carrier, location), members in hubs.items():
            if len(members) >= minimum:
                for hit in members:
                    hit.incident_key = f"stall:{carrier}:{location}"
                    hit.incident_title = stored_text(_("%(carrier)s %(location)s: several parcels stalled"),
                                                     carrier=carrier, location=location)
        return hits

    def check_clear(self, finding, as_of, ctx):
        shipment = finding.shipment
        if shipment is None:
            return None
        if finding.basis_at and shipment.last_event_at and shipment.last_event_at > finding.basis_at \
                and shipment.carrier_stalled_at is None:
            return shipment.last_event_at, stored_text(_("The parcel moved again: %(location)s %(at)s"),
                                                       location=shipment.last_location,
                                                       at=fmt_time(shipment.last_event_at))
        if shipment.status in FINAL_TRACKING and shipment.status_at:
            return shipment.status_at, stored_text(_("Parcel status: %(status)s"),
                                                   status=TrackingStatus(shipment.status).label)
        return None


class ParcelLostStalled(PeriodicRule):
    code = "parcel_lost_stalled"
    type_code = "parcel_lost"
    title = _("Parcel lost (stalled)")
    description = _("Stalled past the loss limit (default 7 days) after pickup. Clears when the parcel"
                               " moves.")
    params = (Param("days", float, 7.0, _("Days stalled"), minimum=0.1),)
    events = frozenset({"tracking.updated"})
    late_events = frozenset({"tracking.updated"})

    def late_due(self, event, params):
        return _stall_due(self, event, params, lambda p: timedelta(days=p["days"]))

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            limit = timedelta(days=group.params["days"])
            conditions = [group.q("order__"), Q(status__in=MOVING, picked_up_at__isnull=False,
                                                last_event_at__lte=as_of - limit)]
            if since is not None:
                conditions.append(Q(last_event_at__gt=since - limit))
            for shipment in parcels_where(*conditions, ids=only):
                hits.append(self.lost_hit(shipment, shipment.last_event_at, None, limit))
        return hits

    def evaluate(self, ctx):
        hits = []
        for shipment, silent_from, moved_at in ctx.tracking_gaps:
            limit = timedelta(days=ctx.params.for_order_obj(self, shipment.order)["days"])
            if moved_at - silent_from > limit:
                hits.append(self.lost_hit(shipment, silent_from, moved_at, limit))
        return hits

    def lost_hit(self, shipment, since_at, moved_at, limit):
        return Hit(self.code, self.type_code, order_subject(shipment.order), since_at + limit,
                   stored_text(_("%(carrier)s %(tracking_no)s: stalled for more than %(limit)s, suspected lost;"
                                 " last: %(location)s %(at)s"), carrier=shipment.carrier,
                               tracking_no=shipment.tracking_no, limit=fmt_hours(limit),
                               location=shipment.last_location or "—", at=fmt_time(since_at)),
                   {**_parcel_facts(shipment), "last_update_at": since_at.isoformat()}, order=shipment.order,
                   shipment=shipment, occurrence=f"{shipment.shipment_no}@{since_at.isoformat()}", basis_at=since_at,
                   cleared_at=moved_at, clear_summary=_("Parcel moved") if moved_at else "")

    def check_clear(self, finding, as_of, ctx):
        return TrackingStalled.check_clear(self, finding, as_of, ctx)


class DeliveryOverdue(PeriodicRule):
    code = "delivery_overdue"
    type_code = "delivery_overdue"
    title = _("Delivery overdue")
    description = _("Not delivered by the promised date: the order's `deliver_by`, else shipped + 5 days"
                               " (8 for remote provinces). Clears on delivery.")
    params = (Param("days", float, 5.0, _("Days after shipping"), minimum=0.1),
              Param("remote_days", float, 8.0, _("Days for remote provinces"), minimum=0.1),)
    events = frozenset({"tracking.updated"})
    late_events = frozenset({"shipment.created", "order.created", "order.updated"})

    def late_due(self, event, params):
        order = event.order
        if order is None or not order.pk or order.shipped_at is None:
            return None
        p = params.for_order_obj(self, order)
        return order.pk, order.deliver_by or order.shipped_at + timedelta(days=min(p["days"], p["remote_days"]))

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            p = group.params
            days, remote_days = timedelta(days=p["days"]), timedelta(days=p["remote_days"])
            short = min(days, remote_days)
            base = [group.q(), Q(shipped_at__isnull=False), Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=F("shipped_at"))]
            explicit = [*base, Q(deliver_by__isnull=False, deliver_by__lte=as_of),
                        Q(delivered_at__isnull=True) | Q(delivered_at__gt=F("deliver_by"))]
            implicit = [*base, Q(deliver_by__isnull=True, shipped_at__lte=as_of - short),
                        (~remote_q() & (Q(delivered_at__isnull=True) | Q(delivered_at__gt=F("shipped_at") + days))
                         & Q(shipped_at__lte=as_of - days))
                        | (remote_q() & (Q(delivered_at__isnull=True) | Q(delivered_at__gt=F("shipped_at") + remote_days))
                           & Q(shipped_at__lte=as_of - remote_days))]
            implicit_ids = only
            if since is not None:
                explicit.append(Q(deliver_by__gt=since, delivered_at__isnull=True))
                # shipped_at is the first parcel's created_at: the indexed parcels give the few candidates.
                implicit = [group.q(), Q(deliver_by__isnull=True, delivered_at__isnull=True, shipped_at__isnull=False)]
                implicit_ids = parcel_order_ids(self.windows("created_at", as_of, since, days, remote_days))
            candidates = []
            for order in [*orders_where(*explicit, ids=only), *orders_where(*implicit, ids=implicit_ids)]:
                promised = order.deliver_by or order.shipped_at + (
                    remote_days if is_remote_province(order.province) else days)
                if promised <= as_of and _after(order.delivered_at, promised) and _after(order.cancelled_at,
                                                                                        order.shipped_at):
                    candidates.append(order)
            for order in candidates:
                promised = order.deliver_by or order.shipped_at + (
                    remote_days if is_remote_province(order.province) else days)
                ended, why = _ended([(order.delivered_at, _("Signed for"))], as_of)
                hits.append(Hit(self.code, self.type_code, order_subject(order), promised,
                                stored_text(_("Promised by %(promised)s, still not signed for (shipped %(shipped)s,"
                                              " the platform's promised time)") if order.deliver_by else
                                            _("Promised by %(promised)s, still not signed for (shipped %(shipped)s)"),
                                            promised=fmt_time(promised), shipped=fmt_time(order.shipped_at)),
                                {"promised": promised.isoformat(), "shipped_at": order.shipped_at.isoformat(),
                                 "from_platform": bool(order.deliver_by)}, order=order, cleared_at=ended,
                                clear_summary=why))
        return hits

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        if order.delivered_at and order.delivered_at <= as_of:
            return order.delivered_at, _("Signed for")
        return None


class RefundDelayed(PeriodicRule):
    code = "refund_delayed"
    type_code = "refund_delayed"
    title = _("Refund delayed")
    description = _("Refund requested, not completed within the limit: 12 h if the order was not"
                               " shipped, 24 h for a shipped refund-only. Clears on completion; a failure opens"
                               " refund_failed instead.")
    params = (Param("unshipped_hours", float, 12.0, _("Hours, unshipped"), minimum=0.1),
              Param("shipped_hours", float, 24.0, _("Hours, shipped refund-only"), minimum=0.1),)
    events = frozenset({"refund.completed", "refund.failed"})
    late_events = frozenset({"refund.requested"})

    def late_due(self, event, params):
        refund, order = event.refund, event.order
        if refund is None or not refund.pk or order is None or refund.requested_at is None:
            return None
        p = params.for_order_obj(self, order)
        return refund.pk, refund.requested_at + hours(min(p["unshipped_hours"], p["shipped_hours"]))

    def scan(self, as_of, since, groups, only=None):
        hits = []
        for group in groups:
            p = group.params
            un, sh = hours(p["unshipped_hours"]), hours(p["shipped_hours"])
            rows = refunds_where(group.q("order__"), self.windows("requested_at", as_of, since, un, sh),
                                 Q(status__in=RefundStatus.values), ids=only)
            for refund in rows:
                shipped = refund.order.shipped_at is not None and refund.order.shipped_at <= refund.requested_at
                limit = sh if shipped else un
                due = refund.requested_at + limit
                if due > as_of or not _after(refund.completed_at, due) or not _after(refund.failed_at, due):
                    continue
                ended, why = _ended([(refund.completed_at, _("Refund completed"))], as_of)
                hits.append(Hit(self.code, self.type_code, order_subject(refund.order), due,
                                stored_text(_("Refund %(refund)s (¥%(amount)s) requested at %(requested)s, not"
                                              " completed within %(limit)s (shipped, refund only)") if shipped else
                                            _("Refund %(refund)s (¥%(amount)s) requested at %(requested)s, not"
                                              " completed within %(limit)s (not shipped)"),
                                            refund=refund.refund_no, amount=refund.amount,
                                            requested=fmt_time(refund.requested_at), limit=fmt_hours(limit)),
                                {"refund_no": refund.refund_no, "amount": str(refund.amount), "shipped": shipped},
                                order=refund.order, refund=refund, occurrence=refund.refund_no, cleared_at=ended,
                                clear_summary=why))
        return hits

    def check_clear(self, finding, as_of, ctx):
        refund = finding.refund
        if refund is not None and refund.completed_at and refund.completed_at <= as_of:
            return refund.completed_at, _("Refund completed")
        return None
