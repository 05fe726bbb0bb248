"""Incidents, notifications and rules pages: what they show, what they change, and the queries they send."""

import pytest
from django.test import Client

from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.cases.models import Case, Notification
from ordex.detection.models import Rule, RuleChange


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def incident_cases(make_case, person):
    """Three customer-service cases grouped into one incident by hand."""
    supervisor = principal_for_user(person("supervisor"))
    incident = actions.create_incident(actor=supervisor, type_code="complaint", key="SKU-CUP", title="保温杯批次投诉")
    cases = [make_case("customer_service") for _ in range(3)]
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(incident=incident)
    return incident, cases


def test_incidents_page_lists_open_incidents_with_case_counts_and_cause(person, incident_cases):
    incident, _ = incident_cases
    body = client_of(person("agent")).get("/incidents/").content.decode()
    assert f'data-incident-id="{incident.pk}"' in body
    assert "保温杯批次投诉" in body and "complaint" in body and "SKU-CUP" in body
    assert '<td class="open-cases">3</td>' in body


def test_incident_bulk_note_reaches_every_case(person, incident_cases):
    incident, cases = incident_cases
    response = client_of(person("supervisor")).post(f"/incidents/{incident.pk}/", {"action": "note", "text": "已联系供应商"})
    assert response.status_code == 302
    for case in cases:
        assert case.timeline.filter(kind="note", message="已联系供应商").exists()


def test_incident_bulk_transition_reports_each_refused_case_and_changes_nothing_there(person, incident_cases):
    incident, cases = incident_cases
    supervisor = principal_for_user(person("supervisor"))
    actions.transition(cases[0].pk, to="rejected", actor=supervisor, reason="not a complaint")
    response = client_of(person("supervisor")).post(f"/incidents/{incident.pk}/", {"action": "transition", "to": "triaged"})
    assert response.status_code == 200
    body = response.content.decode()
    assert f"#{cases[0].pk}" in body and "illegal_transition" in body
    assert Case.objects.get(pk=cases[0].pk).status == "rejected"
    assert {Case.objects.get(pk=case.pk).status for case in cases[1:]} == {"triaged"}


def test_bulk_transition_without_a_status_is_refused_next_to_the_field(person, incident_cases):
    incident, cases = incident_cases
    response = client_of(person("supervisor")).post(f"/incidents/{incident.pk}/", {"action": "transition", "to": ""})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert {case.status for case in Case.objects.filter(incident=incident)} == {"new"}


def test_incident_page_offers_only_statuses_its_cases_can_reach(person, incident_cases):
    incident, _ = incident_cases
    body = client_of(person("supervisor")).get(f"/incidents/{incident.pk}/").content.decode()
    assert 'value="triaged"' in body and 'value="closed"' not in body


def test_bell_shows_the_unread_count_and_the_list_marks_read(person, make_case):
    bob = person("supervisor")
    case = make_case("customer_service")
    for kind in ("near_breach", "breach"):
        Notification.objects.create(user=bob, case=case, kind=kind, message="m")
    client = client_of(bob)
    assert 'data-unread="2"' in client.get("/").content.decode()
    first = Notification.objects.filter(user=bob).first()
    response = client.post("/notifications/read/", {"id": first.pk})
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    assert 'data-unread="1"' in client.get("/notifications/").content.decode()
    client.post("/notifications/read/")
    assert not Notification.objects.filter(user=bob, read_at__isnull=True).exists()
    assert 'data-unread="0"' in client.get("/").content.decode()


def test_a_notification_of_someone_else_cannot_be_marked(person, make_case):
    case = make_case("customer_service")
    theirs = Notification.objects.create(user=person("supervisor"), case=case, kind="breach", message="m")
    response = client_of(person("agent")).post("/notifications/read/", {"id": theirs.pk})
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_rules_page_shows_parameters_hits_and_false_positive_rate(person):
    body = client_of(person("supervisor")).get("/rules/").content.decode()
    assert 'id="rule-payment_timeout"' in body and 'class="param-minutes">30' in body
    assert 'href="/rules/payment_timeout/"' not in body  # supervisors read; admins edit


def test_admin_edits_a_parameter_with_a_reason_and_the_change_is_recorded(person):
    carol = person("admin")
    client = client_of(carol)
    assert 'href="/rules/payment_timeout/"' in client.get("/rules/").content.decode()
    response = client.post("/rules/payment_timeout/", {"param_minutes": "45", "enabled": "on", "reason": "银行转账付款慢"})
    assert response.status_code == 302
    change = RuleChange.objects.get()
    assert (change.changed_by, change.old, change.new, change.reason) == (carol, {"minutes": 30}, {"minutes": 45}, "银行转账付款慢")
    body = client.get("/rules/").content.decode()
    assert "minutes 30 → 45" in body and "银行转账付款慢" in body


def test_rule_edit_without_reason_or_with_a_bad_value_changes_nothing(person):
    client = client_of(person("admin"))
    response = client.post("/rules/payment_timeout/", {"param_minutes": "45", "enabled": "on", "reason": ""})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    response = client.post("/rules/payment_timeout/", {"param_minutes": "soon", "enabled": "on", "reason": "r"})
    assert response.status_code == 200 and "must be a whole number" in response.content.decode()
    assert Rule.objects.get(code="payment_timeout").params == {"minutes": 30}
    assert not RuleChange.objects.exists()


def test_admin_sets_and_clears_a_platform_override(person):
    client = client_of(person("admin"))
    response = client.post("/rules/ship_delay/?platform=wechat", {"platform": "wechat", "param_hours": "24", "reason": "大促"})
    assert response.status_code == 302
    assert Rule.objects.get(code="ship_delay").overrides.get().params == {"hours": 24.0}
    client.post("/rules/ship_delay/?platform=wechat", {"platform": "wechat", "param_hours": "", "reason": "大促结束"})
    assert not Rule.objects.get(code="ship_delay").overrides.exists()
    assert RuleChange.objects.count() == 2


def test_side_pages_send_a_fixed_number_of_queries(person, incident_cases, django_assert_max_num_queries):
    incident, _ = incident_cases
    client = client_of(person("supervisor"))
    for url, most in (("/incidents/", 8), (f"/incidents/{incident.pk}/", 14), ("/notifications/", 6), ("/rules/", 9)):
        client.get(url)
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_rules_page_names_each_rule_in_the_page_language(person):
    supervisor = person("supervisor")
    client = client_of(supervisor)
    assert "支付超时" in client.get("/rules/").content.decode()
    supervisor.language = "en"
    supervisor.save(update_fields=["language"])
    body = client.get("/rules/").content.decode()
    assert "Payment timeout" in body and "支付超时" not in body and "Minutes to pay" in body


def test_rules_page_describes_each_rule_in_the_page_language(person):
    supervisor = person("supervisor")
    client = client_of(supervisor)
    assert "下单后超过时限仍未付款" in client.get("/rules/").content.decode()
    supervisor.language = "en"
    supervisor.save(update_fields=["language"])
    body = client.get("/rules/").content.decode()
    assert "Unpaid past the limit after creation" in body and "下单后超过时限仍未付款" not in body
