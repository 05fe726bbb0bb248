"""What rules see: the chunk of applied events (on import) or the stored hub (in a scan), with the few
look-ups rules share, each done once per chunk / pass with one query."""

from collections import defaultdict
from datetime import UTC, date, timedelta
from functools import cached_property

from ordex.orders.queries import (
    first_skus,
    last_heartbeats,
    lines_of_orders_created_in,
    orders_by_id,
    scan_times,
    shipped_and_ordered,
    stock_row,
    stock_snapshot,
)

from . import histogram

_SNAPSHOTS = frozenset({"order.created", "order.updated"})

# Above this many orders in the time window of late stock/price snapshots, read by SKU instead (predated).
_PREDATED_BY_TIME = 2000


class BaseContext:
    def __init__(self, params):
        self.params = params
        self._stock = None
        self._stock_updated = {}
        self._stock_skus = set()

    def stock_for(self, skus):
        missing = set(skus) - self._stock_skus
        if missing or self._stock is None:
            stock, updated = stock_snapshot(set(skus) | self._stock_skus)
            self._stock, self._stock_updated, self._stock_skus = stock, updated, set(skus) | self._stock_skus
        return self._stock

    def sku_stock_updated(self, sku):
        self.stock_for({sku})
        return self._stock_updated.get(sku)

    def component_heartbeat(self, name):
        return last_heartbeats(names=[name]).get(name)

    def stock_row(self, sku, warehouse):
        return stock_row(sku, warehouse)

    def new_lines(self, order):
        return []

    def order_events(self, order_id):
        return set()

    def event_time(self, order=None):
        return None

    def shipped_and_ordered(self, order_ids):
        return shipped_and_ordered(order_ids)


class ScanContext(BaseContext):
    """Clearing checks during a scan pass (as of a time)."""


