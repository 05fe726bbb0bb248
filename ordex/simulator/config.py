"""What the simulator injects, how often, and the detection limits it keeps clear of.

The limits mirror the rules' default limits (docs/detection.md); injected exceptions overshoot them and normal
flows stay well inside them, so a detector on default settings can be scored exactly.
"""

from __future__ import annotations

MINUTE = 60
HOUR = 3600
DAY = 86400

# The rules' default limits (docs/detection.md) (seconds unless noted)
LIMITS = {
    "duplicate_window": 10 * MINUTE,
    "payment_timeout": 30 * MINUTE,
    "malicious_window": HOUR,
    "malicious_min_orders": 5,
    "ship_delay": 48 * HOUR,
    "pickup_timeout": 24 * HOUR,
    "false_shipment": 72 * HOUR,
    "tracking_stalled": 48 * HOUR,
    "tracking_stalled_remote": 72 * HOUR,
    "parcel_lost_stalled": 7 * DAY,
    "deliver_by": 5 * DAY,
    "deliver_by_remote": 8 * DAY,
    "refund_unshipped": 12 * HOUR,
    "refund_shipped": 24 * HOUR,
    "inventory_sync_delay": 24 * HOUR,
    "shop_silence": 60 * MINUTE,
    "shop_usual_per_10_min": 1.0,  # a shop "usually" this busy at that time of day may not go silent
    "shop_baseline_days": 7,  # usual = the same clock window on up to this many earlier days (at least 2)
    "data_loss_wait": HOUR,
}

# Order-level types: the label names one order. Default rate = fraction of orders.
ORDER_TYPES = {
    "customer_info_error": 9e-4,
    "duplicate_order": 4e-4,
    "order_change_request": 4e-4,
    "cancel_failed": 4e-4,
    "quantity_anomaly": 4e-4,
    "payment_mismatch": 4e-4,
    "payment_timeout": 5e-4,
    "out_of_stock": 4e-4,
    "ship_delay": 5e-4,
    "wrong_item": 4e-4,
    "missing_item": 4e-4,
    "false_shipment": 4e-4,
    "pickup_timeout": 4e-4,
    "tracking_stalled": 5e-4,
    "delivery_overdue": 4e-4,
    "parcel_lost": 4e-4,
    "parcel_damaged": 4e-4,
    "delivery_failed": 4e-4,
    "signed_not_received": 4e-4,
    "address_misdelivery": 4e-4,
    "refund_failed": 4e-4,
    "refund_mismatch": 4e-4,
    "refund_delayed": 4e-4,
    "not_as_described": 4e-4,
    "quality_issue": 4e-4,
    "complaint": 4e-4,
    "data_loss": 4e-4,
}

# Incident-level types: default rate = incidents per order (at least one when the rate is > 0).
INCIDENT_TYPES = {
    "malicious_orders": 1.2e-4,
    "price_error": 1e-4,
    "payment_channel_failure": 5e-5,
    "inventory_data_error": 3e-4,
    "inventory_sync_delay": 3e-5,
    "system_outage": 1.5e-4,
}

DEFAULT_RATES = {**ORDER_TYPES, **INCIDENT_TYPES}

# No signal for these in docs/events.md, so they are never injected.
NOT_INJECTED = {"low_satisfaction": "docs/events.md has no survey/rating event"}

# Time an order needs between creation and the stream end for its injected exception to be
# detectable, with margin, by the stream end (the slowest variant of the type).
LEAD = {
    "customer_info_error": HOUR,
    "duplicate_order": HOUR,
    "order_change_request": 8 * HOUR,
    "cancel_failed": 20 * HOUR,
    "quantity_anomaly": HOUR,
    "payment_mismatch": 2 * HOUR,
    "payment_timeout": 2 * HOUR,
    "out_of_stock": 2 * HOUR,
    "ship_delay": 66 * HOUR,
    "wrong_item": 34 * HOUR,
    "missing_item": 34 * HOUR,
    "false_shipment": 97 * HOUR,
    "pickup_timeout": 43 * HOUR,
    "tracking_stalled": 82 * HOUR,
    "delivery_overdue": 142 * HOUR,
    "parcel_lost": 82 * HOUR,
    "parcel_damaged": 42 * HOUR,
    "delivery_failed": 72 * HOUR,
    "signed_not_received": 94 * HOUR,
    "address_misdelivery": 94 * HOUR,
    "refund_failed": 10 * HOUR,
    "refund_mismatch": 10 * HOUR,
    "refund_delayed": 24 * HOUR,
    "not_as_described": 94 * HOUR,
    "quality_issue": 94 * HOUR,
    "complaint": 94 * HOUR,
    "data_loss": 3 * HOUR,
}
