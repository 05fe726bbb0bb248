"""Order timelines: the normal flow and one variant per injected exception type.

Mixed into ``Simulator``: every method draws from ``self.rng`` and writes through ``self.emit``.
A handler ``_t_<code>`` either builds its order and returns True, or returns False when the
moment does not allow it (the type then waits for a later order).
"""

from __future__ import annotations

from . import catalog as cat
from .config import DAY, HOUR, LEAD, LIMITS, MINUTE

VAGUE_ADDRESSES = (
    "老地方，到了打电话",
    "学校门口保安室",
    "火车站附近",
    "公司前台",
    "同上",
    "见备注",
    "楼下菜鸟驿站",
)
NOTES = ("请尽快发货", "不要放快递柜，谢谢", "送货前请电话联系", "周末也可以送", "是礼物，不要放价格单")


class Order:
    __slots__ = (
        "idx",
        "no",
        "t",
        "shop",
        "platform",
        "customer",
        "address",
        "place",
        "district",
        "remote",
        "wh",
        "lines",
        "shipping",
        "discount",
        "total",
        "ip",
        "method",
        "note",
    )


class FlowsMixin:
    # ------------------------------------------------------------------ slot
    def _make_slot(self, k, t, carry):
        shop = self._pick_shop(t)
        group = self._due_malicious(t)
        if group is not None:
            self._malicious_member(k, t, group)
            return
        incident = self._due_price(t)
        if incident is not None:
            o = self._new_order(k, t, shop, forced=(incident["sku"], incident["unit"]))
            if o is not None:
                incident["orders"].append(o.no)
                incident["left"] -= 1
                incident["next"] = t + self.rng.randrange(2 * MINUTE, 15 * MINUTE)
                self._created(o)
                self._fulfil(o, self._pay(o))
                self._remember(o, "price_error")
                return
        for n, code in enumerate(carry):
            if t + LEAD[code] <= self.horizon and getattr(self, f"_t_{code}")(k, t, shop):
                del carry[n]
                return
        carry[:] = [c for c in carry if t + LEAD[c] <= self.horizon]
        o = self._new_order(k, t, shop)
        self._created(o)
        self._fulfil(o, self._pay(o))
        self._remember(o, None)

    def _remember(self, o, kind):
        self.prev, self.prev_kind = o, kind

    def _pick_shop(self, t):
        rng = self.rng
        for _ in range(20):
            code, platform, _w = rng.choices(self.shops, cum_weights=self.shop_cum)[0]
            if not any(s == code and a <= t <= b for s, a, b in self.shop_silence):
                return code, platform
        return next((s[0], s[1]) for s in self.shops if all(s[0] != x[0] for x in self.shop_silence))

    def _due_malicious(self, t):
        for g in self.malicious:
            if g["start"] <= t and g["next"] <= t and not g.get("done"):
                if g["customer"] is not None and (
                    t - g["start"] > LIMITS["malicious_window"] - 10 * MINUTE
                    or len(g["orders"]) >= g["target"]
                ):
                    g["done"] = True
                    continue
                return g
        return None

    def _due_price(self, t):
        for p in self.price_incidents:
            if p["start"] <= t and p["next"] <= t and p["left"] > 0:
                if t - p["start"] > 3 * HOUR:
                    p["left"] = 0
                    continue
                return p
        return None

    def _price_locked(self, t):
        return {p["sku"] for p in self.price_incidents if p["start"] <= t and p["left"] > 0}

    # ------------------------------------------------------------------ order building
    def _customer(self, platform, t, *, bad_phone=False):
        rng = self.rng
        if not bad_phone and self.customers and rng.random() < 0.25:
            slot = rng.randrange(len(self.customers))
            entry = self.customers[slot]
            if entry[3] < t - DAY:
                entry[3] = t
                return entry[0], entry[1], entry[2], entry[4]
        self.customer_no = getattr(self, "customer_no", 0) + 1
        number = cat.phone(rng)
        if bad_phone:
            shown = rng.choice(cat.INVALID_PHONES)(rng)
        elif platform in cat.MASKING_PLATFORMS and rng.random() < 0.5:
            shown = cat.masked(number) if rng.random() < 0.65 else cat.virtual(number, rng)
        else:
            shown = number
        customer = {"id": f"C{self.customer_no:08d}", "name": cat.person_name(rng), "phone": shown}
        if rng.random() < 0.2:
            customer["email"] = f"{rng.randrange(10**5, 10**10)}@{rng.choice(cat.EMAIL_DOMAINS)}"
        place = rng.choices(cat.PLACES, cum_weights=self.place_cum)[0]
        address, district = self._address(place)
        if not bad_phone:
            entry = [customer, address, place, t, district]
            if len(self.customers) < 5000:
                self.customers.append(entry)
            else:
                self.customers[rng.randrange(5000)] = entry
        return customer, address, place, district

    def _address(self, place, detail=None):
        rng = self.rng
        province, city, postcode, districts = place[0], place[1], place[2], place[3]
        district = rng.choice(districts)
        detail = cat.street_detail(rng) if detail is None else detail
        if rng.random() < 0.8:
            address = {"province": province, "city": city, "district": district, "detail": detail}
            if rng.random() < 0.6:
                address["postcode"] = postcode
            return address, district
        head = city if province == city else province + rng.choice(("", " ")) + city
        return {"raw": f"{head}{rng.choice(('', ' '))}{district}{rng.choice(('', ' '))}{detail}"}, district

    def _can_sell(self, i, wh, t, qty, locked=()):
        key = (i, wh)
        return (
            i not in locked
            and not self._is_blocked(key, t)
            and self.snap_avail[key] - self.sold_since[key] - qty >= 40
        )

    def _qty(self, sku):
        return self.rng.choices((1, 2, 3, 4, 5)[: sku.max_qty], (70, 20, 7, 2, 1)[: sku.max_qty])[0]

    def _new_order(
        self,
        k,
        t,
        shop,
        *,
        forced=None,
        customer=None,
        n_lines=None,
        min_qty=1,
        remote=False,
        bad_phone=False,
        big_qty=None,
    ):
        rng = self.rng
        code, platform = shop
        o = Order()
        if customer is None:
            customer, address, place, district = self._customer(platform, t, bad_phone=bad_phone)
            if remote:
                place = rng.choice(cat.REMOTE_PLACES)
                address, district = self._address(place)
        else:
            customer, address, place, district = customer
        o.idx, o.t, o.shop, o.platform = k, t, code, platform
        o.no = f"{platform[:2].upper()}{self.local(t):%Y%m%d}{k:07d}"
        o.customer, o.address, o.place, o.district = customer, address, place, district
        o.remote = place[0] in cat.REMOTE_PROVINCES
        o.wh = place[4]
        o.ip = cat.buyer_ip(rng)
        o.method = rng.choices(*zip(*cat.PAYMENT_METHODS[platform], strict=False))[0]
        o.note = rng.choice(NOTES) if rng.random() < 0.08 else None
        locked = self._price_locked(t)
        lines = []
        if forced is not None:
            i, unit = forced
            if not self._can_sell(i, o.wh, t, 1):
                o.wh = next((w for w in cat.WAREHOUSES if self._can_sell(i, w, t, 1)), o.wh)
            lines.append([i, 1, unit])
        if big_qty is not None:
            for _ in range(50):
                i = rng.choices(range(len(self.skus)), cum_weights=self.sku_cum)[0]
                if self._can_sell(i, o.wh, t, big_qty, locked):
                    lines.append([i, big_qty, self.skus[i].list_price])
                    break
            else:
                return None
        want = n_lines or (0 if lines else rng.choices((1, 2, 3), (70, 22, 8))[0])
        used = {line[0] for line in lines}
        tries = 0
        while len(lines) < want and tries < 60:
            tries += 1
            i = rng.choices(range(len(self.skus)), cum_weights=self.sku_cum)[0]
            sku = self.skus[i]
            qty = max(min_qty, self._qty(sku))
            if i in used or not self._can_sell(i, o.wh, t, qty, locked):
                continue
            used.add(i)
            r = rng.random()
            unit = (
                sku.list_price
                if r < 0.6
                else (sku.list_price * 9 // 100 * 10 if r < 0.9 else sku.list_price * 85 // 1000 * 10)
            )
            lines.append([i, qty, unit])
        if not lines:
            return None
        for i, qty, _unit in lines:
            key = (i, o.wh)
            self.sold_since[key] += qty
            self.on_hand[key] -= qty
            self.last_sold[i] = t
        o.lines = lines
        self._price(o)
        return o

    def _price(self, o):
        rng = self.rng
        subtotal = sum(qty * unit for _i, qty, unit in o.lines)
        if o.remote:
            o.shipping = rng.choice((1000, 1200, 1500))
        else:
            o.shipping = 600 if subtotal < 4900 and rng.random() < 0.5 else 0
        coupons = [c for c in (300, 500, 1000, 2000) if c * 5 <= subtotal]
        o.discount = rng.choice(coupons) if coupons and rng.random() < 0.4 else 0
        o.total = subtotal + o.shipping - o.discount

    def _order_data(self, o):
        data = {
            "order_no": o.no,
            "shop": o.shop,
            "platform": o.platform,
            "customer": o.customer,
            "address": o.address,
            "lines": [
                {
                    "sku": self.skus[i].code,
                    "name": self.skus[i].name,
                    "qty": qty,
                    "unit_price": cat.fen(unit),
                    "list_price": cat.fen(self.skus[i].list_price),
                }
                for i, qty, unit in o.lines
            ],
            "shipping_fee": cat.fen(o.shipping),
            "discount": cat.fen(o.discount),
            "total": cat.fen(o.total),
            "currency": "CNY",
            "warehouse": o.wh,
            "ship_by": self.iso(o.t + LIMITS["ship_delay"]),
            "buyer_ip": o.ip,
        }
        if o.note:
            data["buyer_note"] = o.note
        return data

    def _created(self, o, *, lost=False):
        if lost:
            self.event_no += 1  # the order.created event is lost on the way: its id leaves a gap
        else:
            self.emit(o.t, "order.created", self._order_data(o))
            if o.t <= self.horizon:
                self.order_times.setdefault(o.shop, []).append(o.t)

    # ------------------------------------------------------------------ money
    def _pay(self, o, at=None, amount=None):
        rng = self.rng
        p = at if at is not None else o.t + min(int(rng.expovariate(1 / 150)) + 20, 12 * MINUTE)
        method = o.method
        for m, a, b in self.channel_down:
            if m == method and a <= p <= b and rng.random() < 0.85:
                for _ in range(rng.choice((1, 1, 2))):
                    self.emit(
                        p,
                        "payment.failed",
                        {
                            "order_no": o.no,
                            "method": method,
                            "reason": rng.choice(("渠道返回系统繁忙", "支付网关超时", "银行通道异常")),
                        },
                    )
                    p += rng.randrange(40, 150)
                method = "wechat" if method != "wechat" else "alipay"
                p += rng.randrange(60, 5 * MINUTE)
                break
        else:
            if rng.random() < 0.003:
                self.emit(p, "payment.failed", {"order_no": o.no, "method": method, "reason": "余额不足"})
                p += rng.randrange(60, 5 * MINUTE)
        self._paid(o, p, method, o.total if amount is None else amount)
        return p

    def _paid(self, o, p, method, amount):
        self.txn_no = getattr(self, "txn_no", 0) + 1
        prefix = {"alipay": "2026", "wechat": "4200", "card": "UP"}[method]
        self.emit(
            p,
            "order.paid",
            {
                "order_no": o.no,
                "amount": cat.fen(amount),
                "method": method,
                "txn_id": f"{prefix}{self.txn_no:010d}{self.rng.randrange(10**6):06d}",
            },
        )

    def _refund(self, o, t, amount, reason, *, done_after=None, done_amount=None, fail=False):
        self.refund_no = getattr(self, "refund_no", 0) + 1
        no = f"RF{self.refund_no:09d}"
        self.emit(
            t,
            "refund.requested",
            {"refund_no": no, "order_no": o.no, "amount": cat.fen(amount), "reason": reason},
        )
        if fail:
            self.emit(
                t + done_after,
                "refund.failed",
                {
                    "refund_no": no,
                    "order_no": o.no,
                    "reason": self.rng.choice(("原路退回失败：银行卡已注销", "支付宝账户异常，退款被拒")),
                },
            )
        elif done_after is not None:
            self.emit(
                t + done_after,
                "refund.completed",
                {
                    "refund_no": no,
                    "order_no": o.no,
                    "amount": cat.fen(amount if done_amount is None else done_amount),
                },
            )
        return no

    def _cancel(self, o, p, *, refund=True):
        """Buyer cancels before shipping; returns the time the refund is requested."""
        rng = self.rng
        asked = p + rng.randrange(10 * MINUTE, 3 * HOUR)
        self.emit(
            asked,
            "order.cancel_requested",
            {
                "order_no": o.no,
                "reason": rng.choice(("不想要了", "拍错了/多拍了", "地址填错了", "价格买贵了")),
            },
        )
        done = asked + rng.randrange(5 * MINUTE, 60 * MINUTE)
        self.emit(done, "order.cancelled", {"order_no": o.no, "reason": "买家申请取消，商家已同意"})
        return done + rng.randrange(0, 2 * MINUTE)

    # ------------------------------------------------------------------ goods
    def _ship(self, o, s, *, lines=None, wh=None):
        rng = self.rng
        carrier = (
            "jd"
            if o.platform == "jd" and rng.random() < 0.7
            else (
                "ems"
                if o.remote and rng.random() < 0.4
                else rng.choices(cat.CARRIERS, cat.CARRIER_WEIGHTS)[0]
            )
        )
        tracking = f"{cat.TRACKING_PREFIX[carrier]}{o.idx:08d}{rng.randrange(10**5):05d}"
        lines = lines if lines is not None else [(i, qty) for i, qty, _u in o.lines]
        self.emit(
            s,
            "shipment.created",
            {
                "shipment_no": f"SH{o.idx:09d}",
                "order_no": o.no,
                "carrier": carrier,
                "tracking_no": tracking,
                "warehouse": wh or o.wh,
                "lines": [{"sku": self.skus[i].code, "qty": qty} for i, qty in lines],
            },
        )
        return carrier, tracking, wh or o.wh

    def _steps(
        self,
        o,
        s,
        *,
        pickup=(HOUR, 12 * HOUR),
        transit=None,
        gap=(4 * HOUR, 16 * HOUR),
        locker=0.12,
        long_gap=None,
    ):
        """A normal route: updates never more than ~18 h apart, delivered well inside deliver_by."""
        rng = self.rng
        steps = []
        last = s
        if rng.random() < 0.7:
            last = s + rng.randrange(10 * MINUTE, 90 * MINUTE)
            steps.append((last, "info_received"))
        t = max(s + rng.randrange(*pickup), last + 10 * MINUTE)
        steps.append((t, "picked_up"))
        n = transit if transit is not None else (rng.randint(3, 6) if o.remote else rng.randint(1, 3))
        for j in range(n):
            t += long_gap if (long_gap and j == 1) else rng.randrange(*gap)
            steps.append((t, "in_transit"))
        return self._finish(steps, t, locker)

    def _finish(self, steps, t, locker=0.12):
        rng = self.rng
        t += rng.randrange(2 * HOUR, 8 * HOUR)
        steps.append((t, "out_for_delivery"))
        if rng.random() < locker:
            t += rng.randrange(30 * MINUTE, 2 * HOUR)
            steps.append((t, "available_for_pickup"))
            t += rng.randrange(2 * HOUR, 18 * HOUR)
        else:
            t += rng.randrange(HOUR, 5 * HOUR)
        steps.append((t, "delivered"))
        return steps, t

    def _fast_steps(self, o, s):
        return self._steps(
            o, s, pickup=(HOUR, 6 * HOUR), transit=self.rng.randint(1, 2), gap=(4 * HOUR, 12 * HOUR), locker=0
        )

    def _track(self, o, shipment, steps, *, delivered_to=None):
        carrier, tracking, wh = shipment
        origin = cat.WAREHOUSES[wh]
        dest = o.place[1]
        hubs = [origin.rstrip("市"), *self.rng.sample(HUBS, 2), dest.rstrip("市")]
        transit_no = 0
        for t, status in steps:
            location = dest
            if status == "info_received":
                desc, location = f"商家已下单，等待{CARRIER_CN[carrier]}揽收", origin
            elif status == "picked_up":
                desc, location = f"【{origin}】{CARRIER_CN[carrier]}已揽收", origin
            elif status == "in_transit":
                hub = hubs[min(transit_no, len(hubs) - 1)] if transit_no < 3 else hubs[-1]
                transit_no += 1
                desc = f"快件已到达【{hub}转运中心】" if transit_no % 2 else f"快件已从【{hub}转运中心】发出"
                location = hub
            elif status == "out_for_delivery":
                desc = f"【{dest}{o.district}】快递员正在派送，请保持电话畅通"
            elif status == "available_for_pickup":
                desc = "快件已到达【菜鸟驿站】，请凭取件码及时取件"
            elif status == "delivered":
                if delivered_to:
                    desc, location = f"已签收，签收地址：{delivered_to}", delivered_to
                else:
                    desc = self.rng.choice(("已签收，签收人：本人", "已签收，由快递柜代收", "已签收，家门口"))
            else:
                desc = TRACK_TEXT[status]
                if status == "returned":
                    location = origin
            self.emit(
                t,
                "tracking.updated",
                {
                    "carrier": carrier,
                    "tracking_no": tracking,
                    "status": status,
                    "description": desc,
                    "location": location,
                    "raw_status": RAW[status],
                },
            )

    def _report(self, o, t, kind, message, photos=2):
        self.emit(
            t,
            "customer.reported",
            {
                "order_no": o.no,
                "kind": kind,
                "message": message,
                "attachments": [
                    {"name": f"photo{n}.jpg", "url": f"https://img.example.com/ordex/{o.no}/{n}.jpg"}
                    for n in range(1, photos + 1)
                ],
            },
        )

    def _ship_at(self, p, lo=HOUR, hi=30 * HOUR):
        return p + self.rng.randrange(lo, hi)

    def _fulfil(self, o, p):
        """The normal path after payment: ship, track, sometimes a routine cancel or refund."""
        rng = self.rng
        if rng.random() < 0.02:
            at = self._cancel(o, p)
            self._refund(o, at, o.total, "订单取消，全额退款", done_after=rng.randrange(5 * MINUTE, 4 * HOUR))
            return
        s = self._ship_at(p)
        shipment = self._ship(o, s)
        long_gap = None
        if o.remote and rng.random() < 0.08:
            # near miss: over the 48 h rule but inside the 72 h remote-province rule (not an exception)
            long_gap = rng.randrange(52 * HOUR, 60 * HOUR)
        steps, delivered = self._steps(
            o, s, transit=rng.randint(2, 4) if long_gap else None, long_gap=long_gap
        )
        self._track(o, shipment, steps)
        if rng.random() < 0.03:
            at = delivered + rng.randrange(2 * HOUR, 96 * HOUR)
            amount = max(100, min(o.total, o.lines[0][2]) * rng.choice((20, 50, 100)) // 100)
            self._refund(
                o,
                at,
                amount,
                rng.choice(("七天无理由退货", "商品有轻微瑕疵，协商部分退款")),
                done_after=rng.randrange(HOUR, 12 * HOUR),
            )


CARRIER_CN = {
    "shunfeng": "顺丰速运",
    "zhongtong": "中通快递",
    "yuantong": "圆通速递",
    "yunda": "韵达快递",
    "shentong": "申通快递",
    "jd": "京东物流",
    "ems": "EMS",
    "jtexpress": "极兔速递",
}
RAW = {
    "info_received": "1",
    "picked_up": "1",
    "in_transit": "0",
    "out_for_delivery": "5",
    "delivered": "3",
    "available_for_pickup": "501",
    "delivery_failed": "2",
    "refused": "14",
    "returning": "6",
    "returned": "4",
    "lost": "2",
    "damaged": "209",
    "exception": "2",
}
TRACK_TEXT = {
    "delivery_failed": "派送不成功：收件人电话无人接听，将再次派送",
    "refused": "收件人拒收，快件将退回寄件人",
    "returning": "快件退回中",
    "returned": "退回件已签收，签收人：商家仓库",
    "lost": "快件在运输途中遗失，已登记理赔",
    "damaged": "快件外包装破损，已拍照留证",
    "exception": "快件异常，请联系快递公司",
}
HUBS = ("武汉", "郑州", "南京", "长沙", "西安", "济南", "合肥")
