"""Every error the HTTP API answers is JSON in one shape, `{"code", "error", "field"}`: the API's own
handlers write it, and this middleware rewrites the pages Django produces outside them (an unknown path's
404, a wrong method's 405, a malformed request's 400) for paths under the API.

It also refuses text holding a NUL character (PostgreSQL cannot store one) in the query string or a JSON or
form body with a 422 before any view runs — except on the inbound contract's batch endpoint, where such a
value rejects only the event that carries it."""

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from .error_codes import http_status

API_PREFIX = "/api/"
PER_EVENT_PATHS = frozenset({"/api/v1/events"})
_NUL_IN_BODY = {"application/json": b"\\u0000", "application/x-www-form-urlencoded": b"%00"}

# The code of each client error Django answers on its own (ordex/core/error_codes.py gives each its status).
CODES = {
    http_status("bad_request"): "bad_request",
    http_status("forbidden"): "forbidden",
    http_status("not_found"): "not_found",
    http_status("method_not_allowed"): "method_not_allowed",
    http_status("body_too_large"): "body_too_large",
}


def error_body(status: int, message: str | None = None, code: str | None = None, field: str | None = None) -> dict:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
    return {"code": code or CODES.get(status, "bad_request"), "error": message or phrase, "field": field}


class JsonApiErrors:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            refused = _refuse_nul(request)
            if refused is not None:
                return refused
        response = self.get_response(request)
        # Client errors only: a 5xx is a bug (Schemathesis fails the build on any), not a promised answer.
        if (400 <= response.status_code < 500 and request.path.startswith(API_PREFIX)
                and not response.get("Content-Type", "").startswith("application/json")):
            replacement = JsonResponse(error_body(response.status_code), status=response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


def _refuse_nul(request) -> JsonResponse | None:
    if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
        where = "query"
    elif request.path in PER_EVENT_PATHS:
        return None
    else:
        marker = _NUL_IN_BODY.get(request.content_type)
        try:
            where = "body" if marker is not None and marker in request.body else None
        except RequestDataTooBig:
            return None  # the view answers 413
    if where is None:
        return None
    return JsonResponse(error_body(http_status("invalid"), "text must not contain NUL characters", code="invalid",
                                   field=where), status=http_status("invalid"))
