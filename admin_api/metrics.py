"""Prometheus metrics of the admin API (served at ``/metrics`` by ``api/routes/metrics.py``).

Request latency is labelled by route template (``/api/v1/faq/{entry_id}``), never by the raw
path: one series per route, however many entries or probing URLs there are. Requests that match
no route share the label ``unmatched``.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# From 5 ms (a cached read) to 30 s (the largest import the limits allow).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUEST_SECONDS = Histogram(
    "infomigra_http_request_duration_seconds",
    "Admin API request latency, by method, route template and status code",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS)
REDIS_ERRORS = Counter(
    "infomigra_redis_errors_total",
    "Admin API requests refused (503) because Redis could not be reached")


class RequestMetrics:
    """Times every HTTP request into ``REQUEST_SECONDS`` (plain ASGI, like SecurityHeaders)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_SECONDS.labels(method=scope.get("method", ""), route=template,
                                   status=str(status)).observe(time.perf_counter() - start)
