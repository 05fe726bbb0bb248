"""Named, typed hand-offs between apps. A lower app that must tell a higher one about a change does not
import it: it offers a `Hook` in its `hooks.py`, the higher app registers its listener in
`AppConfig.ready()`, and the lower app calls the listeners in order. docs/architecture.md lists them all."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

Listener = TypeVar("Listener", bound=Callable)


class Hook(Generic[Listener]):
    """An ordered list of listeners with a name and a stated contract (`doc`)."""

    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc
        self._listeners: list[Listener] = []

    def register(self, listener: Listener) -> Listener:
        """Add `listener` (once: registering it again changes nothing). Returns it, so it can decorate."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def __iter__(self) -> Iterator[Listener]:
        return iter(tuple(self._listeners))

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._listeners)} listeners>"

    @contextmanager
    def suspended(self):
        """No listener is called inside the block (tests about the lower app alone)."""
        kept, self._listeners = self._listeners, []
        try:
            yield
        finally:
            self._listeners = kept
