"""Registries through which higher apps react to what happens to a case, without `cases` importing them.
A higher app fills them in its `AppConfig.ready()`; registering the same name again replaces the entry.

- resolve guards: called under the case's row lock before a case is resolved; a guard refuses by raising
  a `DomainError` (e.g. resolutions: a money action of the case is still open).
- choice listeners: called in the transaction that settles a customer's choice (recorded, or the default
  applied when the deadline passed), after the case has been saved.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

ResolveGuard = Callable[[object], None]


@dataclass(frozen=True)
class ChoiceSettled:
    """A customer's choice was settled: `source` is agent, customer or default (the deadline passed)."""

    case_id: int
    chosen: str
    source: str
    at: datetime
    choice_id: int
    actor: object | None  # the Principal who recorded it, None for the system


ChoiceListener = Callable[[ChoiceSettled], None]

_resolve_guards: dict[str, ResolveGuard] = {}
_choice_listeners: dict[str, ChoiceListener] = {}


def register_resolve_guard(name: str, guard: ResolveGuard) -> None:
    _resolve_guards[name] = guard


def register_choice_listener(name: str, listener: ChoiceListener) -> None:
    _choice_listeners[name] = listener


def check_resolve_guards(case) -> None:
    for guard in _resolve_guards.values():
        guard(case)


def choice_settled(event: ChoiceSettled) -> None:
    for listener in _choice_listeners.values():
        listener(event)
