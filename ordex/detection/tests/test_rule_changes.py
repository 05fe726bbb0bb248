"""Changing a rule records who, when, which scope, old -> new and why; a refused change stores nothing."""

import pytest
import time_machine

from ordex.accounts.access import principal_for_user
from ordex.core.errors import Forbidden, InvalidInput
from ordex.detection.actions import change_rule
from ordex.detection.models import Rule, RuleChange, RuleOverride
from ordex.detection.tests.helpers import at, ingest, order_created


@time_machine.travel("2026-11-02T09:30:00+08:00", tick=False)
def test_change_records_who_when_old_new_and_why(carol):
    change = change_rule("payment_timeout", actor=principal_for_user(carol), params={"minutes": 45},
                         reason="buyers pay by bank transfer")
    assert Rule.objects.get(code="payment_timeout").params == {"minutes": 45}
    stored = RuleChange.objects.get()
    assert stored == change
    assert (stored.changed_by, stored.actor_name, stored.changed_at) == (carol, "carol", at("2026-11-02T09:30:00+08:00"))
    assert (stored.old, stored.new, stored.reason, stored.scope) == (
        {"minutes": 30}, {"minutes": 45}, "buyers pay by bank transfer", "")


def test_only_changed_keys_are_recorded_and_an_edit_that_changes_nothing_records_nothing(carol):
    actor = principal_for_user(carol)
    change = change_rule("tracking_stalled", actor=actor, params={"hours": 48, "remote_hours": 96}, reason="west")
    assert (change.old, change.new) == ({"remote_hours": 72.0}, {"remote_hours": 96})
    assert change_rule("tracking_stalled", actor=actor, params={"remote_hours": 96}, reason="again") is None
    assert RuleChange.objects.count() == 1


def test_switching_a_rule_off_is_recorded(carol):
    change = change_rule("payment_timeout", actor=principal_for_user(carol), enabled=False, reason="migration week")
    assert (change.old, change.new) == ({"enabled": True}, {"enabled": False})
    assert Rule.objects.get(code="payment_timeout").enabled is False


def test_shop_override_change_records_the_scope_and_removing_a_key_restores_inheritance(carol):
    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00", shop="slow-shop"))
    actor = principal_for_user(carol)
    first = change_rule("payment_timeout", actor=actor, params={"minutes": 120}, shop="slow-shop", reason="COD shop")
    assert (first.scope, first.old, first.new) == ("shop:slow-shop", {"minutes": None}, {"minutes": 120})
    assert RuleOverride.objects.get().params == {"minutes": 120}
    second = change_rule("payment_timeout", actor=actor, params={"minutes": None}, shop="slow-shop", reason="back")
    assert (second.old, second.new) == ({"minutes": 120}, {"minutes": None})
    assert not RuleOverride.objects.exists()
    assert Rule.objects.get(code="payment_timeout").params == {"minutes": 30}


def test_platform_override_change_is_recorded(carol):
    change = change_rule("ship_delay", actor=principal_for_user(carol), params={"hours": 24}, platform="wechat",
                         reason="WeChat shops ship within 24 h in the promotion")
    assert change.scope == "platform:wechat"
    assert RuleOverride.objects.get(platform="wechat").params == {"hours": 24}


@pytest.mark.parametrize("kwargs, field", [
    ({"params": {"minutes": 45}, "reason": "  "}, "reason"),
    ({"params": {"minutes": "soon"}, "reason": "r"}, "params.minutes"),
    ({"params": {"minutes": None}, "reason": "r"}, "params.minutes"),
    ({"params": {"minutes": 45}, "reason": "r", "shop": "nowhere"}, "shop"),
    ({"params": {"minutes": 45}, "reason": "r", "shop": "a", "platform": "b"}, "platform"),
    ({"enabled": False, "reason": "r", "platform": "taobao"}, "enabled"),
])
def test_refused_change_names_the_field_and_stores_nothing(carol, kwargs, field):
    with pytest.raises(InvalidInput) as refused:
        change_rule("payment_timeout", actor=principal_for_user(carol), **kwargs)
    assert refused.value.field == field
    assert Rule.objects.get(code="payment_timeout").params == {"minutes": 30}
    assert not RuleChange.objects.exists() and not RuleOverride.objects.exists()


def test_supervisor_may_not_change_a_rule(bob):
    with pytest.raises(Forbidden):
        change_rule("payment_timeout", actor=principal_for_user(bob), params={"minutes": 45}, reason="r")
    assert not RuleChange.objects.exists()


def test_api_change_without_reason_is_refused_and_changes_are_listed(db, api_as, carol):
    client = api_as("admin", user=carol)
    response = client.patch("/api/v1/rules/payment_timeout", {"params": {"minutes": 45}})
    assert response.status_code == 422 and response.json()["field"] == "reason"
    response = client.patch("/api/v1/rules/payment_timeout", {"params": {"minutes": 45}, "reason": "bank transfer"})
    assert response.status_code == 200
    assert RuleChange.objects.get().changed_by == carol
    changes = api_as("agent").get("/api/v1/rules/payment_timeout/changes").json()
    assert [(c["actor_name"], c["old"], c["new"], c["reason"]) for c in changes] == [
        ("test-admin", {"minutes": 30}, {"minutes": 45}, "bank transfer")]


def test_rules_page_lists_params_overrides_hits_false_positive_rate_and_changes_in_five_queries(
        carol, bob, django_assert_num_queries):
    from ordex.cases.actions import transition
    from ordex.cases.models import Case
    from ordex.detection.queries import rules_page
    from ordex.detection.tests.helpers import scan

    ingest(order_created("P1", at="2026-11-01T10:00:00+08:00", shop="slow-shop"),
           order_created("P2", at="2026-11-01T10:00:00+08:00", phone="13900000000"))
    scan("2026-11-01T11:00:00+08:00")
    transition(Case.objects.order_by("pk").first().pk, to="rejected", actor=principal_for_user(bob), reason="paid")
    actor = principal_for_user(carol)
    change_rule("payment_timeout", actor=actor, params={"minutes": 45}, reason="bank transfer")
    change_rule("payment_timeout", actor=actor, params={"minutes": 120}, shop="slow-shop", reason="COD")
    change_rule("ship_delay", actor=actor, params={"hours": 24}, platform="wechat", reason="promotion")
    with django_assert_num_queries(5):
        lines = {line.code: line for line in rules_page()}
    timeout = lines["payment_timeout"]
    assert [(p.name, p.value, p.default, p.is_default) for p in timeout.params] == [("minutes", 45, 30, False)]
    assert timeout.overrides == [{"shop": "slow-shop", "platform": None, "params": {"minutes": 120}}]
    assert (timeout.hits, timeout.cases_opened, timeout.rejected, timeout.false_positive_rate) == (2, 2, 1, 0.5)
    assert [(c["shop"], c["new"], c["reason"]) for c in timeout.changes] == [
        ("slow-shop", {"minutes": 120}, "COD"), (None, {"minutes": 45}, "bank transfer")]
    assert lines["ship_delay"].overrides == [{"shop": None, "platform": "wechat", "params": {"hours": 24.0}}]
    assert lines["ship_delay"].false_positive_rate is None
