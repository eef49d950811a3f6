"""Every API error as application/problem+json (RFC 9457): type, title, status, detail."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from masthead.core.ratelimit import RateLimited

PROBLEM_TYPE_BASE = "https://masthead.invalid/problems/"
logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}


class ApiProblem(Exception):
    """An answer other than success; `errors` lists the fields at fault, if any."""

    def __init__(self, status: int, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


def problem_response(
    status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None
) -> JsonResponse:
    title = TITLES.get(status, "Error")
    body: dict = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_errors(error: ValidationError) -> list[dict]:
    """Pydantic's errors as {field, message}: the location without ninja's "body"/"query" root."""
    fields = []
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ())]
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:]
        if location and location[0] == "payload":
            location = location[1:]
        fields.append({"field": ".".join(location) or "body", "message": str(item.get("msg"))})
    return fields


def install_handlers(api) -> None:
    """Register the problem handlers on a NinjaAPI."""

    @api.exception_handler(ApiProblem)
    def on_problem(request: HttpRequest, error: ApiProblem):
        return problem_response(error.status, error.detail, error.errors)

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, error: ValidationError):
        return problem_response(422, "Some fields are not valid.", _field_errors(error))

    @api.exception_handler(AuthenticationError)
    def on_authentication(request: HttpRequest, error: AuthenticationError):
        return problem_response(
            401,
            "Send a valid API key as “Authorization: Bearer mh_…”.",
            headers={"WWW-Authenticate": "Bearer"},
        )

    @api.exception_handler(AuthorizationError)
    def on_authorization(request: HttpRequest, error: AuthorizationError):
        return problem_response(403, "This key may not do this.")

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, error: HttpError):
        status = error.status_code if error.status_code in TITLES else 400
        detail = "The request body is not valid JSON." if status == 400 else str(error)
        return problem_response(status, detail)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, error: Http404):
        return problem_response(404, str(error) or "Not found.")

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, error: PermissionDenied):
        return problem_response(403, str(error) or "Not allowed.")

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, error: RequestDataTooBig):
        return problem_response(413, "The request body is too large.")

    @api.exception_handler(RateLimited)
    def on_rate_limited(request: HttpRequest, error: RateLimited):
        return problem_response(429, str(error), headers={"Retry-After": "60"})

    @api.exception_handler(Exception)
    def on_anything_else(request: HttpRequest, error: Exception):
        # Logged with its traceback for the operator; the caller learns nothing of the internals.
        logger.exception("API error on %s %s", request.method, request.path)
        return problem_response(500, "Something went wrong on our side. Please try again later.")
