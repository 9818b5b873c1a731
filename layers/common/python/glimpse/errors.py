"""Domain errors and the one mapping from an error to the HTTP error body of API.md."""

from __future__ import annotations

from typing import Any, ClassVar


class GlimpseError(Exception):
    """A failure the client caused or may act on; carries its HTTP status and error code."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(
        self,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


class BadRequest(GlimpseError):
    status, code = 400, "bad_request"


class Unauthorized(GlimpseError):
    status, code = 401, "unauthorized"


class Forbidden(GlimpseError):
    status, code = 403, "forbidden"


class NotFound(GlimpseError):
    status, code = 404, "not_found"


class Conflict(GlimpseError):
    status, code = 409, "conflict"


class PayloadTooLarge(GlimpseError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(GlimpseError):
    status, code = 415, "unsupported_media_type"


class RateLimited(GlimpseError):
    status, code = 429, "rate_limited"

    def __init__(
        self, message: str, retry_after_seconds: int = 1, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            message, headers={**(headers or {}), "Retry-After": str(retry_after_seconds)}
        )


# AWS error codes that mean "busy, not wrong": a write met a transaction on its item, or
# throttling outlasted the SDK's retries. The client gets a 429, never a 500.
BUSY_ERROR_CODES = frozenset(
    {
        "TransactionConflictException",
        "TransactionInProgressException",
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
    }
)


BUSY_MESSAGE = "This item is busy right now; try again in a moment."


def busy() -> RateLimited:
    return RateLimited(BUSY_MESSAGE, 1)


def field_error(field: str, message: str) -> dict[str, Any]:
    """One entry of `details`: which field failed and why."""
    return {"field": field, "message": message}


def error_body(
    code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}
