"""Order audit before shipping: customer info, duplicates, malicious bursts, quantity, price, stock, changes."""

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import mask
from ordex.core.text import stored_text
from ordex.orders.choices import AddressQuality, PhoneKind
from ordex.orders.queries import lines_by_order, order_rows, orders_by_id, prices_as_of, stock_as_of

from ..models import Finding
from .base import BaseRule, Hit, Param, fmt_time, order_subject
from .incidents import group_incidents

SNAPSHOTS = frozenset({"order.created", "order.updated"})


def standing_findings(rule_code: str, told: dict[str, list]) -> list[Finding]:
    """The rule's findings, not withdrawn, on these SKUs, found at or after the earliest snapshot told for
    their SKU in this chunk: what a late price list or stock snapshot may show never held. One read."""
    if not told:
        return []
    found = Finding.objects.filter(rule_code=rule_code, sku__in=list(told), withdrawn_at__isnull=True,
                                   found_at__gte=min(min(times) for times in told.values()),
                                   level="finding").select_related("order")
    return [f for f in found if f.found_at >= min(told[f.sku])]


class CustomerInfoError(BaseRule):
    code = "customer_info_error"
    type_code = "customer_info_error"
    trigger = "on_event"
    title = _("Customer info error")
    description = _("Address not resolvable to province/city/district or without street detail; invalid"
                               " or missing phone (platform-masked and virtual numbers are valid).")
    events = SNAPSHOTS
    params = (Param("check_phone", bool, True, _("Check the phone number")),
              Param("check_address", bool, True, _("Check the address")),)

    def problems(self, order, p) -> list[str]:
        found = []
        if p["check_address"] and order.address_quality == AddressQuality.UNRESOLVED:
            found.append(stored_text(_("Address not resolvable to province/city/district: “%(address)s”"),
                                     address=order.address_raw or order.address_display))
        elif p["check_address"] and order.address_quality == AddressQuality.NO_DETAIL:
            found.append(stored_text(_("Address without street or house number: “%(address)s”"),
                                     address=order.address_display))
        if p["check_phone"] and order.phone_kind in (PhoneKind.INVALID, PhoneKind.MISSING):
            found.append(stored_text(_("Phone number missing")) if order.phone_kind == PhoneKind.MISSING
                         else stored_text(_("Invalid phone number: “%(phone)s”"), phone=order.phone))
        return found

    def evaluate(self, ctx):
        hits = []
        for order, at in ctx.orders_with(SNAPSHOTS):
            problems = self.problems(order, ctx.params.for_order_obj(self, order))
            if problems:
                summary = problems[0] if len(problems) == 1 else stored_text(
                    _("%(first)s; %(second)s"), first=problems[0], second=problems[1])
                hits.append(Hit(self.code, self.type_code, order_subject(order), at, summary,
                                {"problems": problems, "address": order.address_display, "phone": order.phone,
                                 "address_quality": order.address_quality, "phone_kind": order.phone_kind},
                                order=order))
        return hits

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        if order is not None and not self.problems(order, ctx.params.for_order_obj(self, order)):
            return order.snapshot_at, _("Customer info corrected")
        return None


class DuplicateOrder(BaseRule):
    code = "duplicate_order"
    type_code = "duplicate_order"
    trigger = "on_event"
    title = _("Duplicate order")
    description = _("Same buyer phone + same address + same SKU/qty multiset within the window; the"
                               " later order is the duplicate.")
    events = frozenset({"order.created"})
    params = (Param("window_minutes", int, 10, _("Window (minutes)"), minimum=1),)

    def evaluate(self, ctx):
        new = [o for o, _ in ctx.orders_with(self.events) if o.phone and o.address_key and o.lines_key]
        if not new:
            return []
        widest = max(ctx.params.for_order_obj(self, o)["window_minutes"] for o in new)
        window = timedelta(minutes=widest)
        lo = min(o.created_at for o in new) - window
        hi = max(o.created_at for o in new) + window
        # The neighbours as plain rows (a chunk's orders have hundreds of them); whole orders only for hits.
        rows = order_rows(Q(phone__in={o.phone for o in new}, created_at__gte=lo, created_at__lte=hi),
                          fields=_OrderKey._fields)
        groups = defaultdict(list)
        for row in map(_OrderKey._make, rows):
            groups[(row.phone, row.address_key, row.lines_key)].append(row)
        wanted = {(o.phone, o.address_key, o.lines_key) for o in new}
        in_memory = {o.pk: o for o in new}
        pairs = []
        for key in wanted:
            members = sorted(groups.get(key, ()), key=lambda o: (o.created_at, o.order_no))
            for earlier, later in zip(members, members[1:], strict=False):
                limit = timedelta(minutes=ctx.params.for_order_obj(self, later)["window_minutes"])
                if later.created_at - earlier.created_at > limit:
                    continue
                if earlier.pk not in in_memory and later.pk not in in_memory:
                    continue
                pairs.append((earlier, later))
        if not pairs:
            return []
        stored = orders_by_id({o.pk for pair in pairs for o in pair if o.pk not in in_memory})
        hits = []
        for earlier_row, later_row in pairs:
            earlier = in_memory.get(earlier_row.pk) or stored[earlier_row.pk]
            later = in_memory.get(later_row.pk) or stored[later_row.pk]
            gap = (later.created_at - earlier.created_at).total_seconds() / 60
            hits.append(Hit(
                self.code, self.type_code, order_subject(later), later.created_at,
                stored_text(_("Duplicate of order %(order)s: same phone, address and items, ordered again within"
                              " %(minutes)s minutes"), order=earlier.order_no, minutes=f"{gap:.0f}"),
                {"original_order_no": earlier.order_no, "minutes_apart": round(gap, 1),
                 "lines": later.lines_key}, order=later, orders=(earlier,)))
        return hits


