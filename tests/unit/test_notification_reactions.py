"""The notifications package's reaction table agrees with what its queue is sent."""

from __future__ import annotations

from glimpse.notifications.reactions import REACTIONS
from infra.local.template import Template
from tests.conftest import ROOT


def test_the_table_reacts_to_exactly_the_types_the_notifier_queue_subscribes_to() -> None:
    template = Template.load(ROOT / "template.yaml")
    subscription = template.of_type("AWS::SNS::Subscription")["SocialEventsToNotifier"]
    policy = set(subscription["Properties"]["FilterPolicy"]["type"])
    assert {cls.model_fields["type"].default for cls in REACTIONS} == policy
