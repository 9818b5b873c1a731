"""What template.yaml must keep for production (issue 33): monitoring that pages someone,
recovery, cost, and the smaller deployment fixes. Each test reads the template as written."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra import alarms as generated
from infra.local.template import Resolver, Template, references
from tests.conftest import ROOT
from tests.unit.test_production_settings import TEMPLATE, _events

ALARMS = TEMPLATE.of_type("AWS::CloudWatch::Alarm")
FUNCTIONS = TEMPLATE.of_type("AWS::Serverless::Function")


class _Anything(dict[str, Any]):
    """Every resource is provisioned: its Ref and attributes are placeholders."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return _Placeholder(key)


class _Placeholder(str):
    """A resource's Ref (the string) and its attributes (called)."""

    def __call__(self, attribute: str) -> str:
        return f"<{self}.{attribute}>"


def _resolver(template: Template) -> Resolver:
    resolver = Resolver(template)
    resolver.refs = _Anything()
    resolver.attributes = _Anything()
    return resolver


ROUTED = {"Fn::If": ["HasAlarmTopic", {"Ref": "AlarmTopicArn"}, {"Ref": "AlarmTopic"}]}


def _metrics(alarm: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(namespace, metric, first dimension value) of every metric an alarm reads."""
    props = alarm["Properties"]
    if "MetricName" in props:
        dims = props.get("Dimensions") or [{"Value": None}]
        return [(props["Namespace"], props["MetricName"], dims[0]["Value"])]
    found = []
    for entry in props["Metrics"]:
        if "MetricStat" in entry:
            metric = entry["MetricStat"]["Metric"]
            dims = metric.get("Dimensions") or [{"Value": None}]
            found.append((metric["Namespace"], metric["MetricName"], dims[0]["Value"]))
    return found


def _watching(namespace: str, metric: str) -> dict[str, str]:
    """The resource each alarm on this metric watches (by its dimension's reference)."""
    found = {}
    for name, alarm in ALARMS.items():
        for space, found_metric, value in _metrics(alarm):
            if (space, found_metric) == (namespace, metric):
                (target,) = references(value)
                found[target] = name
    return found


def test_the_generated_alarms_are_fresh() -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert generated.current(text) == generated.render(TEMPLATE), (
        "run `python -m infra.alarms --write`"
    )


def test_every_function_alarms_on_its_errors_and_throttles() -> None:
    errors = _watching("AWS/Lambda", "Errors")
    throttles = _watching("AWS/Lambda", "Throttles")
    assert len(FUNCTIONS) >= 28
    for function in FUNCTIONS:
        assert function in errors, function
        assert throttles.get(function) == errors[function], function


def test_every_queue_alarms_on_its_oldest_message_and_any_dead_letter_does() -> None:
    ages = _watching("AWS/SQS", "ApproximateAgeOfOldestMessage")
    queues = TEMPLATE.of_type("AWS::SQS::Queue")
    assert set(ages) == set(queues)
    dead_letter = generated.dead_letter_queues(TEMPLATE)
    assert len(dead_letter) == 12  # and the impressions function's DeadLetterQueue
    for queue, alarm in ages.items():
        props = ALARMS[alarm]["Properties"]
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        if queue in dead_letter:  # any message at all
            assert props["Threshold"] == 0, queue
        else:
            assert 0 < props["Threshold"] <= 3600, queue


def test_every_stream_consumer_alarms_on_its_iterator_age() -> None:
    consumers = {name.split(".")[0] for name, _props in _events("DynamoDB")}
    assert consumers == {
        "PublisherFunction",
        "StoryReaperFunction",
        "IndexerFunction",
        "FollowersFunction",
    }
    assert set(_watching("AWS/Lambda", "IteratorAge")) == consumers
    # A stalled outbox publisher halts every background job: it pages within a minute's lag.
    publisher = ALARMS[_watching("AWS/Lambda", "IteratorAge")["PublisherFunction"]]
    assert publisher["Properties"]["Threshold"] <= 60_000


def test_every_table_alarms_on_throttled_reads_and_writes() -> None:
    tables = set(TEMPLATE.of_type("AWS::DynamoDB::Table"))
    reads = _watching("AWS/DynamoDB", "ReadThrottleEvents")
    writes = _watching("AWS/DynamoDB", "WriteThrottleEvents")
    assert set(reads) == set(writes) == tables
    assert all(reads[t] == writes[t] for t in tables)


def test_search_health_and_the_api_have_their_alarms() -> None:
    for metric in ("ClusterStatus.red", "ClusterStatus.yellow", "FreeStorageSpace"):
        assert set(_watching("AWS/ES", metric)) == {"SearchDomain"}, metric
    api = {
        (ns, metric): name
        for name, alarm in ALARMS.items()
        for ns, metric, _value in _metrics(alarm)
        if ns == "AWS/ApiGateway"
    }
    assert set(api) == {("AWS/ApiGateway", "5XXError"), ("AWS/ApiGateway", "Latency")}
    latency = ALARMS[api[("AWS/ApiGateway", "Latency")]]["Properties"]
    assert latency["ExtendedStatistic"] == "p99"


def test_every_alarm_notifies_the_given_topic_or_the_stacks_own() -> None:
    assert len(ALARMS) >= 60
    for name, alarm in ALARMS.items():
        assert alarm["Properties"]["AlarmActions"] == [ROUTED], name
    topic = TEMPLATE.resources["AlarmTopic"]
    subscription = TEMPLATE.resources["AlarmEmailSubscription"]

    def resolved(parameters: dict[str, str]) -> tuple[bool, bool, Any]:
        template = Template.load(ROOT / "template.yaml", parameters)
        resolver = Resolver(template)
        return (
            resolver.condition(topic["Condition"]),
            resolver.condition(subscription["Condition"]),
            resolver.condition("HasAlarmTopic"),
        )

    assert resolved({}) == (True, False, False)
    assert resolved({"AlarmEmail": "ops@example.com"}) == (True, True, False)
    theirs = {"AlarmTopicArn": "arn:aws:sns:us-east-1:1:theirs", "AlarmEmail": "ops@example.com"}
    assert resolved(theirs) == (False, True, True)
    assert subscription["Properties"]["TopicArn"] == ROUTED


def test_one_dashboard_with_a_valid_body() -> None:
    (dashboard,) = TEMPLATE.of_type("AWS::CloudWatch::Dashboard").values()
    body, _names = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    titles = {w["properties"]["title"] for w in widgets}
    assert {"Function errors", "Function throttles", "Oldest message per queue (s)"} <= titles
    assert {"Stream iterator age (ms)", "DynamoDB throttled requests", "Search domain"} <= titles


def test_every_table_holding_primary_data_has_point_in_time_recovery() -> None:
    tables = TEMPLATE.of_type("AWS::DynamoDB::Table")
    without = {
        name
        for name, spec in tables.items()
        if not (spec["Properties"].get("PointInTimeRecoverySpecification") or {}).get(
            "PointInTimeRecoveryEnabled"
        )
    }
    # Derived or short-lived only, each with its reason where checkov would ask for PITR.
    assert without == {"IdempotencyTable", "EventsTable", "ConnectionsTable"}
    for name in without:
        skips = tables[name]["Metadata"]["checkov"]["skip"]
        assert any(s["id"] == "CKV_AWS_28" and len(s["comment"]) > 40 for s in skips), name


def test_the_media_bucket_keeps_noncurrent_versions_for_a_while() -> None:
    bucket = TEMPLATE.resources["MediaBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    days = rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"]["NoncurrentDays"]
    assert days == {"Ref": "MediaNoncurrentVersionDays"}
    assert rules["RemoveExpiredDeleteMarkers"]["ExpiredObjectDeleteMarker"] is True
    # Transient prefixes drop their old versions after a day.
    for rule in rules.values():
        if "ExpirationInDays" in rule:
            assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}, rule["Id"]


def test_media_replication_is_optional_and_its_role_least_privilege() -> None:
    def replication(parameters: dict[str, str]) -> Any:
        template = Template.load(ROOT / "template.yaml", parameters)
        resolver = Resolver(template)
        return resolver.condition("ReplicateMedia")

    assert not replication({})
    assert replication({"MediaReplicaBucketArn": "arn:aws:s3:::glimpse-replica"})
    config = TEMPLATE.resources["MediaBucket"]["Properties"]["ReplicationConfiguration"]
    assert config["Fn::If"][0] == "ReplicateMedia"
    rules = config["Fn::If"][1]["Rules"]
    assert {r["Filter"]["Prefix"] for r in rules} == {"originals/", "renditions/"}
    assert all(r["DeleteMarkerReplication"] == {"Status": "Enabled"} for r in rules)  # erasure
    role = TEMPLATE.resources["MediaReplicationRole"]
    assert role["Condition"] == "ReplicateMedia"
    assert "Policies" not in role["Properties"]
    assert "ManagedPolicyArns" not in role["Properties"]
    policy = TEMPLATE.resources["MediaReplicationPolicy"]["Properties"]["PolicyDocument"]
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert actions == {
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags",
    }
    for statement in policy["Statement"]:
        assert "*" not in json.dumps(statement["Resource"]).replace("/*", ""), statement["Sid"]


def test_the_cognito_tier_is_a_parameter_defaulting_to_lite() -> None:
    parameter = TEMPLATE.body["Parameters"]["UserPoolTier"]
    assert parameter["Default"] == "LITE"
    assert parameter["AllowedValues"] == ["LITE", "ESSENTIALS", "PLUS"]
    pool = TEMPLATE.resources["UserPool"]["Properties"]
    assert pool["UserPoolTier"] == {"Ref": "UserPoolTier"}
    # Nothing that needs Essentials or Plus: no token customisation (pre-token generation),
    # no threat protection (UserPoolAddOns), no managed login branding.
    assert "UserPoolAddOns" not in pool
    assert "PreTokenGeneration" not in json.dumps(pool.get("LambdaConfig", {}))
    triggers = {props.get("Trigger") for _name, props in _events("Cognito")}
    assert "PreTokenGeneration" not in triggers
    assert not TEMPLATE.of_type("AWS::Cognito::ManagedLoginBranding")


def test_the_search_domain_goes_with_the_stack_and_make_destroy_says_so() -> None:
    domain = TEMPLATE.resources["SearchDomain"]
    assert domain["DeletionPolicy"] == domain["UpdateReplacePolicy"] == "Delete"
    destroy = re.search(r"^destroy:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.M | re.S)
    assert destroy
    assert "search domain" in destroy.group(0)
    # Its error logs go to a group of the stack's, which the domain waits for the right to use.
    options = domain["Properties"]["LogPublishingOptions"]["ES_APPLICATION_LOGS"]
    assert options["Enabled"] is True
    assert domain["DependsOn"] == "SearchErrorLogPolicy"


def test_the_cursor_key_rotation_refreshes_every_function_that_uses_the_key() -> None:
    users = sorted(
        name
        for name in FUNCTIONS
        if "CURSOR_SECRET_ARN"
        in (TEMPLATE.function_properties(name).get("Environment") or {}).get("Variables", {})
    )
    assert len(users) >= 8
    runbook = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = runbook.split("## 3. Rotating the cursor secret", 1)[1].split("\n## ", 1)[0]
    loop = re.search(r"for fn in (.*?); do", section, re.S)
    assert loop
    assert sorted(loop.group(1).replace("\\", " ").split()) == users


def test_a_gateway_timeout_stays_a_504() -> None:
    (api,) = TEMPLATE.of_type("AWS::Serverless::Api").values()
    timeout = api["Properties"]["GatewayResponses"]["INTEGRATION_TIMEOUT"]
    assert timeout["StatusCode"] == 504
    body = json.loads(timeout["ResponseTemplates"]["application/json"])
    assert set(body["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize(
    "function", ["EraserFunction", "NotificationsFunction", "NotifierFunction"]
)
def test_push_permissions_cover_the_platform_applications_endpoints_only(function: str) -> None:
    apns = "arn:aws:sns:us-east-1:123456789012:app/APNS/glimpse-ios"
    fcm = "arn:aws:sns:us-east-1:123456789012:app/GCM/glimpse-android"
    template = Template.load(
        ROOT / "template.yaml",
        {"ApnsPlatformApplicationArn": apns, "FcmPlatformApplicationArn": fcm},
    )
    policies = _resolver(template).resolve(template.function_properties(function)["Policies"])
    endpoint_resources = [
        resource
        for policy in policies
        for statement in policy["Statement"]
        for resource in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        if ":endpoint/" in str(resource)
    ]
    assert sorted(endpoint_resources) == [
        "arn:aws:sns:us-east-1:123456789012:endpoint/APNS/glimpse-ios/*",
        "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/glimpse-android/*",
    ]
    # Without push, no statement names endpoints at all.
    bare = Template.load(ROOT / "template.yaml")
    resolved = _resolver(bare).resolve(bare.function_properties(function)["Policies"])
    assert "endpoint/" not in json.dumps(resolved)
