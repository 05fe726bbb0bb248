"""A registry through which higher apps (notify) react to what happens to an action, without this app
importing them. Fill it in your `AppConfig.ready()`:

    from ordex.resolutions import hooks
    hooks.register_action_listener("notify.customer_update", on_action_changed)

Listeners run inside the transaction that changed the action, after it was saved (so a listener that
writes an outbox row commits or rolls back together with the change); they must not call out to the
network. `to_status` "done" is "refund sent / reship dispatched / ..." (see `kind`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class ActionChanged:
    action_id: int
    case_id: int
    order_no: str
    kind: str  # ActionKind value
    from_status: str  # "" when the action was just created
    to_status: str  # ActionStatus value
    amount: Decimal
    at: datetime
    actor_name: str
    reason: str = ""


ActionListener = Callable[[ActionChanged], None]

_action_listeners: dict[str, ActionListener] = {}


def register_action_listener(name: str, listener: ActionListener) -> None:
    """Registering a name again replaces its listener."""
    _action_listeners[name] = listener


def unregister_action_listener(name: str) -> None:
    _action_listeners.pop(name, None)


def action_changed(event: ActionChanged) -> None:
    for listener in _action_listeners.values():
        listener(event)
