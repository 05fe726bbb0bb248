"""Stock freshness and system health: stale stock, missed heartbeats, silent shops, failing payment
channels, events waiting for an order that never came. Subjects are SKUs, components, shops, methods."""

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.core.bulk import fast_update
from ordex.core.text import stored_text
from ordex.orders.choices import PaymentMethod, PaymentStatus
from ordex.orders.queries import (
    first_order_time,
    keys_still_waiting,
    last_heartbeats,
    last_order_time,
    order_count,
    order_times,
    payment_attempts,
    shops,
    stale_selling_stock,
    targets_present,
    waiting_since,
)

from .base import BaseRule, Hit, Param, fmt_hours, fmt_time, hours


class InventorySyncDelay(BaseRule):
    code = "inventory_sync_delay"
    type_code = "inventory_sync_delay"
    trigger = "periodic"
    title = _("Inventory sync delay")
    description = _("A selling SKU (ordered since its last stock snapshot) whose stock was not updated"
                               " within the limit. Clears when a snapshot arrives.")
    params = (Param("hours", float, 24.0, _("Hours without a stock update"), minimum=0.1),)
    events = frozenset({"inventory.updated"})

    def scan(self, as_of, since, groups):
        limit = hours(groups[0].params["hours"])
        latest = {}
        for stock in stale_selling_stock(as_of - limit, as_of):
            current = latest.get(stock.product.sku)
            if current is None or stock.updated_at > current.updated_at:
                latest[stock.product.sku] = stock
        hits = []
        for sku, stock in latest.items():
            hits.append(Hit(self.code, self.type_code, f"sku:{sku}", stock.updated_at + limit,
                            stored_text(_("%(sku)s is still selling, but its stock has not been updated for more"
                                          " than %(limit)s since %(since)s"), sku=sku,
                                        since=fmt_time(stock.updated_at), limit=fmt_hours(limit)),
                            {"sku": sku, "last_update_at": stock.updated_at.isoformat(),
                             "warehouse": stock.warehouse.code}, sku=sku, basis_at=stock.updated_at,
                            occurrence=stock.updated_at.isoformat()))
        return hits

    def check_clear(self, finding, as_of, ctx):
        newest = ctx.sku_stock_updated(finding.sku)
        if newest and finding.basis_at and newest > finding.basis_at and newest <= as_of:
            return newest, stored_text(_("Stock updated at %(at)s"), at=fmt_time(newest))
        return None


