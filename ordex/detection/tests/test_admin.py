from django.contrib.auth import get_user_model

from ordex.detection.admin import RuleForm
from ordex.detection.models import Rule, RuleChange


def test_admin_form_refuses_an_unknown_or_invalid_parameter(db):
    rule = Rule.objects.get(code="payment_timeout")
    form = RuleForm(data={"enabled": True, "params": '{"minutes": "soon"}', "description": "", "reason": "r"},
                    instance=rule)
    assert not form.is_valid() and "params.minutes" in str(form.errors)
    form = RuleForm(data={"enabled": True, "params": '{"minutes": 45}', "description": ""}, instance=rule)
    assert not form.is_valid() and "reason" in form.errors


def test_admin_edit_is_recorded_with_its_reason(db, client):
    admin = get_user_model().objects.create_superuser(username="root", password="pw-root", email="r@example.com")
    client.force_login(admin)
    rule = Rule.objects.get(code="payment_timeout")
    response = client.post(f"/admin/detection/rule/{rule.pk}/change/", {
        "enabled": "on", "params": '{"minutes": 45}', "description": "unpaid too long", "reason": "bank transfers",
        "overrides-TOTAL_FORMS": "0", "overrides-INITIAL_FORMS": "0",
        "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.params == {"minutes": 45} and rule.description == "unpaid too long"
    change = RuleChange.objects.get()
    assert (change.actor_name, change.changed_by, change.old, change.new, change.reason) == (
        "root", admin, {"minutes": 30}, {"minutes": 45}, "bank transfers")


def test_admin_lists_rules_and_runs_a_dry_run(db, client):
    admin = get_user_model().objects.create_superuser(username="root", password="pw-root", email="r@example.com")
    client.force_login(admin)
    assert client.get("/admin/detection/rule/").status_code == 200
    pk = Rule.objects.get(code="payment_timeout").pk
    response = client.post("/admin/detection/rule/", {"action": "dry_run", "_selected_action": [pk]}, follow=True)
    assert response.status_code == 200
    assert "：将新发现 0 条，消除 0 条" in response.content.decode()
