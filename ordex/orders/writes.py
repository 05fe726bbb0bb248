"""The one way to write the hub's tables. Every write happens inside `hub_write()`, which stamps `HubVersion`
with a new token in the same transaction, so every process's kept rows (orders/apply/cache.py) and what
depends on them (detection's histogram) are dropped before they could serve a stale value.

Writers: `orders.apply.apply_events` (inbound events, through ingest) and `orders.actions` (the few labels
an admin may fix). Hub models have no save() logic and no signals. The test suite wraps the database
connection and fails any INSERT, UPDATE or DELETE on a hub table made outside `hub_write()` (conftest.py).
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import transaction

from ordex.core.versions import stamp

_state = threading.local()


@dataclass
class HubWrite:
    token: str | None = None  # the HubVersion token stamped when the block ended


@contextmanager
def hub_write():
    """A block that writes hub tables: atomic, and stamped with a new hub version token when it ends."""
    from .models import HubVersion

    outer = getattr(_state, "depth", 0)
    write = HubWrite()
    _state.depth = outer + 1
    try:
        with transaction.atomic(savepoint=False):  # inside the caller's transaction: no extra statements
            yield write
            if outer == 0:
                write.token = stamp(HubVersion)
    finally:
        _state.depth = outer


def writing_hub() -> bool:
    """Whether this thread is inside `hub_write()` (what the suite's connection wrapper asks)."""
    return getattr(_state, "depth", 0) > 0


@cache
def hub_tables() -> frozenset[str]:
    """The tables a write must be stamped for: every table of the orders app but HubVersion itself."""
    return frozenset(model._meta.db_table for model in apps.get_app_config("orders").get_models()
                     if model.__name__ != "HubVersion")
