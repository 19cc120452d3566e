"""One error shape for every refusal: ``{"error": {"code", "message", "details"}}``.

Staff tools and the dashboard show ``message`` as it is, so it is written for a person; ``code``
is for programs; ``details`` carries the specifics (the problems of a refused entry, the current
version after a lost race). No stack trace ever leaves the process: unexpected errors are logged
here and the client is told only that something went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from faq.exchange import ExchangeError, Problem, plain_message, validation_problems
from faq.store import EntryNotFound, VersionConflict

from .metrics import REDIS_ERRORS

log = logging.getLogger(__name__)

REDIS_RETRY_AFTER = "5"
# A refusal lists this many problems and counts the rest: a person reads the first few, and a
# 2 MB file of bad rows must not come back as a 48 MB answer.
MAX_LISTED_PROBLEMS = 100
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
          411: "length_required", 412: "precondition_failed", 413: "payload_too_large",
          415: "unsupported_media_type", 422: "validation_failed",
          428: "precondition_required", 429: "too_many_requests", 500: "internal_error",
          503: "service_unavailable"}
_LOCATIONS = {"query": "query parameter", "path": "path", "header": "header",
              "cookie": "cookie"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, code: str | None = None,
                 details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.details = details or {}
        self.headers = headers


def error_body(code: str, message: str, details: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(status: int, message: str, *, code: str | None = None,
                   details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code or _CODES.get(status, "error"), message, details),
                        status_code=status, headers=headers)


def problems_response(problems: Sequence[Problem], *, intro: str = "Not saved") -> JSONResponse:
    """422 listing the first ``MAX_LISTED_PROBLEMS`` problems and counting all of them; the
    message repeats the first so a person sees it at once."""
    listed = [p.as_dict() for p in problems[:MAX_LISTED_PROBLEMS]]
    first = str(problems[0]) if problems else "the request is not valid"
    others = len(problems) - 1
    more = f" (and {others:,} more problem{'s' if others > 1 else ''})" if others else ""
    details: dict[str, Any] = {"problems": listed, "problem_count": len(problems)}
    if len(problems) > len(listed):
        details["not_listed"] = len(problems) - len(listed)
    return error_response(422, f"{intro}: {first}{more}.", code="validation_failed",
                          details=details)


def request_problems(exc: RequestValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        source = str(loc[0]) if loc else "body"
        rest = [str(p) for p in loc[1:]]
        kind = err.get("type", "")
        if source == "body" and kind == "json_invalid":
            problems.append(Problem("body", "", "the body is not valid JSON"))
            continue
        if source == "body" and not rest and kind == "missing":
            problems.append(Problem("body", "", "a JSON body is required"))
            continue
        where = _LOCATIONS.get(source, "")
        problems.append(Problem(where, ".".join(rest), plain_message(err)))
    return problems


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, code=exc.code, details=exc.details,
                          headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and message == "Not Found":
        message = f"There is nothing at {request.url.path}."
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    return error_response(status, message, headers=getattr(exc, "headers", None))


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problems_response(request_problems(exc), intro="The request was not accepted")


async def _model_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    return problems_response(validation_problems(exc))


async def _exchange_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ExchangeError)
    return problems_response(exc.problems)


async def _redis_down(request: Request, exc: Exception) -> JSONResponse:
    """503; the outage is logged once per episode (``RedisOutage``), not once per request."""
    REDIS_ERRORS.inc()
    state = getattr(request.app.state, "api", None)
    outage = getattr(state, "outage", None)
    if outage is not None:
        outage.failed(exc, f"{request.method} {request.url.path}")
    else:
        log.error("Redis unreachable while serving %s (%s)", request.method,
                  type(exc).__name__)
    return error_response(503, "The FAQ database (Redis) cannot be reached right now. Nothing "
                               "was changed; please try again in a moment.",
                          code="redis_unavailable", headers={"Retry-After": REDIS_RETRY_AFTER})


async def _version_conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VersionConflict)
    return error_response(
        412, f"Entry {exc.entry_id!r} was changed by someone else (it is now at version "
             f"{exc.current}); nothing was saved. Reload it, redo your change and save again.",
        details={"entry": exc.entry_id, "current_version": exc.current,
                 "your_version": exc.expected},
        headers={"ETag": f'"{exc.current}"'})


async def _entry_missing(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EntryNotFound)
    return error_response(404, f"There is no FAQ entry {exc.entry_id!r}.",
                          details={"entry": exc.entry_id})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error serving %s %s", request.method, request.url.path)
    return error_response(500, "Something went wrong on the server. It has been logged; "
                               "please try again or tell the administrator.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(ValidationError, _model_invalid)
    app.add_exception_handler(ExchangeError, _exchange_invalid)
    app.add_exception_handler(RedisConnectionError, _redis_down)
    app.add_exception_handler(RedisTimeoutError, _redis_down)
    app.add_exception_handler(VersionConflict, _version_conflict)
    app.add_exception_handler(EntryNotFound, _entry_missing)
    app.add_exception_handler(Exception, _unexpected)
