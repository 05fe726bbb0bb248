"""In a real browser: a supervisor acts on a whole incident at once, an admin changes a rule parameter."""

import pytest
from playwright.sync_api import expect

from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.cases.models import Case
from ordex.detection.models import Rule, RuleChange

pytestmark = pytest.mark.browser


def test_supervisor_adds_a_note_to_every_case_of_an_incident(live_page, make_case, person):
    incident = actions.create_incident(actor=principal_for_user(person("supervisor")), type_code="complaint",
                                       key="SKU-CUP", title="保温杯批次投诉")
    cases = [make_case("customer_service") for _ in range(2)]
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(incident=incident)
    page = live_page("supervisor")
    page.goto("/incidents/")
    page.click(f"[data-incident-id='{incident.pk}'] a")
    page.select_option("#id_action", "note")
    page.fill("#id_text", "已联系供应商，统一补发")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("2")
    for case in cases:
        assert case.timeline.filter(kind="note", message="已联系供应商，统一补发").exists()


def test_admin_changes_a_rule_parameter_with_a_reason(live_page):
    page = live_page("admin")
    page.goto("/rules/")
    page.click("#rule-payment_timeout a.edit")
    page.fill("#id_param_minutes", "45")
    page.click("#rule-form button[type=submit]")
    expect(page.locator("#id_reason:invalid")).to_have_count(1)  # the browser asks for the reason first
    assert Rule.objects.get(code="payment_timeout").params == {"minutes": 30}
    page.fill("#id_reason", "客户多用银行转账，付款较慢")
    page.click("#rule-form button[type=submit]")
    expect(page.locator("#rule-payment_timeout .param-minutes")).to_contain_text("45")
    expect(page.locator("#rule-payment_timeout .changes")).to_contain_text("客户多用银行转账")
    assert RuleChange.objects.get().new == {"minutes": 45}
