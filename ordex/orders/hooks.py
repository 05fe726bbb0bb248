"""What the hub tells the apps above it. They register in their `AppConfig.ready()`; ingest and the hub
call the listeners (see docs/architecture.md, "Hand-offs")."""

from collections.abc import Callable
from contextlib import AbstractContextManager

from ordex.core.hooks import Hook

from .events import AppliedEvent

applied_events: Hook[Callable[[list[AppliedEvent]], None]] = Hook(
    "applied_events",
    "Called by ingest once per chunk the hub applied, inside the chunk's transaction, each listener in its own "
    "savepoint: a listener that raises is logged and rolled back alone; the events stay stored. "
    "Detection registers its on-event rules here.",
)

hub_rows_forgotten: Hook[Callable[[], None]] = Hook(
    "hub_rows_forgotten",
    "Called whenever this process drops the hub rows it kept between chunks (another process wrote the "
    "hub, a chunk failed, a test reset): for other per-process state valid only while this process is the "
    "hub's last writer (detection's SKU histogram).",
)

bulk_import_scopes: Hook[Callable[[], AbstractContextManager]] = Hook(
    "bulk_import_scopes",
    "Context managers entered around a whole `ordex import` file (many chunks): detection registers "
    "`cases.actions.batch_of_findings`, so exception types and department clocks are read once per file.",
)

history_imports: Hook[Callable[..., AbstractContextManager]] = Hook(
    "history_imports",
    "`(key, source=, scan_minutes=)` -> a context manager entered around the events of a history import "
    "(`ordex import --history`, a backfill over the API). It yields an object the importer tells, after "
    "applying them, the newest `occurred_at` it applied (`saw(moment)`) and each time the stream's time passes "
    "a scan moment (`scan_to(moment)`: every event that arrived before it is applied); `finish()` ends the "
    "import. Detection registers `history.history_import`: periodic rules follow the stream's clock.",
)
