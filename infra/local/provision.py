"""Provisioning: every resource of the template created on the embedded moto server.

Each supported type has a provisioner that creates the resource from its (resolved)
properties and says what `Ref` and `Fn::GetAtt` return for it. Types that need nothing on
the local cloud say why; any other type is reported by name at start.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from graphlib import CycleError, TopologicalSorter
from typing import Any
from urllib.parse import urlsplit

import boto3

from infra.local.template import ACCOUNT_ID, REGION, Resolver, Template, TemplateError, references

# The local cloud's credentials: moto accepts any; the S3 front accepts these only (SigV4,
# infra/local/sigv4.py), for signed requests and upload forms alike.
LOCAL_ACCESS_KEY_ID = "local"
LOCAL_SECRET_KEY = "local"  # noqa: S105 - public, local only

# Types the local cloud needs nothing for, and why (printed at start).
NOT_NEEDED = {
    "AWS::Logs::LogGroup": "logs print to this console, prefixed with the function name",
    "AWS::Serverless::LayerVersion": "the layer's package is imported in-process",
    "AWS::Lambda::LayerVersion": "the layer's package is imported in-process",
    "AWS::Lambda::Permission": "IAM is not enforced locally",
    "AWS::Lambda::EventSourceMapping": "the delivery service polls it as its function's event",
    "AWS::IAM::Role": "IAM is not enforced locally",
    "AWS::IAM::Policy": "IAM is not enforced locally",
    "AWS::IAM::ManagedPolicy": "IAM is not enforced locally",
    "AWS::SQS::QueuePolicy": "resource policies are not enforced locally",
    "AWS::SNS::TopicPolicy": "resource policies are not enforced locally",
    "AWS::S3::BucketPolicy": "it opens the bucket to CloudFront; the S3 front uses the local CDN's",
    "AWS::CloudWatch::Alarm": "no metrics are collected locally",
    "AWS::CloudWatch::Dashboard": "no metrics are collected locally",
    "AWS::IAM::RolePolicy": "IAM is not enforced locally",
    "AWS::Logs::ResourcePolicy": "resource policies are not enforced locally",
    "AWS::CloudFront::CachePolicy": "the local CDN has no edge cache",
    "AWS::ApiGateway::Account": "the local gateway logs each request to this console",
    "Custom::SearchIndexes": "the search front gets infra/opensearch's templates at start",
    "AWS::WAFv2::WebACL": "the local gateway has no WAF; the API's own rate limits still apply",
    "AWS::WAFv2::WebACLAssociation": "the local gateway has no WAF",
}
# Emulations made again when the template changed them (cheap, and nothing of theirs is saved
# elsewhere): the CDN and what its signed URLs are checked with.
RENEWED = frozenset(
    {"AWS::CloudFront::Distribution", "AWS::CloudFront::PublicKey", "AWS::CloudFront::KeyGroup"}
)
# A WebSocket API and its parts: the WebSocket front serves them (infra/local/fronts/websocket.py).
WEBSOCKET_PARTS = (
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Deployment",
    "AWS::ApiGatewayV2::Stage",
)
# Types another part of the local cloud emulates (the function runtime, the gateway, a CDN
# that is the S3 front: a bucket policy opens its origin path to anyone, as CloudFront does,
# and the S3 front keeps everything else closed; a search domain that is the search front).
EMULATED = {
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    *WEBSOCKET_PARTS,
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::PublicKey",
    "AWS::CloudFront::KeyGroup",
    "AWS::OpenSearchService::Domain",
}


@dataclass
class Provisioned:
    logical_id: str
    type: str
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""  # of the type and resolved properties it was created from

    def saved(self) -> dict[str, Any]:
        """Plain data, for the local cloud's saved state."""
        return {
            "type": self.type,
            "ref": self.ref,
            "attributes": self.attributes,
            "fingerprint": self.fingerprint,
        }


