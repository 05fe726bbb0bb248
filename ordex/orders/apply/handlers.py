"""One handler per event type. Each changes the chunk's rows in memory and returns an AppliedEvent, or
raises Waiting (the order or parcel is not here yet) or Refused (the event contradicts the hub)."""

from decimal import Decimal

from ordex.core.bulk import fast_new, set_related

from ..address import address_key, parse_address, structure_address
from ..choices import CARRIER_HAS_IT, PaymentMethod, PaymentStatus, Platform, RefundStatus, TrackingStatus
from ..events import AppliedEvent
from ..models import (
    MONEY_MAX,
    CustomerReport,
    Order,
    OrderChange,
    PriceHistory,
    Refund,
    Shipment,
    Stock,
    StockHistory,
    SystemFault,
)
from ..phones import classify_phone, normalise_phone
from .chunk import (
    PAYMENT_METHODS,
    PLATFORMS,
    Chunk,
    HubEvent,
    Refused,
    Waiting,
    customer_external_id,
    order_key,
    tracking_key,
)
from .rows import LineRow, PaymentRow, ShipmentLineRow, TrackingRow


def _earliest(current, new):
    return new if current is None or new < current else current


def _latest(current, new):
    return new if current is None or new > current else current


def _need_order(chunk: Chunk, order_no: str) -> Order:
    order = chunk.order_for(order_no)
    if order is None:
        raise Waiting(order_key(order_no))
    return order


def _apply_snapshot(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    at = event.occurred_at
    order = chunk.order_for(data.order_no)
    created = order is None
    if created:
        order = fast_new(Order, order_no=data.order_no, created_at=at, snapshot_at=at, total=data.total)
        chunk.new_orders.append(order)
        chunk.orders[data.order_no] = order
    else:
        if event.type == "order.created" and at < order.created_at:
            order.created_at = at
            chunk.touch_order(order, "created_at")
        if at < order.snapshot_at:
            return AppliedEvent(event.event_id, event.type, at, data, order=order, changed=False)
        order.snapshot_at = at
        chunk.touch_order(order)
        if order.pk:
            chunk.replaced_lines.add(order.pk)
        chunk.new_lines = [line for line in chunk.new_lines if line.order is not order]

    shop = chunk.shops[data.shop]
    customer = chunk.customers[(shop.pk, customer_external_id(data.customer))]
    phone = normalise_phone(data.customer.phone)
    if not created and (customer.name, customer.phone, customer.email) != (
            data.customer.name, phone, data.customer.email):
        customer.name, customer.phone, customer.email = data.customer.name, phone, data.customer.email
        customer.phone_kind = classify_phone(customer.phone)
        chunk.touch(chunk.dirty_customers, customer)
    set_related(order, shop=shop, customer=customer,
                warehouse=chunk.warehouses[data.warehouse] if data.warehouse else None)
    order.platform = data.platform if data.platform in PLATFORMS else (shop.platform or Platform.OTHER)
    order.phone = phone
    order.phone_kind = classify_phone(phone)
    _set_address(order, data.address)
    order.total = data.total
    order.shipping_fee = data.shipping_fee or Decimal("0")
    order.discount = data.discount or Decimal("0")
    order.currency = (data.currency or "CNY")[:3].upper()
    order.ship_by = data.ship_by
    order.deliver_by = data.deliver_by
    order.buyer_ip = data.buyer_ip
    order.buyer_note = data.buyer_note
    lines = []
    for number, line in enumerate(data.lines, start=1):
        product = chunk.products[line.sku]
        if line.name and not product.name:
            product.name = line.name
            chunk.touch(chunk.dirty_products, product)
        given = line.list_price is not None
        lines.append(LineRow(order, number, product, line.sku, line.name or product.name, line.qty, line.unit_price,
                             line.list_price if given else chunk.list_price_at(product, order.created_at), given))
    chunk.new_lines.extend(lines)
    order.lines_key = "|".join(sorted(f"{line.sku}*{line.qty}" for line in data.lines))[:500]
    return AppliedEvent(event.event_id, event.type, at, data, order=order, extra={"lines": lines, "created": created})


def _set_address(order: Order, address):
    if address.raw and not (address.province or address.city or address.district):
        parsed = parse_address(address.raw)
        order.address_raw = address.raw[:500]
    else:
        parsed = structure_address(address.province, address.city, address.district, address.detail)
        order.address_raw = (address.raw or f"{address.province}{address.city}{address.district}{address.detail}")[:500]
    order.province, order.city, order.district = parsed.province[:40], parsed.city[:40], parsed.district[:40]
    order.address_detail = parsed.detail[:300]
    order.adcode = parsed.adcode
    order.address_quality = parsed.quality
    order.postcode = address.postcode[:12]
    order.receiver_name = address.name[:200]
    order.address_key = address_key(parsed.province, parsed.city, parsed.district, parsed.detail, address.raw)


def _apply_paid(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    if data.txn_id:
        seen = chunk.paid_txn_ids(data.order_no)
        if data.txn_id in seen:
            # The same transaction told twice is one payment, not a double charge.
            return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, changed=False)
    if order.paid_amount + data.amount > MONEY_MAX:
        # Refused here, at the payment that would cause it: stored, the sum would break every read of the order.
        raise Refused("data.amount", f"the order's paid amount would exceed {MONEY_MAX}")
    if data.txn_id:
        seen.add(data.txn_id)
    method = data.method if data.method in PAYMENT_METHODS else PaymentMethod.OTHER
    chunk.new_payments.append(PaymentRow(order, PaymentStatus.PAID, method, event.occurred_at, event.event_id,
                                          amount=data.amount, txn_id=data.txn_id[:128]))
    order.paid_amount += data.amount
    order.payment_count += 1
    order.paid_at = _earliest(order.paid_at, event.occurred_at)
    chunk.touch_order(order, "paid_amount", "payment_count", "paid_at")
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order)


