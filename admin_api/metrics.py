"""Prometheus metrics of the admin API (served at ``/metrics`` by ``api/routes/metrics.py``).

Request latency is labelled by route template (``/api/v1/faq/{entry_id}``), never by the raw
path: one series per route, however many entries or probing URLs there are. Requests that match
no route share the label ``unmatched``. The templates come from the app's OpenAPI paths (public
and stable across FastAPI versions, unlike where a router keeps its prefix); routes outside the
schema (the staff console) are labelled by their top-level prefix (``/console/*``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from prometheus_client import Counter, Histogram
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# From 5 ms (a cached read) to 30 s (the largest import the limits allow).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUEST_SECONDS = Histogram(
    "infomigra_http_request_duration_seconds",
    "Admin API request latency, by method, route template and status code",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS)
# Any token is a valid HTTP method: unknown ones share a label, so nobody can grow the registry.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REDIS_ERRORS = Counter(
    "infomigra_redis_errors_total",
    "Admin API requests refused (503) because Redis could not be reached")


class RouteTemplates:
    """The route template a path belongs to, from the schema's paths (compiled on first use)."""

    def __init__(self, paths: Callable[[], Iterable[str]]) -> None:
        self._paths = paths
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def __call__(self, scope: Scope) -> str:
        if self._compiled is None:
            self._compiled = [(compile_path(p)[0], p) for p in self._paths()]
        path = scope.get("path", "")
        for regex, template in self._compiled:
            if regex.match(path):
                return template
        if scope.get("route") is None:
            return "unmatched"
        # A route outside the schema (the console's pages): its top-level prefix, which keeps
        # the label set small whatever a router does with its own prefix.
        first, _, rest = path.strip("/").partition("/")
        return f"/{first}/*" if rest else f"/{first}"


class RequestMetrics:
    """Times every HTTP request into ``REQUEST_SECONDS`` (plain ASGI, like SecurityHeaders)."""

    def __init__(self, app: ASGIApp, *, templates: Callable[[Scope], str]) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope.get("method", "")
            REQUEST_SECONDS.labels(method=method if method in METHODS else "other",
                                   route=self.templates(scope), status=str(status)
                                   ).observe(time.perf_counter() - start)
