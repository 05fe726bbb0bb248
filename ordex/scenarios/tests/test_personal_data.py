"""Personal data never leaves the API unmasked for a role without the right to it.

The table is every operation of the OpenAPI document (so a new endpoint is covered the day it is added)
times every role, against cases whose generated text (titles, findings, timeline, facts, the incident)
was written about a customer's phone, name, street, IP and email, a customer's own message quoting them,
and an agent's note. Roles with the right must see the data somewhere, which proves the table reaches it."""

import json
import re

import pytest

from ordex.accounts.access import PERSONAL_DATA_ROLES
from ordex.accounts.models import Role
from ordex.api import api

from .kit import API, addr, env, order, reported, t

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
NAME = "欧阳李四"
STREET = "文三路478号华星时代广场A座1203室"
IP = "203.0.113.77"
EMAIL = "lisi.ouyang@example.com"
BAD_PHONE = "1398765432"  # ten digits: invalid, so customer_info_error quotes it in its summary
PERSONAL = (PHONE, NAME, STREET, IP, EMAIL, BAD_PHONE)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _customer_order(no, at, phone_no=PHONE):
    created = order(no, at, phone_no=phone_no, address=addr(detail=STREET), name=NAME, buyer_ip=IP)
    created["data"]["customer"]["email"] = EMAIL
    created["data"]["address"]["name"] = NAME
    return created


@pytest.fixture
def cases(desk):
    """Cases about the customer: malicious orders (phone and IP in summary, title and incident), an invalid
    phone (customer_info_error quotes it), a complaint quoting the customer's own message."""
    events = [_customer_order(f"PD-{n}", t(minutes=n)) for n in range(5)]
    events.append(_customer_order("PD-BAD", t(minutes=6), phone_no=BAD_PHONE))
    events.append(reported("PD-0", "complaint", t(minutes=20),
                           f"我是{NAME}，电话{PHONE}，邮箱{EMAIL}，地址{STREET}，东西坏了"))
    desk.push_ok(*events)
    desk.scan(t(hours=3))
    wanted = ("malicious_orders", "customer_info_error", "complaint")
    found = [next(c for c in desk.cases() if c["type"] == kind) for kind in wanted]
    note = desk.supervisor.post(f"{API}/cases/{found[0]['id']}/notes", {"text": f"客户{NAME}来电 {PHONE}"})
    assert note.status_code == 201
    return found


def operations():
    schema = api.get_openapi_schema()
    return [(method.upper(), path, spec) for path, item in schema["paths"].items() for method, spec in item.items()]


def _sample(schema, components):
    """A value the request schema accepts, as plainly as possible."""
    if "$ref" in schema:
        return _sample(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        return _sample(schema["anyOf"][0], components)
    kind = schema.get("type")
    if kind == "object":
        return {name: _sample(prop, components) for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    return {"string": "x", "integer": 1, "number": 1, "boolean": False, "array": []}.get(kind)


# Bodies that reach the interesting path of an operation (the rest get a generated minimal body).
BODIES = {
    ("POST", "/api/v1/cases/{case_id}/transitions"): {"to": "triaged"},
    ("POST", "/api/v1/cases/{case_id}/assign"): {"auto": True},
    ("POST", "/api/v1/cases/{case_id}/severity"): {"severity": "P2"},
    ("POST", "/api/v1/cases/{case_id}/choice"): {},
    ("POST", "/api/v1/cases/{case_id}/notes"): {"text": "回访"},
    ("POST", "/api/v1/cases"): {"type": "complaint", "summary": "来电", "order_no": "PD-1"},
    ("POST", "/api/v1/incidents/{incident_id}/bulk"): {"action": "note", "text": "批量跟进"},
    ("POST", "/api/v1/events"): {"events": [env("order.updated", t(hours=1), {"order_no": "PD-1"})]},
}


def _call(client, method, path, spec, params):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import MULTIPART_CONTENT

    url = re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), path)
    query = {p["name"]: params[p["name"]] for p in spec.get("parameters", [])
             if p["in"] == "query" and p["name"] in params}
    content = (spec.get("requestBody") or {}).get("content", {})
    if method == "GET":
        return client.get(url, query)
    if "multipart/form-data" in content:
        upload = {"file": SimpleUploadedFile("photo.png", PNG, "image/png"), "note": "照片"}
        return client.post(url, upload, content_type=MULTIPART_CONTENT)
    if "application/x-www-form-urlencoded" in content:
        return client.post(url, "param=%7B%7D", content_type="application/x-www-form-urlencoded")
    body = BODIES.get((method, path))
    if body is None:
        schema = content.get("application/json", {}).get("schema", {})
        body = _sample(schema, api.get_openapi_schema()["components"]["schemas"]) if schema else {}
    return getattr(client, method.lower())(url, body)


ROLES = [*Role.values, "anonymous"]


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_shows_a_role_without_the_right_any_unmasked_personal_data(desk, api_as, cases, role):
    from conftest import ApiClient
    from ordex.orders.models import Customer

    params = {"order_no": "PD-0", "customer_id": Customer.objects.filter(phone=PHONE).first().pk,
              "incident_id": next(c["incident_id"] for c in cases if c["incident_id"]), "code": "malicious_orders",
              "position": 1, "evidence_id": 1, "notification_id": 1, "action_id": 1, "shop_code": "tb-main", "backfill": "bf-1",
              "phone": PHONE, "limit": 200}
    may_see = role in PERSONAL_DATA_ROLES
    seen = []
    for case in cases:
        client = ApiClient(None) if role == "anonymous" else api_as(role, department=case["department"])
        for method, path, spec in operations():
            resp = _call(client, method, path, spec, {**params, "case_id": case["id"]})
            assert resp.status_code < 500, (method, path, resp.status_code, resp.content[:300])
            # JSON escapes non-ASCII text: compare the decoded body.
            text = json.dumps(resp.json(), ensure_ascii=False) if resp.content else ""
            leaked = [value for value in PERSONAL if value in text]
            if may_see:
                seen += leaked
            else:
                assert not leaked, (role, method, path, leaked, text[:600])
    if may_see:
        assert set(PERSONAL) - {IP, EMAIL} <= set(seen), (role, set(PERSONAL) - set(seen))


def test_the_table_covers_every_operation_of_the_openapi_document():
    paths = {path for _, path, _ in operations()}
    assert {"/api/v1/cases/{case_id}", "/api/v1/orders/{order_no}", "/api/v1/incidents/{incident_id}"} <= paths
    assert len(operations()) >= 20