def _apply_payment_failed(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    method = data.method if data.method in PAYMENT_METHODS else PaymentMethod.OTHER
    chunk.new_payments.append(PaymentRow(order, PaymentStatus.FAILED, method, event.occurred_at, event.event_id,
                                          reason=data.reason[:300]))
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order)


def _apply_cancel(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    if event.type == "order.cancel_requested":
        order.cancel_requested_at = _earliest(order.cancel_requested_at, event.occurred_at)
    else:
        order.cancelled_at = _earliest(order.cancelled_at, event.occurred_at)
    chunk.touch_order(order, "cancel_requested_at", "cancelled_at")
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order)


def _apply_change(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    change = OrderChange(order=order, changes=event.raw_data.get("changes", {}), reason=data.reason[:500],
                         requested_at=event.occurred_at, event_id=event.event_id)
    chunk.new_changes.append(change)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, extra={"change": change})


def _apply_product(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    product = chunk.products[data.sku]
    chunk.keep_price(PriceHistory(product=product, list_price=data.list_price, cost=data.cost,
                                  valid_from=event.occurred_at, event_id=event.event_id))
    if product.updated_at is not None and event.occurred_at < product.updated_at:
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, changed=False)
    # The snapshot this one replaces, for subscribers that judge orders by the snapshot current at their time.
    previous = {"list_price": product.list_price, "cost": product.cost, "updated_at": product.updated_at} \
        if product.updated_at is not None else None
    product.name = data.name or product.name
    product.list_price = data.list_price
    product.cost = data.cost if data.cost is not None else product.cost
    product.active = data.active
    product.supplier = data.supplier or product.supplier
    product.updated_at = event.occurred_at
    chunk.touch(chunk.dirty_products, product)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product,
                        extra={"previous": previous} if previous else {})


