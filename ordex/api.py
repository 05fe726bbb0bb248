"""The HTTP API at /api/v1/. Each app contributes a router; every endpoint is authenticated."""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer

from ordex.accounts.access import mask_personal_data
from ordex.accounts.auth import api_auth
from ordex.core.error_codes import http_status
from ordex.core.errors import DomainError


class MaskingRenderer(JSONRenderer):
    """Every JSON response passes here: a caller without the right to personal data (finance, integrations,
    anyone unauthenticated) gets phones, names, streets, IPs and emails masked wherever they appear."""

    def render(self, request, data, *, response_status):
        return super().render(request, mask_personal_data(data, getattr(request, "auth", None)),
                              response_status=response_status)


api = NinjaAPI(
    title="Ordex API",
    version="1",
    description="Order exception desk. Authenticate with `Authorization: Bearer <token>` (see `ordex token create`).",
    auth=api_auth,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    renderer=MaskingRenderer(),
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=http_status(exc.code, type(exc)))


@api.exception_handler(RequestDataTooBig)
def body_too_large(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return api.create_response(
        request, {"code": "body_too_large", "error": f"the request body is larger than {limit} MB", "field": None},
        status=http_status("body_too_large"),
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = api.create_response(
        request, {"code": "unauthenticated", "error": "missing or invalid credentials", "field": None},
        status=http_status("unauthenticated"),
    )
    response["WWW-Authenticate"] = 'Bearer realm="ordex"'
    return response


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


for module_path in ("ordex.ingest.api", "ordex.orders.api", "ordex.cases.api", "ordex.detection.api",
                    "ordex.resolutions.api", "ordex.notify.api"):
    api.add_router("/", import_module(module_path).router)
