"""Powertools Idempotency on the template's idempotency table, created when first used."""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from glimpse.config import get_settings


@cache
def persistence_store(purpose: str) -> DynamoDBPersistenceLayer:
    """A store per idempotent operation: a store keeps the first config it is used with, and
    the local cloud and the tests run every function in one process."""
    del purpose  # only the cache key
    return DynamoDBPersistenceLayer(table_name=get_settings().require("idempotency_table"))
