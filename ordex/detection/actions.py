"""The only writes to detection's configuration: changing a rule's parameters or switch, globally or for one
shop / one platform, each change recorded (who, when, old -> new, why) in the same transaction."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from ordex.accounts.access import Principal
from ordex.core.errors import InvalidInput, NotFound
from ordex.orders.queries import shop_by_code

from .access import require_rule_editor
from .models import Rule, RuleChange, RuleOverride
from .rules import REGISTRY
from .seed import seed_rules


@transaction.atomic
def change_rule(code: str, *, actor: Principal, reason: str, params: dict[str, Any] | None = None,
                enabled: bool | None = None, shop: str | None = None, platform: str | None = None) -> RuleChange | None:
    """Change the given parameters (the others keep their values) of the rule itself, or of its override for
    `shop` or `platform` (there a value of None removes the key from the override); `enabled` switches the
    rule itself. Every value is checked against the rule's
    declared parameters first (an error names the field) and nothing is stored unless all are valid. The
    `RuleChange` row holds only the keys whose value changed; an edit that changes nothing records nothing
    and returns None."""
    require_rule_editor(actor)
    rule = REGISTRY.get(code)
    if rule is None:
        raise NotFound("rule_not_found", f"no rule {code!r}")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "say why the rule changes", field="reason")
    if shop and platform:
        raise InvalidInput("invalid", "give shop or platform, not both", field="platform")
    if enabled is not None and (shop or platform):
        raise InvalidInput("invalid", "a rule is switched on or off for every shop at once", field="enabled")
    params = params or {}
    # In an override, a key given as None is taken out: that shop or platform inherits the rule's value again.
    removed = [key for key, value in params.items() if value is None]
    for key in removed:
        if not (shop or platform):
            raise InvalidInput("invalid_param", f"params.{key}: a rule's own parameter needs a value",
                               field=f"params.{key}")
        if key not in {param.name for param in rule.params}:
            raise InvalidInput("unknown_param", f"params.{key}: {code} has no parameter {key!r}", field=f"params.{key}")
    parsed = rule.validate({key: value for key, value in params.items() if value is not None}, prefix="params")
    new_values = {key: rule.param(key).to_json(value) for key, value in parsed.items()}
    if not Rule.objects.filter(code=code).exists():
        seed_rules(Rule)
    row = Rule.objects.select_for_update().get(code=code)
    shop_row = None
    if shop:
        shop_row = shop_by_code(shop)
        if shop_row is None:
            raise InvalidInput("unknown_shop", f"no shop {shop!r}", field="shop")
    if shop_row is not None or platform:
        scope = {"shop": shop_row} if shop_row is not None else {"platform": platform}
        override = RuleOverride.objects.select_for_update().filter(rule=row, **scope).first()
        stored = override.params if override else {}
        old, new = _differences(stored, {**new_values, **dict.fromkeys(removed)})
        if not new:
            return None
        kept = {key: value for key, value in {**stored, **new_values}.items() if key not in removed}
        if override is None:
            RuleOverride.objects.create(rule=row, params=kept, **scope)
        elif kept:
            override.params = kept
            override.save(update_fields=["params"])
        else:
            override.delete()
    else:
        old, new = _differences(row.params, new_values)
        fields = ["updated_at"]
        if enabled is not None and enabled != row.enabled:
            old["enabled"], new["enabled"] = row.enabled, enabled
            row.enabled = enabled
            fields.append("enabled")
        if not new:
            return None
        if set(new) - {"enabled"}:
            row.params = {**row.params, **new_values}
            fields.append("params")
        row.save(update_fields=fields)
    return RuleChange.objects.create(
        rule=row, shop_code=shop or "", platform=platform or "", changed_at=timezone.now(),
        changed_by=actor.user, actor_name=actor.name, old=old, new=new, reason=reason,
    )


def _differences(stored: dict, new_values: dict) -> tuple[dict, dict]:
    """The keys whose value changes: their stored value (None when the scope did not set it) and new value."""
    changed = {key: value for key, value in new_values.items() if stored.get(key) != value}
    return {key: stored.get(key) for key in changed}, changed
