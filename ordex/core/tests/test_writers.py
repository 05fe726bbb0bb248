"""The writers' line (core/writers.py): on SQLite a writer holds an exclusive flock for its transaction, so
the next one waits on the lock and wakes when it is free; PostgreSQL and nested writes do not queue."""

import fcntl
import os

import pytest
from django.db import connection, transaction

from ordex.core.writers import write_transaction, writers_in_line


def line_is_taken() -> bool:
    """Whether a writer holds the line now (tried from a descriptor of our own, without waiting)."""
    if connection.vendor != "sqlite":
        return False
    fd = os.open(f"{connection.settings_dict['NAME']}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_a_writer_holds_the_sqlite_line_for_its_whole_transaction():
    @write_transaction
    def write():
        return connection.in_atomic_block, line_is_taken()

    assert write() == (True, connection.vendor == "sqlite")
    assert not line_is_taken()


@pytest.mark.django_db(transaction=True)
def test_a_write_inside_a_transaction_does_not_queue_again():
    with transaction.atomic(), writers_in_line():
        assert not line_is_taken()
