"""Garbage-collector settings for long-running, allocation-heavy work (bulk import, HTTP workers).

CPython's default thresholds run a young-generation pass every 700 allocations, and every pass that
promotes objects brings the next full pass (which walks every live object: Django, pydantic schemas, the
division data, the hub rows kept between chunks) nearer. At import rates that was a third of the time.
The ingest path makes no reference cycles of its own (see `orders.apply._apply`), so objects are freed by
reference counting; the collector only has to catch the odd cycle from library code, which it still does.
The figures behind these settings are in docs/benchmarks.md ("Figures behind settings and code").
"""

import gc
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000


_tuned = False


def tune_for_throughput() -> None:
    """Move everything loaded so far out of the collector's reach and collect young objects less often.
    Once per process (objects frozen are never collected, so freezing again and again would pin garbage)."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 50, 100)


@contextmanager
def collect_after():
    """No collection inside the block, one young-generation pass after it.

    For one chunk of events: nearly everything it allocates lives until the chunk ends, so passes during it
    only walk those objects and promote them to older generations (whose passes then walk them again).
    Any cycle the block made is still young when it ends and is found by the pass after it."""
    if not gc.isenabled():  # an outer block (or the caller) already holds the collector
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)
