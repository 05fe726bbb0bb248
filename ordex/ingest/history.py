"""History imports from the importer's side: it tells the listeners of `orders.hooks.history_imports`
(detection) how far the stream's clock has come, so the periodic rules follow the events, not the wall
clock (see detection/history.py for what they do with it)."""

from contextlib import ExitStack, contextmanager
from datetime import datetime

from ordex.orders import hooks as hub_hooks


class HistoryFeed:
    """The stream's clock, as the importer learns it: the newest `occurred_at` applied so far."""

    def __init__(self, replays):
        self.replays = replays
        self.newest: datetime | None = None

    def saw(self, moments) -> None:
        """Events with these `occurred_at` were applied."""
        newest = max(moments, default=None)
        if newest is not None and (self.newest is None or newest > self.newest):
            self.newest = newest
            for replay in self.replays:
                replay.saw(newest)

    def due(self, moment: datetime) -> bool:
        """Whether an event at `moment` arrives after a scan moment that has not been replayed yet (so the
        events before it must be applied and the scan run first)."""
        return any(replay.due(moment) for replay in self.replays)

    def scan_to(self, moment: datetime) -> None:
        for replay in self.replays:
            replay.scan_to(moment)

    def finish(self) -> dict:
        summary = {}
        for replay in self.replays:
            summary.update(replay.finish())
        return summary


@contextmanager
def history_feed(key: str, *, source: str, scan_minutes: int | None = None):
    """Apply events inside this block as part of history import `key` (see `orders.hooks.history_imports`)."""
    with ExitStack() as stack:
        yield HistoryFeed([stack.enter_context(start(key, source=source, scan_minutes=scan_minutes))
                           for start in hub_hooks.history_imports])


def occurred_at(raw) -> datetime | None:
    """The `occurred_at` of a raw envelope when it reads as an aware time (the clock ignores the others: a
    malformed event is rejected anyway)."""
    value = raw.get("occurred_at") if isinstance(raw, dict) else None
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
