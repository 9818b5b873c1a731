"""The local cloud: moto for AWS, the template provisioned on it, the gateway, the pollers."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from glimpse.config import get_settings
from infra import opensearch
from infra.local import (
    activity,
    atomicity,
    cognito,
    dynamodb_parser,
    media_urls,
    moto_costs,
    transport,
)
from infra.local.delivery import Delivery, DeliveryOptions
from infra.local.fronts import Front
from infra.local.fronts.rest import Gateway, RestFront, routes_from_template
from infra.local.fronts.s3 import S3Front
from infra.local.fronts.search import SearchFront
from infra.local.fronts.web import WebFront, config_js
from infra.local.fronts.websocket import WebSocketFront
from infra.local.journal import Journal
from infra.local.provision import (
    LOCAL_ACCESS_KEY_ID,
    LOCAL_SECRET_KEY,
    Provisioner,
    local_client,
    push_applications,
)
from infra.local.runtime import (
    FunctionRuntime,
    PrefixedStream,
    function_specs,
    merged_environment,
)
from infra.local.search import LocalSearch
from infra.local.sigv4 import LocalCredential
from infra.local.state import StateStore
from infra.local.template import REGION, Template
from infra.local.tokens import CognitoVerifier

ROOT = Path(__file__).resolve().parents[2]
# Where a running local cloud says which ports it serves on (in its state directory).
ENDPOINTS = "endpoints.json"
# What the local stack changes from the template's defaults (API.md: on the local stack,
# accounts are confirmed at once; uploads are moderated by the local model, offline).
LOCAL_DEFAULTS = {"AutoConfirmUsers": "true", "ModerationMode": "local"}


_moto_lock = threading.Lock()
_moto_endpoint: str | None = None


def _cached_hosts(dispatcher: type) -> type:
    """moto's dispatcher, which works out the backend of a host once (moto's own lists its
    package's ~200 directories on every request)."""

    class CachedHosts(dispatcher):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._backends: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            try:
                return self._backends[host]
            except KeyError:
                found = super().get_backend_for_host(host)
                if len(self._backends) < 4096:  # hosts are services and regions
                    self._backends[host] = found
                return found

    return CachedHosts


def embedded_moto(port: int = 0) -> str:
    """This process's moto server on 127.0.0.1 (one per process: moto's state is global);
    on `port` when it starts here (0: any free port). Its clients in this process reach it
    without a socket (transport.py)."""
    global _moto_endpoint
    with _moto_lock:
        if _moto_endpoint is None:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server

            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            app = _cached_hosts(DomainDispatcherApplication)(create_backend_app)
            # Bound here, not on the server's thread (moto's ThreadedMotoServer waits forever
            # when the port is taken); werkzeug exits rather than raise when it is.
            try:
                server = make_server(
                    "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
                )
            except SystemExit:
                raise OSError(f"port {port} is in use") from None
            threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
            _moto_endpoint = f"http://127.0.0.1:{server.server_port}"
            transport.install(_moto_endpoint, app)  # this process's clients skip the socket
        return _moto_endpoint


def _moved(saved: dict[str, Any], moves: dict[Any, str]) -> dict[str, Any]:
    """`saved` with each old endpoint's host:port replaced by the new one's (all at once:
    an old address may be another's new one, when the ports moved by one)."""
    text = json.dumps(saved)
    pairs = [(urlsplit(old).netloc, urlsplit(new).netloc) for old, new in moves.items() if old]
    for index, (old, _new) in enumerate(pairs):
        text = text.replace(old, f"\x00{index}\x00")
    for index, (_old, new) in enumerate(pairs):
        text = text.replace(f"\x00{index}\x00", new)
    return dict(json.loads(text))


def aws_environment(endpoint: str, s3_endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
        "AWS_SESSION_TOKEN": "local",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }


def _prefix_output() -> None:
    """This process's output, each line marked with who wrote it (once per process)."""
    if not isinstance(sys.stdout, PrefixedStream):
        sys.stdout = PrefixedStream(sys.stdout)
        sys.stderr = PrefixedStream(sys.stderr)


