"""Garbage-collector settings for long-running, allocation-heavy work (bulk import, HTTP workers).

CPython's default thresholds run a young-generation pass every 700 allocations, and every pass that
promotes objects brings the next full pass (which walks every live object: Django, pydantic schemas, the
division data, the hub rows kept between chunks) nearer. At import rates that was a third of the time.
The ingest path makes no reference cycles of its own (see `orders.apply._apply`), so objects are freed by
reference counting; the collector only has to catch the odd cycle from library code, which it still does.

Measured on the first 400,000 events of the 100,000-order stream: 6,700 events/s with the defaults,
9,050 with these settings, peak memory unchanged (227 MB).
"""

import gc

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
