"""Security: every endpoint refuses a missing or wrong token; personal data is masked for the roles
that do not need it (finance, integration) and shown to those who talk to customers (agents)."""

import json
from urllib.parse import quote

import pytest

from .kit import API, addr, order, paid, reported, t

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
DETAIL = "文三路478号华星时代广场A座1203室"


def a_case(desk, no="SEC-1"):
    desk.push_ok(order(no, t(), phone_no=PHONE, address=addr(detail=DETAIL), name="李四"),
                 paid(no, t(minutes=2), "89.00"),  # payment_mismatch: a finance matter
                 reported(no, "complaint", t(hours=2), "投诉"))
    return desk.cases(order_no=no)


# Endpoints that authenticate the caller by the sender's own signature or secret instead of a token or session:
# the carriers' pushes, the SMS provider's delivery reports (a secret in the URL) and the merchant's callbacks
# on actions (HMAC over the body).
SIGNED_PUSHES = {
    ("post", "/api/v1/integrations/kuaidi100"),
    ("post", "/api/v1/integrations/aftership"),
    ("post", "/api/v1/integrations/aliyun-sms/reports"),
    ("post", "/api/v1/integrations/commerce/{shop_code}/callback"),
}


def endpoints(case_id):
    """Every operation of the OpenAPI document that needs a token or session, with its path filled in (the
    case that exists; 1 or a code for the rest: the credentials are refused before anything is looked up)."""
    from ordex.api import api

    values = {"case_id": case_id, "incident_id": 1, "notification_id": 1, "customer_id": 1, "position": 1, "evidence_id": 1,
              "action_id": 1, "shop_code": "tb-main", "backfill": "bf-1",
              "order_no": "SEC-1", "code": "payment_timeout"}
    found, unsigned = [], set()
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                unsigned.add((method, path))
                continue
            body = {} if method in ("post", "patch", "put") else None
            found.append((method, path.format(**values), body))
    assert unsigned == SIGNED_PUSHES, "an operation without authentication: add auth, or add it here on purpose"
    assert len(found) >= 25
    return found


def test_every_endpoint_refuses_a_request_without_a_token(desk, anonymous_api):
    case_id = a_case(desk)[0]["id"]
    for method, path, body in endpoints(case_id):
        resp = getattr(anonymous_api, method)(path, body) if body is not None else getattr(anonymous_api, method)(path)
        assert resp.status_code == 401, (method, path, resp.status_code)
    assert desk.detail(case_id)["status"] == "new"


def test_every_endpoint_refuses_a_wrong_token(desk):
    from conftest import ApiClient

    case_id = a_case(desk)[0]["id"]
    forged = ApiClient("not-a-real-token")
    for method, path, body in endpoints(case_id):
        resp = getattr(forged, method)(path, body) if body is not None else getattr(forged, method)(path)
        assert resp.status_code == 401, (method, path, resp.status_code)


def test_staff_tokens_cannot_push_events(desk, api_as):
    for role in ("agent", "finance", "supervisor"):
        resp = api_as(role).post(f"{API}/events", {"events": [order(f"ST-{role}", t())]})
        assert resp.status_code == 403, (role, resp.status_code)


def test_an_integration_token_cannot_move_cases(desk):
    case_id = a_case(desk)[0]["id"]
    resp = desk.integration.post(f"{API}/cases/{case_id}/transitions", {"to": "triaged"})
    assert resp.status_code == 403, resp.status_code
    assert desk.detail(case_id)["status"] == "new"


def _visible_case(desk, api_as, role, cases):
    """A case of SEC-1 that a `role` member of that case's department can open."""
    for case in cases:
        client = api_as(role, department=case["department"])
        resp = client.get(f"{API}/cases/{case['id']}")
        if resp.status_code == 200:
            return resp.json()
    return None


def test_an_agent_sees_the_customers_full_phone_and_street(desk, api_as):
    detail = _visible_case(desk, api_as, "agent", a_case(desk))
    assert detail is not None, "no SEC-1 case is visible to an agent of its department"
    assert detail["order"]["phone"] == PHONE
    assert DETAIL in detail["order"]["address"]


@pytest.mark.parametrize("role", ["finance", "integration"])
def test_finance_and_integration_see_phone_and_street_masked_in_cases(desk, api_as, role):
    cases = a_case(desk)
    if role == "integration":
        detail = desk.detail(cases[0]["id"], client=desk.integration)
    else:
        detail = _visible_case(desk, api_as, role, cases)
        assert detail is not None, "no SEC-1 case is visible to finance"
    text = json.dumps(detail, ensure_ascii=False)
    assert PHONE not in text, "full phone visible"
    assert DETAIL not in text, "full street detail visible"
    assert detail["order"]["phone"].endswith(PHONE[-4:])


@pytest.mark.parametrize("role", ["finance", "integration"])
def test_finance_and_integration_see_phone_and_street_masked_in_order_lookups(desk, api_as, role):
    a_case(desk)
    client = desk.integration if role == "integration" else api_as(role)
    for path in (f"{API}/orders/SEC-1", f"{API}/orders?phone={quote(PHONE)}"):
        resp = client.get(path)
        if resp.status_code in (403, 404):
            continue  # not seeing the order at all is also not leaking it
        assert resp.status_code == 200, (path, resp.status_code)
        text = json.dumps(resp.json(), ensure_ascii=False)
        assert PHONE not in text, (path, "full phone visible")
        assert DETAIL not in text, (path, "full street detail visible")


def test_an_agent_sees_the_full_phone_in_order_lookups(desk, api_as):
    a_case(desk)
    resp = api_as("agent").get(f"{API}/orders/SEC-1")
    assert resp.status_code == 200, resp.status_code
    assert PHONE in json.dumps(resp.json(), ensure_ascii=False)


def test_a_kuaidi100_push_without_a_signature_is_refused(desk, settings, anonymous_api):
    settings.ORDEX_KUAIDI100_SALT = "s3cr3t"
    resp = anonymous_api.generic("POST", f"{API}/integrations/kuaidi100", "param=%7B%7D",
                                 content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 401, resp.status_code


def test_an_aftership_webhook_without_a_valid_hmac_is_refused(desk, settings, anonymous_api):
    settings.ORDEX_AFTERSHIP_SECRET = "s3cr3t"
    resp = anonymous_api.post(f"{API}/integrations/aftership", {"msg": {"tracking_number": "X"}},
                              HTTP_AFTERSHIP_HMAC_SHA256="bm90LXZhbGlk")
    assert resp.status_code == 401, resp.status_code
