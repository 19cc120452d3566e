"""The error envelope and the response documentation shared by every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. precondition_failed")
    message: str = Field(description="What went wrong, written for a person")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="Specifics: 'problems' (where, field, message) for refused input, "
                    "'current_version' after a lost race, ...")


class ErrorResponse(BaseModel):
    error: ErrorBody


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _doc("No key, or a key that is unknown or revoked"),
    403: _doc("The key's role does not allow this"),
    429: _doc("Too many wrong keys from this address; see Retry-After"),
    503: _doc("Redis cannot be reached"),
}
Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: _doc("No such entry, version or cluster")}
INVALID: Responses = {422: _doc("The input was refused; details.problems lists every reason")}
CONCURRENCY: Responses = {
    412: _doc("If-Match names a version that is no longer current; nothing was written"),
    428: _doc("If-Match is required (the ETag of the version you edited)"),
}
