"""The one JSON API (`/api/v1/`): authentication, error format, and each app's router."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from concord.core.api import router as core_router
from concord.core.markings import MarkingError
from concord.core.models import ApiToken, User, hash_token
from concord.core.queries import token_user
from concord.crisis.api import router as crisis_router
from concord.cyber.api import router as cyber_router
from concord.designations.api import router as designations_router
from concord.designations.records import ImportRejected
from concord.operations.api import router as operations_router

_TOUCH_EVERY = timedelta(minutes=5)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cnc_…` with a per-user token, looked up by its hash."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        now = timezone.now()
        user = token_user(token_hash=hash_token(token), stale_before=now - _TOUCH_EVERY)
        if user is None:
            return None
        if user.api_token_stale:  # type: ignore[attr-defined]
            # At most one write per token every few minutes: reads stay reads.
            ApiToken.objects.filter(pk=user.api_token_id).update(  # type: ignore[attr-defined]
                last_used_at=now
            )
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Browser session with CSRF; inactive users are refused."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if isinstance(user, User) and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="Concord API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), ActiveSessionAuth()],
    docs_decorator=login_required,
)


def _error(
    request: HttpRequest, detail: str, status: int, errors: list[object] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, "invalid request", 422, list(exc.errors))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, "authentication required", 401)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, str(exc) or "forbidden", 403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, "not found", 404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, str(exc), exc.status_code)


@api.exception_handler(DjangoValidationError)
def on_domain_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _error(request, "; ".join(exc.messages), 400, [{"msg": m} for m in exc.messages])


@api.exception_handler(ImportRejected)
def on_import_rejected(request: HttpRequest, exc: ImportRejected) -> HttpResponse:
    errors: list[object] = [
        {"file": p.file, "line": p.line, "column": p.column, "msg": p.reason} for p in exc.problems
    ]
    return _error(request, f"file refused: {len(exc.problems)} problem(s)", 400, errors)


@api.exception_handler(MarkingError)
def on_marking_error(request: HttpRequest, exc: MarkingError) -> HttpResponse:
    return _error(request, str(exc), 400)


api.add_router("/", core_router)
api.add_router("/designations", designations_router)
api.add_router("/cyber", cyber_router)
api.add_router("/operations", operations_router)
api.add_router("/crisis", crisis_router)
