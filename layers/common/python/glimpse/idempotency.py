"""Powertools Idempotency on the template's idempotency table, created when first used."""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from glimpse.config import get_settings


@cache
def persistence_store() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=get_settings().require("idempotency_table"))
