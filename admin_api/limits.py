"""Request bodies are capped before they are read: 413 instead of memory.

A plain ASGI middleware, outside everything else, so no route, form parser or dependency ever
holds more than the cap. A body that declares its length (Content-Length) is refused at once,
unread. A chunked body is counted as it streams in and refused the moment it passes the cap;
the route reading it sees a 413 error instead of the rest of the body.

The connection is not closed after the 413: closing a socket with unread data makes the kernel
send a reset, and many clients then lose the answer. uvicorn reads and drops the rest of the
body instead (a fixed 64 KiB buffer), so memory stays flat however much a client sends.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return (f"The request body is larger than this endpoint accepts ({limit:,} bytes); nothing "
            "was read or changed.")


class BodyLimit:
    """``max_bytes`` for every request, or the limit ``routes`` gives its exact path."""

    def __init__(self, app: ASGIApp, *, max_bytes: int,
                 routes: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.routes = dict(routes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.routes.get(scope.get("path", ""), self.max_bytes)
        declared = _content_length(scope)
        if declared == -1 or (declared is not None and declared > limit):
            if declared == -1:
                response = error_response(400, "The Content-Length header is not a number.")
            else:
                response = error_response(413, too_large_message(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
            return length if length >= 0 else -1
    return None