class _OrderKey(NamedTuple):
    """What duplicate detection compares, read without building Order instances."""

    pk: int
    order_no: str
    phone: str
    address_key: str
    lines_key: str
    created_at: datetime
    shop_id: int | None
    platform: str


class MaliciousOrders(BaseRule):
    code = "malicious_orders"
    type_code = "malicious_orders"
    trigger = "periodic"
    title = _("Malicious orders")
    description = _("≥ 5 orders from one phone, address or IP within the window, none paid within the"
                               " payment limit: one case per order, grouped into one incident (bulk cancel)."
                               " Platform-masked and virtual numbers do not identify a buyer.")
    params = (Param("window_minutes", int, 60, _("Window (minutes)"), minimum=1),
              Param("min_orders", int, 5, _("Unpaid orders at least"), minimum=2),
              Param("unpaid_minutes", int, 30, _("Unpaid after (minutes)"), minimum=1),)

    KEYS = (("phone", _("Phone")), ("address_key", _("Address")), ("buyer_ip", _("IP")))
    MASK_KIND = {"phone": "phone", "buyer_ip": "ip"}
    late_events = frozenset({"order.created"})

    def late_due(self, event, params):
        order = event.order
        if order is None or not order.pk:
            return None
        return order.pk, order.created_at + timedelta(minutes=params.base(self)["unpaid_minutes"])

    def scan(self, as_of, since, groups, only=None):
        p = groups[0].params
        window, unpaid = timedelta(minutes=p["window_minutes"]), timedelta(minutes=p["unpaid_minutes"])
        conditions = [Q(created_at__lte=as_of - unpaid), Q(paid_at__isnull=True) | Q(paid_at__gt=F("created_at") + unpaid)]
        if since is not None:
            conditions.append(Q(created_at__gt=since - unpaid - window))
        if only is not None:
            # Late history: the orders sharing a phone, address or IP with the queued ones, around their time.
            targets = order_rows(Q(pk__in=only), fields=("phone", "address_key", "buyer_ip", "created_at"))
            if not targets:
                return []
            near = Q()
            for index, (field, _label) in enumerate(self.KEYS):
                values = {t[index] for t in targets if t[index]}
                if values:
                    near |= Q(**{f"{field}__in": values})
            if not near:
                return []
            conditions.append(near & Q(created_at__gt=min(t[3] for t in targets) - window,
                                       created_at__lt=max(t[3] for t in targets) + window))
        fields = ("pk", "order_no", "phone", "phone_kind", "address_key", "buyer_ip", "created_at")
        rows = [dict(zip(fields, row, strict=True)) for row in order_rows(*conditions, fields=fields)]
        bursts = []
        for field, label in self.KEYS:
            groups_by_key = defaultdict(list)
            for row in rows:
                value = row[field]
                if not value or (field == "phone" and row["phone_kind"] not in (PhoneKind.MOBILE, PhoneKind.FIXED)):
                    continue
                groups_by_key[value].append(row)
            for value, members in groups_by_key.items():
                if len(members) < p["min_orders"]:
                    continue
                members.sort(key=lambda r: (r["created_at"], r["order_no"]))
                for index, last in enumerate(members):
                    burst = [r for r in members[:index + 1] if r["created_at"] > last["created_at"] - window]
                    if len(burst) >= p["min_orders"]:
                        bursts.append((field, label, value, last["created_at"] + unpaid, burst))
        if not bursts:
            return []
        orders = orders_by_id({r["pk"] for *_, burst in bursts for r in burst})
        hits = []
        for field, label, value, found_at, burst in bursts:
            # An incident has no order to mask against: its key and title never hold the phone or IP itself.
            key = f"malicious:{field}:{hashlib.sha256(str(value).encode()).hexdigest()[:16]}"
            shown = mask(self.MASK_KIND[field], str(value)) if field in self.MASK_KIND else value
            numbers = [r["order_no"] for r in burst]
            for row in burst:
                hits.append(Hit(
                    self.code, self.type_code, f"order:{row['order_no']}", found_at,
                    stored_text(_("%(key)s %(value)s placed %(orders)s orders within %(minutes)s minutes, none"
                                  " paid"), key=label, value=value, orders=len(burst), minutes=p["window_minutes"]),
                    {"key": field, "value": str(value), "orders": numbers, "window_minutes": p["window_minutes"]},
                    order=orders[row["pk"]], incident_key=key,
                    incident_title=stored_text(_("Suspected malicious orders: %(key)s %(value)s"), key=label,
                                               value=shown)))
        return hits


