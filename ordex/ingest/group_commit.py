"""Group commit: how one request's chunk may be written by another request's thread.

Every chunk pays a fixed cost whatever its size (the writer lock, the id set, the hub's version token,
detection's per-chunk reads, the commit). So a thread that finds another one writing does not wait for the
lock on its own: it puts its `Submission` in the queue and sleeps on the condition. The thread that writes
next takes the whole queue (up to the caller's chunk size in events) and writes it as one transaction with `write`; it
fills in every submission's `results` and sets `done`, then wakes the others, who return their own
results. The hand-off is this object: who wrote a submission never matters to its caller, only `done`,
`results` and `error`."""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Submission:
    """One caller's chunk on its way to the database: its events, and the results filled in for them."""

    raw_events: Sequence[Any]
    texts: Sequence[str] | None
    source: str
    results: list
    candidates: dict = field(default_factory=dict)  # event_id -> (index, InboundEvent), first of each id
    done: bool = False
    error: BaseException | None = None

    @property
    def size(self) -> int:
        return len(self.candidates)


class GroupCommit:
    """The writes of this process's threads, queued while one of them writes, go in together (see the module
    docstring; docs/benchmarks.md has the cost per chunk that makes it worth it). If a group's transaction
    fails, each queued chunk is written again on its own, so one bad request cannot fail the others'."""

    def __init__(self, write: Callable[[list[Submission]], None]):
        self.write = write  # writes a group of submissions in one transaction, filling in their results
        self.condition = threading.Condition()
        self.queue: list[Submission] = []
        self.writing = False

    def submit(self, submission: Submission, limit: int) -> None:
        """Return once `submission` is written (by this thread or another); groups hold up to `limit` events."""
        with self.condition:
            self.queue.append(submission)
        while True:
            with self.condition:
                while self.writing and not submission.done:
                    self.condition.wait()
                if submission.done:
                    break
                self.writing = True
                group = self._take(limit)  # the oldest queued first: ours may wait for the next group
            try:
                self._write_each_or_all(group)
            except BaseException:
                # Interrupted (KeyboardInterrupt, SystemExit): the others' chunks that were not written go
                # back to the head of the line for the next writer; ours leaves with the exception.
                with self.condition:
                    self.queue[:0] = [queued for queued in group if not queued.done and queued is not submission]
                    if submission in self.queue:
                        self.queue.remove(submission)
                raise
            finally:
                with self.condition:
                    self.writing = False
                    self.condition.notify_all()
        if submission.error is not None:
            raise submission.error

    def _take(self, limit: int) -> list[Submission]:
        group, size = [], 0
        while self.queue and (not group or size + self.queue[0].size <= limit):
            submission = self.queue.pop(0)
            group.append(submission)
            size += submission.size
        return group

    def _write_each_or_all(self, group: list[Submission]) -> None:
        try:
            self.write(group)
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
                group[0].done = True
                return
            log.warning("a group of %d chunks failed (%s); writing them one by one", len(group), exc)
        else:
            for submission in group:
                submission.done = True
            return
        for submission in group:
            try:
                self.write([submission])
            except Exception as exc:
                submission.error = exc
            submission.done = True


