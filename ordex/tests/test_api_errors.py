"""No 500 for anyone: hostile or careless requests get a 4xx, and every error of the API is JSON in one
shape, `{"code", "error", "field"}`."""

import pytest
from django.test import Client, override_settings

HUGE = str(2**64)


def assert_error_shape(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "error", "field"}
    return body


@pytest.mark.django_db
@override_settings(ORDEX_KUAIDI100_SALT="salt", ORDEX_AFTERSHIP_SECRET="secret")
def test_non_ascii_carrier_signatures_are_refused_with_401_not_500():
    client = Client(raise_request_exception=False)
    kuaidi100 = client.post("/api/v1/integrations/kuaidi100", {"param": "{}", "sign": "é"})
    assert assert_error_shape(kuaidi100, 401)["code"] == "bad_signature"
    aftership = client.post("/api/v1/integrations/aftership", b"{}", content_type="application/json",
                            HTTP_AFTERSHIP_HMAC_SHA256="é")
    assert assert_error_shape(aftership, 401)["code"] == "bad_signature"


@pytest.mark.parametrize("path", [
    f"/api/v1/cases?offset={HUGE}",
    f"/api/v1/cases?incident={HUGE}",
    f"/api/v1/incidents?offset={HUGE}",
    f"/api/v1/orders?phone=13800000000&offset={HUGE}",
    f"/api/v1/cases/{HUGE}",
    f"/api/v1/incidents/{HUGE}",
    f"/api/v1/customers/{HUGE}/history",
])
def test_integers_beyond_the_columns_are_a_422(api_as, path):
    client = api_as("admin")
    client.raise_request_exception = False
    assert assert_error_shape(client.get(path), 422)["code"] == "invalid"


def test_a_body_over_the_limit_is_a_json_413(api_as):
    client = api_as("integration")
    client.raise_request_exception = False
    body = b'{"events": [' + b" " * (25 * 1024 * 1024) + b"]}"
    response = client.generic("POST", "/api/v1/events", body, content_type="application/json",
                              HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert assert_error_shape(response, 413)["code"] == "body_too_large"


def test_unknown_api_paths_are_a_json_404(api_as):
    client = api_as("admin")
    assert assert_error_shape(client.get("/api/v1/no-such-thing"), 404)["code"] == "not_found"
    assert assert_error_shape(client.get("/api/v1/cases/1/no-such-thing"), 404)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(api_as):
    response = api_as("admin").delete("/api/v1/cases")
    assert assert_error_shape(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_domain_errors_always_carry_the_field_key(api_as):
    body = assert_error_shape(api_as("admin").get("/api/v1/cases/999999"), 404)
    assert body["field"] is None


def test_nul_characters_in_query_or_body_are_a_422(api_as):
    client = api_as("admin")
    assert assert_error_shape(client.get("/api/v1/cases?department=a%00b"), 422)["field"] == "query"
    response = client.post("/api/v1/cases", {"type": "complaint", "summary": "a\x00b"})
    assert assert_error_shape(response, 422)["field"] == "body"
