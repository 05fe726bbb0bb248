"""The outbox drain as the Huey consumer runs it: a drain that overlaps the one in progress is normal (a
kick after each commit, a tick every minute) and leaves no warning; an error of the drain itself is logged."""

import logging

import pytest
from huey.contrib.djhuey import HUEY

from ordex.notify import tasks
from ordex.notify.models import Message


@pytest.fixture
def drain_in_progress():
    lock = HUEY.lock_task("notify-drain")
    lock.acquire()
    yield
    lock.release()


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """The consumer closes stale database connections around a task; in a test that would close the test's own."""
    monkeypatch.setattr("huey.contrib.djhuey.close_old_connections", lambda: None)


def consumer_runs(task):
    """Execute the task the way the consumer's worker does (its logging included)."""
    return HUEY.execute(task.s())


def test_a_drain_overlapping_the_one_in_progress_returns_quietly(drain_in_progress, open_case, caplog):
    open_case()
    queued = Message.objects.filter(status="queued").count()
    with caplog.at_level(logging.DEBUG):
        assert consumer_runs(tasks.drain_outbox) is None
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert Message.objects.filter(status="queued").count() == queued > 0  # the running drain sends them


def test_the_drain_runs_and_frees_the_lock_when_no_other_is_running(open_case):
    open_case()
    outcome = consumer_runs(tasks.drain_outbox)
    assert sum(outcome.values()) > 0
    assert not HUEY.lock_task("notify-drain").is_locked()
    assert consumer_runs(tasks.drain_outbox) == {}


def test_an_error_of_the_drain_itself_is_still_logged_and_frees_the_lock(open_case, monkeypatch, caplog):
    def broken_drain():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tasks.actions, "drain", broken_drain)
    with caplog.at_level(logging.INFO, logger="huey"):
        consumer_runs(tasks.drain_outbox)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors and "the database went away" in (errors[0].exc_text or str(errors[0].exc_info))
    assert not HUEY.lock_task("notify-drain").is_locked()
