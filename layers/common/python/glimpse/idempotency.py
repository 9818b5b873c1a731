"""Powertools Idempotency on the template's idempotency table, set up when first used."""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from glimpse.config import get_settings


@cache
def persistence_store(purpose: str) -> DynamoDBPersistenceLayer:
    """A store per idempotent operation: a store keeps the first config it is used with, and
    the local cloud and the tests run every function in one process."""
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
