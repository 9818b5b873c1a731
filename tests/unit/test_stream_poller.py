"""The stream poller's failure handling, step by step, with a scripted function."""

from __future__ import annotations

from typing import Any

from infra.local.delivery import DeliveryOptions, FilterCriteria
from infra.local.delivery.base import ChaosMonkey
from infra.local.delivery.streams import Pending, StreamPoller


class ScriptedDelivery:
    """Fails every invocation whose batch holds a record with a `poison` key."""

    def __init__(self) -> None:
        self.options = DeliveryOptions(retry_delay=0)
        self.chaos = ChaosMonkey(0, None)
        self.batches: list[list[str]] = []
        self.failed: list[dict[str, Any]] = []

    def invoke(self, _spec: Any, event: dict[str, Any]) -> tuple[bool, Any]:
        ids = [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]]
        self.batches.append(ids)
        return ("poison" not in ids), {}


def record(item_id: str, sequence: int) -> dict[str, Any]:
    return {
        "eventName": "INSERT",
        "dynamodb": {"Keys": {"id": {"S": item_id}}, "SequenceNumber": str(sequence)},
    }


def poller(delivery: ScriptedDelivery, ids: list[str], bisect: bool) -> StreamPoller:
    stream = StreamPoller(
        delivery,  # type: ignore[arg-type]
        spec=None,  # type: ignore[arg-type]
        stream_arn="arn:stream",
        batch_size=4,
        starting_position="TRIM_HORIZON",
        partial=False,
        max_retries=1,
        on_failure=None,
        filters=FilterCriteria(None),
        bisect=bisect,
    )
    stream.pending = [Pending("shard-1", record(i, n), True) for n, i in enumerate(ids, 1)]
    stream._fetch = lambda: None  # type: ignore[method-assign]
    stream._send_to_failure_destination = delivery.failed.extend  # type: ignore[assignment,method-assign]
    return stream


def run(stream: StreamPoller) -> None:
    for _ in range(20):
        if not stream.pending:
            return
        stream.step()
    raise AssertionError("the poller never got past its records")


def test_bisection_isolates_the_poison_record_and_delivers_the_rest() -> None:
    delivery = ScriptedDelivery()
    stream = poller(delivery, ["a", "b", "poison", "d"], bisect=True)
    run(stream)
    assert delivery.batches[:3] == [["a", "b", "poison", "d"], ["a", "b"], ["poison", "d"]]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in delivery.failed] == ["poison"]
    assert ["d"] in delivery.batches  # after the poison record was given up on
    assert stream.checkpoints == {"shard-1": "4"}


def test_without_bisection_the_whole_batch_is_retried_then_given_up() -> None:
    delivery = ScriptedDelivery()
    stream = poller(delivery, ["a", "b", "poison", "d"], bisect=False)
    run(stream)
    assert delivery.batches == [["a", "b", "poison", "d"]] * 2  # the try and one retry
    assert len(delivery.failed) == 4
    assert stream.checkpoints == {"shard-1": "4"}


def test_records_no_filter_matches_are_checkpointed_without_an_invocation() -> None:
    delivery = ScriptedDelivery()
    stream = poller(delivery, ["a", "b"], bisect=False)
    stream.pending = [
        Pending("shard-1", record("a", 1), False),
        Pending("shard-1", record("b", 2), True),
    ]
    run(stream)
    assert delivery.batches == [["b"]]
    assert stream.checkpoints == {"shard-1": "2"}


def test_a_poller_resumes_only_on_the_stream_it_stopped_on() -> None:
    from infra.local.delivery.streams import _resumed

    saved = {"stream": "arn:stream/1", "shards": {"shard-1": "41"}}
    assert _resumed(saved, "arn:stream/1") == {"shard-1": "41"}
    assert _resumed(saved, "arn:stream/2") == {}  # the table was made again: a new stream
    assert _resumed(None, "arn:stream/1") == {}
