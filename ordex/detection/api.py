"""Rules over HTTP: everyone signed in may read them, their record and their changes; admins change parameters."""

from datetime import datetime
from typing import Any

from ninja import Router, Schema

from ordex.core.errors import NotFound

from . import actions, queries
from .rules import REGISTRY

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
    reason: str = ""


class RuleChangeOut(Schema):
    changed_at: datetime
    actor_name: str
    shop: str | None
    platform: str | None
    old: dict[str, Any]
    new: dict[str, Any]
    reason: str


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
    that shop's / platform's override. `reason` is required: the change is recorded with who, when, old and
    new values (`GET /rules/{code}/changes`). An unknown or invalid parameter is refused naming the field."""
    actions.change_rule(code, actor=request.auth, reason=payload.reason, params=payload.params,
                        enabled=payload.enabled, shop=payload.shop, platform=payload.platform)
    return queries.rule_rows([code])[0]


@router.get("/rules/{code}/changes", response=list[RuleChangeOut], summary="Who changed the rule, when, old → new, why")
def list_rule_changes(request, code: str):
    if code not in REGISTRY:
        raise NotFound("rule_not_found", f"no rule {code!r}")
    return queries.rule_changes(code)
