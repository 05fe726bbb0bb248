"""What every rule is made of: parameters with defaults, a trigger, and `Hit`s (what a rule found)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ordex.core.errors import InvalidInput
from ordex.core.text import stored_text
from ordex.orders.choices import REMOTE_PROVINCES


@dataclass(frozen=True)
class Param:
    name: str
    kind: type  # int, float, Decimal, bool, str
    default: Any
    help: str
    minimum: float | None = 0

    def parse(self, value: Any, field_name: str) -> Any:
        try:
            if self.kind is bool:
                if not isinstance(value, bool):
                    raise ValueError("must be true or false")
                return value
            if self.kind is int:
                if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit())):
                    raise ValueError("must be a whole number")
                parsed = int(value)
            elif self.kind is float:
                if isinstance(value, bool):
                    raise ValueError("must be a number")
                parsed = float(value)
            elif self.kind is Decimal:
                if isinstance(value, bool | float):
                    raise ValueError("must be a decimal string such as \"0.50\"")
                parsed = Decimal(str(value))
            else:
                if not isinstance(value, str):
                    raise ValueError("must be text")
                return value
        except (ValueError, TypeError, InvalidOperation) as exc:
            message = str(exc) if isinstance(exc, ValueError) and str(exc).startswith("must") else "invalid value"
            raise InvalidInput("invalid_param", f"{field_name}: {message}", field=field_name)
        if self.minimum is not None and parsed < self.minimum:
            raise InvalidInput("invalid_param", f"{field_name}: must be at least {self.minimum}", field=field_name)
        return parsed

    def to_json(self, value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value


@dataclass
class Hit:
    """One thing a rule found. `subject_key` + `occurrence` identify it (replays find the same key)."""

    rule: str
    type_code: str
    subject_key: str
    found_at: datetime
    summary: str
    facts: dict
    order: Any = None
    shipment: Any = None
    refund: Any = None
    sku: str = ""
    occurrence: str = ""
    level: str = "finding"
    basis_at: datetime | None = None
    # Set when the condition had already ended by the scan's as_of (history replayed after the fact).
    cleared_at: datetime | None = None
    clear_summary: str = ""
    incident_key: str | None = None
    incident_title: str = ""
    orders: tuple = ()
    # Events (reports, faults, requests): every occurrence is recorded, even while an earlier one is active.
    repeatable: bool = False

    def describe(self) -> dict:
        return {"rule": self.rule, "type": self.type_code, "subject": self.subject_key, "level": self.level,
                "found_at": self.found_at.isoformat(), "summary": self.summary,
                "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None}


@dataclass
class ParamGroup:
    """Parameters that apply to a set of orders (all, one platform, one shop) in a set-based query."""

    params: dict
    shops: frozenset = frozenset()  # only these shop ids (empty: no shop restriction)
    platforms: frozenset = frozenset()
    exclude_shops: frozenset = frozenset()
    exclude_platforms: frozenset = frozenset()

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.shops:
            q &= Q(**{f"{prefix}shop_id__in": self.shops})
        if self.platforms:
            q &= Q(**{f"{prefix}platform__in": self.platforms})
        if self.exclude_shops:
            q &= ~Q(**{f"{prefix}shop_id__in": self.exclude_shops})
        if self.exclude_platforms:
            q &= ~Q(**{f"{prefix}platform__in": self.exclude_platforms})
        return q


class BaseRule:
    code: str
    type_code: str
    trigger: str  # on_event | periodic
    title: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()
    # on_event rules: the event types they look at; clearing: the event types that may end their condition.
    events: frozenset = frozenset()

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def validate(self, params: dict, prefix: str = "params") -> dict:
        """Check a (partial) parameter dict; errors name the field. Returns parsed values."""
        if not isinstance(params, dict):
            raise InvalidInput("invalid_param", f"{prefix} must be an object", field=prefix)
        known = {p.name: p for p in self.params}
        parsed = {}
        for key, value in params.items():
            if key not in known:
                raise InvalidInput("unknown_param", f"{prefix}.{key}: {self.code} has no parameter {key!r}"
                                   f" (known: {', '.join(known) or 'none'})", field=f"{prefix}.{key}")
            parsed[key] = known[key].parse(value, f"{prefix}.{key}")
        return parsed

    def merge(self, *layers: dict) -> dict:
        """Defaults overlaid by stored layers (rule, platform, shop), each parsed; bad stored keys are ignored."""
        values = self.defaults()
        known = {p.name: p for p in self.params}
        for layer in layers:
            for key, value in (layer or {}).items():
                if key in known:
                    try:
                        values[key] = known[key].parse(value, key)
                    except InvalidInput:
                        continue
        return values

    # Periodic rules and late history: the applied event types that can start the rule's condition. When such
    # an event arrives with its due time already behind the rule's watermark (late history), the import hook
    # queues its target (`LateCheck`) and the next pass evaluates it over the whole stored history.
    late_events: frozenset = frozenset()

    def late_due(self, event, params):
        """(target, due) of the condition this applied event may start, or None."""
        return None

    def late_horizon(self, watermark, now):
        """Queue what is due by then: the watermark, or the clock (a pass may be reading right now)."""
        return max(watermark, now)

    def scan_late(self, as_of, targets: dict, groups) -> list:
        """Evaluate queued targets (primary keys) over the whole stored history, as of `as_of`."""
        ids = sorted(int(t) for t in targets)
        hits = []
        for start in range(0, len(ids), 500):
            hits.extend(self.scan(as_of, None, groups, only=ids[start:start + 500]))
        return hits

    # on_event rules implement evaluate(ctx) -> list[Hit]; periodic rules implement scan(as_of, since, groups).
    # Rules whose condition can end implement check_clear(finding, as_of, ctx) -> (cleared_at, summary) | None.
    def check_clear(self, finding, as_of, ctx):
        return None


def hours(value: float) -> timedelta:
    return timedelta(hours=float(value))


def remote_q(prefix: str = "") -> Q:
    q = Q()
    for province in REMOTE_PROVINCES:
        q |= Q(**{f"{prefix}province__startswith": province})
    return q


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def fmt_hours(delta: timedelta) -> str:
    """A duration as stored text gives it: days from 48 hours on, hours from one hour, else minutes."""
    total = delta.total_seconds() / 3600
    if total >= 48:
        return stored_text(_("%(days)s d"), days=f"{total / 24:.1f}" if total % 24 else str(int(total // 24)))
    if total >= 1:
        return stored_text(_("%(hours)s h"), hours=f"{total:.0f}")
    return stored_text(_("%(minutes)s min"), minutes=f"{delta.total_seconds() / 60:.0f}")


def order_subject(order) -> str:
    return f"order:{order.order_no}"
