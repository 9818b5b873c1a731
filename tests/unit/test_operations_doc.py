"""docs/operations.md keeps up with template.yaml: every alarm and every dead-letter queue in it."""

from __future__ import annotations

import re

import pytest

from infra.alarms import families, logical_id
from tests.conftest import ROOT
from tests.unit.test_production_settings import TEMPLATE, _events

RUNBOOK = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def alarms() -> list[str]:
    return sorted(TEMPLATE.of_type("AWS::CloudWatch::Alarm"))


def dead_letter_queues() -> list[str]:
    """Queues named as a RedrivePolicy's deadLetterTargetArn or an event source's OnFailure."""
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    found = set()
    for spec in queues.values():
        policy = (spec.get("Properties") or {}).get("RedrivePolicy") or {}
        found.add(logical_id(policy.get("deadLetterTargetArn")))
    for kind in ("DynamoDB", "Kinesis", "MSK", "SelfManagedKafka"):
        for _name, props in _events(kind):
            on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure")) or {}
            found.add(logical_id(on_failure.get("Destination")))
    return sorted(name for name in found if name in queues)


def test_the_template_has_what_the_runbook_covers() -> None:
    assert len(alarms()) >= 5
    assert {"PublisherFailuresQueue", "CountersDeadLetterQueue"} <= set(dead_letter_queues())


# Generated alarms (infra/alarms.py) share their family's entry: `### \`<Function>ErrorsAlarm\``.
FAMILIES = families(TEMPLATE)


@pytest.mark.parametrize("family", sorted(set(FAMILIES.values()) - {"<DeadLetterQueue>Alarm"}))
def test_every_generated_family_has_a_runbook_entry(family: str) -> None:
    assert re.search(rf"^### `{re.escape(family)}`", RUNBOOK, re.M), (
        f"docs/operations.md has no entry `### {family}`: say what to do when one fires"
    )


@pytest.mark.parametrize("logical_id", alarms() + dead_letter_queues())
def test_the_runbook_names_it(logical_id: str) -> None:
    family = FAMILIES.get(logical_id)
    if family and family != "<DeadLetterQueue>Alarm":
        # Named by its family's entry, and the entry's resource is one the template has.
        assert re.search(rf"^### `{re.escape(family)}`", RUNBOOK, re.M), family
        return
    assert re.search(rf"\b{re.escape(logical_id)}\b", RUNBOOK), (
        f"docs/operations.md does not name {logical_id}: say what to do when it fires or fills"
    )
