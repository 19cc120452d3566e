"""``/metrics``: the process's whole default Prometheus registry, in the text format.

Who may read it: with ``metrics_token`` set, whoever sends it as a bearer token; without one,
only this machine (a loopback peer that is not relaying for anyone: a request carrying
X-Forwarded-For from a proxy that is not trusted is refused, since it may come from anywhere).
The figures hold no personal data, but they say how busy the service is and how big the FAQ is.
It answers while the API still waits for Redis: that is when an operator wants to look.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from ...clients import client_address, is_loopback
from ...config import ApiConfig
from ...errors import ApiError

router = APIRouter(tags=["health"])


def _may_read(request: Request, config: ApiConfig) -> bool:
    if config.metrics_token:
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), config.metrics_token.encode())
    peer = request.client.host if request.client else None
    forwarded = request.headers.getlist("x-forwarded-for")
    client = client_address(peer, forwarded, config.trusted_proxies)
    relayed = bool(forwarded or request.headers.get("forwarded")) and client == peer
    return is_loopback(client) and not relayed


@router.get("/metrics", summary="Prometheus metrics (loopback only, or with the metrics token)",
            response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text"},
                       403: {"description": "Not from this machine and no token configured"}})
async def metrics(request: Request) -> Response:
    config: ApiConfig = request.app.state.api_config
    if not _may_read(request, config):
        if config.metrics_token:
            raise ApiError(401, "Send the metrics token: 'Authorization: Bearer <token>'.",
                           headers={"WWW-Authenticate": "Bearer"})
        raise ApiError(403, "/metrics is served only to this machine; to scrape it from "
                            "elsewhere, configure a metrics token (INFOMIGRA_METRICS_TOKEN).")
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
