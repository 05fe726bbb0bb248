"""The SQL floor of bulk import: the time SQLite alone needs for exactly the statements `ordex import`
sends it, with no Python work around them.

`bench_import`'s baseline inserts one row per event into one table. The import writes the hub as well
(orders, lines, payments, parcels, scans, stock, customers: ~2.9 rows per event, into tables with the
indexes the lookups and the rules need), reads the rows earlier chunks wrote, and stores the envelope.
This benchmark records every statement an import of the stream executes (detection off), with its
parameters and the transaction boundaries, and replays them with the plain `sqlite3` module against a
freshly migrated database, timing only the statements (and checks that every table ends with the rows the
import left). What it reports is a lower bound for any importer
that keeps this schema on SQLite: how much of the import's time is the database's own work, and what
ratio to the one-table baseline is possible at all.

Run: `make bench BENCH_ARGS="--only floor --orders 100000 --runs 3"`; or record by hand with
`python bench/bench_floor.py record LOG FILE` in a migrated data directory.
"""

import collections
import datetime as dt
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from decimal import Decimal
from pathlib import Path

from common import BIN, fresh_env, median, migrate, stream

_PLAIN = (int, float, str, bytes, type(None))


def _plain(value):
    """A parameter as the sqlite3 module will bind it (Django's adapters applied ahead of time)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, str):
        return str.__str__(value)  # TextChoices members
    if isinstance(value, int):  # bool, IntegerChoices
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot record a parameter of type {type(value).__name__}")


def record(log_path: str, file_path: str) -> None:
    """Run `ordex import FILE` in this process, appending every statement to LOG as it executes."""
    from django.db.backends.base import base as base_backend
    from django.db.backends.sqlite3 import base as sqlite_backend

    out = open(log_path, "wb")  # noqa: SIM115 - closed below, after the import
    cursor_class = sqlite_backend.Database.Cursor

    def execute(self, query, params=None):
        if params is None:
            pickle.dump(("x", query, None), out)
            return cursor_class.execute(self, query)
        query = self.convert_query(query, param_names=None)
        params = tuple(params)
        pickle.dump(("x", query, tuple(_plain(v) for v in params)), out)
        return cursor_class.execute(self, query, params)

    def executemany(self, query, param_list):
        query = self.convert_query(query, param_names=None)
        rows = [tuple(row) for row in param_list]
        pickle.dump(("m", query, [tuple(_plain(v) for v in row) for row in rows]), out)
        return cursor_class.executemany(self, query, rows)

    commit, rollback = base_backend.BaseDatabaseWrapper._commit, base_backend.BaseDatabaseWrapper._rollback

    def _commit(self):
        pickle.dump(("c", None, None), out)
        return commit(self)

    def _rollback(self):
        pickle.dump(("r", None, None), out)
        return rollback(self)

    sqlite_backend.SQLiteCursorWrapper.execute = execute
    sqlite_backend.SQLiteCursorWrapper.executemany = executemany
    base_backend.BaseDatabaseWrapper._commit = _commit
    base_backend.BaseDatabaseWrapper._rollback = _rollback
    from ordex import cli

    try:
        code = cli.main(["import", file_path, "--json", "--no-progress"])
    finally:
        out.close()
    sys.exit(code)


def _statements(log_path: str):
    with open(log_path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


def replay(log_path: str, migrated_db: str) -> dict:
    """Execute the recorded statements on a copy of `migrated_db`; seconds spent in SQLite, by kind."""
    sqlite3.register_adapter(Decimal, str)
    db = Path(tempfile.mkdtemp(prefix="ordex-floor-")) / "replay.sqlite3"
    shutil.copy(migrated_db, db)
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "wal_autocheckpoint=16000"):  # as settings.py
        conn.execute("PRAGMA " + pragma)
    cursor = conn.cursor()
    spent = collections.Counter()
    rows = 0
    for kind, query, params in _statements(log_path):
        started = time.perf_counter()
        if kind == "x":
            cursor.execute(query, params or ()).fetchall()
            label = query.split(None, 1)[0].upper()
        elif kind == "m":
            cursor.executemany(query, params)
            rows += len(params)
            label = "executemany " + query.split(None, 1)[0].upper()
        else:
            if conn.in_transaction:
                conn.commit() if kind == "c" else conn.rollback()
            label = "COMMIT" if kind == "c" else "ROLLBACK"
        spent[label] += time.perf_counter() - started
    counts = table_counts(conn)
    conn.close()
    shutil.rmtree(db.parent)
    return {"seconds": round(sum(spent.values()), 3), "executemany_rows": rows,
            "by_kind": {k: round(v, 3) for k, v in spent.most_common()}, "counts": counts}


def table_counts(conn) -> dict[str, int]:
    """Rows per table: a replay that did the import's work ends with the import's counts."""
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}


def run(orders: int, runs: int) -> dict:
    from bench_import import baseline_sqlite, count_events

    path = stream(orders)
    events = count_events(path)
    env = fresh_env(None, ORDEX_DETECTION_ON_IMPORT="0")
    migrate(env)
    data_dir = Path(env["ORDEX_DATA_DIR"])
    migrated = data_dir / "migrated.sqlite3"
    shutil.copy(data_dir / "ordex.sqlite3", migrated)
    log_path = data_dir / "statements.pickles"
    subprocess.run([str(BIN / "python"), __file__, "record", str(log_path), str(path)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    replays = [replay(str(log_path), str(migrated)) for _ in range(runs)]
    with closing(sqlite3.connect(data_dir / "ordex.sqlite3")) as imported:
        import_counts = table_counts(imported)
    mismatched = sorted(name for name, n in import_counts.items() if any(r["counts"].get(name) != n for r in replays))
    if mismatched:
        raise RuntimeError(f"the replay did not end where the import did: {', '.join(mismatched)}")
    base = [baseline_sqlite(path) for _ in range(runs)]
    floor = median([r["seconds"] for r in replays])
    shutil.rmtree(data_dir)
    return {
        "orders": orders, "events": events, "runs": runs,
        "sql_floor_seconds": floor,
        "sql_floor_events_per_s": round(events / floor),
        "baseline_seconds": median(base),
        "best_possible_ratio_vs_baseline": round(median(base) / floor, 3),
        "executemany_rows": replays[0]["executemany_rows"],
        "by_kind": sorted(replays, key=lambda r: r["seconds"])[len(replays) // 2]["by_kind"],  # the median replay
        "rows_after": sum(import_counts.values()),  # equal in the import's database and every replay
        "seconds": {"replays": [r["seconds"] for r in replays], "baseline": base},
    }


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "record":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordex.settings")
    record(sys.argv[2], sys.argv[3])
