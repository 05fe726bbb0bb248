"""The event stream generator.

Orders arrive on a fixed schedule (a diurnal, Double-11-shaped intensity, stratified so the
count is exactly ``orders``). Each order's whole timeline is drawn when it is created and
pushed, already serialised, onto a heap keyed by emission time; periodic feeds (heartbeats,
product and stock snapshots) and incidents run from a second heap of scheduled tasks. The
writer drains both heaps up to ``LAG`` behind the order being created, so memory holds only
the events still in the future (a few days of orders), not the stream.

Times are integer seconds since ``start``; the stream ends at ``horizon`` (the last event).
"""

from __future__ import annotations

import bisect
import heapq
import json
import math
from datetime import datetime, timedelta, timezone
from random import Random

from . import catalog as cat
from .config import DAY, DEFAULT_RATES, HOUR, LEAD, LIMITS, MINUTE, ORDER_TYPES
from .flows import FlowsMixin
from .injections import InjectionsMixin

CST = timezone(timedelta(hours=8))
DEFAULT_START = datetime(2026, 11, 1, 8, 0, tzinfo=CST)
LAG = 10 * MINUTE  # events are written this far behind the newest order
LATE_FRACTION = 0.004  # share of order events delivered a little after later ones
BUSINESS_HOURS = range(9, 22)
HOUR_WEIGHT = (
    0.12,
    0.08,
    0.06,
    0.05,
    0.05,
    0.06,
    0.12,
    0.35,
    0.6,
    1.0,
    1.0,
    1.05,
    0.95,
    1.0,
    1.0,
    1.0,
    0.95,
    0.95,
    1.0,
    1.15,
    1.3,
    1.3,
    0.8,
    0.45,
)


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def day_weight(date) -> float:
    if (date.month, date.day) == (11, 11):
        return 3.0
    if (date.month, date.day) in ((11, 10), (11, 12)):
        return 1.5
    return 1.1 if date.weekday() >= 5 else 1.0