class EventContext(BaseContext):
    """One applied chunk of events."""

    def __init__(self, applied, params):
        super().__init__(params)
        self.applied = applied
        self.by_type = defaultdict(list)
        self.by_order = defaultdict(list)
        self._lines = {}
        self.end = None
        # One pass over the chunk (thousands of events); `.id`, not `.pk`: the property costs a call each.
        for event in applied:
            self.by_type[event.type].append(event)
            order = event.order
            if order is not None:
                if order.id:
                    self.by_order[order.id].append(event)
                if event.changed and event.type in _SNAPSHOTS:
                    self._lines[order.id] = event.extra.get("lines", [])
            if self.end is None or event.occurred_at > self.end:
                self.end = event.occurred_at
        self._shipped = None
        self._histogram = None
        self._medians = {}
        self._orders_with = {}
        # Targets that arrived in this chunk: what events waiting for them (data_loss) were missing.
        self.arrived = {f"order:{e.data.order_no}" for e in self.by_type.get("order.created", ())}
        self.arrived |= {f"tracking:{e.data.carrier}:{e.data.tracking_no}" for e in self.by_type.get("shipment.created", ())}

    def orders_with(self, types):
        """Each order touched by these event types (state-changing events only) once, with the latest time."""
        key = frozenset(types)
        if key not in self._orders_with:
            self._orders_with[key] = self._orders_with_uncached(key)
        return self._orders_with[key]

    def _orders_with_uncached(self, types):
        latest = {}
        for event in (e for t in types for e in self.by_type.get(t, ())):
            if event.changed and event.order is not None and event.order.pk:
                current = latest.get(event.order.pk)
                if current is None or event.occurred_at > current[1]:
                    latest[event.order.pk] = (event.order, event.occurred_at)
        return list(latest.values())

    def new_lines(self, order):
        return self._lines.get(order.pk, []) if order is not None else []

    def order_events(self, order_id):
        return {e.type for e in self.by_order.get(order_id, ())}

    def event_time(self, order=None):
        events = self.by_order.get(order.pk, ()) if order is not None else ()
        return max((e.occurred_at for e in events), default=None)

    def shipped_and_ordered(self, order_ids):
        if self._shipped is None:
            ids = {o.pk for o, _ in self.orders_with({"shipment.created"})} | set(order_ids)
            self._shipped = (ids, *shipped_and_ordered(ids))
        if not set(order_ids) <= self._shipped[0]:
            return shipped_and_ordered(order_ids)
        return self._shipped[1], self._shipped[2]

    @cached_property
    def stock_timeline(self):
        """(sku, warehouse code) -> [(occurred_at, on_hand, reserved)] of this chunk's snapshots, in time order
        (`inventory_data_error` judges each one)."""
        timeline = defaultdict(dict)
        for event in self.by_type.get("inventory.updated", ()):
            key = (event.data.sku, event.data.warehouse)
            previous = event.extra.get("previous")
            if previous:  # the snapshot this chunk replaced: still the stock of orders placed before the new one
                timeline[key].setdefault(previous["updated_at"], (previous["on_hand"], previous["reserved"]))
            timeline[key][event.occurred_at] = (event.data.on_hand, event.data.reserved)
        return {key: sorted((at, *values) for at, values in times.items()) for key, times in timeline.items()}

    # ---- snapshots that predate orders already in the hub (arrived late or out of order) -------------------
    def _snapshot_spans(self, event_type, key_of, current_at):
        """For each snapshot event of this chunk: (event, next) where next is the time of the next newer
        snapshot known for its key (this chunk's, the one it replaced, the one held), or None."""
        known = defaultdict(set)
        events = self.by_type.get(event_type, ())
        for event in events:
            key = key_of(event)
            known[key].add(event.occurred_at)
            previous = event.extra.get("previous")
            if previous and previous.get("updated_at"):
                known[key].add(previous["updated_at"])
            held = current_at(event)
            if held is not None:
                known[key].add(held)
        return [(event, min((t for t in known[key_of(event)] if t > event.occurred_at), default=None))
                for event in events]

    @cached_property
    def stock_spans(self):
        return self._snapshot_spans("inventory.updated", lambda e: (e.data.sku, e.data.warehouse),
                                    lambda e: e.stock.updated_at if e.stock is not None else None)

    @cached_property
    def product_spans(self):
        return self._snapshot_spans("product.updated", lambda e: e.data.sku,
                                    lambda e: e.product.updated_at if e.product is not None else None)

    @cached_property
    def predated(self):
        """sku -> [(order, line)] for orders already in the hub (not re-told in this chunk) placed after the
        oldest stock/price snapshot of this chunk and before the newest next snapshot: what a snapshot that
        arrived after them may change. One index range read on Order.created_at, then their lines."""
        spans = self.stock_spans + self.product_spans
        if not spans:
            return {}
        # The union of the snapshots' spans, merged: one index range each (a snapshot that is the newest of
        # its key is open-ended; in a stream in time order it is also the chunk's latest, so that range holds
        # little more than this chunk's own orders).
        ranges = []
        for start, end in sorted(((e.occurred_at, n) for e, n in spans), key=lambda r: r[0]):
            if ranges and (ranges[-1][1] is None or start <= ranges[-1][1]):
                last = ranges[-1]
                ranges[-1] = (last[0], None if last[1] is None or end is None else max(last[1], end))
            else:
                ranges.append((start, end))
        skus = {e.data.sku for e, _ in spans}
        # Snapshots in time order span a few hours of orders: read those orders' lines. A snapshot that
        # arrives days late spans days of orders, few of which bought its SKU: then start from the SKU.
        lines = lines_of_orders_created_in(ranges, skus, skip=self._lines, by_time_up_to=_PREDATED_BY_TIME)
        # A line that no stock snapshot of this chunk can make short (it asks for no more than the smallest
        # quantity any of them shows available) matters only to a price list: its order is not read.
        # (A late snapshot re-sent alone spans hundreds of orders of its SKU; reading them all was most of
        # a single-event request's time.)
        priced = {e.data.sku for e, _ in self.product_spans}
        floor = {}
        for event, _ in self.stock_spans:
            available = event.data.on_hand - event.data.reserved
            floor[event.data.sku] = min(floor.get(event.data.sku, available), available)
        lines = [line for line in lines if line.sku in priced or line.qty > floor[line.sku]]
        if not lines:
            return {}
        orders = orders_by_id({line.order_id for line in lines}, with_warehouse=True)
        found = defaultdict(list)
        for line in lines:
            found[line.sku].append((orders[line.order_id], line))
        return found

    def stock_row(self, sku, warehouse):
        for event in reversed(self.by_type.get("inventory.updated", [])):
            if event.data.sku == sku and event.data.warehouse == warehouse and event.stock is not None:
                return event.stock
        return None

    def component_heartbeat(self, name):
        for event in self.applied:
            if event.component is not None and event.component.name == name:
                return event.component.last_heartbeat_at
        return None

    @cached_property
    def _first_skus(self):
        return first_skus({e.order.pk for e in self.by_type.get("customer.reported", ()) if e.order is not None})

    def first_sku(self, order):
        return self._first_skus.get(order.pk, "")

    # ---- the SKU quantity histogram (quantity_anomaly) ------------------------------------------
    def _load_histogram(self, days):
        lines = [(order, line) for order, _ in self.orders_with({"order.created", "order.updated"})
                 for line in self.new_lines(order)]
        wanted = {}
        for order, line in lines:
            first_day = order.created_at.date() - timedelta(days=days)
            if first_day < wanted.get(line.sku, date.max):
                wanted[line.sku] = first_day
        self._histogram = histogram.hold(wanted)

    def qty_median(self, sku, at, days):
        """The median quantity per order of `sku` over the `days` before `at` (and its sample size); orders
        of one chunk share a few days, so each (sku, day) is worked out once."""
        key = (sku, at.date(), days)
        found = self._medians.get(key)
        if found is None:
            found = self._medians[key] = self._qty_median(sku, at, days)
        return found

    def _qty_median(self, sku, at, days):
        if self._histogram is None:
            self._load_histogram(max(days, 30))
        counts = defaultdict(int)
        by_day = self._histogram.get(sku, {})
        day = at.date()
        for offset in range(days + 1):
            for qty, n in by_day.get(day - timedelta(days=offset), {}).items():
                counts[qty] += n
        total = sum(counts.values())
        if not total:
            return 0, 0
        running, middle = 0, (total + 1) / 2
        for qty in sorted(counts):
            running += counts[qty]
            if running >= middle:
                return qty, total
        return 0, total  # pragma: no cover

    def record_quantities(self):
        """Add this chunk's new orders to the histogram (after the rules looked at the history before them)."""
        bumps = defaultdict(int)
        for event in self.by_type.get("order.created", ()):
            if event.extra.get("created") and event.order is not None:
                for line in event.extra.get("lines", []):
                    bumps[(line.sku, event.order.created_at.date(), line.qty)] += 1
        if bumps:
            histogram.add_orders(bumps)

    # ---- tracking gaps (stalls that ended before anyone scanned) ---------------------------------
    @cached_property
    def tracking_gaps(self):
        """(shipment, silent_from, moved_at) for every silence between two scans of a parcel that ends at
        an event of this chunk and is long enough for some parcel's stall or loss limit."""
        scans = self.by_type.get("tracking.updated", ())
        if not scans:
            return []
        shortest = self._shortest_stall()
        shipments, chunk_times, before = {}, defaultdict(set), {}
        for event in scans:
            shipment, order = event.shipment, event.order
            if shipment is None or order is None or shipment.id is None:
                continue
            pk = shipment.id
            chunk_times[pk].add(event.occurred_at)
            if pk in shipments:
                continue
            shipments[pk] = shipment
            latest = event.extra.get("scanned_before")  # the same for every scan of the parcel in the chunk
            # In UTC, as when it was read from the database (it is part of the finding's occurrence key).
            before[pk] = latest.astimezone(UTC) if latest is not None else None
            if shipment.order_id == order.id:
                # Already in memory: no query per parcel. The ids are equal, so filling the relation's cache
                # is all the descriptor's assignment would do (at a fraction of its cost).
                shipment._state.fields_cache["order"] = order
        # In a stream in time order the silence a chunk's scans can end starts at the parcel's latest scan
        # before the chunk (the hub notes it while applying). Only a parcel whose scans arrived out of order
        # (a chunk scan older than one already stored) needs its stored history read.
        times = {}
        need_history = []
        for pk, values in chunk_times.items():
            if shipments[pk].picked_up_at is None:
                continue
            latest_before = before[pk]
            if latest_before is not None and min(values) < latest_before:
                need_history.append(pk)
            else:
                times[pk] = [latest_before, *values] if latest_before is not None else list(values)
        if need_history:
            for pk, at in scan_times(need_history):
                times.setdefault(pk, []).append(at)
        gaps = []
        for pk, values in times.items():
            if len(values) < 2:
                continue
            shipment = shipments[pk]
            picked_up_at, in_chunk = shipment.picked_up_at, chunk_times[pk]
            values.sort()
            for prev, nxt in zip(values, values[1:], strict=False):
                # A gap this chunk ends, or (a late scan) the gap it starts before the next stored scan.
                if nxt - prev > shortest and prev >= picked_up_at and (nxt in in_chunk or prev in in_chunk):
                    gaps.append((shipment, prev, nxt))
        return gaps

    def _shortest_stall(self) -> timedelta:
        """Below this no parcel's stall or loss limit can be crossed (whatever the shop's parameters)."""
        from .rules import REGISTRY

        stalled, lost = REGISTRY["tracking_stalled"], REGISTRY["parcel_lost_stalled"]
        return min(timedelta(hours=float(self.params.smallest(stalled, "hours", "remote_hours"))),
                   timedelta(days=float(self.params.smallest(lost, "days"))))