def _apply_inventory(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    product, warehouse = chunk.products[data.sku], chunk.warehouses[data.warehouse]
    chunk.new_stock_history.append(fast_new(StockHistory, {"product": product, "warehouse": warehouse},
                                            on_hand=data.on_hand, reserved=data.reserved,
                                            valid_from=event.occurred_at, event_id=event.event_id))
    stock = chunk.stock.get((product.pk, warehouse.pk))
    if stock is None:
        stock = Stock(product=product, warehouse=warehouse, on_hand=data.on_hand, reserved=data.reserved,
                      updated_at=event.occurred_at)
        chunk.stock[(product.pk, warehouse.pk)] = stock
        chunk.new_stock.append(stock)
    elif event.occurred_at < stock.updated_at:
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, stock=stock,
                            changed=False)
    else:
        previous = {"on_hand": stock.on_hand, "reserved": stock.reserved, "updated_at": stock.updated_at}
        stock.on_hand, stock.reserved, stock.updated_at = data.on_hand, data.reserved, event.occurred_at
        chunk.touch(chunk.dirty_stock, stock)
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, stock=stock,
                            extra={"previous": previous})
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, product=product, stock=stock)


def _apply_shipment(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    existing = chunk.shipments_by_no.get(data.shipment_no)
    if existing is not None:
        # The same parcel announced again under a new event id: nothing new to record.
        return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, shipment=existing,
                            changed=False)
    other = chunk.shipments_by_tracking.get((data.carrier, data.tracking_no))
    if other is not None:
        raise Refused("data.tracking_no",
                       f"tracking number {data.carrier} {data.tracking_no} already belongs to shipment {other.shipment_no}")
    shipment = fast_new(Shipment, {"order": order, "warehouse": chunk.warehouses[data.warehouse] if data.warehouse
                                   else order.warehouse},
                        shipment_no=data.shipment_no, carrier=data.carrier, tracking_no=data.tracking_no,
                        created_at=event.occurred_at)
    chunk.new_shipments.append(shipment)
    chunk._index_shipment(shipment)
    lines = [ShipmentLineRow(shipment, chunk.products[line.sku], line.sku, line.qty) for line in data.lines]
    chunk.new_shipment_lines.extend(lines)
    order.shipped_at = _earliest(order.shipped_at, event.occurred_at)
    chunk.touch_order(order, "shipped_at")
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, shipment=shipment,
                        extra={"lines": lines})


