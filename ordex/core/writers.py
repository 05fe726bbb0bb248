"""Writers of one SQLite database wait in one line: an exclusive `flock` on `<database file>.writer-lock`.

SQLite's own busy handler polls with growing sleeps (up to 100 ms a try), so with several writers at once
most of the wait was sleeping while the database sat idle, and an unlucky writer lost try after try (a
refund request waited up to 4 s behind 8 concurrent clients). The lock wakes the next writer the moment the
previous one lets go, and its write transaction then starts without contention. Every thread opens its own
descriptor, so the threads of one process queue on it as well as other processes. PostgreSQL needs none of
this: its row and advisory locks already wake waiters at once.

Inside a caller's transaction, which may already hold SQLite's lock, queueing here could deadlock with a
writer that waits for that lock: then SQLite's handler decides, as before. docs/benchmarks.md has figures."""

import fcntl
import functools
import os
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def writers_in_line():
    """Wait for our turn among the database's writers (SQLite, outside a transaction); a no-op otherwise."""
    name = connection.settings_dict.get("NAME")
    if connection.vendor != "sqlite" or connection.in_atomic_block or not name or str(name).startswith(
            (":memory:", "file:")):
        yield
        return
    fd = os.open(f"{name}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def write_transaction(func):
    """`transaction.atomic` for a function that writes, taking its place in the writers' line first."""

    @functools.wraps(func)
    def in_line(*args, **kwargs):
        with writers_in_line(), transaction.atomic():
            return func(*args, **kwargs)

    return in_line