class QuantityAnomaly(BaseRule):
    code = "quantity_anomaly"
    type_code = "quantity_anomaly"
    trigger = "on_event"
    title = _("Quantity anomaly")
    description = _("Qty above 10 × the SKU's 30-day median per order, or above the per-order cap.")
    events = SNAPSHOTS
    params = (Param("median_multiple", float, 10.0, _("Multiple of the 30-day median"), minimum=1),
              Param("median_days", int, 30, _("Days of history for the median"), minimum=1),
              Param("min_history_orders", int, 20, _("Orders needed before the median is used"),
                    minimum=1),
              Param("max_qty_per_order", int, 50, _("Per-order cap (0 = none)")),)

    def evaluate(self, ctx):
        hits = []
        for order, at in ctx.orders_with(SNAPSHOTS):
            p = ctx.params.for_order_obj(self, order)
            for line in ctx.new_lines(order):
                reasons = []
                median, sample = ctx.qty_median(line.sku, order.created_at, p["median_days"])
                if sample >= p["min_history_orders"] and line.qty > p["median_multiple"] * median:
                    reasons.append(stored_text(_("%(multiple)s times the median per order (%(median)s) of the last"
                                                 " %(days)s days"), days=p["median_days"], median=f"{median:g}",
                                               multiple=f"{line.qty / median:.0f}"))
                if p["max_qty_per_order"] and line.qty > p["max_qty_per_order"]:
                    reasons.append(stored_text(_("above the per-order cap of %(cap)s"), cap=p["max_qty_per_order"]))
                if reasons:
                    hits.append(Hit(self.code, self.type_code, order_subject(order), at,
                                    stored_text(_("%(sku)s: %(qty)s bought, %(reasons)s"), sku=line.sku, qty=line.qty,
                                                reasons=stored_text(_("%(first)s, %(second)s"), first=reasons[0],
                                                                    second=reasons[1]) if len(reasons) > 1
                                                else reasons[0]),
                                    {"sku": line.sku, "qty": line.qty, "median": median, "history_orders": sample,
                                     "cap": p["max_qty_per_order"]}, order=order, sku=line.sku))
                    break
        return hits

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        lines = ctx.new_lines(order) if order is not None else None
        if lines and all(line.sku != finding.sku or line.qty <= finding.facts.get("median", 1) *
                         ctx.params.for_order_obj(self, order)["median_multiple"] for line in lines):
            return order.snapshot_at, _("Quantity corrected")
        return None


