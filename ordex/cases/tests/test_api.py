"""The case API: queue filters and shape, visibility per department, masking, refusals with stable codes,
uploads, incidents with bulk actions, and a pinned query count on the queue."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT
from django.utils import timezone

from conftest import ApiClient
from ordex.accounts.access import principal_for_user
from ordex.cases import actions
from ordex.cases.choices import CaseStatus
from ordex.cases.models import Case, Evidence, Incident, TimelineEntry

from .conftest import sh

FOUND = sh(2026, 11, 23, 10)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def finding(order=None, type_code="out_of_stock", **kwargs):
    kwargs.setdefault("found_at", FOUND)
    return actions.record_finding(type_code=type_code, summary="short", facts={}, rule_code="r1", order=order,
                                  **kwargs).case


@pytest.fixture
def warehouse_api(api_as, dave):
    return api_as("warehouse", user=dave, department="warehouse")


@pytest.fixture
def supervisor_api(api_as, bob):
    return api_as("supervisor", user=bob)


def test_queue_lists_items_with_the_documented_fields(supervisor_api, make_order):
    a, b = make_order("A-1"), make_order("A-2")
    case = finding(a, orders=[b])
    response = supervisor_api.get("/api/v1/cases")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == case.pk and item["type"] == "out_of_stock"
    assert item["order_no"] == "A-1" and item["order_nos"] == ["A-1", "A-2"]
    assert (item["status"], item["severity"], item["department"], item["assignee"]) == ("new", "p2", "warehouse", None)
    assert item["escalation_level"] == 0
    assert item["opened_at"].startswith("2026-11-23T02:00:00")
    assert set(item["sla"]) >= {"response_due", "resolve_due", "paused", "breached"}


def test_queue_filters(supervisor_api, make_order, bob, dave):
    stock = finding(make_order("S-1"))
    price = finding(make_order("P-1"), type_code="price_error", incident_key="SKU-9")
    linked = finding(make_order("L-1"), type_code="quality_issue", orders=[make_order("L-2")], found_at=sh(2026, 11, 1))
    actions.assign(stock.pk, actor=principal_for_user(bob), user_id=dave.pk)
    actions.evaluate_sla(sh(2026, 11, 23, 19))  # the stock and quality cases breach; price_error is p1 too

    def ids(**params):
        response = supervisor_api.get("/api/v1/cases", params)
        assert response.status_code == 200, response.json()
        return sorted(item["id"] for item in response.json()["items"])

    assert ids(type="price_error") == [price.pk]
    assert ids(department="warehouse") == [stock.pk]
    assert ids(assignee="dave") == [stock.pk]
    assert ids(assignee="none") == sorted([price.pk, linked.pk])
    assert ids(order_no="L-2") == [linked.pk]
    assert ids(order_no="S-1") == [stock.pk]
    assert ids(incident=price.incident_id) == [price.pk]
    assert ids(opened_from="2026-11-20T00:00:00+08:00") == sorted([stock.pk, price.pk])
    assert ids(opened_to="2026-11-20T00:00:00+08:00") == [linked.pk]
    assert ids(status="open") == sorted([stock.pk, price.pk, linked.pk])
    assert ids(status="resolved,closed") == []
    assert ids(breached="true") == sorted([stock.pk, price.pk, linked.pk])
    assert ids(severity="p1") == [price.pk]
    assert ids(escalation_level=2) == sorted([stock.pk, price.pk, linked.pk])


def test_my_open_cases_by_deadline(warehouse_api, make_order, bob, dave):
    late = finding(make_order(), found_at=sh(2026, 11, 23, 12))
    early = finding(make_order(), found_at=sh(2026, 11, 23, 9))
    for case in (late, early):
        actions.assign(case.pk, actor=principal_for_user(bob), user_id=dave.pk)
    response = warehouse_api.get("/api/v1/cases", {"assignee": "me", "status": "open"})
    assert [item["id"] for item in response.json()["items"]] == [early.pk, late.pk]


def test_department_staff_see_only_their_departments_cases(api_as, make_order, alice):
    warehouse_case = finding(make_order())
    service_case = finding(make_order(), type_code="customer_info_error")
    agent_api = api_as("agent", user=alice)
    response = agent_api.get("/api/v1/cases")
    assert [item["id"] for item in response.json()["items"]] == [service_case.pk]
    assert agent_api.get(f"/api/v1/cases/{warehouse_case.pk}").json()["code"] == "case_not_found"


def test_personal_data_is_masked_for_roles_without_the_right(api_as, make_order, erin):
    case = finding(make_order(phone="13912345678"), type_code="payment_mismatch")
    finance = api_as("finance", user=erin).get(f"/api/v1/cases/{case.pk}").json()
    supervisor = api_as("supervisor").get(f"/api/v1/cases/{case.pk}").json()
    assert finance["order"]["phone"] == "139****5678"
    assert "人民大道" not in finance["order"]["address"]
    assert supervisor["order"]["phone"] == "13912345678"
    assert "人民大道100号" in supervisor["order"]["address"]


def test_case_page_shows_steps_timeline_and_evidence(supervisor_api, order):
    case = finding(order)
    body = supervisor_api.get(f"/api/v1/cases/{case.pk}").json()
    assert [step["position"] for step in body["steps"]] == [1, 2, 3, 4, 5]
    assert body["timeline"][0]["kind"] == "opened"
    assert body["evidence"][0]["rule_code"] == "r1"
    assert body["allowed_resolutions"] == ["wait_restock", "partial_shipment", "substitute", "refund"]


def test_transition_endpoint_refuses_an_illegal_move_with_409_and_code(warehouse_api, order):
    case = finding(order)
    response = warehouse_api.post(f"/api/v1/cases/{case.pk}/transitions", {"to": "closed"})
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_resolving_with_an_open_required_step_answers_409_naming_it(warehouse_api, order):
    case = finding(order)
    warehouse_api.post(f"/api/v1/cases/{case.pk}/transitions", {"to": "in_progress"})
    response = warehouse_api.post(f"/api/v1/cases/{case.pk}/transitions", {"to": "resolved", "resolution": "refund"})
    assert response.status_code == 409
    assert response.json()["code"] == "required_step_open"
    assert response.json()["field"] == "steps.1"


def test_working_a_case_through_the_api(warehouse_api, order, dave):
    case = finding(order)
    base = f"/api/v1/cases/{case.pk}"
    assert warehouse_api.post(f"{base}/assign", {"user_id": dave.pk}).status_code == 200
    assert warehouse_api.post(f"{base}/transitions", {"to": "triaged"}).status_code == 200
    assert warehouse_api.post(f"{base}/steps/1", {"note": "none elsewhere"}).status_code == 200
    assert warehouse_api.post(f"{base}/notes", {"text": "called supplier"}).status_code == 201
    body = warehouse_api.post(f"{base}/choice", {"options": ["wait_restock", "refund"]}).json()
    assert body["status"] == "waiting_customer" and body["choice"]["status"] == "open"
    body = warehouse_api.post(f"{base}/choice", {"chosen": "refund"}).json()
    assert body["status"] == "in_progress" and body["chosen_resolution"] == "refund"
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert {"assignment", "transition", "step", "note", "choice_offered", "choice_recorded"} <= set(kinds)


def test_other_departments_cannot_act_on_a_case(api_as, order, alice):
    case = finding(order)
    response = api_as("supervisor").get(f"/api/v1/cases/{case.pk}")
    assert response.status_code == 200
    response = api_as("agent", user=alice).post(f"/api/v1/cases/{case.pk}/notes", {"text": "hi"})
    assert response.status_code == 404
    assert TimelineEntry.objects.filter(case=case).count() == 1


def test_manual_case_from_a_phone_call(api_as, alice, order):
    response = api_as("agent", user=alice).post(
        "/api/v1/cases", {"type": "complaint", "summary": "客户来电投诉包装破损", "order_no": order.order_no,
                          "details": "电话 10:02"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["type"], body["department"], body["opened_by_rule"]) == ("complaint", "customer_service", "manual")


def test_a_second_manual_case_for_the_order_and_type_adds_to_the_open_one(api_as, alice, order):
    client = api_as("agent", user=alice)
    first = client.post("/api/v1/cases", {"type": "complaint", "summary": "客户来电", "order_no": order.order_no})
    again = client.post("/api/v1/cases", {"type": "complaint", "summary": "客户再次来电", "order_no": order.order_no,
                                          "details": "第二次"})
    assert (first.status_code, again.status_code) == (201, 200), again.json()
    assert again.json()["id"] == first.json()["id"]
    assert [e["summary"] for e in again.json()["evidence"]] == ["客户来电", "客户再次来电"]
    assert "finding" in [entry["kind"] for entry in again.json()["timeline"]]
    assert Case.objects.count() == 1


def close(case_id, days_ago):
    ended = timezone.now() - timedelta(days=days_ago)
    Case.objects.filter(pk=case_id).update(status=CaseStatus.CLOSED, ended_at=ended, closed_at=ended)


def test_a_manual_case_after_the_first_was_closed_reopens_it_within_15_days(api_as, alice, order):
    client = api_as("agent", user=alice)
    case_id = client.post("/api/v1/cases", {"type": "complaint", "summary": "客户来电",
                                            "order_no": order.order_no}).json()["id"]
    close(case_id, days_ago=14)
    again = client.post("/api/v1/cases", {"type": "complaint", "summary": "又来电", "order_no": order.order_no})
    assert (again.status_code, again.json()["id"], again.json()["status"]) == (200, case_id, "reopened")
    assert TimelineEntry.objects.filter(case_id=case_id, to_status=CaseStatus.REOPENED).exists()

    close(case_id, days_ago=16)
    later = client.post("/api/v1/cases", {"type": "complaint", "summary": "半月后", "order_no": order.order_no})
    assert later.status_code == 201 and later.json()["id"] != case_id


def test_manual_case_for_an_unknown_order_is_refused(api_as, alice):
    response = api_as("agent", user=alice).post("/api/v1/cases", {"type": "complaint", "summary": "x", "order_no": "NOPE"})
    assert (response.status_code, response.json()["code"]) == (404, "order_not_found")
    assert not Case.objects.exists()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ORDEX_EVIDENCE_MAX_BYTES = 1024
    return tmp_path


def upload(client, case, name, content, content_type):
    return client.post(f"/api/v1/cases/{case.pk}/evidence",
                       {"file": SimpleUploadedFile(name, content, content_type=content_type), "note": "photo"},
                       content_type=MULTIPART_CONTENT)


def test_evidence_upload_accepts_images_and_pdfs(warehouse_api, order, media):
    case = finding(order)
    for name, content, content_type in (("box.png", PNG, "image/png"), ("claim.pdf", PDF, "application/pdf")):
        response = upload(warehouse_api, case, name, content, content_type)
        assert response.status_code == 201, response.json()
    assert Evidence.objects.filter(case=case, kind="upload").count() == 2
    assert case.timeline.filter(kind="evidence").count() == 2


def test_evidence_too_large_is_413(warehouse_api, order, media):
    case = finding(order)
    response = upload(warehouse_api, case, "big.png", PNG + b"\x00" * 2048, "image/png")
    assert (response.status_code, response.json()["code"]) == (413, "evidence_too_large")
    assert not Evidence.objects.filter(kind="upload").exists()


def test_evidence_of_another_type_is_415(warehouse_api, order, media):
    case = finding(order)
    for name, content, content_type in (("x.exe", b"MZ" + b"\x00" * 10, "application/octet-stream"),
                                        ("fake.png", b"<html>", "image/png")):
        response = upload(warehouse_api, case, name, content, content_type)
        assert (response.status_code, response.json()["code"]) == (415, "unsupported_evidence_type")
    assert not Evidence.objects.filter(kind="upload").exists()


def test_evidence_is_judged_by_its_content_not_its_name_or_declared_type(warehouse_api, order, media):
    case = finding(order)
    polyglot = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"<html><script>alert(1)</script></html>"
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32
    for name, content, content_type in (("evil.html", polyglot, "image/png"), ("sound.webp", wav, "image/webp"),
                                        ("bare.png", b"\x89PNG\r\n\x1a\n" + b"<html>", "image/png")):
        response = upload(warehouse_api, case, name, content, content_type)
        assert (response.status_code, response.json()["code"]) == (415, "unsupported_evidence_type"), name
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
    response = upload(warehouse_api, case, "photo.bin", webp, "application/octet-stream")
    assert response.status_code == 201 and response.json()["content_type"] == "image/webp"


def test_evidence_is_stored_under_a_generated_name_and_downloaded_as_an_attachment(warehouse_api, order, media,
                                                                                    api_as):
    case = finding(order)
    created = upload(warehouse_api, case, "../../收据 evil.png.html", PNG, "image/png").json()
    stored = Evidence.objects.get(pk=created["id"])
    assert "evil" not in stored.file.name and stored.file.name.endswith(".png")
    response = warehouse_api.get(created["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert api_as("integration").get(created["url"]).status_code == 200  # integrations read every case
    other = api_as("agent", department="finance").get(created["url"])
    assert (other.status_code, other.json()["code"]) == (404, "case_not_found")
    assert ApiClient(None).get(created["url"]).status_code == 401


def test_incidents_list_create_update_and_bulk(supervisor_api, make_order, bob, dave):
    cases = [finding(make_order(), type_code="price_error", incident_key="SKU-9") for _ in range(2)]
    incident = Incident.objects.get()
    listed = supervisor_api.get("/api/v1/incidents").json()
    assert listed["count"] == 1 and listed["items"][0]["case_count"] == 2
    patched = supervisor_api.patch(f"/api/v1/incidents/{incident.pk}", {"owner_id": bob.pk, "status": "monitoring"})
    assert patched.json()["owner"] == "bob" and patched.json()["status"] == "monitoring"
    bulk = supervisor_api.post(f"/api/v1/incidents/{incident.pk}/bulk", {"action": "note", "text": "repriced"}).json()
    assert (bulk["succeeded"], bulk["failed"]) == (2, 0)
    for case in cases:
        assert case.timeline.filter(kind="note", message="repriced").exists()
    created = supervisor_api.post("/api/v1/incidents", {"type": "tracking_stalled", "key": "hub:杭州", "title": "杭州中转停滞"})
    assert created.status_code == 201
    duplicate = supervisor_api.post("/api/v1/incidents", {"type": "tracking_stalled", "key": "hub:杭州"})
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "incident_exists")


def test_only_supervisors_create_incidents(api_as, alice):
    response = api_as("agent", user=alice).post("/api/v1/incidents", {"type": "price_error", "key": "k"})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert not Incident.objects.exists()


def test_supervisor_reads_breach_notifications(supervisor_api, order, bob):
    finding(order)
    actions.evaluate_sla(sh(2026, 11, 24, 9))
    notes = supervisor_api.get("/api/v1/notifications", {"unread": True}).json()
    assert {n["kind"] for n in notes} == {"near_breach", "breach", "department_breach"}
    read = supervisor_api.post(f"/api/v1/notifications/{notes[0]['id']}/read").json()
    assert read["read_at"] is not None
    assert supervisor_api.post("/api/v1/notifications/read").json() == {"marked": 2}
    assert supervisor_api.get("/api/v1/notifications", {"unread": True}).json() == []


def test_queue_query_count_does_not_grow_with_the_page(supervisor_api, make_order, django_assert_max_num_queries):
    for n in range(3):
        finding(make_order(f"Q-{n}"), orders=[make_order(f"Q-{n}-b")])
    with django_assert_max_num_queries(5):
        small = supervisor_api.get("/api/v1/cases", {"limit": 3})
    for n in range(3, 30):
        finding(make_order(f"Q-{n}"), orders=[make_order(f"Q-{n}-b")])
    with django_assert_max_num_queries(5):
        large = supervisor_api.get("/api/v1/cases", {"limit": 30, "status": "open", "order_no": "Q-29-b"})
    with django_assert_max_num_queries(5):
        full = supervisor_api.get("/api/v1/cases", {"limit": 30})
    assert small.json()["count"] == 3 and large.json()["count"] == 1 and len(full.json()["items"]) == 30


def test_case_page_query_count_is_bounded(supervisor_api, order, django_assert_max_num_queries):
    case = finding(order)
    with django_assert_max_num_queries(12):
        assert supervisor_api.get(f"/api/v1/cases/{case.pk}").status_code == 200


def test_openapi_documents_the_case_endpoints(supervisor_api):
    paths = supervisor_api.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}/transitions", "/api/v1/cases/{case_id}/evidence",
                 "/api/v1/incidents/{incident_id}/bulk"):
        assert path in paths
