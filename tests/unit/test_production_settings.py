"""Production settings template.yaml must keep as it grows (each new queue and consumer)."""

from __future__ import annotations

import json
import re
from typing import Any

from infra.local.template import Resolver, Template, references
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
    for function in TEMPLATE.of_type("AWS::Serverless::Function"):
        asynchronous = TEMPLATE.function_properties(function).get("DeadLetterQueue")
        if asynchronous:  # where Lambda puts an asynchronous invocation that failed
            dead_letter.add(asynchronous["TargetArn"]["Fn::GetAtt"][0])
    watched = {
        dimension["Value"]["Fn::GetAtt"][0]
        for alarm in TEMPLATE.of_type("AWS::CloudWatch::Alarm").values()
        for dimension in alarm["Properties"].get("Dimensions", [])
        if dimension["Name"] == "QueueName" and alarm["Properties"]["Threshold"] == 0
    }
    assert dead_letter == watched  # any message in one alarms (tests/unit/test_deployment.py)
    # uploads, video uploads, feed jobs, counters, notifier, erasure, exports, publisher,
    # followers, reaper, indexer, impressions (the log subscription's asynchronous invocations)
    assert len(dead_letter) == 12


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


def test_the_api_writes_json_access_logs_to_a_log_group_of_its_own() -> None:
    (api,) = TEMPLATE.of_type("AWS::Serverless::Api").values()
    setting = api["Properties"]["AccessLogSetting"]
    groups = TEMPLATE.of_type("AWS::Logs::LogGroup")
    (group,) = references(setting["DestinationArn"]) & set(groups)
    assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    users = [
        name
        for name, spec in TEMPLATE.resources.items()
        if name != group and group in references(spec)
    ]
    assert users == ["Api"]
    # One JSON object a line: every $context variable stands where a JSON value may.
    line = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "0", setting["Format"]))
    assert {
        "requestId",
        "ip",
        "user",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
        "integrationLatency",
        "errorMessage",
    } <= set(line)
    assert "$context.requestId" in setting["Format"]


def test_the_api_stage_waits_for_the_cloudwatch_role_this_stack_sets() -> None:
    ((account_id, account),) = TEMPLATE.of_type("AWS::ApiGateway::Account").items()
    condition = account["Condition"]
    (role,) = references(account["Properties"]["CloudWatchRoleArn"])
    assert TEMPLATE.resources[role]["Condition"] == condition
    for spec in (account, TEMPLATE.resources[role]):  # shared by every API in the region
        assert spec["DeletionPolicy"] == spec["UpdateReplacePolicy"] == "Retain"
    # The stage is made with the access log setting; its log group waits for the account
    # setting (DependsOn cannot name a resource that has a Condition).
    (api,) = TEMPLATE.of_type("AWS::Serverless::Api").values()
    (group,) = references(api["Properties"]["AccessLogSetting"]["DestinationArn"]) & set(
        TEMPLATE.resources
    )
    assert account_id in references(TEMPLATE.resources[group].get("Metadata"))

    def creates(choice: str | None) -> bool:
        parameters = {"ApiGatewayLogsRole": choice} if choice else {}
        return Resolver(Template.load(ROOT / "template.yaml", parameters)).condition(condition)

    assert creates(None)
    assert creates("create")
    assert not creates("existing")