class PriceError(BaseRule):
    code = "price_error"
    type_code = "price_error"
    trigger = "on_event"
    title = _("Price error")
    # xgettext:no-python-format
    description = _("Unit price < 50% or > 200% of list price, or below cost; ≥ 3 orders on one SKU form"
                               " one incident. A paid order is never cancelled automatically: it is flagged for"
                               " negotiation.")
    events = SNAPSHOTS | {"product.updated"}
    params = (Param("below_ratio", Decimal, Decimal("0.50"), _("Below this share of list price")),
              Param("above_ratio", Decimal, Decimal("2.00"), _("Above this multiple of list price")),
              Param("check_cost", bool, True, _("Below cost counts")),
              Param("incident_min_orders", int, 3, _("Orders on one SKU for an incident"),
                    minimum=1),
              Param("incident_hours", int, 72, _("Hours over which orders form one incident"),
                    minimum=1),)

    def line_problem(self, line, cost, p):
        """What is wrong with the line's unit price, judged by its list price (the order's own, else the SKU's
        at the order's time: the hub keeps `OrderLine.list_price` so) and the SKU's cost at the order's time."""
        listed = line.list_price
        if listed and line.unit_price < listed * p["below_ratio"]:
            return stored_text(_("%(sku)s sold at ¥%(price)s, below %(ratio)s%% of the list price ¥%(list_price)s"),
                               sku=line.sku, price=line.unit_price, list_price=listed,
                               ratio=f"{p['below_ratio'] * 100:.0f}"), listed, cost
        if listed and line.unit_price > listed * p["above_ratio"]:
            return stored_text(_("%(sku)s sold at ¥%(price)s, above %(ratio)s%% of the list price ¥%(list_price)s"),
                               sku=line.sku, price=line.unit_price, list_price=listed,
                               ratio=f"{p['above_ratio'] * 100:.0f}"), listed, cost
        if p["check_cost"] and cost and line.unit_price < cost:
            return stored_text(_("%(sku)s sold at ¥%(price)s, below the cost ¥%(cost)s"), sku=line.sku,
                               price=line.unit_price, cost=cost), listed, cost
        return None

    def judge(self, ctx, items) -> dict:
        """items: [(order, lines)] -> {order id: (line, problem)}, the first line with a problem, by the prices
        valid at the order's `created_at` whatever order the price lists arrived in (one read of costs)."""
        moments = defaultdict(list)
        for order, lines in items:
            for line in lines:
                moments[line.sku].append(order.created_at)
        prices = prices_as_of(moments) if moments else {}
        verdicts = {}
        for order, lines in items:
            p = ctx.params.for_order_obj(self, order)
            for line in lines:
                problem = self.line_problem(line, prices[line.sku].latest_given(order.created_at, "cost"), p)
                if problem:
                    verdicts[order.pk] = (line, problem)
                    break
        return verdicts

    def hit(self, order, at, line, problem):
        text, listed, cost = problem
        return Hit(self.code, self.type_code, order_subject(order), at,
                   stored_text(_("%(problem)s (paid: not cancelled automatically, to be agreed with the buyer)"),
                               problem=text) if order.paid_at else text,
                   {"sku": line.sku, "unit_price": str(line.unit_price),
                    "list_price": str(listed) if listed is not None else None,
                    "cost": str(cost) if cost is not None else None, "paid": bool(order.paid_at),
                    "auto_cancel_allowed": not order.paid_at},
                   order=order, sku=line.sku)

    def evaluate(self, ctx):
        items = [(order, at, ctx.new_lines(order)) for order, at in ctx.orders_with(SNAPSHOTS)]
        verdicts = self.judge(ctx, [(order, lines) for order, _, lines in items])
        hits = [self.hit(order, at, *verdicts[order.pk]) for order, at, _ in items if order.pk in verdicts]
        hits += self.predated_hits(ctx)
        return group_incidents(ctx, self, hits, "price_error", _("Price error"), "incident_min_orders",
                               "incident_hours")

    def predated_hits(self, ctx):
        """A price list (product.updated) that arrived after orders placed while it was current: those orders
        are judged again by the prices valid at their time, as if it had arrived in order."""
        candidates = {}
        for event, until in ctx.product_spans:
            for order, line in ctx.predated.get(event.data.sku, ()):
                if event.occurred_at <= order.created_at and (until is None or order.created_at < until):
                    candidates.setdefault(order.pk, (order, []))[1].append(line)
        verdicts = self.judge(ctx, list(candidates.values()))
        return [self.hit(order, order.created_at, *verdicts[pk]) for pk, (order, _) in candidates.items()
                if pk in verdicts]

    def disproved(self, ctx):
        """Findings that a late price list shows never held: the price valid at the order's time was not wrong
        (a price cut dated before the order that arrived after it)."""
        told = defaultdict(list)
        for event in ctx.by_type.get("product.updated", ()):
            told[event.data.sku].append(event.occurred_at)
        findings = standing_findings(self.code, told)
        lines = lines_by_order({f.order_id for f in findings})
        items = [(f.order, [line for line in lines.get(f.order_id, ()) if line.sku == f.sku]) for f in findings]
        verdicts = self.judge(ctx, items)
        return [(f, max(t for t in told[f.sku] if t <= f.order.created_at),
                 stored_text(_("A late price list shows the price was right when the order was placed (%(at)s)"),
                             at=fmt_time(f.order.created_at)))
                for f in findings if f.order_id not in verdicts and min(told[f.sku]) <= f.order.created_at]

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        lines = ctx.new_lines(order) if order is not None else None
        if lines and not self.judge(ctx, [(order, lines)]):
            return order.snapshot_at, _("Price corrected")
        return None