@dataclass
class LocalCloud:
    """`port`: the API's; the WebSocket front listens on `websocket_port` (default port + 1),
    the S3 front on `s3_port` (default port + 2), the embedded AWS endpoint on `aws_port`
    (default port + 3), the WebSocket management API on port + 4, the search front on
    `search_port` (default port + 5) and the web client on `web_port` (default port + 6), so
    URLs handed out (upload forms, rendition URLs) stay valid across restarts. Port 0: any
    free ones."""

    template_path: Path = ROOT / "template.yaml"
    host: str = "127.0.0.1"
    port: int = 3000
    aws_port: int | None = None
    s3_port: int | None = None
    websocket_port: int | None = None
    search_port: int | None = None
    web_port: int | None = None
    # Where the local cloud keeps its data across restarts (None: nowhere); `fresh`: start
    # empty (a saved state is moved aside); saved every `save_interval` seconds (when
    # something changed) and on stop, and journaled in between (journal.py).
    state_dir: Path | None = None
    fresh: bool = False
    save_interval: float = 15.0
    # A stop waits this long for the requests in progress, and as long again for the events
    # they caused to be delivered.
    drain_timeout: float = 30.0
    parameters: Mapping[str, str] = field(default_factory=dict)
    stack_name: str = "glimpse"
    options: DeliveryOptions = field(default_factory=DeliveryOptions)

    def __post_init__(self) -> None:
        self.endpoint = ""
        self.report_lines: list[str] = []
        self.fronts: dict[str, Front] = {}
        self.state: StateStore | None = None
        self.journal: Journal | None = None
        self._replayed: int | None = None  # journal records replayed at start (None: no base)
        self._saved_started = -1  # the delivery's `started` at the last save
        self._saver: threading.Thread | None = None
        self._stopping = threading.Event()
        self._delivery: Delivery | None = None
        self._pools: list[str] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalCloud:
        _prefix_output()
        self._start_aws()
        self._open_data_fronts()
        saved = self._restore(self.s3_url, self.search_url)
        self._search_start(saved.get("search"))
        self._provision(saved)
        self._replay_journal()
        self._load_functions()
        self._open_api()
        self._open_websocket_api()
        self._open_web()
        delivery = self._wire_delivery(saved.get("stream_checkpoints"))
        if self.state is not None and self._replayed != 0:  # a first start, or a replay
            self.save()  # the journal's segments so far are in this snapshot now
        self._start_serving(delivery)
        self._write_endpoints()
        return self

    def _start_aws(self) -> None:
        """The embedded moto endpoint, its DynamoDB transactions made atomic (and maybe
        cancelled by chaos); the handlers' SDK reads DynamoDB's answers in one pass."""
        self.endpoint = embedded_moto(self._port_after(self.aws_port, 3))
        atomicity.install()
        dynamodb_parser.install()
        cognito.install()  # what Cognito does and moto does not (codes, triggers, sessions)
        activity.install()  # moto announces records, messages and writes to the pollers
        moto_costs.install()  # moto's costs that grow with the data (SQS receives), cut
        atomicity.set_conflict_share(self.options.chaos_conflicts, self.options.seed)

    def _open_data_fronts(self) -> None:
        """The S3 and search fronts (not yet serving), and this process's AWS environment."""
        s3_front = S3Front(
            self.endpoint,
            self.host,
            self._port_after(self.s3_port, 2),
            LocalCredential(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_KEY, REGION),
            local_client("s3", self.endpoint),
        )
        self.fronts["s3"] = s3_front
        os.environ.update(aws_environment(self.endpoint, s3_front.url))
        self.search = LocalSearch()
        search_front = SearchFront(self.search, self.host, self._port_after(self.search_port, 5))
        self.fronts["search"] = search_front

    def _provision(self, saved: dict[str, Any]) -> None:
        """The template's resources on moto (as saved, if they were), and Cognito's codes."""
        self.template = Template.load(
            self.template_path,
            self.parameters,
            self.stack_name,
            defaults={
                **LOCAL_DEFAULTS,
                **push_applications(self.endpoint),
                **media_urls.parameters(self.state_dir),
            },
        )
        self.provisioner = Provisioner(
            self.template, self.endpoint, self.s3_url, search_endpoint=self.search_url
        )
        self.provisioner.provision(saved.get("resources"))
        self._trust_signed_urls()
        cognito.restore_codes(saved.get("cognito_codes") or [])

    def _trust_signed_urls(self) -> None:
        """The S3 front checks signed URLs where an emulated CDN trusts a key group."""
        front = self.fronts.get("s3")
        for item in self.provisioner.resources.values():
            prefix = item.attributes.get("SignedPrefix")
            signed = "TrustedKeys" in item.attributes  # key groups named, found or not
            if item.type == "AWS::CloudFront::Distribution" and prefix and signed and front:
                assert isinstance(front, S3Front)
                front.trust(prefix, item.attributes["TrustedKeys"])

    def _load_functions(self) -> None:
        """The template's functions, their environment, and the Cognito triggers they serve."""
        self.specs = function_specs(self.template, self.provisioner.resolver)
        os.environ.update(merged_environment(self.specs))
        # Settings read before (another cloud of this process, a test) describe another
        # environment: Lambda starts each function with its own.
        get_settings.cache_clear()
        self.runtime = FunctionRuntime(self.specs)
        self._wire_cognito_triggers()

    def _open_api(self) -> None:
        """The REST API's gateway and front (none if the template has no API)."""
        apis, routes = routes_from_template(self.template, self.provisioner.resolver)
        if len(apis) > 1:
            raise RuntimeError(f"the local cloud serves one API; the template has {sorted(apis)}")
        if apis:
            ((api_id, api),) = apis.items()
            verifiers = {name: self._verifier(pool_id) for name, pool_id in api.authorizers.items()}
            self.gateway = Gateway(api, routes[api_id], self.runtime, verifiers)
            self.fronts["api"] = RestFront(self.gateway, self.host, self.port)

    def _open_websocket_api(self) -> None:
        """The WebSocket API's front and its management endpoint (none if the template has
        no WebSocket API)."""
        sockets = self.template.websocket_apis(self.provisioner.resolver)
        if len(sockets) > 1:
            raise RuntimeError(
                f"the local cloud serves one WebSocket API; the template has {sorted(sockets)}"
            )
        for socket_api in sockets.values():
            socket_front = WebSocketFront(
                socket_api,
                self.runtime,
                self.host,
                self._port_after(self.websocket_port, 1),
                self._port_after(None, 4),
            )
            self.fronts["websocket"] = socket_front
            os.environ["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = socket_front.management_url

    def _open_web(self) -> None:
        """The web client's front (web/), told where the API and the WebSocket API are."""
        if "api" in self.fronts and "websocket" in self.fronts:
            config = config_js(self.url, self.websocket_url)
            port = self._port_after(self.web_port, 6)
            self.fronts["web"] = WebFront(self.host, port, config)

    def _wire_delivery(self, checkpoints: dict[str, dict[str, Any]] | None) -> Delivery:
        """The event sources wired to their functions, resuming saved stream positions."""
        delivery = Delivery(self.provisioner, self.runtime, self.options, resume=checkpoints)
        self._delivery = delivery
        delivery.wire()
        pools = self.template.of_type("AWS::Cognito::UserPool")
        self.report_lines = (
            self.provisioner.report.lines()
            + delivery.report_lines()
            + (cognito.report_lines() if pools else [])
        )
        return delivery

    def _start_serving(self, delivery: Delivery) -> None:
        """Delivery, the fronts and the regular saves, all running."""
        delivery.start()
        for front in self.fronts.values():
            front.start()
        if self.state is not None:
            self._saver = threading.Thread(target=self._save_every, name="state", daemon=True)
            self._saver.start()

    def stop(self, hurry: threading.Event | None = None) -> None:
        """A clean stop: stop accepting (the API's and WebSocket's listeners and idle
        keep-alive connections close; no new request is answered), let the requests in
        progress finish, deliver the events they caused (until the pollers' queues and
        streams are empty), stop the other fronts and the pollers, save. Each wait lasts at
        most `drain_timeout`; `hurry` set (a second Ctrl-C) skips what is left of them; what
        was not delivered is in the snapshot and delivered on the next start."""
        self._stopping.set()
        entrances = [self.fronts[name] for name in ("api", "websocket") if name in self.fronts]
        for front in entrances:
            front.stop_accepting()
        deadline = time.monotonic() + self.drain_timeout
        for front in entrances:
            if not front.drain(deadline, hurry):
                sys.stderr.write(f"[stop] {front.name}: requests still in progress; saving\n")
        delivery = self._delivery
        if delivery and not delivery.drain(time.monotonic() + self.drain_timeout, hurry):
            sys.stderr.write("[stop] events not delivered yet: saved, delivered on restart\n")
        for name, front in self.fronts.items():
            if name != "api":
                front.stop()
        if delivery:
            delivery.stop()
        if self._saver:
            self._saver.join(timeout=5)
        if self.state is not None and delivery is not None:
            self.save()
        if "api" in self.fronts:
            self.fronts["api"].stop()
        if self.journal is not None:
            self.journal.close()  # anything answered after the save is in its last segment
        self._remove_endpoints()
        for pool_id in self._pools:
            cognito.unregister(pool_id)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ state across restarts
    def _restore(self, s3_url: str, search_url: str) -> dict[str, Any]:
        """The saved state put back into moto; what the rest of the start needs from it."""
        if self.state_dir is None:
            return {}
        self.journal = Journal(self.state_dir)
        self.state = StateStore(self.state_dir, journal=self.journal)
        if self.fresh:
            self.state.set_aside("started with --fresh")
            self.journal.discard_before(sys.maxsize)  # what it holds is on top of that state
            return {}
        loaded = self.state.load()
        if loaded is None and self.journal.segments():  # writes on top of a state not there
            sys.stderr.write("[journal] no saved state to replay the journal on: dropped\n")
            self.journal.discard_before(sys.maxsize)
        saved = loaded or {}
        if saved.get("stack_name") not in (None, self.stack_name):
            raise RuntimeError(
                f"{self.state_dir} holds the stack {saved['stack_name']!r}, not "
                f"{self.stack_name!r}: use another state directory, or --fresh"
            )
        # URLs the resources carry (a CDN domain) follow the endpoints if the ports changed.
        moves = {
            saved.get("endpoint"): self.endpoint,
            saved.get("s3_url"): s3_url,
            saved.get("search_url"): search_url,
        }
        return _moved(saved, moves)

    def _replay_journal(self) -> None:
        """The writes journaled since the snapshot (after a kill), back into moto; then the
        journal records from here on."""
        if self.journal is None or self.state is None:
            return
        since = self.state.journal_since
        if since is not None:
            started = time.perf_counter()
            self._replayed = self.journal.replay(since)
            if self._replayed:
                elapsed = time.perf_counter() - started
                sys.stderr.write(
                    f"[journal] replayed {self._replayed} writes made after the last save "
                    f"({elapsed:.1f}s)\n"
                )
        self.journal.start()

    def save(self) -> None:
        """Snapshot the local cloud's state now (it also saves itself regularly and on stop)."""
        if self.state is None or self._delivery is None:
            return
        self._saved_started = self._delivery.started
        self.state.save(
            {
                "stack_name": self.stack_name,
                "endpoint": self.endpoint,
                "s3_url": self.s3_url,
                "search_url": self.search_url,
                "resources": {
                    logical_id: item.saved()
                    for logical_id, item in self.provisioner.resources.items()
                },
                "stream_checkpoints": self._delivery.stream_checkpoints(),
                "cognito_codes": cognito.saved_codes(),
                "search": self.search.snapshot(),
            }
        )

    def _search_start(self, saved: dict[str, Any] | None) -> None:
        """The saved documents back, then infra/opensearch's templates and indexes (what the
        `SearchIndexes` custom resource does at deploy time)."""
        if saved:
            self.search.restore(saved)
        self.search.apply(opensearch.templates())

    def _save_every(self) -> None:
        while not self._stopping.wait(self.save_interval):
            if not self._changed():
                continue
            try:
                self.save()
            except Exception as exc:  # the next save tries again; stop() saves too
                sys.stderr.write(f"[state] save failed: {type(exc).__name__}: {exc}\n")

    def _changed(self) -> bool:
        """Something to save: a journaled write, or a delivery (queues, stream positions,
        search documents follow from writes; an idle local cloud does not save)."""
        journaled = self.journal is not None and self.journal.appended > 0
        delivered = self._delivery is not None and self._delivery.started != self._saved_started
        return journaled or delivered

    # ------------------------------------------------------------------ the running ports
    def endpoints(self) -> dict[str, Any]:
        """Where each part listens (and this process's id)."""
        found: dict[str, Any] = {"pid": os.getpid(), "aws": self.endpoint, "s3": self.s3_url}
        found["search"] = self.search_url
        for name in ("api", "websocket", "web"):
            if name in self.fronts:
                found[name] = self.fronts[name].url
        return found

    def _write_endpoints(self) -> None:
        """Where this local cloud listens, for tools (`python -m infra.local.pushes`)."""
        if self.state_dir is None:
            return
        path = self.state_dir / ENDPOINTS
        temporary = path.with_name(f".{ENDPOINTS}.tmp")
        temporary.write_text(json.dumps(self.endpoints(), indent=2) + "\n")
        os.replace(temporary, path)

    def _remove_endpoints(self) -> None:
        if self.state_dir is not None:
            with contextlib.suppress(OSError):
                (self.state_dir / ENDPOINTS).unlink()

    def _port_after(self, chosen: int | None, offset: int) -> int:
        if chosen is not None:
            return chosen
        return self.port + offset if self.port else 0

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
        if "api" not in self.fronts:
            raise RuntimeError("the template has no API")
        return self.fronts["api"].url

    @property
    def s3_url(self) -> str:
        return self.fronts["s3"].url

    @property
    def search_url(self) -> str:
        return self.fronts["search"].url

    @property
    def web_url(self) -> str:
        if "web" not in self.fronts:
            raise RuntimeError("the template has no API and WebSocket API for a web client")
        return self.fronts["web"].url

    @property
    def websocket_url(self) -> str:
        if "websocket" not in self.fronts:
            raise RuntimeError("the template has no WebSocket API")
        return self.fronts["websocket"].url

    def ref(self, logical_id: str) -> Any:
        return self.provisioner.resolver.ref(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return self.provisioner.resolver.get_att(logical_id, attribute)

    @property
    def delivery(self) -> Delivery:
        if self._delivery is None:
            raise RuntimeError("the local cloud is not started")
        return self._delivery