def fingerprint(type_: str, props: dict[str, Any], addresses: dict[str, str]) -> str:
    """What a resource was made from, with the local cloud's own addresses (which move with
    its ports) named rather than written, so a port change is not a change of the resource."""
    text = json.dumps([type_, props], sort_keys=True, default=repr)
    for address, name in addresses.items():
        text = text.replace(address, name)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Report:
    provisioned: list[str] = field(default_factory=list)
    emulated: list[str] = field(default_factory=list)
    not_needed: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    kept_as_saved: list[str] = field(default_factory=list)
    not_emulated: list[str] = field(default_factory=list)  # properties stored but never acted on

    def lines(self) -> list[str]:
        out = [f"provisioned: {', '.join(self.provisioned) or '-'}"]
        if self.restored:
            out.append(f"restored from the saved state: {', '.join(self.restored)}")
        out.extend(
            f"KEPT AS SAVED (changed in the template since; ARGS=--fresh applies it): {name}"
            for name in self.kept_as_saved
        )
        out.append(f"emulated in-process: {', '.join(self.emulated) or '-'}")
        out.extend(f"not needed locally: {name} ({why})" for name, why in self.not_needed)
        out.extend(f"NOT PROVISIONED (unsupported type): {name}" for name in self.unsupported)
        out.extend(f"NOT EMULATED: {what}" for what in self.not_emulated)
        return out


