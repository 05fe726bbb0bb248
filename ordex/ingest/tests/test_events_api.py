import pytest

from ordex.ingest.api import EventBatchOut
from ordex.orders.models import Order

from .events import order_created, order_paid

pytestmark = pytest.mark.django_db


def test_integration_pushes_a_batch_and_gets_one_result_per_event(api_as):
    bad = order_paid(id="e3")
    bad["occurred_at"] = "2026-11-01T10:20:00"
    response = api_as("integration").post("/api/v1/events", {"events": [order_created(id="e1"), order_paid(id="e2"), bad]})
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [
        {"id": "e1", "status": "applied", "error": None, "field": None},
        {"id": "e2", "status": "applied", "error": None, "field": None},
        {"id": "e3", "status": "rejected", "error": "time must carry a UTC offset, e.g. +08:00", "field": "occurred_at"},
    ]
    assert (body["applied"], body["duplicate"], body["rejected"]) == (2, 0, 1)
    assert Order.objects.get().status == "paid"
    assert response["Content-Type"] == "application/json"
    assert EventBatchOut.model_validate(body).model_dump() == body  # exactly the documented shape


def test_more_than_1000_events_is_413_naming_the_limit(api_as):
    events = [order_paid(id=f"p{i}") for i in range(1001)]
    response = api_as("integration").post("/api/v1/events", {"events": events})
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert "1000" in response.json()["error"]


def test_events_need_a_token(anonymous_api):
    response = anonymous_api.post("/api/v1/events", {"events": [order_created()]})
    assert response.status_code == 401
    assert not Order.objects.exists()


def test_a_revoked_or_wrong_token_is_refused(api_as):
    client = api_as("integration")
    client.token = client.token + "x"
    assert client.post("/api/v1/events", {"events": [order_created()]}).status_code == 401


def test_agents_cannot_push_events(api_as):
    response = api_as("agent").post("/api/v1/events", {"events": [order_created()]})
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_openapi_schema_is_served_and_lists_the_events_endpoint(anonymous_api):
    response = anonymous_api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/events" in response.json()["paths"]
