"""Rule parameters are kept per process and re-read when they change (here, or in another process)."""

from ordex.detection import engine
from ordex.detection.models import Rule, RuleOverride, RulesVersion
from ordex.detection.rules import REGISTRY

TIMEOUT = REGISTRY["payment_timeout"]


def test_parameters_are_kept_while_nothing_changed(db):
    assert engine.current_params() is engine.current_params()


def test_a_rule_saved_in_this_process_applies_at_once(db):
    engine.current_params()
    row = Rule.objects.get(code="payment_timeout")
    row.params = {"minutes": 50}
    row.save()
    assert engine.current_params().base(TIMEOUT)["minutes"] == 50


def test_overrides_added_and_deleted_apply_at_once(db):
    row = Rule.objects.get(code="payment_timeout")
    assert engine.current_params().for_order(TIMEOUT, None, "taobao")["minutes"] == 30
    override = RuleOverride.objects.create(rule=row, platform="taobao", params={"minutes": 70})
    assert engine.current_params().for_order(TIMEOUT, None, "taobao")["minutes"] == 70
    override.delete()
    assert engine.current_params().for_order(TIMEOUT, None, "taobao")["minutes"] == 30


def test_a_change_made_by_another_process_is_seen_through_the_token(db):
    engine.current_params()
    # What another process leaves behind: the new parameters and a new token (its signals ran over there,
    # so nothing in this process was told).
    Rule.objects.filter(code="payment_timeout").update(params={"minutes": 45})
    RulesVersion.objects.update_or_create(pk=1, defaults={"token": "written-elsewhere"})
    assert engine.current_params().base(TIMEOUT)["minutes"] == 45
