"""What the data hub tells its subscribers after it applied inbound events."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class AppliedEvent:
    """One inbound event, after the hub applied it (rows saved, primary keys set).

    `data` is the validated payload (money as Decimal, times aware). `order`, `shipment`, `refund`,
    `product`, `stock` point at the hub rows the event touched (None where it touched none).
    `changed` is False when the event was stale (e.g. an older snapshot than the one held) and
    changed no state: rules may ignore it.
    `extra["previous"]` (inventory.updated, product.updated that replaced a held snapshot): the replaced
    snapshot's values and `updated_at`, so subscribers know the stock/price current at an earlier moment.
    """

    event_id: str
    type: str
    occurred_at: datetime
    data: Any
    order: Any = None
    shipment: Any = None
    refund: Any = None
    product: Any = None
    stock: Any = None
    component: Any = None
    changed: bool = True
    extra: dict = field(default_factory=dict)
