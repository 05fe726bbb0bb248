"""The HTTP API at /api/v1/. Each app contributes a router; every endpoint is authenticated."""

from importlib import import_module

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from ordex.accounts.auth import api_auth
from ordex.core.error_codes import http_status
from ordex.core.errors import DomainError

api = NinjaAPI(
    title="Ordex API",
    version="1",
    description="Order exception desk. Authenticate with `Authorization: Bearer <token>` (see `ordex token create`).",
    auth=api_auth,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=http_status(exc.code, type(exc)))


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "error": "missing or invalid credentials"},
        status=http_status("unauthenticated"),
    )


@api.exception_handler(ValidationError)
def invalid_request(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "form", "payload")]
    return api.create_response(
        request,
        {"code": "invalid", "error": first.get("msg", "invalid request"), "field": ".".join(loc) or None,
         "errors": exc.errors},
        status=http_status("invalid"),
    )


for module_path in ("ordex.ingest.api", "ordex.orders.api", "ordex.cases.api", "ordex.detection.api"):
    api.add_router("/", import_module(module_path).router)
