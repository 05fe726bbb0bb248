"""Per-batch memory of configuration rows: inside `batch_of_findings()` each exception type (with its
policy, calendar and targets), playbook and department clock is read once."""

from contextlib import contextmanager
from contextvars import ContextVar

from ordex.core.errors import InvalidInput

from ..models import ExceptionType

_BATCH_MEMO: ContextVar[dict | None] = ContextVar("batch_memo", default=None)


@contextmanager
def batch_of_findings():
    """Within the block, each exception type (with its policy, calendar and targets) and each department's
    clock is read once: what detection wraps around recording one chunk's findings, and `ordex import`
    around the whole file (settings changed while a file is being imported apply to the next import)."""
    if _BATCH_MEMO.get() is not None:  # an outer batch already remembers them
        yield
        return
    token = _BATCH_MEMO.set({})
    try:
        yield
    finally:
        _BATCH_MEMO.reset(token)


def _remembered(key, load):
    """`load()`, read once per `batch_of_findings` block (every time outside one)."""
    memo = _BATCH_MEMO.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def _exception_type(code: str) -> ExceptionType:
    return _remembered(("type", code), lambda: _read_exception_type(code))


def _read_exception_type(code: str) -> ExceptionType:
    exception_type = (
        ExceptionType.objects.select_related("sla_policy__calendar", "default_department")
        .prefetch_related("sla_policy__targets")
        .filter(code=code)
        .first()
    )
    if exception_type is None:
        raise InvalidInput("unknown_type", f"unknown exception type '{code}'", field="type")
    return exception_type


def _playbook(exception_type: ExceptionType) -> list:
    """The type's playbook steps (copied into each case it opens), read once per batch of findings."""
    return _remembered(("playbook", exception_type.pk), lambda: list(exception_type.playbook.all()))
