"""Rules over HTTP: everyone signed in may read them and their record; admins change parameters."""

from typing import Any

from django.db import transaction
from ninja import Router, Schema

from ordex.accounts.access import require_role
from ordex.accounts.models import Role
from ordex.core.errors import InvalidInput, NotFound

from . import queries
from .models import Rule, RuleOverride
from .rules import REGISTRY
from .seed import seed_rules

router = Router(tags=["detection"])


class RuleOut(Schema):
    code: str
    type: str
    trigger: str
    title: str
    description: str
    enabled: bool
    params: dict[str, Any]
    param_help: dict[str, Any]
    overrides: list[dict[str, Any]]
    record: dict[str, int]


class RulePatch(Schema):
    params: dict[str, Any] | None = None
    enabled: bool | None = None
    shop: str | None = None
    platform: str | None = None


@router.get("/rules", response=list[RuleOut], summary="Every rule with its parameters and record")
def list_rules(request):
    return queries.rule_rows()


@router.get("/rules/{code}", response=RuleOut, summary="One rule")
def get_rule(request, code: str):
    if code not in REGISTRY:
        raise NotFound("rule_not_found", f"no rule {code!r}")
    return queries.rule_rows([code])[0]


@router.patch("/rules/{code}", response=RuleOut, summary="Change a rule's parameters (admin)")
def patch_rule(request, code: str, payload: RulePatch):
    """`params` is partial: only the keys given change. With `shop` or `platform` the parameters are stored as
    that shop's / platform's override. An unknown or invalid parameter is refused naming the field."""
    require_role(request.auth, Role.ADMIN)
    rule = REGISTRY.get(code)
    if rule is None:
        raise NotFound("rule_not_found", f"no rule {code!r}")
    if payload.shop and payload.platform:
        raise InvalidInput("invalid", "give shop or platform, not both", field="platform")
    parsed = rule.validate(payload.params or {}, prefix="params")
    as_json = {k: rule.param(k).to_json(v) for k, v in parsed.items()}
    with transaction.atomic():
        if not Rule.objects.filter(code=code).exists():
            seed_rules(Rule)
        row = Rule.objects.select_for_update().get(code=code)
        if payload.shop or payload.platform:
            target = {"rule": row}
            if payload.shop:
                from ordex.orders.models import Shop

                shop = Shop.objects.filter(code=payload.shop).first()
                if shop is None:
                    raise InvalidInput("unknown_shop", f"no shop {payload.shop!r}", field="shop")
                target["shop"] = shop
            else:
                target["platform"] = payload.platform
            override, _ = RuleOverride.objects.get_or_create(**target, defaults={"params": {}})
            override.params = {**override.params, **as_json}
            override.save(update_fields=["params"])
        else:
            fields = ["updated_at"]
            if as_json:
                row.params = {**row.params, **as_json}
                fields.append("params")
            if payload.enabled is not None:
                row.enabled = payload.enabled
                fields.append("enabled")
            row.save(update_fields=fields)
    return queries.rule_rows([code])[0]
