"""The local cloud: moto for AWS, the template provisioned on it, the gateway, the pollers."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local import atomicity, cognito
from infra.local.delivery import Delivery, DeliveryOptions
from infra.local.gateway import Gateway, HttpFront, routes_from_template
from infra.local.provision import Provisioner
from infra.local.runtime import (
    FunctionRuntime,
    PrefixedStream,
    function_specs,
    merged_environment,
)
from infra.local.template import REGION, Template
from infra.local.tokens import CognitoVerifier

ROOT = Path(__file__).resolve().parents[2]
# What the local stack changes from the template's defaults
# (API.md: on the local stack, accounts are confirmed at once).
LOCAL_DEFAULTS = {"AutoConfirmUsers": "true"}

_moto_lock = threading.Lock()
_moto_endpoint: str | None = None


def embedded_moto() -> str:
    """This process's moto server on 127.0.0.1 (one per process: moto's state is global)."""
    global _moto_endpoint
    with _moto_lock:
        if _moto_endpoint is None:
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            _moto_endpoint = f"http://{host}:{port}"
        return _moto_endpoint


def aws_environment(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }


@dataclass
class LocalCloud:
    template_path: Path = ROOT / "template.yaml"
    host: str = "127.0.0.1"
    port: int = 3000
    parameters: Mapping[str, str] = field(default_factory=dict)
    stack_name: str = "glimpse"
    options: DeliveryOptions = field(default_factory=DeliveryOptions)

    def __post_init__(self) -> None:
        self.endpoint = ""
        self.report_lines: list[str] = []
        self._front: HttpFront | None = None
        self._delivery: Delivery | None = None
        self._pools: list[str] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalCloud:
        if not isinstance(sys.stdout, PrefixedStream):
            sys.stdout = PrefixedStream(sys.stdout)
            sys.stderr = PrefixedStream(sys.stderr)
        self.endpoint = embedded_moto()
        atomicity.install()
        atomicity.set_conflict_share(self.options.chaos_conflicts, self.options.seed)
        os.environ.update(aws_environment(self.endpoint))

        self.template = Template.load(
            self.template_path, self.parameters, self.stack_name, defaults=LOCAL_DEFAULTS
        )
        self.provisioner = Provisioner(self.template, self.endpoint)
        self.provisioner.provision()
        resolver = self.provisioner.resolver

        self.specs = function_specs(self.template, resolver)
        os.environ.update(merged_environment(self.specs))
        self.runtime = FunctionRuntime(self.specs)
        self._wire_cognito_triggers()

        apis, routes = routes_from_template(self.template, resolver)
        if len(apis) > 1:
            raise RuntimeError(f"the local cloud serves one API; the template has {sorted(apis)}")
        if apis:
            ((api_id, api),) = apis.items()
            verifiers = {name: self._verifier(pool_id) for name, pool_id in api.authorizers.items()}
            self.gateway = Gateway(api, routes[api_id], self.runtime, verifiers)
            self._front = HttpFront(self.gateway, self.host, self.port)

        self._delivery = Delivery(self.provisioner, self.runtime, self.options)
        self._delivery.wire()
        self.report_lines = self.provisioner.report.lines() + self._delivery.report_lines()
        self._delivery.start()
        if self._front:
            self._front.start()
        return self

    def stop(self) -> None:
        if self._front:
            self._front.stop()
        if self._delivery:
            self._delivery.stop()
        for pool_id in self._pools:
            cognito.unregister(pool_id)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ wiring
    def _wire_cognito_triggers(self) -> None:
        resolver = self.provisioner.resolver
        for spec in self.specs.values():
            for event in spec.events.values():
                if event.get("Type") != "Cognito":
                    continue
                props = resolver.resolve(event.get("Properties") or {})
                triggers = (
                    props["Trigger"] if isinstance(props["Trigger"], list) else [props["Trigger"]]
                )
                pool_id = str(props["UserPool"])
                self._pools.append(pool_id)
                for trigger in triggers:
                    cognito.register(pool_id, str(trigger), self._trigger(spec.logical_id))

    def _trigger(self, function: str) -> cognito.TriggerCall:
        def call(event: dict[str, Any]) -> dict[str, Any]:
            return dict(self.runtime.invoke(function, event))

        return call

    def _verifier(self, pool_id: str) -> CognitoVerifier:
        clients = self.provisioner.client("cognito-idp").list_user_pool_clients(
            UserPoolId=pool_id, MaxResults=60
        )["UserPoolClients"]
        return CognitoVerifier.fetch(
            self.endpoint, pool_id, frozenset(c["ClientId"] for c in clients)
        )

    # ------------------------------------------------------------------ for people and tests
    @property
    def url(self) -> str:
        if not self._front:
            raise RuntimeError("the template has no API")
        return self._front.url

    def ref(self, logical_id: str) -> Any:
        return self.provisioner.resolver.ref(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return self.provisioner.resolver.get_att(logical_id, attribute)

    @property
    def delivery(self) -> Delivery:
        if self._delivery is None:
            raise RuntimeError("the local cloud is not started")
        return self._delivery
