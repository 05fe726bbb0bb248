from django.contrib.auth import get_user_model

from ordex.detection.admin import RuleForm
from ordex.detection.models import Rule


def test_admin_form_refuses_an_unknown_or_invalid_parameter(db):
    rule = Rule.objects.get(code="payment_timeout")
    form = RuleForm(data={"enabled": True, "params": '{"minutes": "soon"}', "description": ""}, instance=rule)
    assert not form.is_valid() and "params.minutes" in str(form.errors)
    form = RuleForm(data={"enabled": True, "params": '{"minutes": 45}', "description": ""}, instance=rule)
    assert form.is_valid(), form.errors
    form.save()
    assert Rule.objects.get(code="payment_timeout").params == {"minutes": 45}


def test_admin_lists_rules_and_runs_a_dry_run(db, client):
    admin = get_user_model().objects.create_superuser(username="root", password="pw-root", email="r@example.com")
    client.force_login(admin)
    assert client.get("/admin/detection/rule/").status_code == 200
    pk = Rule.objects.get(code="payment_timeout").pk
    response = client.post("/admin/detection/rule/", {"action": "dry_run", "_selected_action": [pk]}, follow=True)
    assert response.status_code == 200
    assert "would find" in response.content.decode()
