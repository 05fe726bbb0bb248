"""Helpers for the Huey tasks of every app."""

import logging
from functools import wraps

from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

logger = logging.getLogger(__name__)


def one_at_a_time(lock_name: str):
    """Run the task body only while holding `lock_name`; a run that finds the lock held returns None and
    logs at debug level. Huey's own `lock_task` raises instead, which its consumer logs as a warning
    ("unable to acquire lock …"), yet for a periodic tick or a drain kicked after each commit an overlap is
    the normal case: the run in progress does the work. Errors of the body itself still reach the consumer,
    which logs them."""

    def decorate(body):
        @wraps(body)
        def run(*args, **kwargs):
            lock = HUEY.lock_task(lock_name)
            try:
                lock.acquire()
            except TaskLockedException:
                logger.debug("%s skipped: another run holds %s", body.__name__, lock_name)
                return None
            try:
                return body(*args, **kwargs)
            finally:
                lock.release()

        return run

    return decorate