class OutOfStock(BaseRule):
    code = "out_of_stock"
    type_code = "out_of_stock"
    trigger = "on_event"
    title = _("Out of stock")
    description = _("Ordered qty > available (on hand − reserved) at the order's warehouse; the evidence"
                               " lists other warehouses that have it. Clears when stock arrives.")
    events = SNAPSHOTS | {"inventory.updated"}
    params = ()

    def judge(self, items) -> dict:
        """items: [(order, moment, [(sku, qty)])] -> {order id: (short lines, ended at, why)} for orders that
        had less available at `moment` than they ordered, by the stock snapshots valid then: at the order's
        warehouse, or summed over every warehouse for an order without one (no snapshot yet: unknown, not
        short), whatever order the snapshots arrived in. It ended when later snapshots covered every short
        line, or when the order shipped or was cancelled (None: not yet). One read of the snapshots for all
        the orders."""
        moments = defaultdict(list)
        for order, moment, lines in items:
            for sku, _qty in lines:
                moments[(sku, order.warehouse_id)].append(moment)
        stock = stock_as_of(moments) if moments else {}
        verdicts = {}
        for order, moment, lines in items:
            short, restocked = [], []
            for sku, qty in lines:
                totals = stock[(sku, order.warehouse_id)]
                available = totals.available_at(moment)
                if available is None or qty <= available:
                    continue
                short.append({"sku": sku, "ordered": qty, "available": available})
                restocked.append(totals.reached(qty, after=moment))
            if short:
                ends = [(max(restocked), _("Stock arrived"))] if all(restocked) else []
                ends += [(at, why) for at, why in ((order.shipped_at, _("Shipped")),
                                                   (order.cancelled_at, _("Cancelled"))) if at and at > moment]
                verdicts[order.pk] = (short, *min(ends, default=(None, "")))
        return verdicts

    def hit(self, ctx, order, at, short, ended, why, late=False):
        where = order.warehouse.code if order.warehouse_id else stored_text(_("all warehouses"))
        stock = ctx.stock_for({s["sku"] for s in short})
        for line in short:
            others = sorted(((r[0], r[1]) for wh, r in stock.get(line["sku"], {}).items()
                             if wh != order.warehouse_id and r[1] >= line["ordered"]), key=lambda x: -x[1])
            line["other_warehouses"] = [{"warehouse": c, "available": a} for c, a in others]
        first = short[0]
        values = {"sku": first["sku"], "ordered": first["ordered"], "warehouse": where, "available": first["available"]}
        short_text = stored_text(_("%(sku)s: %(ordered)s ordered, only %(available)s available at %(warehouse)s (by"
                                   " the stock snapshot valid when the order was placed, which arrived after it)"),
                                 **values) if late \
            else stored_text(_("%(sku)s: %(ordered)s ordered, only %(available)s available at %(warehouse)s"), **values)
        suggest = [stored_text(_("%(warehouse)s (%(available)s)"), warehouse=w["warehouse"], available=w["available"])
                   for w in first["other_warehouses"][:3]]
        return Hit(self.code, self.type_code, order_subject(order), at,
                   stored_text(_("%(short)s; in stock at: %(warehouses)s"), short=short_text, warehouses=suggest)
                   if suggest else stored_text(_("%(short)s; no other warehouse has enough either"), short=short_text),
                   {"warehouse": where, "short": short}, order=order, sku=first["sku"], cleared_at=ended,
                   clear_summary=why)

    def evaluate(self, ctx):
        # Judged at the order's time even if it has shipped since (a file brings both): a live system would
        # have opened the case then and cleared it on restock or shipping.
        candidates = [(o, at) for o, at in ctx.orders_with(SNAPSHOTS)
                      if not (o.shipped_at and o.shipped_at <= at) and not (o.cancelled_at and o.cancelled_at <= at)]
        verdicts = self.judge([(o, at, [(line.sku, line.qty) for line in ctx.new_lines(o)]) for o, at in candidates])
        return [self.hit(ctx, order, at, *verdicts[order.pk]) for order, at in candidates if order.pk in verdicts] \
            + self.predated_hits(ctx)

    def predated_hits(self, ctx):
        """A stock snapshot (inventory.updated) that arrived after orders placed at its warehouse (or without a
        warehouse) while it was current: those orders are judged again by the stock valid at their time, as if
        it had arrived in order (cleared at once if they shipped, were cancelled or a later snapshot restocked
        since)."""
        candidates = {}
        for event, until in ctx.stock_spans:
            sku, code = event.data.sku, event.data.warehouse
            for order, line in ctx.predated.get(sku, ()):
                if (order.warehouse_id is None or order.warehouse.code == code) \
                        and event.occurred_at <= order.created_at and (until is None or order.created_at < until):
                    candidates.setdefault(order.pk, (order, order.created_at, set()))[2].add((sku, line.qty))
        verdicts = self.judge(list(candidates.values()))
        return [self.hit(ctx, order, at, *verdicts[pk], late=True)
                for pk, (order, at, _) in candidates.items() if pk in verdicts]

    def disproved(self, ctx):
        """Findings that a late snapshot shows never held: the warehouse (all of them, for an order without
        one) had enough at the order's time."""
        told = defaultdict(list)
        for event in ctx.by_type.get("inventory.updated", ()):
            told[event.data.sku].append(event.occurred_at)
        findings = [f for f in standing_findings(self.code, told) if f.order is not None]
        items = [(f.order, f.found_at, [(s["sku"], s["ordered"]) for s in f.facts.get("short", ())]) for f in findings]
        verdicts = self.judge(items)
        return [(f, max(t for t in told[f.sku] if t <= f.found_at),
                 stored_text(_("A late stock snapshot shows there was enough stock when the order was placed"
                               " (%(at)s)"), at=fmt_time(f.found_at)))
                for f in findings if f.order_id not in verdicts and min(told[f.sku]) <= f.found_at]

    def check_clear(self, finding, as_of, ctx):
        order = finding.order
        if order is None:
            return None
        lines = [(s["sku"], s["ordered"]) for s in finding.facts.get("short", [])]
        if lines:
            verdict = self.judge([(order, finding.found_at, lines)]).get(order.pk)
            return verdict[1:] if verdict and verdict[1] is not None else None
        if order.shipped_at:
            return order.shipped_at, _("Shipped")
        if order.cancelled_at:
            return order.cancelled_at, _("Cancelled")
        return None


