"""Rules over HTTP: everyone signed in may read them, their record and their changes; admins change parameters."""

from datetime import datetime
from typing import Any

from ninja import Router, Schema

from ordex.accounts.access import require_role
from ordex.accounts.models import Role
from ordex.core.errors import NotFound

from . import actions, history, queries
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


class BackfillOut(Schema):
    backfill: str
    source: str
    scan_minutes: int
    started_at: datetime
    clock: datetime | None
    finished_at: datetime | None
    historical_cases: int
    live_cases: int
    findings: int
    withdrawn: int


@router.get("/backfills/{backfill}", response=BackfillOut, summary="A history import: how far its clock is")
def get_backfill(request, backfill: str):
    require_role(request.auth, Role.INTEGRATION)
    return history.status(backfill)


@router.post("/backfills/{backfill}/finish", response=BackfillOut,
             summary="End a backfill: replay to its end and settle its cases (integration)")
def finish_backfill(request, backfill: str):
    """After the last batch of a backfill (`POST /events` with `"backfill": "<id>"`) has been answered: one last
    pass of the periodic rules as of the newest event, then the cases: conditions that ended before are recorded
    closed as historical (no SLA, no customer message), those still true open live cases whose SLA starts now.
    Finishing again returns the same summary."""
    require_role(request.auth, Role.INTEGRATION)
    return history.finish(backfill)
