"""Listener registries that the cases actions call from inside their transaction.

Apps above `cases` (notify, resolutions, …) must react to case changes without `cases` importing them:
they register a listener here in their `AppConfig.ready()`. A listener runs in the action's transaction,
so whatever it writes (an outbox row, a ledger line) commits or rolls back with the case change. A listener
that raises aborts the action.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .models import Case, CustomerChoice

E = TypeVar("E")


class Registry(Generic[E]):
    """Named listeners of one kind of moment, called in registration order."""

    def __init__(self, name: str):
        self.name = name
        self._listeners: list[Callable[[E], None]] = []

    def register(self, listener: Callable[[E], None]) -> Callable[[E], None]:
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def unregister(self, listener: Callable[[E], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def fire(self, event: E) -> None:
        for listener in self._listeners:
            listener(event)

    def __len__(self) -> int:
        return len(self._listeners)


@dataclass(frozen=True)
class CaseOpened:
    case: "Case"
    at: datetime


@dataclass(frozen=True)
class ChoiceOffered:
    case: "Case"
    choice: "CustomerChoice"


@dataclass(frozen=True)
class ChoiceSettled:
    """The customer's choice was recorded (source agent or customer) or, at the deadline, defaulted."""

    case: "Case"
    choice: "CustomerChoice"


@dataclass(frozen=True)
class CaseResolved:
    case: "Case"
    at: datetime
    resolution: str


case_opened: Registry[CaseOpened] = Registry("case_opened")
choice_offered: Registry[ChoiceOffered] = Registry("choice_offered")
choice_settled: Registry[ChoiceSettled] = Registry("choice_settled")
case_resolved: Registry[CaseResolved] = Registry("case_resolved")
