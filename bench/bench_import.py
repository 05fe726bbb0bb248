"""Bulk import speed: `ordex import` of a simulated stream vs a raw sqlite3 executemany baseline that
inserts the same envelopes (no validation, no hub) — same file, same run. Also with detection on/off."""

import sqlite3
import tempfile
import time

import orjson
from common import (
    ORDEX,
    fresh_env,
    last_json,
    measured,
    median,
    migrate,
    postgres_url,
    reset_postgres,
    stream,
)


def count_events(path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def baseline_sqlite(path) -> float:
    """Raw sqlite3: parse each line and executemany the envelope into one table with a primary key."""
    db = tempfile.mktemp(suffix=".sqlite3")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE event (id TEXT PRIMARY KEY, type TEXT, occurred_at TEXT, envelope TEXT)")
    started = time.perf_counter()
    batch = []
    with open(path, "rb") as f:
        for line in f:
            event = orjson.loads(line)
            batch.append((event["id"], event["type"], event["occurred_at"], line.decode()))
            if len(batch) == 2000:
                with conn:
                    conn.executemany("INSERT OR IGNORE INTO event VALUES (?, ?, ?, ?)", batch)
                batch = []
    with conn:
        conn.executemany("INSERT OR IGNORE INTO event VALUES (?, ?, ?, ?)", batch)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def ordex_import(path, database_url=None, detection=True) -> tuple[float, int]:
    if database_url:
        reset_postgres(database_url)
    env = fresh_env(database_url, ORDEX_DETECTION_ON_IMPORT="1" if detection else "0")
    migrate(env)
    out, rss = measured([ORDEX, "import", str(path), "--json", "--no-progress"], env=env)
    summary = last_json(out)
    return summary["seconds"], rss


def run(orders: int, runs: int) -> dict:
    path = stream(orders)
    events = count_events(path)
    result = {"orders": orders, "events": events, "runs": runs}
    base = [baseline_sqlite(path) for _ in range(runs)]
    plain, plain_rss, detect, detect_rss = [], [], [], []
    for _ in range(runs):
        seconds, rss = ordex_import(path, detection=False)
        plain.append(seconds)
        plain_rss.append(rss)
        seconds, rss = ordex_import(path, detection=True)
        detect.append(seconds)
        detect_rss.append(rss)
    result["sqlite"] = {
        "baseline_executemany_events_per_s": round(events / median(base)),
        "import_no_detection_events_per_s": round(events / median(plain)),
        "import_with_detection_events_per_s": round(events / median(detect)),
        "ratio_vs_baseline": round(median(base) / median(plain), 3),
        "detection_speed_ratio": round(median(plain) / median(detect), 3),
        "peak_rss_mb": max(plain_rss + detect_rss),
        "seconds": {"baseline": base, "no_detection": plain, "with_detection": detect},
    }
    url = postgres_url()
    if url:
        pg_plain = [ordex_import(path, url, detection=False)[0] for _ in range(runs)]
        pg_detect = [ordex_import(path, url, detection=True)[0] for _ in range(runs)]
        result["postgresql"] = {
            "import_no_detection_events_per_s": round(events / median(pg_plain)),
            "import_with_detection_events_per_s": round(events / median(pg_detect)),
            "detection_speed_ratio": round(median(pg_plain) / median(pg_detect), 3),
            "seconds": {"no_detection": pg_plain, "with_detection": pg_detect},
        }
    return result
