"""Powertools Idempotency on the template's idempotency table, set up when first used.

Powertools' idempotency package loads with the first call that needs it (a create with an
Idempotency-Key, a record of a consumer), not at import: an API function's reads never need
it, and a cold start that serves one does not pay for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any

from glimpse import snapstart
from glimpse.config import get_settings
from glimpse.errors import Conflict

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )
    from aws_lambda_powertools.utilities.typing import LambdaContext


@cache
def persistence_store(purpose: str) -> DynamoDBPersistenceLayer:
    """A store per idempotent operation: a store keeps the first config it is used with, and
    the local cloud and the tests run every function in one process."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    del purpose  # only the cache key
    return DynamoDBPersistenceLayer(table_name=get_settings().require("idempotency_table"))


def idempotent[R](
    purpose: str, config: IdempotencyConfig, data_keyword_argument: str
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Powertools' `idempotent_function`, with its store (and client) made on the first call
    rather than at import. Call the result with the data as a keyword argument."""

    def decorate(function: Callable[..., R]) -> Callable[..., R]:
        @cache
        def guarded() -> Callable[..., R]:
            from aws_lambda_powertools.utilities.idempotency import idempotent_function

            wrapped: Callable[..., R] = idempotent_function(
                data_keyword_argument=data_keyword_argument,
                config=config,
                persistence_store=persistence_store(purpose),
            )(function)
            return wrapped

        @functools.wraps(function)
        def call(**kwargs: Any) -> R:
            return guarded()(**kwargs)

        return call

    return decorate


# --------------------------------------------------------------------------- Idempotency-Key
# API.md: "Writes that create things accept an Idempotency-Key header: the same key with the
# same body within 24 h returns the first response and creates nothing new." One mechanism for
# every such route: the key is a typed header parameter (glimpse.api.params.IdempotencyKey,
# documented in the OpenAPI document), and the first response is kept by Powertools, keyed on
# (caller, key), checked against the body.
_invocation: ContextVar[LambdaContext | None] = ContextVar("invocation", default=None)


@contextmanager
def invocation(context: LambdaContext) -> Iterator[None]:
    """Around every API request (Plumbing.http): its Lambda context, for a create made safe to
    retry (the time left bounds how long its record may stay "in progress"); forgotten after,
    so a thread that serves no request never hands Powertools a finished one."""
    token = _invocation.set(context)
    try:
        yield
    finally:
        _invocation.reset(token)


@cache
def requests_config() -> IdempotencyConfig:
    """The configuration of `created_once` (with SnapStart, made before the snapshot)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[user_id, key]",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=24 * 3600,
    )


def created_once(
    purpose: str, create: Callable[[str, dict[str, Any]], dict[str, Any]]
) -> Callable[[str, str | None, dict[str, Any]], dict[str, Any]]:
    """`create(user_id, body)` made safe to retry: call the result with the caller, the key
    (None: no key, no record) and the body as JSON; it returns the created thing as JSON. A key
    reused with another body, or while its first request runs, is a 409. The handler is
    `Plumbing.http`'s, which remembers each request's Lambda context."""

    def run(request: dict[str, Any]) -> dict[str, Any]:
        return create(request["user_id"], request["body"])

    run.__qualname__ = f"created_once.{purpose}"  # Powertools keys its records on the name
    snapstart.prime(requests_config)

    @cache
    def guarded() -> Callable[..., dict[str, Any]]:
        return idempotent(purpose, requests_config(), data_keyword_argument="request")(run)

    def call(user_id: str, key: str | None, body: dict[str, Any]) -> dict[str, Any]:
        request = {"user_id": user_id, "key": key, "body": body}
        if not key:
            return run(request)
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        # This request's context, or none outside a request: the configuration is shared, and
        # a finished request's time left would let a retry in while this create still runs.
        requests_config().register_lambda_context(_invocation.get())  # type: ignore[arg-type]
        try:
            return guarded()(request=request)
        except IdempotencyValidationError:
            raise Conflict("This Idempotency-Key was used with a different request body.") from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict("A request with this Idempotency-Key is still in progress.") from None

    return call