class HeartbeatMissing(BaseRule):
    code = "heartbeat_missing"
    type_code = "system_outage"
    trigger = "periodic"
    title = _("Missed heartbeats")
    description = _("A component sent no heartbeat within the limit. Clears when heartbeats resume; gaps"
                               " in imported history are found too.")
    params = (Param("minutes", int, 15, _("Minutes without a heartbeat"), minimum=1),)
    events = frozenset({"system.heartbeat"})

    def hit(self, component, last, resumed, limit):
        return Hit(self.code, self.type_code, f"component:{component}", last + limit,
                   stored_text(_("%(component)s: no heartbeat for more than %(limit)s since %(since)s"),
                               component=component, since=fmt_time(last), limit=fmt_hours(limit)),
                   {"component": component, "last_heartbeat_at": last.isoformat()}, basis_at=last,
                   occurrence=last.isoformat(), cleared_at=resumed,
                   clear_summary=stored_text(_("Heartbeats resumed at %(at)s"), at=fmt_time(resumed)) if resumed else "",
                   incident_key=f"outage:component:{component}",
                   incident_title=stored_text(_("%(component)s system outage"), component=component))

    def scan(self, as_of, since, groups):
        limit = timedelta(minutes=groups[0].params["minutes"])
        return [self.hit(name, last, None, limit) for name, last in last_heartbeats(silent_since=as_of - limit).items()]

    def evaluate(self, ctx):
        """Gaps between heartbeats seen on import (history replayed after the fact), judged between neighbours
        in `occurred_at` order: a beat that overtakes earlier ones is compared with the beat just before it,
        not with the newest seen, and a late beat splits the gap it falls in (that gap's finding is withdrawn
        by `withdraw.py`; the silence after the late beat, if still long enough, is a finding of its own)."""
        from ..models import Heartbeat, HeartbeatMark

        beats = defaultdict(set)
        for event in ctx.by_type.get("system.heartbeat", ()):
            # In UTC, as read back from the database: the time is part of the finding's occurrence key.
            beats[event.data.component].add(event.occurred_at.astimezone(UTC))
        if not beats:
            return []
        limit = timedelta(minutes=ctx.params.base(self)["minutes"])
        marks = {m.component: m for m in HeartbeatMark.objects.filter(component__in=list(beats))}
        hits, changed, new_marks, rows = [], [], [], []
        for component, times in beats.items():
            mark = marks.get(component)
            newest = mark.last_at if mark else None
            if newest is None or min(times) > newest:
                # In time order (the usual case): the only neighbour not in this chunk is the newest beat seen.
                known = {newest} if newest else set()
            else:
                known = _stored_neighbours(Heartbeat, component, min(times), max(times))
            fresh = times - known
            merged = sorted(known | times)
            for before, after in zip(merged, merged[1:], strict=False):
                if (before in fresh or after in fresh) and after - before > limit:
                    hits.append(self.hit(component, before, after, limit))
            rows += [Heartbeat(component=component, at=at) for at in fresh]
            latest = max(times)
            if mark is None:
                new_marks.append(HeartbeatMark(component=component, last_at=latest))
            elif latest > mark.last_at:
                mark.last_at = latest
                changed.append(mark)
        Heartbeat.objects.bulk_create(rows, ignore_conflicts=True)
        HeartbeatMark.objects.bulk_create(new_marks)
        fast_update(HeartbeatMark, changed, ["last_at"])
        return hits

    def check_clear(self, finding, as_of, ctx):
        last = ctx.component_heartbeat(finding.facts.get("component"))
        if last and finding.basis_at and last > finding.basis_at:
            return last, stored_text(_("Heartbeats resumed at %(at)s"), at=fmt_time(last))
        return None


def _stored_neighbours(model, component: str, first, last) -> set:
    """The stored beats from the one before `first` to the one after `last`."""
    rows = model.objects.filter(component=component)
    around = set(rows.filter(at__gte=first, at__lte=last).values_list("at", flat=True))
    before = rows.filter(at__lt=first).order_by("-at").values_list("at", flat=True).first()
    after = rows.filter(at__gt=last).order_by("at").values_list("at", flat=True).first()
    return around | {at for at in (before, after) if at is not None}


def _parse_hhmm(text: str) -> time:
    hh, mm = text.split(":")
    return time(int(hh), int(mm))