class OrderChangeRequest(BaseRule):
    code = "order_change_request"
    type_code = "order_change_request"
    trigger = "on_event"
    title = _("Order change request")
    description = _("The buyer asked to change address/qty/spec: must be handled before shipping. An"
                               " address change asked after shipping opens address_misdelivery instead"
                               " (intercept/redirect).")
    events = frozenset({"order.change_requested"})
    params = ()
    CHANGES = {"address": _("the delivery address"), "lines": _("items/quantities/specs"),
               "customer": _("the recipient/phone")}

    def evaluate(self, ctx):
        hits = []
        for event in ctx.by_type.get("order.change_requested", ()):
            order = event.order
            changes = getattr(event.data, "changes", {}) or {}
            kinds = sorted(changes)
            after_ship = order.shipped_at is not None and order.shipped_at <= event.occurred_at
            if after_ship and "address" in changes:
                hits.append(Hit("address_misdelivery", "address_misdelivery", order_subject(order),
                                event.occurred_at,
                                stored_text(_("The buyer asked to change the delivery address after shipping"
                                              " (%(shipped)s): intercept or redirect"),
                                            shipped=fmt_time(order.shipped_at)),
                                {"changes": kinds, "reason": event.data.reason, "shipped_at": fmt_time(order.shipped_at)},
                                order=order, occurrence=event.occurred_at.isoformat(), repeatable=True))
                continue
            changed = [self.CHANGES.get(k, k) for k in kinds]
            hits.append(Hit(self.code, self.type_code, order_subject(order), event.occurred_at,
                            stored_text(_("The buyer asked to change %(changes)s (shipped: intercept)"), changes=changed)
                            if after_ship else
                            stored_text(_("The buyer asked to change %(changes)s: to be handled before shipping"),
                                        changes=changed),
                            {"changes": kinds, "reason": event.data.reason, "shipped": after_ship},
                            order=order, occurrence=event.occurred_at.isoformat(), repeatable=True))
        return hits
