"""One handler per injected order-level exception type (see README.md for what each produces).

Each ``_t_<code>(k, t, shop)`` builds slot ``k``'s order at time ``t`` with the exception in it,
writes its label, and returns True; it returns False when the moment does not fit (the type
then waits for the next order). Margins against the rules' default limits are spelled out inline.
"""

from __future__ import annotations

from . import catalog as cat
from .config import DAY, HOUR, LIMITS, MINUTE


class InjectionsMixin:
    # ------------------------------------------------------------------ helpers
    def _plain(self, k, t, shop, code, **kw):
        o = self._new_order(k, t, shop, **kw)
        if o is None:
            return None
        self._created(o)
        self._remember(o, code)
        return o

    def _deliver_by(self, o):
        return LIMITS["deliver_by_remote"] if o.remote else LIMITS["deliver_by"]

    def _implied_by_silence(self, o, s, last_update, delivered=False):
        """Other types whose literal definition an undelivered, silent parcel also meets at the end."""
        implied = []
        limit = LIMITS["tracking_stalled_remote"] if o.remote else LIMITS["tracking_stalled"]
        if self.horizon - last_update >= limit:
            implied.append("tracking_stalled")
        if not delivered and self.horizon > s + self._deliver_by(o):
            implied.append("delivery_overdue")
        return implied

    def _delivered_then(self, k, t, shop, code, **kw):
        """A quickly delivered order (for after-delivery reports); returns (order, delivered time)."""
        o = self._plain(k, t, shop, code, **kw)
        if o is None:
            return None, None
        p = self._pay(o)
        s = self._ship_at(p, 2 * HOUR, 8 * HOUR)
        shipment = self._ship(o, s)
        steps, delivered = self._fast_steps(o, s)
        self._track(o, shipment, steps)
        return o, delivered

    # ------------------------------------------------------------------ order
    def _t_customer_info_error(self, k, t, shop):
        rng = self.rng
        variant = rng.choice(("invalid_phone", "no_street_detail", "unresolvable_address"))
        o = self._new_order(k, t, shop, bad_phone=variant == "invalid_phone")
        if o is None:
            return False
        if variant == "no_street_detail":
            province, city, _pc, districts = o.place[:4]
            o.address = (
                {"province": province, "city": city, "district": o.district, "detail": ""}
                if rng.random() < 0.5
                else {"raw": f"{province}{city}{o.district}"}
            )
        elif variant == "unresolvable_address":
            o.address = {
                "raw": rng.choice(
                    ("老地方，到了打电话", "学校门口保安室", "火车站附近", "公司前台", "同上", "见备注")
                )
            }
            # No province to read: the rules cannot know the parcel goes somewhere remote, so neither may its
            # margins (a 52-60 h gap between scans is a remote-province near miss only when the address says so).
            o.remote = False
        self._created(o)
        self._fulfil(o, self._pay(o))
        self._remember(o, "customer_info_error")
        self.label("customer_info_error", order_no=o.no, variant=variant)
        return True

    def _t_duplicate_order(self, k, t, shop):
        prev = self.prev
        # the original must be an ordinary order placed 1-8 min earlier (window: 10 min)
        if prev is None or self.prev_kind is not None or not (MINUTE <= t - prev.t <= 8 * MINUTE):
            return False
        o = self._new_order(
            k,
            t,
            (prev.shop, prev.platform),
            customer=(prev.customer, prev.address, prev.place, prev.district),
        )
        if o is None:
            return False
        o.lines = [list(line) for line in prev.lines]
        o.wh, o.shipping, o.discount, o.total = prev.wh, prev.shipping, prev.discount, prev.total
        self._created(o)
        p = self._pay(o)
        if self.rng.random() < 0.5:
            at = self._cancel(o, p)
            self._refund(
                o, at, o.total, "重复下单，取消并退款", done_after=self.rng.randrange(10 * MINUTE, 3 * HOUR)
            )
        else:
            self._fulfil(o, p)
        self._remember(o, "duplicate_order")
        self.label("duplicate_order", order_no=o.no, original_order_no=prev.no)
        return True

    def _t_order_change_request(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "order_change_request")
        if o is None:
            return False
        p = self._pay(o)
        asked = p + rng.randrange(10 * MINUTE, 3 * HOUR)
        siblings = [
            j
            for j in self.base_variants[self.skus[o.lines[0][0]].base]
            if j != o.lines[0][0] and self._can_sell(j, o.wh, t, o.lines[0][1])
        ]
        variant = rng.choice(("address", "customer", "lines") if siblings else ("address", "customer"))
        if variant == "address":
            o.address, o.district = self._address(o.place)
            changes, reason = {"address": o.address}, "买家修改收货地址"
        elif variant == "customer":
            o.customer = {**o.customer, "name": cat.person_name(rng), "phone": cat.phone(rng)}
            changes, reason = {"customer": o.customer}, "买家修改收件人及电话"
        else:
            o.lines[0][0] = rng.choice(siblings)  # same base product: same price, other colour/size
            changes = {"lines": [{"sku": self.skus[i].code, "qty": qty} for i, qty, _u in o.lines]}
            reason = "买家更换颜色/尺码"
        self.emit(asked, "order.change_requested", {"order_no": o.no, "changes": changes, "reason": reason})
        updated = asked + rng.randrange(10 * MINUTE, 60 * MINUTE)
        self.emit(updated, "order.updated", self._order_data(o))
        s = max(updated + HOUR, self._ship_at(p))
        shipment = self._ship(o, s)
        steps, _ = self._steps(o, s)
        self._track(o, shipment, steps)
        self.label("order_change_request", order_no=o.no, variant=variant)
        return True

    def _t_cancel_failed(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "cancel_failed")
        if o is None:
            return False
        p = self._pay(o)
        asked = p + rng.randrange(20 * MINUTE, 3 * HOUR)
        self.emit(asked, "order.cancel_requested", {"order_no": o.no, "reason": "不想要了，请取消订单"})
        s = asked + rng.randrange(HOUR, 12 * HOUR)  # shipped anyway, never cancelled
        shipment = self._ship(o, s)
        steps, _ = self._steps(o, s)
        self._track(o, shipment, steps)
        self.label("cancel_failed", order_no=o.no, variant="shipped_anyway")
        return True

    def _t_quantity_anomaly(self, k, t, shop):
        qty = self.rng.randrange(60, 151)  # normal qty is 1-5, so > 10 x any SKU's median
        o = self._plain(k, t, shop, "quantity_anomaly", big_qty=qty)
        if o is None:
            return False
        self._fulfil(o, self._pay(o))
        self.label("quantity_anomaly", order_no=o.no, sku=self.skus[o.lines[0][0]].code, qty=qty)
        return True

    def _malicious_member(self, k, t, g):
        rng = self.rng
        if g["customer"] is None:
            shop = self._pick_shop(t)
            customer, address, place, district = self._customer(shop[1], t)
            customer = {**customer, "phone": cat.phone(rng)}  # a plain number, the same on every order
            g.update(
                customer=customer,
                shop=shop,
                ip=cat.buyer_ip(rng),
                target=rng.randint(5, 8),
                who=(customer, address, place, district),
                used=set(),
            )
        o = self._new_order(k, t, g["shop"], customer=g["who"], n_lines=1)
        if o is None or o.lines[0][0] in g["used"]:
            # Not this buyer again with the same SKU (that would also be a duplicate order): someone else's order.
            if o is not None:
                for i, qty, _unit in o.lines:  # the goods the discarded order took are still in stock
                    self.sold_since[i, o.wh] -= qty
                    self.on_hand[i, o.wh] += qty
            o = self._new_order(k, t, g["shop"])
            if o is None:
                return
            self._created(o)
            self._fulfil(o, self._pay(o))
            self._remember(o, None)
            return
        g["used"].add(o.lines[0][0])  # different SKUs: these are not duplicates of each other
        o.ip = g["ip"]
        self._created(o)  # never paid
        g["orders"].append(o.no)
        g["next"] = t + rng.randrange(3 * MINUTE, 7 * MINUTE)
        self._remember(o, "malicious_orders")

    # ------------------------------------------------------------------ payment
    def _t_payment_mismatch(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "payment_mismatch")
        if o is None:
            return False
        variant = rng.choice(("underpaid", "overpaid", "paid_twice")) if o.total >= 300 else "paid_twice"
        if variant == "paid_twice":
            p = self._pay(o)
            self._paid(o, p + rng.randrange(MINUTE, 20 * MINUTE), o.method, o.total)
        else:
            delta = rng.randrange(100, max(101, o.total // 2))
            p = self._pay(o, amount=o.total - delta if variant == "underpaid" else o.total + delta)
        self._fulfil(o, p)
        self.label("payment_mismatch", order_no=o.no, variant=variant)
        return True

    def _t_payment_timeout(self, k, t, shop):
        o = self._plain(k, t, shop, "payment_timeout")
        if o is None:
            return False
        self.label("payment_timeout", order_no=o.no)
        return True

    # ------------------------------------------------------------------ stock
    def _t_out_of_stock(self, k, t, shop):
        rng = self.rng
        prev = self.prev
        # the low snapshot goes between the previous order and this one, so no other order sees it
        if prev is None or not (2 <= t - prev.t <= 5 * MINUTE):
            return False
        o = self._new_order(k, t, shop, n_lines=1, min_qty=2)
        if o is None:
            return False
        i, qty, _unit = o.lines[0]
        key = (i, o.wh)
        if key in self.blocked:
            return False
        low_at = prev.t + (t - prev.t) // 2
        restock = t + rng.randrange(30 * MINUTE, 90 * MINUTE)
        self.blocked[key] = [(low_at, restock + MINUTE)]
        on_hand = rng.randrange(0, qty)
        self.emit(
            low_at,
            "inventory.updated",
            {"sku": self.skus[i].code, "warehouse": o.wh, "on_hand": on_hand, "reserved": 0},
            may_be_late=False,
        )
        self.snap_avail[key], self.sold_since[key] = on_hand, 0
        self.schedule(restock, self._restock_task, key)
        self._created(o)
        p = self._pay(o)
        other = rng.choice([w for w in cat.WAREHOUSES if w != o.wh])
        s = self._ship_at(p, 4 * HOUR, 30 * HOUR)
        shipment = self._ship(o, s, wh=other)
        steps, _ = self._steps(o, s)
        self._track(o, shipment, steps)
        self._remember(o, "out_of_stock")
        self.label(
            "out_of_stock",
            order_no=o.no,
            sku=self.skus[i].code,
            warehouse=o.wh,
            ordered=qty,
            available=on_hand,
        )
        return True

    # ------------------------------------------------------------------ fulfilment
    def _t_ship_delay(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "ship_delay")
        if o is None:
            return False
        p = self._pay(o)
        variant = rng.choice(("shipped_late", "never_shipped"))
        if variant == "shipped_late":
            s = p + rng.randrange(60 * HOUR, 80 * HOUR)  # limit 48 h
            shipment = self._ship(o, s)
            steps, _ = self._steps(o, s)
            self._track(o, shipment, steps)
        self.label("ship_delay", order_no=o.no, variant=variant)
        return True

    def _t_wrong_item(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "wrong_item")
        if o is None:
            return False
        p = self._pay(o)
        i, qty, _u = o.lines[0]
        ordered = {line[0] for line in o.lines}
        siblings = [j for j in self.base_variants[self.skus[i].base] if j not in ordered]
        wrong = (
            rng.choice(siblings) if siblings else next(j for j in range(len(self.skus)) if j not in ordered)
        )
        s = self._ship_at(p)
        shipment = self._ship(o, s, lines=[(wrong, qty)] + [(j, q) for j, q, _u in o.lines[1:]])
        steps, delivered = self._steps(o, s)
        self._track(o, shipment, steps)
        self._report(
            o,
            delivered + rng.randrange(2 * HOUR, 48 * HOUR),
            "wrong_item",
            f"我买的是{self.skus[i].name}，收到的是{self.skus[wrong].name}",
        )
        self.label(
            "wrong_item", order_no=o.no, ordered_sku=self.skus[i].code, shipped_sku=self.skus[wrong].code
        )
        return True

    def _t_missing_item(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "missing_item", min_qty=2)
        if o is None:
            return False
        p = self._pay(o)
        short = [(i, qty - 1 if n == 0 else qty) for n, (i, qty, _u) in enumerate(o.lines)]
        s = self._ship_at(p)
        shipment = self._ship(o, s, lines=short)
        steps, delivered = self._steps(o, s)
        self._track(o, shipment, steps)
        self._report(
            o,
            delivered + rng.randrange(2 * HOUR, 48 * HOUR),
            "missing_item",
            f"{self.skus[o.lines[0][0]].name}买了{o.lines[0][1]}件，只收到{o.lines[0][1] - 1}件",
        )
        self.label("missing_item", order_no=o.no, sku=self.skus[o.lines[0][0]].code)
        return True

    def _t_false_shipment(self, k, t, shop):
        o = self._plain(k, t, shop, "false_shipment")
        if o is None:
            return False
        s = self._ship_at(self._pay(o), 2 * HOUR, 12 * HOUR)
        self._ship(o, s)  # a tracking number no carrier ever scans
        implied = ["pickup_timeout", *self._implied_by_silence(o, s, s)]
        self.label("false_shipment", order_no=o.no, implies=implied)
        return True

    # ------------------------------------------------------------------ logistics
    def _t_pickup_timeout(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "pickup_timeout")
        if o is None:
            return False
        s = self._ship_at(self._pay(o), 2 * HOUR, 12 * HOUR)
        shipment = self._ship(o, s)
        info = s + rng.randrange(10 * MINUTE, HOUR)
        picked = s + rng.randrange(30 * HOUR, 38 * HOUR)  # limit 24 h; gap from info < 48 h
        steps = [(info, "info_received"), (picked, "picked_up")]
        t2 = picked
        for _ in range(rng.randint(1, 2)):
            t2 += rng.randrange(4 * HOUR, 10 * HOUR)
            steps.append((t2, "in_transit"))
        steps, _ = self._finish(steps, t2, locker=0)
        self._track(o, shipment, steps)
        self.label("pickup_timeout", order_no=o.no)
        return True

    def _t_tracking_stalled(self, k, t, shop):
        rng = self.rng
        remote = t + 106 * HOUR <= self.horizon and rng.random() < 0.35
        o = self._plain(k, t, shop, "tracking_stalled", remote=remote)
        if o is None:
            return False
        s = self._ship_at(self._pay(o), 2 * HOUR, 8 * HOUR)
        shipment = self._ship(o, s)
        picked = s + rng.randrange(HOUR, 4 * HOUR)
        moved = picked + rng.randrange(3 * HOUR, 8 * HOUR)
        # limits 48 h / 72 h remote: silent for 60-68 h / 84-94 h, then delivered inside deliver_by
        gap = rng.randrange(84 * HOUR, 94 * HOUR) if o.remote else rng.randrange(60 * HOUR, 68 * HOUR)
        resumed = moved + gap
        steps = [(picked, "picked_up"), (moved, "in_transit"), (resumed, "in_transit")]
        steps, _ = self._finish(steps, resumed + rng.randrange(3 * HOUR, 8 * HOUR), locker=0)
        steps.insert(3, (resumed + rng.randrange(HOUR, 3 * HOUR), "in_transit"))
        self._track(o, shipment, sorted(steps))
        self.label(
            "tracking_stalled",
            order_no=o.no,
            remote=o.remote,
            silent_from=self.iso(moved),
            silent_hours=round(gap / HOUR, 1),
        )
        return True

    def _t_delivery_overdue(self, k, t, shop):
        rng = self.rng
        remote = t + 8 * DAY + 2 * DAY <= self.horizon and rng.random() < 0.3
        o = self._plain(k, t, shop, "delivery_overdue", remote=remote)
        if o is None:
            return False
        s = self._ship_at(self._pay(o), 2 * HOUR, 8 * HOUR)
        shipment = self._ship(o, s)
        due = s + self._deliver_by(o)
        target = due + rng.randrange(12 * HOUR, 36 * HOUR)
        t2 = s + rng.randrange(HOUR, 6 * HOUR)
        steps = [(t2, "picked_up")]
        while t2 < target - 4 * HOUR:  # slow but moving: updates every 8-16 h, never stalled
            t2 += rng.randrange(8 * HOUR, 16 * HOUR)
            steps.append((t2, "in_transit"))
        steps, delivered = self._finish(steps, t2, locker=0)
        self._track(o, shipment, steps)
        self.label("delivery_overdue", order_no=o.no, remote=o.remote, deliver_by=self.iso(due))
        return True

    def _t_parcel_lost(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "parcel_lost")
        if o is None:
            return False
        s = self._ship_at(self._pay(o), 2 * HOUR, 8 * HOUR)
        shipment = self._ship(o, s)
        picked = s + rng.randrange(HOUR, 6 * HOUR)
        moved = picked + rng.randrange(4 * HOUR, 12 * HOUR)
        steps = [(picked, "picked_up"), (moved, "in_transit")]
        # stalled variant: silent for 7 days plus a 12 h margin before the stream end
        if moved + LIMITS["parcel_lost_stalled"] + 12 * HOUR <= self.horizon and rng.random() < 0.4:
            variant, last = "stalled_7_days", moved
        else:
            variant, last = "carrier_lost", moved + rng.randrange(10 * HOUR, 30 * HOUR)
            steps.append((last, "lost"))
        self._track(o, shipment, steps)
        self.label(
            "parcel_lost", order_no=o.no, variant=variant, implies=self._implied_by_silence(o, s, last)
        )
        return True

    def _t_parcel_damaged(self, k, t, shop):
        rng = self.rng
        if t + 94 * HOUR <= self.horizon and rng.random() < 0.5:
            o, delivered = self._delivered_then(k, t, shop, "parcel_damaged")
            if o is None:
                return False
            self._report(
                o,
                delivered + rng.randrange(2 * HOUR, 36 * HOUR),
                "damaged",
                "收到时外箱压扁，商品摔坏了",
                photos=3,
            )
            variant = "customer_report"
        else:
            o = self._plain(k, t, shop, "parcel_damaged")
            if o is None:
                return False
            s = self._ship_at(self._pay(o), 2 * HOUR, 8 * HOUR)
            shipment = self._ship(o, s)
            steps, _ = self._steps(o, s, transit=2)
            mid = steps[-4][0] + rng.randrange(HOUR, 3 * HOUR)  # just after the first transit scan
            self._track(o, shipment, sorted([*steps, (mid, "damaged")]))
            variant = "carrier_scan"
        self.label("parcel_damaged", order_no=o.no, variant=variant)
        return True

    def _t_delivery_failed(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "delivery_failed")
        if o is None:
            return False
        s = self._ship_at(self._pay(o), 2 * HOUR, 8 * HOUR)
        shipment = self._ship(o, s)
        steps, _ = self._steps(o, s, transit=rng.randint(1, 2), locker=0)
        steps = steps[:-1]  # up to out_for_delivery
        t2 = steps[-1][0]
        implies = []
        variant = rng.choice(("failed_attempt", "refused"))
        if variant == "failed_attempt":
            t2 += rng.randrange(2 * HOUR, 6 * HOUR)
            steps.append((t2, "delivery_failed"))
            t2 += rng.randrange(10 * HOUR, 18 * HOUR)
            steps, _ = self._finish(steps, t2 - 2 * HOUR, locker=0)
        else:
            t2 += rng.randrange(HOUR, 4 * HOUR)
            steps.append((t2, "refused"))
            t2 += rng.randrange(2 * HOUR, 10 * HOUR)
            steps.append((t2, "returning"))
            for _ in range(2):
                t2 += rng.randrange(8 * HOUR, 16 * HOUR)
                steps.append((t2, "in_transit"))
            t2 += rng.randrange(4 * HOUR, 12 * HOUR)
            steps.append((t2, "returned"))
            if self.horizon > s + self._deliver_by(o):
                implies.append("delivery_overdue")
        self._track(o, shipment, steps)
        self.label("delivery_failed", order_no=o.no, variant=variant, implies=implies)
        return True

    def _t_signed_not_received(self, k, t, shop):
        o, delivered = self._delivered_then(k, t, shop, "signed_not_received")
        if o is None:
            return False
        self._report(
            o,
            delivered + self.rng.randrange(6 * HOUR, 36 * HOUR),
            "not_received",
            "物流显示已签收，但我没有收到包裹，驿站和快递柜都查不到",
            photos=1,
        )
        self.label("signed_not_received", order_no=o.no)
        return True

    def _t_address_misdelivery(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "address_misdelivery")
        if o is None:
            return False
        s = self._ship_at(self._pay(o), 2 * HOUR, 8 * HOUR)
        shipment = self._ship(o, s)
        steps, delivered = self._fast_steps(o, s)
        others = [d for d in o.place[3] if d != o.district] or [o.district]
        elsewhere = f"{o.place[1]}{rng.choice(others)}{rng.choice(cat.COMMUNITIES)}"
        self._track(o, shipment, steps, delivered_to=elsewhere)
        self._report(
            o,
            delivered + rng.randrange(6 * HOUR, 36 * HOUR),
            "other",
            f"快递送错地址了：签收地址是{elsewhere}，不是我下单填写的地址",
            photos=1,
        )
        self.label("address_misdelivery", order_no=o.no, delivered_to=elsewhere)
        return True

    # ------------------------------------------------------------------ after-sales
    def _t_refund_failed(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "refund_failed")
        if o is None:
            return False
        at = self._cancel(o, self._pay(o))
        failed_after = rng.randrange(10 * MINUTE, 3 * HOUR)
        no = self._refund(o, at, o.total, "订单取消，全额退款", done_after=failed_after, fail=True)
        # the merchant retries with a new refund, completed well inside the 12 h limit
        self._refund(
            o,
            at + failed_after + rng.randrange(HOUR, 6 * HOUR),
            o.total,
            "退款失败后重新发起",
            done_after=rng.randrange(10 * MINUTE, 2 * HOUR),
        )
        self.label("refund_failed", order_no=o.no, refund_no=no)
        return True

    def _t_refund_mismatch(self, k, t, shop):
        rng = self.rng
        o = self._plain(k, t, shop, "refund_mismatch")
        if o is None:
            return False
        at = self._cancel(o, self._pay(o))
        if o.total >= 300 and rng.random() < 0.5:
            variant = "completed_differs"
            done = o.total - rng.randrange(100, max(101, o.total // 2))
            self._refund(
                o,
                at,
                o.total,
                "订单取消，全额退款",
                done_after=rng.randrange(10 * MINUTE, 3 * HOUR),
                done_amount=done,
            )
        else:
            variant = "refunds_exceed_paid"
            self._refund(
                o, at, o.total, "订单取消，全额退款", done_after=rng.randrange(10 * MINUTE, 2 * HOUR)
            )
            self._refund(
                o,
                at + rng.randrange(2 * HOUR, 4 * HOUR),
                max(100, o.total // 5),
                "补偿运费",
                done_after=rng.randrange(10 * MINUTE, 2 * HOUR),
            )
        self.label("refund_mismatch", order_no=o.no, variant=variant)
        return True

    def _t_refund_delayed(self, k, t, shop):
        rng = self.rng
        if t + 116 * HOUR <= self.horizon and rng.random() < 0.5:
            o, delivered = self._delivered_then(k, t, shop, "refund_delayed")
            if o is None:
                return False
            at = delivered + rng.randrange(2 * HOUR, 24 * HOUR)
            late = rng.choice((rng.randrange(36 * HOUR, 60 * HOUR), None))  # shipped refund-only limit 24 h
            self._refund(o, at, max(100, o.total // 2), "仅退款：商品与描述不符", done_after=late)
            variant = "shipped_refund_only"
        else:
            o = self._plain(k, t, shop, "refund_delayed")
            if o is None:
                return False
            at = self._cancel(o, self._pay(o))
            late = rng.choice((rng.randrange(18 * HOUR, 30 * HOUR), None))  # unshipped limit 12 h
            self._refund(o, at, o.total, "订单取消，全额退款", done_after=late)
            variant = "unshipped"
        self.label("refund_delayed", order_no=o.no, variant=variant, completed=late is not None)
        return True

    def _customer_report_type(self, k, t, shop, code, kind, messages, sku_pool=None):
        o, delivered = self._delivered_then(k, t, shop, code)
        if o is None:
            return False
        self._report(o, delivered + self.rng.randrange(6 * HOUR, 36 * HOUR), kind, self.rng.choice(messages))
        self.label(code, order_no=o.no, sku=self.skus[o.lines[0][0]].code)
        return True

    def _t_not_as_described(self, k, t, shop):
        return self._customer_report_type(
            k,
            t,
            shop,
            "not_as_described",
            "not_as_described",
            (
                "实物颜色和详情页图片差别很大",
                "尺码和描述不符，标L实际只有M大小",
                "详情页写支持快充，实际不支持",
            ),
        )

    def _t_quality_issue(self, k, t, shop):
        return self._customer_report_type(
            k,
            t,
            shop,
            "quality_issue",
            "quality",
            ("用了两天就坏了，无法开机", "开线、起球严重", "有异味，疑似质量问题", "拉链第一次用就断了"),
        )

    def _t_complaint(self, k, t, shop):
        return self._customer_report_type(
            k,
            t,
            shop,
            "complaint",
            "complaint",
            (
                "客服态度很差，一直不回复",
                "投诉：承诺48小时发货却拖了很久才收到",
                "要求平台介入处理，商家推诿",
            ),
        )

    # ------------------------------------------------------------------ system
    def _t_data_loss(self, k, t, shop):
        o = self._new_order(k, t, shop)
        if o is None:
            return False
        self._created(o, lost=True)
        self._fulfil(o, self._pay(o))
        self._remember(o, "data_loss")
        self.label("data_loss", order_no=o.no)
        return True
