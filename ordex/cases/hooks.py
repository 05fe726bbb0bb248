"""Registries through which higher apps react to what happens to a case, without `cases` importing them.
A higher app fills them in its `AppConfig.ready()`; registering the same name again replaces the entry.
Every listener is called inside the case action's transaction, after the case has been saved, so what it
writes (an outbox row, a ledger line) commits or rolls back with the case change; raising aborts the action.

- resolve guards: called under the case's row lock before a case is resolved; a guard refuses by raising
  a `DomainError` (e.g. resolutions: a money action of the case is still open).
- case opened listeners: a case was opened (rule finding, manual case, follow-up case).
- choice offered listeners: the customer was offered resolutions with a deadline.
- choice listeners: a customer's choice was settled (recorded, or the default applied when the deadline
  passed).
- case resolved listeners: a case was resolved, with its resolution.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

ResolveGuard = Callable[[object], None]


@dataclass(frozen=True)
class CaseOpened:
    case: object  # the Case, saved
    at: datetime


@dataclass(frozen=True)
class ChoiceOffered:
    case: object  # the Case, saved
    choice: object  # the CustomerChoice offered


@dataclass(frozen=True)
class ChoiceSettled:
    """A customer's choice was settled: `source` is agent, customer or default (the deadline passed)."""

    case_id: int
    chosen: str
    source: str
    at: datetime
    choice_id: int
    actor: object | None  # the Principal who recorded it, None for the system


@dataclass(frozen=True)
class CaseResolved:
    case: object  # the Case, saved
    at: datetime
    resolution: str


ChoiceListener = Callable[[ChoiceSettled], None]

_resolve_guards: dict[str, ResolveGuard] = {}
_case_opened_listeners: dict[str, Callable[[CaseOpened], None]] = {}
_choice_offered_listeners: dict[str, Callable[[ChoiceOffered], None]] = {}
_choice_listeners: dict[str, ChoiceListener] = {}
_case_resolved_listeners: dict[str, Callable[[CaseResolved], None]] = {}


def register_resolve_guard(name: str, guard: ResolveGuard) -> None:
    _resolve_guards[name] = guard


def register_case_opened_listener(name: str, listener: Callable[[CaseOpened], None]) -> None:
    _case_opened_listeners[name] = listener


def register_choice_offered_listener(name: str, listener: Callable[[ChoiceOffered], None]) -> None:
    _choice_offered_listeners[name] = listener


def register_choice_listener(name: str, listener: ChoiceListener) -> None:
    _choice_listeners[name] = listener


def register_case_resolved_listener(name: str, listener: Callable[[CaseResolved], None]) -> None:
    _case_resolved_listeners[name] = listener


def check_resolve_guards(case) -> None:
    for guard in _resolve_guards.values():
        guard(case)


def case_opened(event: CaseOpened) -> None:
    for listener in _case_opened_listeners.values():
        listener(event)


def choice_offered(event: ChoiceOffered) -> None:
    for listener in _choice_offered_listeners.values():
        listener(event)


def choice_settled(event: ChoiceSettled) -> None:
    for listener in _choice_listeners.values():
        listener(event)


def case_resolved(event: CaseResolved) -> None:
    for listener in _case_resolved_listeners.values():
        listener(event)
