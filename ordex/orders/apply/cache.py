"""The per-process row cache: hub rows that earlier chunks of this process loaded and wrote, reused
while this process is the hub's last writer (checked with the `HubVersion` token)."""

from collections import OrderedDict

from ordex.core.versions import read_token

from .. import hooks
from ..models import (
    HubVersion,
)


class _Bounded(OrderedDict):
    """Rows kept between chunks, oldest dropped first, so memory stays flat whatever the file size."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def take(self, keys) -> dict:
        found = {}
        for key in keys:
            row = self.get(key)
            if row is not None:
                found[key] = row
        return found

    def put(self, items):
        for key, row in items:
            self[key] = row
            self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


def _keys_held(index: dict, rows: "_Bounded", values) -> set:
    """The cache keys that a secondary index maps `values` to, for the rows still held."""
    keys = (index.get(value) for value in values)
    return {key for key in keys if key is not None and key in rows}


class HubCache:
    """What the previous chunks of this process loaded and wrote, reused while nobody else wrote.

    Every chunk that changes the hub stamps `HubVersion` with a new random token inside its transaction.
    A chunk whose token differs from the one this process last wrote (another process wrote, or our
    transaction rolled back) starts from an empty cache, so the cache never serves a stale row.
    """

    LIMIT = 5_000

    def __init__(self):
        self.token = None
        self.clear()

    def clear(self):
        self.token = None
        for forget in hooks.hub_rows_forgotten:
            forget()
        self.orders = _Bounded(self.LIMIT)
        self.shipments = _Bounded(self.LIMIT)
        self.refunds = _Bounded(self.LIMIT)
        self.customers = _Bounded(self.LIMIT)
        self.stock = _Bounded(self.LIMIT)
        self.shops: dict = {}
        self.warehouses: dict = {}
        self.products: dict = {}
        self.components: dict = {}
        self.order_no_by_pk: dict = {}
        self.shipment_key_by_no: dict = {}

    def order_keys(self, order_ids) -> set:
        """Cache keys (order numbers) of the cached orders with these primary keys."""
        return _keys_held(self.order_no_by_pk, self.orders, order_ids)

    def shipment_keys(self, shipment_nos) -> set:
        """Cache keys ((carrier, tracking no)) of the cached shipments with these shipment numbers."""
        return _keys_held(self.shipment_key_by_no, self.shipments, shipment_nos)

    def index(self):
        """After `put`: the secondary keys of what is cached (rebuilt when evictions have left it large)."""
        if len(self.order_no_by_pk) > 2 * self.LIMIT:
            self.order_no_by_pk = {}
            self.order_no_by_pk.update((order.pk, no) for no, order in self.orders.items())
        if len(self.shipment_key_by_no) > 2 * self.LIMIT:
            self.shipment_key_by_no = {}
            self.shipment_key_by_no.update((s.shipment_no, key) for key, s in self.shipments.items())

    def begin(self):
        current = read_token(HubVersion)
        if current is None or current != self.token:
            self.clear()

    def commit(self, token: str):
        """The chunk's write ended stamped with `token`: what this process holds is current as of it."""
        self.token = token


HUB_CACHE = HubCache()


def forget_cached_rows():
    """Drop every row kept between chunks (tests, and after a failed chunk)."""
    HUB_CACHE.clear()