def _apply_tracking(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    at = event.occurred_at
    shipment = chunk.shipments_by_tracking.get((data.carrier, data.tracking_no))
    if shipment is None:
        raise Waiting(tracking_key(data.carrier, data.tracking_no))
    chunk.new_tracking.append(TrackingRow(shipment, data.status, data.raw_status[:100], data.description[:500],
                                           data.location[:200], at, event.event_id))
    key = (data.carrier, data.tracking_no)
    if key not in chunk.scanned_before:
        # The parcel's latest scan stored before this chunk (moving or "no update"): detection measures the
        # silence that this chunk's first scan ends from it, without reading the parcel's history.
        chunk.scanned_before[key] = max((t for t in (shipment.last_event_at, shipment.carrier_stalled_at) if t),
                                        default=None)
    previous_status = shipment.status
    shipment.first_event_at = _earliest(shipment.first_event_at, at)
    if not data.stalled:
        # "Still no update" from the carrier is not movement: it must not restart the stall clock.
        shipment.last_event_at = _latest(shipment.last_event_at, at)
    if data.stalled:
        shipment.carrier_stalled_at = _latest(shipment.carrier_stalled_at, at)
    elif shipment.status_at is None or at >= shipment.status_at:
        shipment.status, shipment.status_at = data.status, at
        shipment.last_location, shipment.last_description = data.location[:200], data.description[:500]
        shipment.carrier_stalled_at = None
    if data.status in CARRIER_HAS_IT and not data.stalled:
        shipment.picked_up_at = _earliest(shipment.picked_up_at, at)
    order = chunk.orders_by_id.get(shipment.order_id) if shipment.order_id else shipment.order
    if data.status == TrackingStatus.DELIVERED and not data.stalled:
        shipment.delivered_at = _earliest(shipment.delivered_at, at)
        if order is not None:
            order.delivered_at = _latest(order.delivered_at, shipment.delivered_at)
            chunk.touch_order(order, "delivered_at")
    chunk.touch(chunk.dirty_shipments, shipment)
    return AppliedEvent(event.event_id, event.type, at, data, order=order, shipment=shipment,
                        changed=shipment.status != previous_status or shipment.status_at == at,
                        extra={"previous_status": previous_status, "scanned_before": chunk.scanned_before[key]})


def _refund(chunk: Chunk, event: HubEvent, order: Order) -> tuple[Refund, bool]:
    data = event.data
    refund = chunk.refunds.get(data.refund_no)
    if refund is None:
        refund = Refund(refund_no=data.refund_no, order=order, status_at=event.occurred_at)
        chunk.refunds[data.refund_no] = refund
        chunk.new_refunds.append(refund)
        return refund, True
    if refund.order_id and order.pk and refund.order_id != order.pk:
        raise Refused("data.order_no", f"refund {data.refund_no} belongs to another order")
    chunk.touch(chunk.dirty_refunds, refund)
    return refund, False


def _apply_refund(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    at = event.occurred_at
    order = _need_order(chunk, data.order_no)
    refund, created = _refund(chunk, event, order)
    newest = created or at >= refund.status_at
    if event.type == "refund.requested":
        refund.amount = data.amount
        refund.reason = data.reason[:500] or refund.reason
        refund.requested_at = _earliest(refund.requested_at, at)
        status = RefundStatus.REQUESTED
    elif event.type == "refund.completed":
        refund.completed_amount = data.amount
        refund.completed_at = _earliest(refund.completed_at, at)
        status = RefundStatus.COMPLETED
    else:
        refund.failure_reason = data.reason[:500]
        refund.failed_at = _latest(refund.failed_at, at)
        status = RefundStatus.FAILED
    if newest:
        refund.status, refund.status_at = status, at
    return AppliedEvent(event.event_id, event.type, at, data, order=order, refund=refund)


def _apply_report(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    order = _need_order(chunk, data.order_no)
    report = CustomerReport(order=order, kind=data.kind, message=data.message,
                            attachments=event.raw_data.get("attachments") or [], reported_at=event.occurred_at,
                            event_id=event.event_id)
    chunk.new_reports.append(report)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, order=order, extra={"report": report})


def _apply_fault(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    data = event.data
    component = chunk.components[data.component]
    component.last_fault_at = _latest(component.last_fault_at, event.occurred_at)
    chunk.touch(chunk.dirty_components, component)
    chunk.new_faults.append(SystemFault(component=component, severity=data.severity[:20], message=data.message,
                                        occurred_at=event.occurred_at, event_id=event.event_id))
    return AppliedEvent(event.event_id, event.type, event.occurred_at, data, component=component)


def _apply_heartbeat(chunk: Chunk, event: HubEvent) -> AppliedEvent:
    component = chunk.components[event.data.component]
    component.last_heartbeat_at = _latest(component.last_heartbeat_at, event.occurred_at)
    chunk.touch(chunk.dirty_components, component)
    return AppliedEvent(event.event_id, event.type, event.occurred_at, event.data, component=component)


HANDLERS = {
    "order.created": _apply_snapshot,
    "order.updated": _apply_snapshot,
    "order.paid": _apply_paid,
    "payment.failed": _apply_payment_failed,
    "order.cancel_requested": _apply_cancel,
    "order.cancelled": _apply_cancel,
    "order.change_requested": _apply_change,
    "product.updated": _apply_product,
    "inventory.updated": _apply_inventory,
    "shipment.created": _apply_shipment,
    "tracking.updated": _apply_tracking,
    "refund.requested": _apply_refund,
    "refund.completed": _apply_refund,
    "refund.failed": _apply_refund,
    "customer.reported": _apply_report,
    "system.fault": _apply_fault,
    "system.heartbeat": _apply_heartbeat,
}

# Events that bring a new target into the hub, and the waiting key they release.
RELEASES = {
    "order.created": lambda data: [order_key(data.order_no)],
    "order.updated": lambda data: [order_key(data.order_no)],
    "shipment.created": lambda data: [tracking_key(data.carrier, data.tracking_no)],
}
