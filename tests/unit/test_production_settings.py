"""Production settings template.yaml must keep as it grows (each new queue and consumer)."""

from __future__ import annotations

from typing import Any

from infra.local.template import Template
from tests.conftest import ROOT

TEMPLATE = Template.load(ROOT / "template.yaml")


def _events(kind: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for function in TEMPLATE.of_type("AWS::Serverless::Function"):
        for name, event in (TEMPLATE.function_properties(function).get("Events") or {}).items():
            if event.get("Type") == kind:
                found.append((f"{function}.{name}", event.get("Properties") or {}))
    return found


def test_every_queue_consumer_has_a_concurrency_cap() -> None:
    sources = _events("SQS")
    assert sources
    for name, props in sources:
        assert "MaximumConcurrency" in (props.get("ScalingConfig") or {}), name


def test_every_dead_letter_queue_has_an_alarm() -> None:
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    dead_letter = {
        spec["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for spec in queues.values()
        if "RedrivePolicy" in (spec.get("Properties") or {})
    }
    for _name, props in _events("DynamoDB"):
        destination = props["DestinationConfig"]["OnFailure"]["Destination"]
        dead_letter.add(destination["Fn::GetAtt"][0])
    watched = {
        dimension["Value"]["Fn::GetAtt"][0]
        for alarm in TEMPLATE.of_type("AWS::CloudWatch::Alarm").values()
        for dimension in alarm["Properties"].get("Dimensions", [])
        if dimension["Name"] == "QueueName"
    }
    assert dead_letter == watched
    assert len(dead_letter) == 4


def test_stateful_resources_survive_a_stack_deletion_or_replacement() -> None:
    stateful = [
        *TEMPLATE.of_type("AWS::DynamoDB::Table").items(),
        *TEMPLATE.of_type("AWS::Cognito::UserPool").items(),
        *TEMPLATE.of_type("AWS::S3::Bucket").items(),
    ]
    assert len(stateful) >= 8
    for name, spec in stateful:
        assert spec.get("DeletionPolicy") == "Retain", name
        assert spec.get("UpdateReplacePolicy") == "Retain", name


def test_cognito_sends_through_ses_when_given_an_identity_and_a_sender() -> None:
    from infra.local.template import Resolver

    def email(parameters: dict[str, str]) -> Any:
        template = Template.load(ROOT / "template.yaml", parameters)
        props = template.of_type("AWS::Cognito::UserPool")["UserPool"]["Properties"]
        return Resolver(template).resolve(props["EmailConfiguration"])

    assert email({}) == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    arn = "arn:aws:ses:eu-west-1:123456789012:identity/example.com"
    assert email({"SesSourceArn": arn}) == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert email({"SesSourceArn": arn, "FromEmail": "Glimpse <no-reply@example.com>"}) == {
        "EmailSendingAccount": "DEVELOPER",
        "SourceArn": arn,
        "From": "Glimpse <no-reply@example.com>",
    }