class Simulator(FlowsMixin, InjectionsMixin):
    def __init__(
        self,
        orders: int,
        seed: int = 1,
        start: datetime = DEFAULT_START,
        rates: dict[str, float] | None = None,
        shops: int = 6,
        late: tuple[float, int] | None = None,
        replays: float = 0.0,
    ):
        if orders < 1:
            raise ValueError("orders must be at least 1")
        if shops < 1:
            raise ValueError("shops must be at least 1")
        self.n = orders
        self.seed = seed
        self.rng = Random(seed)
        # Delivery as integrations deliver: a share of events late by up to a maximum (seconds), and replays
        # (the same event, same id, delivered again later). Drawn from their own generator, so the events
        # themselves are the same bytes with or without these options; only the order of the lines changes.
        self.late_share, self.late_max = late or (0.0, 0)
        self.replay_share = replays
        self.delivery_rng = Random(f"delivery-{seed}")
        self.start = start.astimezone(CST).replace(microsecond=0)
        self.rates = {**DEFAULT_RATES, **(rates or {})}
        self.days = max(orders / 3000, min(10.0, 1 + orders / 500))
        self.horizon = int(self.days * DAY)
        self.id_prefix = f"sim{seed}-"
        self.heap: list = []
        self.tasks: list = []
        self.seq = 0
        self.event_no = 0
        self.labels: list[dict] = []
        self.skipped: list[str] = []
        self.skus = cat.build_catalog()
        self.sku_cum = list(_cumulative([1 / (rank + 4) for rank in range(len(self.skus))]))
        self.base_variants: dict[int, list[int]] = {}
        for i, sku in enumerate(self.skus):
            self.base_variants.setdefault(sku.base, []).append(i)
        self.place_cum = list(_cumulative([p[5] for p in cat.PLACES]))
        self.shops = []
        for k in range(shops):
            platform = cat.PLATFORMS[k % len(cat.PLATFORMS)]
            self.shops.append(
                (
                    f"{platform}-{k // len(cat.PLATFORMS) + 1:02d}",
                    platform,
                    cat.PLATFORM_WEIGHTS[platform] * 0.7 ** (k // len(cat.PLATFORMS)),
                )
            )
        self.shop_cum = list(_cumulative([s[2] for s in self.shops]))
        self.shop_share = {s[0]: s[2] / self.shop_cum[-1] for s in self.shops}
        # stock state per (sku index, warehouse)
        self.on_hand: dict = {}
        self.snap_avail: dict = {}
        self.sold_since: dict = {}
        self.blocked: dict = {}  # (sku, wh) -> [(start, end)] windows normal orders keep away from
        self.silenced_from: dict[int, int] = {}  # sku -> time its stock feed stops
        self.last_sold: dict[int, int] = {}
        self.heartbeat_gaps: dict[str, list] = {}
        self.shop_silence: list = []
        self.order_times: dict[str, list[int]] = {}  # shop -> when its order.created events occurred
        self.channel_down: list = []  # (method, start, end)
        self.malicious: list = []  # pending groups, by start time
        self.price_incidents: list = []
        self.customers: list = []  # repeat-buyer pool: [customer, address, place, last order time]
        self.prev = None
        self.prev_kind: str | None = None
        self._build_schedule()

    # ------------------------------------------------------------------ time
    def iso(self, t: int) -> str:
        return (self.start + timedelta(seconds=t)).isoformat()

    def local(self, t: int) -> datetime:
        return self.start + timedelta(seconds=t)

    def in_business_hours(self, t: int) -> bool:
        return self.local(t).hour in BUSINESS_HOURS

    def _build_schedule(self):
        """Hour buckets of the order intensity, scaled so exactly ``n`` orders fit."""
        first, last = 10 * MINUTE, self.horizon - 20 * MINUTE
        starts, caps = [], []
        t = first
        while t < last:
            dt = self.local(t)
            end = min(last, t + 3600 - (dt.minute * 60 + dt.second))
            starts.append(t)
            caps.append(HOUR_WEIGHT[dt.hour] * day_weight(dt.date()) * (end - t) / 3600)
            t = end
        starts.append(last)
        scale = self.n / sum(caps)
        self.bucket_start = starts
        self.bucket_cap = [c * scale for c in caps]
        self.bucket_cum = [0.0, *_cumulative(self.bucket_cap)]

    def time_at(self, x: float) -> int:
        """Time at which the cumulative order count reaches ``x``."""
        j = min(bisect.bisect_right(self.bucket_cum, x) - 1, len(self.bucket_cap) - 1)
        frac = (x - self.bucket_cum[j]) / self.bucket_cap[j] if self.bucket_cap[j] else 0
        return int(self.bucket_start[j] + min(frac, 1.0) * (self.bucket_start[j + 1] - self.bucket_start[j]))

    def count_at(self, t: int) -> float:
        j = max(0, min(bisect.bisect_right(self.bucket_start, t) - 1, len(self.bucket_cap) - 1))
        span = self.bucket_start[j + 1] - self.bucket_start[j]
        return self.bucket_cum[j] + self.bucket_cap[j] * (t - self.bucket_start[j]) / span

    def rate_at(self, t: int) -> float:
        """Expected orders per hour (all shops) around ``t``."""
        j = max(0, min(bisect.bisect_right(self.bucket_start, t) - 1, len(self.bucket_cap) - 1))
        span = self.bucket_start[j + 1] - self.bucket_start[j]
        return self.bucket_cap[j] * 3600 / span if span else 0.0

    # ------------------------------------------------------------------ output
    def emit(self, t: int, etype: str, data: dict, *, may_be_late: bool = True) -> None:
        self.event_no += 1
        if t > self.horizon:
            return  # still in the future at the stream end
        key = t
        if may_be_late and self.rng.random() < LATE_FRACTION:
            key = t + self.rng.randrange(30, 15 * MINUTE)
        line = dumps(
            {
                "id": f"{self.id_prefix}{self.event_no:09d}",
                "type": etype,
                "occurred_at": self.iso(t),
                "data": data,
            }
        )
        self.seq += 1
        if self.late_share or self.replay_share:
            key = self._deliver(key, line)
        heapq.heappush(self.heap, (key, self.seq, line))

    def _deliver(self, key: int, line: str) -> int:
        """The arrival time of an event (late or not), after pushing its replay if it has one."""
        rng = self.delivery_rng
        arrival = key
        if self.late_share and rng.random() < self.late_share:
            arrival += rng.randrange(1, self.late_max + 1)
        if self.replay_share and rng.random() < self.replay_share:
            # As late as a late event at most (an hour when nothing else is late): lateness stays bounded.
            self.seq += 1
            heapq.heappush(self.heap, (key + rng.randrange(1, max(self.late_max, HOUR) + 1), self.seq, line))
        return arrival

    def schedule(self, t: int, fn, arg=None) -> None:
        if t < self.horizon:
            self.seq += 1
            heapq.heappush(self.tasks, (t, self.seq, fn, arg))

    def flush(self, until: float, out) -> None:
        heap, tasks = self.heap, self.tasks
        buf = []
        while True:
            te = heap[0][0] if heap else math.inf
            ts = tasks[0][0] if tasks else math.inf
            if min(te, ts) > until or not (heap or tasks):
                break
            if ts <= te:
                t, _, fn, arg = heapq.heappop(tasks)
                fn(t, arg)
            else:
                buf.append(heapq.heappop(heap)[2])
                if len(buf) >= 512:
                    out.write(("\n".join(buf) + "\n").encode())
                    buf.clear()
        if buf:
            out.write(("\n".join(buf) + "\n").encode())

    def label(self, code: str, **fields) -> None:
        self.labels.append({"type": code, **fields})

    # ------------------------------------------------------------------ run
    def run(self, out) -> list[dict]:
        """Write the stream to binary ``out``; returns the labels (header first)."""
        self._initial_feeds()
        self._plan_incidents()
        planned = self._plan_order_types()
        carry: list[str] = []
        for k in range(self.n):
            t = self.time_at(k + self.rng.random())
            self.flush(t - LAG, out)
            carry.extend(planned.pop(k, ()))
            self._make_slot(k, t, carry)
        self.flush(math.inf, out)  # tasks stop before the horizon, so this drains everything
        self.event_no += 1
        out.write(
            (
                dumps(
                    {
                        "id": f"{self.id_prefix}{self.event_no:09d}",
                        "type": "system.heartbeat",
                        "occurred_at": self.iso(self.horizon),
                        "data": {"component": cat.COMPONENTS[0]},
                    }
                )
                + "\n"
            ).encode()
        )
        self._final_labels()
        header = {
            "stream_end": self.iso(self.horizon),
            "orders": self.n,
            "seed": self.seed,
            "start": self.iso(0),
            "shops": [s[0] for s in self.shops],
            "not_injected": self.skipped,
        }
        return [header, *self.labels]

    # ------------------------------------------------------------------ feeds
    def _initial_feeds(self):
        rng = self.rng
        for i in range(len(self.skus)):
            self._product(i, i // 20)
            for wh in cat.WAREHOUSES:
                self.on_hand[i, wh] = rng.randrange(500, 2000)
            self._stock(60 + i // 10, i)
            self.schedule(rng.randrange(HOUR, 12 * HOUR), self._product_task, i)
            self.schedule(rng.randrange(HOUR, 6 * HOUR), self._stock_task, i)
        for c in cat.COMPONENTS:
            self.schedule(rng.randrange(0, 300), self._heartbeat_task, c)

    def _product(self, i, t):
        sku = self.skus[i]
        self.emit(
            t,
            "product.updated",
            {
                "sku": sku.code,
                "name": sku.name,
                "list_price": cat.fen(sku.list_price),
                "cost": cat.fen(sku.cost),
                "active": True,
            },
            may_be_late=False,
        )

    def _product_task(self, t, i):
        self._product(i, t)
        self.schedule(t + self.rng.randrange(10 * HOUR, 14 * HOUR), self._product_task, i)

    def _stock(self, t, i, only=None):
        rng = self.rng
        for j, wh in enumerate(cat.WAREHOUSES):
            if only and wh != only:
                continue
            key = (i, wh)
            if not only and self._is_blocked(key, t):
                continue
            if self.on_hand[key] < 400:
                self.on_hand[key] += rng.randrange(600, 1200)
            reserved = rng.randrange(0, 31)
            self.snap_avail[key] = self.on_hand[key] - reserved
            self.sold_since[key] = 0
            self.emit(
                t + j,
                "inventory.updated",
                {
                    "sku": self.skus[i].code,
                    "warehouse": wh,
                    "on_hand": self.on_hand[key],
                    "reserved": reserved,
                },
                may_be_late=False,
            )

    def _stock_task(self, t, i):
        if t >= self.silenced_from.get(i, self.horizon):
            return  # injected inventory_sync_delay: the feed for this SKU stops
        self._stock(t, i)
        self.schedule(t + self.rng.randrange(5 * HOUR, 7 * HOUR), self._stock_task, i)

    def _restock_task(self, t, key):
        self._stock(t, key[0], only=key[1])

    def _heartbeat_task(self, t, component):
        if not any(a <= t < b for a, b in self.heartbeat_gaps.get(component, ())):
            self.emit(t, "system.heartbeat", {"component": component}, may_be_late=False)
        self.schedule(t + 300 + self.rng.randrange(-20, 21), self._heartbeat_task, component)

    def _is_blocked(self, key, t) -> bool:
        return any(a <= t <= b for a, b in self.blocked.get(key, ()))

    # ------------------------------------------------------------------ planning
    def _plan_order_types(self) -> dict[int, list[str]]:
        planned: dict[int, list[str]] = {}
        for code in ORDER_TYPES:
            rate = self.rates.get(code, 0)
            if rate <= 0:
                continue
            last = int(self.count_at(self.horizon - LEAD[code])) - 2
            if last < 3:
                self.skipped.append(code)
                continue
            want = max(1, round(rate * self.n))
            for k in self.rng.sample(range(2, last + 1), min(want, last - 1)):
                planned.setdefault(k, []).append(code)
        return planned

    def _incident_times(self, code, lo, hi, *, business=False, min_rate=0.0):
        rate = self.rates.get(code, 0)
        if rate <= 0:
            return []
        want = max(1, round(rate * self.n))
        times = []
        for _ in range(want * 50):
            if len(times) == want or hi <= lo:
                break
            t = self.rng.randrange(lo, hi)
            if business and not (self.in_business_hours(t) and self.in_business_hours(t + 2 * HOUR)):
                continue
            if self.rate_at(t) < min_rate:
                continue
            times.append(t)
        if not times:
            self.skipped.append(code)
        return sorted(times)

    def _plan_incidents(self):
        rng, H = self.rng, self.horizon
        popular = list(range(min(40, len(self.skus))))
        for t in self._incident_times("malicious_orders", 6 * HOUR, H - 3 * HOUR, business=True, min_rate=20):
            self.malicious.append({"start": t, "next": t, "orders": [], "customer": None})
        for t in self._incident_times("price_error", 6 * HOUR, H - 6 * HOUR, business=True, min_rate=20):
            i = rng.choice(popular)
            sku = self.skus[i]
            variant = rng.choice(
                ("decimal_slip", "too_high", "below_cost")
                if sku.cost >= sku.list_price * 0.55
                else ("decimal_slip", "too_high")
            )
            unit = {
                "decimal_slip": sku.list_price // 10,
                "too_high": sku.list_price * 3,
                "below_cost": sku.cost * 9 // 10,
            }[variant]
            self.price_incidents.append(
                {
                    "start": t,
                    "next": t,
                    "sku": i,
                    "unit": unit,
                    "variant": variant,
                    "left": rng.randrange(3, 7),
                    "orders": [],
                }
            )
        for t in self._incident_times(
            "payment_channel_failure", 6 * HOUR, H - 3 * HOUR, business=True, min_rate=20
        ):
            method = rng.choice(("alipay", "alipay", "wechat", "wechat", "card"))
            end = t + rng.randrange(20 * MINUTE, 41 * MINUTE)
            self.channel_down.append((method, t, end))
            self.label("payment_channel_failure", method=method, start=self.iso(t), end=self.iso(end))
        for t in self._incident_times("inventory_data_error", 2 * HOUR, H - 2 * HOUR):
            i = rng.randrange(len(self.skus))
            wh = rng.choice(list(cat.WAREHOUSES))
            key = (i, wh)
            if key in self.blocked:
                continue
            fix = t + rng.randrange(20 * MINUTE, 61 * MINUTE)
            self.blocked[key] = [(t - MINUTE, fix + MINUTE)]
            self.schedule(t, self._bad_stock_task, key)
            self.schedule(fix, self._restock_task, key)
        window = LIMITS["inventory_sync_delay"]
        for _ in self._incident_times("inventory_sync_delay", 0, 1):
            if window + 24 * HOUR > H:
                self.skipped.append("inventory_sync_delay")
                break
            i = rng.choice([p for p in popular if p not in self.silenced_from])
            self.silenced_from[i] = H - rng.randrange(window + 8 * HOUR, min(H, window + 16 * HOUR))
        variants = ("fault", "heartbeat", "shop")
        for n, t in enumerate(self._incident_times("system_outage", 2 * HOUR, H - 4 * HOUR, business=True)):
            variant = variants[n % 3]
            top_shop = max(self.shops, key=lambda s: s[2])[0]
            if variant == "shop" and self.rate_at(t) * self.shop_share[top_shop] < 10:
                variant = "heartbeat"  # the shop is not busy enough for its silence to stand out
            if variant == "fault":
                component = rng.choice(cat.COMPONENTS)
                self.emit(
                    t,
                    "system.fault",
                    {
                        "component": component,
                        "severity": rng.choice(("critical", "major")),
                        "message": rng.choice(
                            (
                                "数据库连接池耗尽",
                                "上游接口连续超时",
                                "消息队列积压超过阈值",
                                "证书过期导致握手失败",
                            )
                        ),
                    },
                    may_be_late=False,
                )
                self.label("system_outage", component=component, variant="fault", at=self.iso(t))
            elif variant == "heartbeat":
                component = rng.choice(cat.COMPONENTS)
                end = t + rng.randrange(45 * MINUTE, 121 * MINUTE)
                self.heartbeat_gaps.setdefault(component, []).append((t, end))
                self.label(
                    "system_outage",
                    component=component,
                    variant="heartbeat_missing",
                    start=self.iso(t),
                    end=self.iso(end),
                )
            else:
                end = t + rng.randrange(90 * MINUTE, 151 * MINUTE)
                self.shop_silence.append((top_shop, t, end))
                self.label(
                    "system_outage",
                    shop=top_shop,
                    variant="shop_silent",
                    start=self.iso(t),
                    end=self.iso(end),
                )

    def _bad_stock_task(self, t, key):
        i, wh = key
        if self.rng.random() < 0.5:
            on_hand, reserved, variant = -self.rng.randrange(1, 20), 0, "negative_on_hand"
        else:
            on_hand = self.rng.randrange(0, 10)
            reserved, variant = on_hand + self.rng.randrange(5, 40), "reserved_above_on_hand"
        self.emit(
            t,
            "inventory.updated",
            {"sku": self.skus[i].code, "warehouse": wh, "on_hand": on_hand, "reserved": reserved},
            may_be_late=False,
        )
        self.label(
            "inventory_data_error", sku=self.skus[i].code, warehouse=wh, variant=variant, at=self.iso(t)
        )

    def _final_labels(self):
        for g in self.malicious:
            if len(g["orders"]) >= LIMITS["malicious_min_orders"]:
                for no in g["orders"]:
                    self.label(
                        "malicious_orders",
                        order_no=no,
                        phone=g["customer"]["phone"],
                        implies=["payment_timeout"],
                    )
                self.label(
                    "malicious_orders", phone=g["customer"]["phone"], buyer_ip=g["ip"], orders=g["orders"]
                )
        for p in self.price_incidents:
            if len(p["orders"]) >= 3:
                code = self.skus[p["sku"]].code
                for no in p["orders"]:
                    self.label("price_error", order_no=no, sku=code)
                self.label("price_error", sku=code, variant=p["variant"], orders=p["orders"])
        for i, since in self.silenced_from.items():
            if self.last_sold.get(i, -1) >= since:
                self.label("inventory_sync_delay", sku=self.skus[i].code, last_update_before=self.iso(since))
        self._natural_shop_silences()

    def _natural_shop_silences(self):
        """Label the silences nobody injected that still meet the contract's definition of an outage: no order
        for 60 business minutes from a shop that usually has at least one per 10 minutes at that time of day
        (the same clock window on up to 7 earlier days, at least 2 of them). Random arrivals give a mid-sized
        shop such a silence now and then; the detector is right to open it."""
        need, per_window = LIMITS["shop_silence"], LIMITS["shop_silence"] / (10 * MINUTE)
        injected = {shop for shop, _start, _end in self.shop_silence}
        for shop, times in sorted(self.order_times.items()):
            if shop in injected:
                continue  # already labelled (the label names the shop)
            times.sort()
            for prev, nxt in zip(times, [*times[1:], self.horizon], strict=True):
                due = self._business_time_after(prev, nxt, need)
                if due is None:
                    continue
                samples = []
                for days_back in range(1, LIMITS["shop_baseline_days"] + 1):
                    start = prev - days_back * DAY
                    if start < times[0]:
                        break
                    samples.append(bisect.bisect_left(times, start + need) - bisect.bisect_left(times, start))
                if len(samples) >= 2 and sum(samples) / len(samples) / per_window >= LIMITS["shop_usual_per_10_min"]:
                    self.label("system_outage", shop=shop, variant="natural_silence", start=self.iso(prev),
                               end=self.iso(nxt))

    def _business_time_after(self, start: int, end: int, seconds: int) -> int | None:
        """The time at which `seconds` of business hours have passed after `start`, if before `end`."""
        day = self.local(start).replace(hour=0, minute=0, second=0, microsecond=0)
        left = seconds
        while True:
            opens = int((day + timedelta(hours=BUSINESS_HOURS.start) - self.start).total_seconds())
            closes = int((day + timedelta(hours=BUSINESS_HOURS.stop) - self.start).total_seconds())
            if opens >= end:
                return None
            lo, hi = max(opens, start), min(closes, end)
            if hi - lo >= left:
                return lo + left
            left -= max(0, hi - lo)
            day += timedelta(days=1)


def _cumulative(values):
    total = 0.0
    for v in values:
        total += v
        yield total