class Provisioner:
    """Creates the template's resources on the moto endpoint, in dependency order."""

    def __init__(
        self,
        template: Template,
        endpoint: str | None,
        s3_endpoint: str | None = None,
        search_endpoint: str = "",
    ) -> None:
        """`endpoint` None: AWS's own endpoints (what moto's `mock_aws` intercepts in tests).
        `s3_endpoint`: where callers outside reach S3 (the S3 front), in buckets' domain names.
        `search_endpoint`: the search front's URL, a search domain's `DomainEndpoint`."""
        self.template = template
        self.endpoint = endpoint
        self.s3_endpoint = s3_endpoint or endpoint
        self.search_endpoint = search_endpoint
        self.resolver = Resolver(template)
        self.resources: dict[str, Provisioned] = {}
        self.report = Report()
        self._clients: dict[str, Any] = {}
        self._handlers: dict[str, Callable[[str, dict[str, Any]], Provisioned]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::S3::Bucket": self._bucket,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::Api": self._api,
            "AWS::CloudFront::Distribution": self._distribution,
            "AWS::CloudFront::OriginAccessControl": self._origin_access_control,
            "AWS::CloudFront::PublicKey": self._public_key,
            "AWS::CloudFront::KeyGroup": self._key_group,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::OpenSearchService::Domain": self._search_domain,
            **{type_: partial(self._websocket_part, type_) for type_ in WEBSOCKET_PARTS},
        }

    def _addresses(self) -> dict[str, str]:
        named = {"<aws>": self.endpoint, "<s3>": self.s3_endpoint}
        return {urlsplit(url).netloc: name for name, url in named.items() if url}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = local_client(service, self.endpoint)
        return self._clients[service]

    def physical_name(self, logical_id: str, max_length: int = 64) -> str:
        return f"{self.template.stack_name}-{logical_id}"[:max_length]

    def order(self) -> list[str]:
        resources = self.template.resources
        graph: dict[str, set[str]] = {}
        for logical_id, spec in resources.items():
            deps = references({k: v for k, v in spec.items() if k != "Properties"})
            props = spec.get("Properties", {}) or {}
            if spec.get("Type") == "AWS::Serverless::Function":
                # Events are wired after provisioning; they may point at anything.
                props = {k: v for k, v in props.items() if k != "Events"}
            deps |= references(props)
            depends_on = spec.get("DependsOn", [])
            deps |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
            graph[logical_id] = {d for d in deps if d in resources}
        try:
            return list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise TemplateError(
                f"resources depend on each other in a cycle: {exc.args[1]}"
            ) from exc

    def _not_needed(self, logical_id: str, type_: str, spec: dict[str, Any]) -> Provisioned:
        """A resource the local cloud makes nothing for: its name (a log group's own, which a
        subscription filter finds its function by), and a log group's ARN (what a resource
        policy or a search domain's log options name)."""
        name = self.physical_name(logical_id)
        attributes: dict[str, Any] = {}
        if type_ == "AWS::Logs::LogGroup":
            given = (spec.get("Properties") or {}).get("LogGroupName")
            name = str(self.resolver.resolve(given)) if given else name
            attributes["Arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*"
        return Provisioned(logical_id, type_, name, attributes)

    def provision(
        self, saved: Mapping[str, dict[str, Any]] | None = None
    ) -> dict[str, Provisioned]:
        """Create every resource, in dependency order. `saved`: what an earlier run created
        (`Provisioned.saved()` by logical id), whose AWS state has been restored: those are
        taken as they are, and only resources new to the template are created."""
        saved = saved or {}
        self._implicit_roles()
        for logical_id in self.order():
            spec = self.template.resources[logical_id]
            type_ = str(spec.get("Type"))
            condition = spec.get("Condition")
            if condition and not self.resolver.condition(condition):
                continue
            handler = self._handlers.get(type_)
            if handler is None:
                if type_ in NOT_NEEDED:
                    self.report.not_needed.append((logical_id, NOT_NEEDED[type_]))
                    self._register(self._not_needed(logical_id, type_, spec))
                else:
                    self.report.unsupported.append(f"{logical_id} ({type_})")
                continue
            props = spec.get("Properties", {}) or {}
            self.report.not_emulated += not_emulated(logical_id, type_, props)
            if type_ == "AWS::Serverless::Function":
                props = {k: v for k, v in props.items() if k != "Events"}
            resolved = self.resolver.resolve(props)
            print_ = fingerprint(type_, resolved, self._addresses())
            earlier = dict(saved[logical_id]) if logical_id in saved else None
            if earlier and earlier["type"] == type_:
                changed = earlier["fingerprint"] != print_
                updated = changed and self._updated_in_place(logical_id, type_, earlier, resolved)
                if changed and not updated and type_ not in EMULATED:
                    self.report.kept_as_saved.append(logical_id)
                if updated and type_ in RENEWED:
                    self.resources[logical_id].fingerprint = print_
                    self.report.restored.append(logical_id)
                    continue
                restored = Provisioned(logical_id, type_, earlier["ref"], earlier["attributes"])
                restored.fingerprint = print_ if updated else earlier["fingerprint"]
                self._register(restored)
                self.report.restored.append(logical_id)
                continue
            item = handler(logical_id, resolved)
            item.fingerprint = print_
            self._register(item)
            bucket = self.report.emulated if type_ in EMULATED else self.report.provisioned
            bucket.append(logical_id)
        return self.resources

    def _updated_in_place(
        self, logical_id: str, type_: str, saved: dict[str, Any], props: dict[str, Any]
    ) -> bool:
        """A saved resource changed in the template that AWS would update without replacing
        it, and that the local cloud updates the same way: an app client's settings (its auth
        flows: a client left offering old flows would refuse every sign-in), a table's new
        global secondary indexes and its stream's new view type (`saved["attributes"]` then
        names the new stream)."""
        ref = saved["ref"]
        if type_ in RENEWED:  # an emulation: made again, as it would be
            self._register(self._handlers[type_](logical_id, props))
            return True
        if type_ == "AWS::DynamoDB::Table":
            attributes = self._table_updated(ref, props, saved["fingerprint"])
            if attributes is not None:
                saved["attributes"] = {**saved["attributes"], **attributes}
            return attributes is not None
        if type_ != "AWS::Cognito::UserPoolClient":
            return False
        args = {k: v for k, v in props.items() if k != "GenerateSecret"}
        args.setdefault("ClientName", self.physical_name(logical_id, 128))
        self.client("cognito-idp").update_user_pool_client(ClientId=ref, **args)
        return True

    def _implicit_roles(self) -> None:
        """The execution role SAM makes for a function without `Role` (`<Function>Role`), which
        other resources may name (a search domain's access policy): IAM is not enforced
        locally, so it is registered, not created."""
        for logical_id, spec in self.template.resources.items():
            props = spec.get("Properties") or {}
            if spec.get("Type") == "AWS::Serverless::Function" and "Role" not in props:
                role = f"{logical_id}Role"
                name = self.physical_name(role)
                attributes = {"Arn": self._arn("iam", f"role/{name}").replace(f":{REGION}:", "::")}
                self._register(Provisioned(role, "AWS::IAM::Role", name, attributes))

    def _register(self, item: Provisioned) -> None:
        self.resources[item.logical_id] = item
        self.resolver.refs[item.logical_id] = item.ref

        def attribute(name: str, item: Provisioned = item) -> Any:
            if name not in item.attributes:
                raise TemplateError(f"GetAtt {item.logical_id}.{name} is not supported locally")
            return item.attributes[name]

        self.resolver.attributes[item.logical_id] = attribute

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}"

    # ----------------------------------------------------------------- DynamoDB
    def _table(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("TableName") or self.physical_name(logical_id, 255)
        args: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if args["BillingMode"] == "PROVISIONED":
            args["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                args[key] = props[key]
        stream = props.get("StreamSpecification")
        if stream:
            args["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": stream["StreamViewType"],
            }
        client = self.client("dynamodb")
        description = client.create_table(**args)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and str(ttl.get("Enabled")).lower() == "true":
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        attributes = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attributes["StreamArn"] = description["LatestStreamArn"]
        return Provisioned(logical_id, "AWS::DynamoDB::Table", name, attributes)

    def _table_updated(
        self, name: str, props: dict[str, Any], saved_print: str
    ) -> dict[str, Any] | None:
        """A saved table that the template changes only by adding global secondary indexes or
        by another view type of its stream (the saved fingerprint is the template's without
        those changes), updated as CloudFormation updates it: UpdateTable creates each index
        over the items the table holds; a new view type is a new stream (the old one stops,
        and the functions reading it read the new one from its start). Its new attributes;
        None for any other change, which keeps the table as saved."""
        client = self.client("dynamodb")
        table = client.describe_table(TableName=name)["Table"]
        names = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes") or []}
        indexes = props.get("GlobalSecondaryIndexes") or []
        added = [index for index in indexes if index["IndexName"] not in names]
        kept = [index for index in indexes if index["IndexName"] in names]
        used = {key["AttributeName"] for index in kept for key in index["KeySchema"]}
        used |= {key["AttributeName"] for key in props["KeySchema"]}
        before = {**props, "GlobalSecondaryIndexes": kept}
        if not kept:
            del before["GlobalSecondaryIndexes"]
        before["AttributeDefinitions"] = [
            attribute
            for attribute in props["AttributeDefinitions"]
            if attribute["AttributeName"] in used
        ]
        stream = table.get("StreamSpecification") or {}
        view = stream.get("StreamViewType") if stream.get("StreamEnabled") else None
        wanted = (props.get("StreamSpecification") or {}).get("StreamViewType")
        new_view = wanted if view and wanted and wanted != view else None
        if new_view:
            before["StreamSpecification"] = {**props["StreamSpecification"], "StreamViewType": view}
        type_ = "AWS::DynamoDB::Table"
        if not (added or new_view) or fingerprint(type_, before, self._addresses()) != saved_print:
            return None
        for index in added:  # one at a time, as DynamoDB takes them
            client.update_table(
                TableName=name,
                AttributeDefinitions=props["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )
        if not new_view:
            return {}
        return {"StreamArn": _new_stream(name, new_view)}

    # ----------------------------------------------------------------- SQS
    def _queue(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("QueueName") or self.physical_name(logical_id, 80)
        if props.get("FifoQueue") and not name.endswith(".fifo"):
            name = f"{name[:75]}.fifo"
        attributes: dict[str, str] = {}
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
            "FifoQueue",
            "ContentBasedDeduplication",
        ):
            if key in props:
                attributes[key] = (
                    str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
                )
        if props.get("RedrivePolicy"):
            policy = props["RedrivePolicy"]
            attributes["RedrivePolicy"] = policy if isinstance(policy, str) else json.dumps(policy)
        client = self.client("sqs")
        url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self._arn("sqs", name)
        return Provisioned(
            logical_id, "AWS::SQS::Queue", url, {"Arn": arn, "QueueName": name, "QueueUrl": url}
        )

    # ----------------------------------------------------------------- SNS
    def _topic(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("TopicName") or self.physical_name(logical_id, 256)
        client = self.client("sns")
        arn = client.create_topic(Name=name)["TopicArn"]
        for subscription in props.get("Subscription", []) or []:
            client.subscribe(
                TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"]
            )
        return Provisioned(logical_id, "AWS::SNS::Topic", arn, {"TopicArn": arn, "TopicName": name})

    def _subscription(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        attributes = {}
        for key in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"):
            if key in props:
                value = props[key]
                attributes[key] = (
                    json.dumps(value)
                    if isinstance(value, dict)
                    else str(value).lower()
                    if isinstance(value, bool)
                    else str(value)
                )
        arn = self.client("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return Provisioned(logical_id, "AWS::SNS::Subscription", arn, {"Arn": arn})

    # ----------------------------------------------------------------- S3
    def _bucket(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("BucketName") or self.physical_name(logical_id, 63).lower()
        client = self.client("s3")
        client.create_bucket(Bucket=name)
        notifications = props.get("NotificationConfiguration") or {}
        config: dict[str, Any] = {}
        for cfn_key, api_key, target in (
            ("QueueConfigurations", "QueueConfigurations", ("Queue", "QueueArn")),
            ("TopicConfigurations", "TopicConfigurations", ("Topic", "TopicArn")),
        ):
            entries = []
            for entry in notifications.get(cfn_key, []) or []:
                item: dict[str, Any] = {target[1]: entry[target[0]], "Events": [entry["Event"]]}
                rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules")
                if rules:
                    item["Filter"] = {"Key": {"FilterRules": rules}}
                entries.append(item)
            if entries:
                config[api_key] = entries
        if config:
            client.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration=config
            )
        if props.get("CorsConfiguration"):
            client.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={
                    "CORSRules": [_cors_rule(r) for r in props["CorsConfiguration"]["CorsRules"]]
                },
            )
        if props.get("LifecycleConfiguration"):
            client.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
                },
            )
        base = self.s3_endpoint or f"https://{name}.s3.amazonaws.com"
        attributes = {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": base.split("://", 1)[1] + (f"/{name}" if self.s3_endpoint else ""),
            "RegionalDomainName": base.split("://", 1)[1]
            + (f"/{name}" if self.s3_endpoint else ""),
            "WebsiteURL": f"{base}/{name}" if self.s3_endpoint else base,
        }
        return Provisioned(logical_id, "AWS::S3::Bucket", name, attributes)

    # ----------------------------------------------------------------- Cognito
    def _user_pool(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        skipped = {"UserPoolName", "DeletionProtection", "UserPoolTier"}  # the tier bills only
        args = {k: v for k, v in props.items() if k not in skipped}
        name = props.get("UserPoolName") or self.physical_name(logical_id, 128)
        pool = self.client("cognito-idp").create_user_pool(PoolName=name, **args)["UserPool"]
        pool_id = pool["Id"]
        provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
        attributes = {
            "Arn": pool["Arn"],
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
            "UserPoolId": pool_id,
        }
        return Provisioned(logical_id, "AWS::Cognito::UserPool", pool_id, attributes)

    def _user_pool_client(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        args = dict(props)
        args.setdefault("ClientName", self.physical_name(logical_id, 128))
        client = self.client("cognito-idp").create_user_pool_client(**args)["UserPoolClient"]
        return Provisioned(
            logical_id,
            "AWS::Cognito::UserPoolClient",
            client["ClientId"],
            {"ClientSecret": client.get("ClientSecret", "")},
        )

    def _user_pool_group(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        args = {k: v for k, v in props.items() if k in {"GroupName", "UserPoolId", "Description"}}
        args.setdefault("GroupName", self.physical_name(logical_id, 128))
        if "Precedence" in props:
            args["Precedence"] = int(props["Precedence"])
        group = self.client("cognito-idp").create_group(**args)["Group"]
        return Provisioned(logical_id, "AWS::Cognito::UserPoolGroup", group["GroupName"])

    # ----------------------------------------------------------------- SAM (emulated)
    def _function(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("FunctionName") or self.physical_name(logical_id)
        arn = self._arn("lambda", f"function:{name}")
        return Provisioned(logical_id, "AWS::Serverless::Function", name, {"Arn": arn})

    def _websocket_part(self, type_: str, logical_id: str, props: dict[str, Any]) -> Provisioned:
        """An id for each part (the API's is in the management endpoint's host name)."""
        part_id = self.physical_name(logical_id).lower()
        endpoint = f"wss://{part_id}.execute-api.{REGION}.amazonaws.com"
        return Provisioned(logical_id, type_, part_id, {"ApiId": part_id, "ApiEndpoint": endpoint})

    def _api(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        api_id = self.physical_name(logical_id).lower()
        return Provisioned(logical_id, "AWS::Serverless::Api", api_id, {"RootResourceId": "root"})

    # ----------------------------------------------------------------- Secrets Manager
    def _search_domain(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = str(props.get("DomainName") or self.physical_name(logical_id, 28)).lower()
        arn = self._arn("es", f"domain/{name}")
        attributes = {
            "Arn": arn,
            "DomainArn": arn,
            "DomainEndpoint": self.search_endpoint or "http://search.invalid",
            "Id": name,
        }
        return Provisioned(logical_id, "AWS::OpenSearchService::Domain", name, attributes)

    def _secret(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        client = self.client("secretsmanager")
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if value is None and generate is not None:
            value = client.get_random_password(
                PasswordLength=int(generate.get("PasswordLength", 32)),
                ExcludePunctuation=bool(generate.get("ExcludePunctuation", False)),
            )["RandomPassword"]
        name = props.get("Name") or self.physical_name(logical_id, 512)
        arn = client.create_secret(Name=name, SecretString=str(value or ""))["ARN"]
        return Provisioned(logical_id, "AWS::SecretsManager::Secret", arn, {"Id": arn})

    # ----------------------------------------------------------------- CloudFront (emulated)
    def _distribution(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        """The default behaviour's S3 origin, served by the embedded S3 over plain HTTP.

        `DomainName` is `<moto host:port>/<bucket><origin path>`, so `<scheme>://<DomainName>/<key>`
        is a plain GET URL of an object under the origin path, which a bucket policy opens to
        anonymous reads (and only that path, as CloudFront with origin access control would).
        """
        config = props["DistributionConfig"]
        target = config["DefaultCacheBehavior"]["TargetOriginId"]
        origin = next(o for o in config["Origins"] if o["Id"] == target)
        distribution_id = f"E{zlib.crc32(logical_id.encode()):010d}"
        attributes: dict[str, Any] = {
            "Id": distribution_id,
            "DomainName": f"{distribution_id.lower()}.cloudfront.net",
        }
        bucket = next(
            (
                item.ref
                for item in self.resources.values()
                if item.type == "AWS::S3::Bucket"
                and origin["DomainName"]
                in (item.attributes["RegionalDomainName"], item.attributes["DomainName"])
            ),
            None,
        )
        if bucket is not None and self.endpoint:
            path = str(origin.get("OriginPath", "")).strip("/")
            prefix = f"{path}/" if path else ""
            self._open_to_the_local_cdn(logical_id, bucket, prefix)
            attributes["DomainName"] = f"{origin['DomainName']}/{path}".rstrip("/")
            attributes["SignedPrefix"] = f"{bucket}/{prefix}"
            if config["DefaultCacheBehavior"].get("TrustedKeyGroups"):
                behavior = config["DefaultCacheBehavior"]
                attributes["TrustedKeys"] = self._trusted_keys(behavior)
        return Provisioned(logical_id, "AWS::CloudFront::Distribution", distribution_id, attributes)

    def _open_to_the_local_cdn(self, logical_id: str, bucket: str, prefix: str) -> None:
        """A bucket policy that lets anyone read under `prefix` (the S3 front then checks a
        signed URL where the CDN trusts a key group)."""
        statement = {
            "Sid": f"LocalCdn{logical_id}",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/{prefix}*",
        }
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        self.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def _trusted_keys(self, behavior: dict[str, Any]) -> dict[str, str]:
        """Public key id → PEM of the key groups a cache behaviour trusts: its URLs must be
        signed by one of them (none: its files are public)."""
        keys: dict[str, str] = {}
        for group_id in behavior.get("TrustedKeyGroups") or []:
            group = next((r for r in self.resources.values() if r.ref == group_id), None)
            for key_id in (group.attributes.get("Items") or []) if group else []:
                key = next((r for r in self.resources.values() if r.ref == key_id), None)
                if key is not None:
                    keys[key_id] = key.attributes["EncodedKey"]
        return keys

    def _public_key(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        config = props["PublicKeyConfig"]
        key_id = f"K{zlib.crc32(logical_id.encode()):012d}"
        attributes = {"Id": key_id, "EncodedKey": str(config["EncodedKey"])}
        return Provisioned(logical_id, "AWS::CloudFront::PublicKey", key_id, attributes)

    def _key_group(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        group_id = f"{zlib.crc32(logical_id.encode()):08x}-0000-4000-8000-000000000000"
        items = [str(item) for item in props["KeyGroupConfig"]["Items"]]
        attributes = {"Id": group_id, "Items": items}
        return Provisioned(logical_id, "AWS::CloudFront::KeyGroup", group_id, attributes)

    def _origin_access_control(self, logical_id: str, props: dict[str, Any]) -> Provisioned:
        control_id = f"E{zlib.crc32(logical_id.encode()) ^ 0xA5A5A5A5:010d}"
        return Provisioned(
            logical_id, "AWS::CloudFront::OriginAccessControl", control_id, {"Id": control_id}
        )


def local_client(service: str, endpoint: str | None) -> Any:
    """A boto3 client of `service` on the embedded moto server (None: AWS's own endpoints,
    which moto's `mock_aws` intercepts in tests), with the local cloud's credentials."""
    make_client: Any = boto3.client  # any service, by name
    return make_client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_KEY,
    )


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's CorsRule spelling → the S3 API's."""
    renamed = {"Id": "ID", "MaxAge": "MaxAgeSeconds"}
    return {renamed.get(key, key): value for key, value in rule.items()}


def not_emulated(logical_id: str, type_: str, props: dict[str, Any]) -> list[str]:
    """What of a resource the local cloud stores but never acts on: a bucket's lifecycle rules
    (moto keeps them; nothing expires objects or aborts uploads by them), its versioning (the
    local bucket keeps one version of each object) and its replication."""
    if type_ != "AWS::S3::Bucket":
        return []
    found = []
    rules = (props.get("LifecycleConfiguration") or {}).get("Rules") or []
    if rules:
        names = ", ".join(str(rule.get("Id", "rule")) for rule in rules)
        found.append(f"{logical_id}.LifecycleConfiguration (stored, never run: {names})")
    if (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
        found.append(f"{logical_id}.VersioningConfiguration (one version of each object kept)")
    if props.get("ReplicationConfiguration"):
        found.append(f"{logical_id}.ReplicationConfiguration (nothing is replicated)")
    return found


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule.get("Status", "Enabled")}
    out["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "ExpiredObjectDeleteMarker" in rule:
        out["Expiration"] = {"ExpiredObjectDeleteMarker": bool(rule["ExpiredObjectDeleteMarker"])}
    if "NoncurrentVersionExpiration" in rule:
        days = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(days)}
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
    return out


# Mobile push: the platform applications a deployment creates with its APNs and FCM
# credentials, made in the embedded SNS (which records what is pushed to their endpoints).
PUSH_APPLICATIONS = {
    "ApnsPlatformApplicationArn": ("APNS", "glimpse-local-ios"),
    "FcmPlatformApplicationArn": ("GCM", "glimpse-local-android"),
}


def push_applications(endpoint: str) -> dict[str, str]:
    """The local platform applications' ARNs by template parameter (made once, then kept)."""
    sns = local_client("sns", endpoint)
    existing = {
        app["PlatformApplicationArn"].rsplit("/", 1)[-1]: app["PlatformApplicationArn"]
        for app in sns.list_platform_applications()["PlatformApplications"]
    }
    arns = {}
    for parameter, (platform, name) in PUSH_APPLICATIONS.items():
        arns[parameter] = (
            existing.get(name)
            or sns.create_platform_application(
                Name=name,
                Platform=platform,
                Attributes={"PlatformCredential": "local", "PlatformPrincipal": "local"},
            )["PlatformApplicationArn"]
        )
    return arns


def _new_stream(table_name: str, view: str) -> str:
    """The table's stream ended and a new one of view type `view` begun (its ARN), as
    CloudFormation does with two UpdateTable calls. moto refuses the second (it keeps the old
    stream's label once disabled), so the new stream is made on moto's table, which is in this
    process (the local cloud's embedded server, or a test's `mock_aws`)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name)
    table.set_stream_specification({"StreamEnabled": True, "StreamViewType": view})
    return str(table.describe()["TableDescription"]["LatestStreamArn"])
