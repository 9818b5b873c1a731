"""The RateLimits table: one token bucket per (caller, budget) (glimpse.api.limits).

`pk` is the bucket: `user#<user_id>#<budget>`, `ip#<ip>#<budget>` or `name#<username>#login`.
A bucket keeps `full_at`, the moment it is full again (epoch seconds, fractional): the
tokens it holds at `now` are `(now + window - full_at) / interval`, at most the quota. One
number, because a condition cannot do arithmetic: "is there a token?" is `full_at <= limit`
for a `limit` the caller computes. `expires_at` (TTL) removes a bucket once it has been full
for a while, and an absent bucket is a full one. The login bucket of a username also counts
its failed logins (`failures`, `failed_at`) and the lock-out they caused (`locked_until`).

Each call is one conditional UpdateItem; a condition that fails answers the item as it was
(ReturnValuesOnConditionCheckFailure), so a refusal needs no read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.constants import UPDATE_ITEM
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from glimpse.models.base import Model, table_meta

__all__ = ["Bucket", "update"]


class Bucket(Model):
    Meta = table_meta("rate_limits_table")

    pk = UnicodeAttribute(hash_key=True)
    full_at = NumberAttribute(null=True)  # epoch seconds: full again then (absent: full)
    updated_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # DynamoDB TTL
    failures = NumberAttribute(null=True)  # failed logins in a row (login buckets only)
    failed_at = NumberAttribute(null=True)
    locked_until = NumberAttribute(null=True)


def update(
    key: str, actions: Sequence[Action], condition: Condition | None
) -> tuple[bool, dict[str, float]]:
    """One UpdateItem of bucket `key`: (True, the item's numbers after) when written, (False,
    its numbers before) when `condition` did not hold. Any other failure is raised."""
    connection = Bucket._get_connection().connection
    kwargs = connection.get_operation_kwargs(
        Bucket.Meta.table_name,
        key,
        actions=actions,
        condition=condition,
        return_values="ALL_NEW",
        return_values_on_condition_failure="ALL_OLD",
    )
    try:
        answer = connection.dispatch(UPDATE_ITEM, kwargs)
    except Exception as exc:
        cause: Any = exc.__cause__ or exc
        response = getattr(cause, "response", None) or {}
        if response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise UpdateError("Failed to update item", exc) from exc
        return False, _numbers(response.get("Item"))
    return True, _numbers(answer.get("Attributes"))


def _numbers(item: dict[str, Any] | None) -> dict[str, float]:
    return {name: float(value["N"]) for name, value in (item or {}).items() if "N" in value}