class ShopSilent(BaseRule):
    code = "shop_silent"
    type_code = "system_outage"
    trigger = "periodic"
    title = _("Shop silent")
    description = _("A shop with no order for 60 min inside business hours, when it usually has ≥ 1 per"
                               " 10 min at that time of day (average of the same clock window over the previous 7"
                               " days).")
    params = (Param("minutes", int, 60, _("Silent minutes"), minimum=1),
              Param("usual_per_10_min", float, 1.0, _("Usual orders per 10 min at least")),
              Param("baseline_days", int, 7, _("Baseline days"), minimum=1),
              Param("business_start", str, "09:00", _("Business hours start (Asia/Shanghai)")),
              Param("business_end", str, "22:00", _("Business hours end")),)
    events = frozenset({"order.created"})

    def business_minutes(self, start: datetime, end: datetime, p) -> float:
        """Minutes of [start, end) inside business hours (local time)."""
        open_, close = _parse_hhmm(p["business_start"]), _parse_hhmm(p["business_end"])
        total, day = 0.0, timezone.localtime(start).date()
        tz = timezone.get_current_timezone()
        while True:
            o = datetime.combine(day, open_, tz)
            c = datetime.combine(day, close, tz)
            if o >= end:
                break
            lo, hi = max(o, start), min(c, end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
            day += timedelta(days=1)
        return total

    def silence_due(self, start: datetime, end: datetime, need: float, p) -> datetime | None:
        """When `need` business minutes of silence have passed after `start` (before `end`), else None."""
        open_, close = _parse_hhmm(p["business_start"]), _parse_hhmm(p["business_end"])
        tz = timezone.get_current_timezone()
        day, left = timezone.localtime(start).date(), need
        while True:
            o, c = datetime.combine(day, open_, tz), datetime.combine(day, close, tz)
            if o >= end:
                return None
            lo, hi = max(o, start), min(c, end)
            if hi > lo:
                span = (hi - lo).total_seconds() / 60
                if span >= left:
                    return lo + timedelta(minutes=left)
                left -= span
                # silence that spans closing time continues at the next opening
            day += timedelta(days=1)

    def scan(self, as_of, since, groups):
        p = groups[0].params
        need = p["minutes"]
        span = timedelta(minutes=need)
        hits = []
        for shop_id, code in shops():
            if since is not None:
                # A minute's pass: the silences still running at `since` start at the last order before it.
                before = last_order_time(shop_id, until=since)
            times = order_times(shop_id, after=since, until=as_of)
            if since is not None and before is not None:
                times.insert(0, before)
            if not times:
                continue
            first = first_order_time(shop_id)
            for prev, nxt in zip(times, times[1:] + [None], strict=False):
                end = nxt or as_of
                due = self.silence_due(prev, end, need, p)
                if due is None or due > as_of or (since is not None and due <= since and (nxt is None or nxt <= since)):
                    continue
                # What is usual for this shop at this time of day: the same clock window on earlier days.
                samples = []
                for days_back in range(1, p["baseline_days"] + 1):
                    start = prev - timedelta(days=days_back)
                    if start < first:
                        break
                    samples.append(order_count(shop_id, start, start + span))
                if len(samples) < 2:
                    continue  # not enough history to know what is usual
                usual = sum(samples) / len(samples) / (need / 10)
                if usual < p["usual_per_10_min"]:
                    continue
                hits.append(Hit(self.code, self.type_code, f"shop:{code}", due,
                                stored_text(_("Shop %(shop)s: no order for %(minutes)s minutes of business hours"
                                              " since %(since)s (usually about %(usual)s per 10 minutes)"),
                                            shop=code, since=fmt_time(prev), minutes=need, usual=f"{usual:.1f}"),
                                {"shop": code, "last_order_at": prev.isoformat(), "usual_per_10_min": round(usual, 2)},
                                basis_at=prev, occurrence=prev.isoformat(), cleared_at=nxt if nxt and nxt <= as_of else None,
                                clear_summary=stored_text(_("Orders resumed at %(at)s"), at=fmt_time(nxt))
                                if nxt else "",
                                incident_key=f"outage:shop:{code}",
                                incident_title=stored_text(_("Shop %(shop)s without orders"), shop=code)))
        return hits

    def check_clear(self, finding, as_of, ctx):
        return None  # scans see the next order and record the clearing with the finding


class PaymentChannelFailure(BaseRule):
    code = "payment_channel_failure"
    type_code = "payment_channel_failure"
    trigger = "periodic"
    title = _("Payment channel failure")
    description = _("A payment method's failure rate over a sliding window above the threshold (with"
                               " enough attempts): one incident per channel. Clears when the rate falls back.")
    params = (Param("window_minutes", int, 15, _("Window (minutes)"), minimum=1),
              Param("failure_rate", float, 0.5, _("Failure rate at least"), minimum=0.01),
              Param("min_attempts", int, 5, _("Attempts in the window at least"), minimum=1),)

    late_events = frozenset({"order.paid", "payment.failed"})

    def late_due(self, event, params):
        method = getattr(event.data, "method", None)
        return (method, event.occurred_at) if method else None

    def late_horizon(self, watermark, now):
        # A pass re-reads four windows before its watermark, so only payments behind it are late.
        return watermark

    def scan_late(self, as_of, targets, groups):
        """Re-read each late method's payments from its earliest late attempt (episodes that ended since)."""
        since = min(targets.values())
        return [h for h in self.scan(as_of, since, groups) if h.facts.get("method") in targets]

    def scan(self, as_of, since, groups, only=None):
        p = groups[0].params
        window = timedelta(minutes=p["window_minutes"])
        by_method = defaultdict(list)
        attempts = payment_attempts(PaymentMethod.values, after=since - 4 * window if since is not None else None,
                                    until=as_of)
        for method, at, status in attempts:
            by_method[method].append((at, status == PaymentStatus.FAILED))
        hits = []
        for method, attempts in by_method.items():
            down_since, lo, failed, worst = None, 0, 0, 0.0
            for hi, (at, is_failed) in enumerate(attempts):
                failed += is_failed
                while attempts[lo][0] <= at - window:
                    failed -= attempts[lo][1]
                    lo += 1
                count = hi - lo + 1
                rate = failed / count
                if down_since is None and count >= p["min_attempts"] and rate >= p["failure_rate"]:
                    down_since, worst = at, rate
                elif down_since is not None:
                    worst = max(worst, rate)
                    if rate < p["failure_rate"] / 2 and not is_failed:
                        hits.append(self.hit(method, down_since, at, worst, p))
                        down_since = None
            if down_since is not None:
                hits.append(self.hit(method, down_since, None, worst, p))
        if since is not None:
            hits = [h for h in hits if h.cleared_at is None or h.cleared_at > since]
        return hits

    def hit(self, method, since_at, ended, rate, p):
        return Hit(self.code, self.type_code, f"method:{method}", since_at,
                   stored_text(_("Payment method %(method)s failing at %(rate)s within %(minutes)s minutes"),
                               method=method, minutes=p["window_minutes"], rate=f"{rate:.0%}"),
                   {"method": method, "failure_rate": round(rate, 3), "window_minutes": p["window_minutes"]},
                   occurrence=since_at.isoformat(), cleared_at=ended,
                   clear_summary=stored_text(_("Payments succeed again since %(at)s"), at=fmt_time(ended))
                   if ended else "",
                   incident_key=f"channel:{method}",
                   incident_title=stored_text(_("Payment channel %(method)s failing"), method=method))


class DataLoss(BaseRule):
    code = "data_loss"
    type_code = "data_loss"
    trigger = "periodic"
    title = _("Data loss")
    description = _("Events for an order (or parcel) whose order.created (or shipment.created) has not"
                               " arrived within the limit: the upstream lost data. Clears when it arrives.")
    params = (Param("minutes", int, 60, _("Minutes waiting"), minimum=1),)

    def scan(self, as_of, since, groups):
        limit = timedelta(minutes=groups[0].params["minutes"])
        waiting = defaultdict(list)
        announced = set()  # parcels whose shipment.created itself waits for its order: one loss, not two
        for pending in waiting_since(as_of - limit):
            waiting[pending.waiting_key].append(pending)
            if pending.type == "shipment.created":
                announced.add(f"tracking:{pending.data.get('carrier')}:{pending.data.get('tracking_no')}")
        for key in announced:
            waiting.pop(key, None)
        arrived = targets_present(set(waiting))
        hits = []
        for key, events in waiting.items():
            first = min(e.occurred_at for e in events)
            kind, _sep, ident = key.partition(":")
            what = stored_text(_("order %(order)s"), order=ident) if kind == "order" \
                else stored_text(_("parcel %(tracking)s"), tracking=ident.replace(":", " "))
            if key in arrived:
                # The target is in the hub but these events were never applied: stuck, which is lost data too.
                summary = stored_text(_("The %(what)s has arrived, but its %(count)s events (the first at"
                                        " %(first)s) have waited more than %(limit)s without being applied"),
                                      what=what, count=len(events), first=fmt_time(first), limit=fmt_hours(limit))
            else:
                summary = stored_text(_("%(count)s events of the %(what)s arrived (the first at %(first)s), but the"
                                        " %(what)s itself has not arrived within %(limit)s"),
                                      what=what, count=len(events), first=fmt_time(first), limit=fmt_hours(limit))
            hits.append(Hit(self.code, self.type_code, key, first + limit, summary,
                            {"waiting_for": key, "events": sorted({e.type for e in events}),
                             "event_ids": sorted(e.event_id for e in events)[:20],
                             "first_event_at": first.isoformat(), "stuck": key in arrived}))
        return hits

    def check_clear(self, finding, as_of, ctx):
        if finding.subject_key in getattr(ctx, "arrived", ()):
            return as_of, _("The missing data arrived")
        return None

    def clear_in_scan(self, findings, as_of):
        keys = {f.subject_key for f in findings}
        still = keys_still_waiting(keys)
        return [(f, as_of, _("The missing data arrived")) for f in findings if f.subject_key not in still]


__all__ = ["InventorySyncDelay", "HeartbeatMissing", "ShopSilent", "PaymentChannelFailure", "DataLoss", "Q"]