def test_the_optional_web_acl_limits_each_ip_on_the_api_stage() -> None:
    """WafRateLimitPerIp: 0 (the default) makes no web ACL; a limit makes a regional one with
    one rate-based rule per IP over 5 minutes, allowing the rest, on the REST API's stage."""
    acls = TEMPLATE.of_type("AWS::WAFv2::WebACL")
    associations = TEMPLATE.of_type("AWS::WAFv2::WebACLAssociation")
    ((acl_id, acl),) = acls.items()
    ((_, association),) = associations.items()
    condition = acl["Condition"]
    assert association["Condition"] == condition

    def made(limit: str | None) -> bool:
        parameters = {"WafRateLimitPerIp": limit} if limit else {}
        return Resolver(Template.load(ROOT / "template.yaml", parameters)).condition(condition)

    assert not made(None)
    assert not made("0")
    assert made("2000")
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL"
    assert props["DefaultAction"] == {"Allow": {}}
    assert props["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    (rule,) = props["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement == {
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": 300,
        "Limit": {"Ref": "WafRateLimitPerIp"},
    }
    block = rule["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    body = json.loads(props["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "rate_limited"  # the API's error body
    assert rule["VisibilityConfig"]["SampledRequestsEnabled"] is True
    target = association["Properties"]
    assert references(target["WebACLArn"]) == {acl_id}
    (api,) = TEMPLATE.of_type("AWS::Serverless::Api")
    arn = target["ResourceArn"]["Fn::Sub"]
    assert arn.endswith(f"/restapis/${{{api}}}/stages/${{{api}.Stage}}")


def test_every_queue_is_encrypted_at_rest() -> None:
    # checkov's queue check knows only KMS keys and is skipped (.checkov.yaml): this keeps
    # SSE-SQS, or a key, on every queue.
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    assert queues
    for name, spec in queues.items():
        props = spec.get("Properties") or {}
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, name


def test_no_app_client_signs_in_around_the_two_factor_check() -> None:
    """API Gateway's Cognito authorizer takes an ID token of any of the pool's app clients:
    a client offering a password flow of its own (or OAuth, or a hosted domain) would hand out
    tokens for a password alone. Passwords go through the API's functions only (admin flow)."""
    allowed = {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    clients = TEMPLATE.of_type("AWS::Cognito::UserPoolClient")
    assert clients
    for logical_id in clients:
        props = TEMPLATE.resources[logical_id]["Properties"]
        assert set(props["ExplicitAuthFlows"]) <= allowed, logical_id
        assert not props.get("AllowedOAuthFlows"), logical_id
    assert not TEMPLATE.of_type("AWS::Cognito::UserPoolDomain")


def _self_continuing() -> dict[str, str]:
    """Functions that send to a queue they consume (a URL in their environment): each with
    that queue. Lambda stops such a chain at its 16th invocation unless RecursiveLoop allows."""
    found = {}
    for function in TEMPLATE.of_type("AWS::Serverless::Function"):
        props = TEMPLATE.function_properties(function)
        consumed = {
            event["Properties"]["Queue"]["Fn::GetAtt"][0]
            for event in (props.get("Events") or {}).values()
            if event.get("Type") == "SQS"
        }
        variables = ((props.get("Environment") or {}).get("Variables") or {}).values()
        sent = {v["Ref"] for v in variables if isinstance(v, dict) and "Ref" in v}
        for queue in consumed & sent:
            found[function] = queue
    return found


def test_every_self_continuing_function_has_a_loop_setting_and_a_hop_guard() -> None:
    """`Allow` only with the continuations' hop guard (glimpse.jobs.HOP_BUDGET, through
    glimpse.consumers.job_queue) and the alarm on its metric; `Terminate` (Lambda stops the
    chain at 16) only where a chain is a few hops long by design (the notifier's held push)."""
    import importlib
    import inspect

    found = _self_continuing()
    assert set(found) == {"FanoutFunction", "EraserFunction", "NotifierFunction"}
    alarm = TEMPLATE.resources["ContinuationsStoppedAlarm"]["Properties"]
    watched = {
        dimension["Value"]
        for query in alarm["Metrics"]
        if query.get("MetricStat", {}).get("Metric", {}).get("MetricName") == "ContinuationsStopped"
        for dimension in query["MetricStat"]["Metric"]["Dimensions"]
        if dimension["Name"] == "service"
    }
    settings = {}
    for function in found:
        settings[function] = TEMPLATE.function_properties(function).get("RecursiveLoop")
        assert settings[function] in {"Allow", "Terminate"}, f"{function}: no RecursiveLoop"
        if settings[function] != "Allow":
            continue
        module = importlib.import_module(TEMPLATE.handler(function)[0])
        assert "job_queue.handler(" in inspect.getsource(module), f"{function}: no hop guard"
        assert module.plumbing.service in watched, f"{function}: its guard does not alarm"
    assert settings == {
        "FanoutFunction": "Allow",
        "EraserFunction": "Allow",
        "NotifierFunction": "Terminate",
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_pollers_are_event_source_mappings_with_their_own_queue_or_stream_only() -> None:
    """A SAM `SQS`, `DynamoDB` or `Kinesis` event gives the function's role an AWS managed
    policy (AWSLambdaSQSQueueExecutionRole, AWSLambdaDynamoDBExecutionRole, ...) that reads
    every queue or stream of the account: the template declares AWS::Lambda::EventSourceMapping
    resources instead, and the function's own policy names its queue or stream."""
    poll = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    stream = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}
    for function, spec in TEMPLATE.of_type("AWS::Serverless::Function").items():
        own = (spec.get("Properties") or {}).get("Events") or {}
        kinds = {event.get("Type") for event in own.values()}
        assert not kinds & {"SQS", "DynamoDB", "Kinesis", "MSK", "MQ"}, function
        statements = [
            statement
            for policy in TEMPLATE.function_properties(function).get("Policies") or []
            if isinstance(policy, dict)
            for statement in policy.get("Statement", [])
            if isinstance(statement, dict) and statement.get("Effect") == "Allow"
        ]
        for name, event in TEMPLATE.event_source_mappings(function).items():
            source = event["Properties"].get("Queue") or event["Properties"]["Stream"]
            needed = poll if "Queue" in event["Properties"] else stream
            granted = {
                action
                for statement in statements
                if source in _listed(statement["Resource"])
                for action in _listed(statement["Action"])
            }
            assert needed <= granted, f"{function}: {name} needs {needed - granted} on {source}"
    assert len(TEMPLATE.of_type("AWS::Lambda::EventSourceMapping")) == 13
