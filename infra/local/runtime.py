"""The function runtime: the template's handlers run in this process, as Lambda would run them.

Every function's environment comes from the template (Globals merged). Handlers share this
process's `os.environ`, so two functions that give one variable different values are an error
at start. Each invocation gets a Lambda-like context; what a handler prints is prefixed with
its function's name; an exception is logged (as CloudWatch would show it) and handed back to
the caller, which retries as AWS would. Nothing a handler does can stop the stack.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from infra.local.template import ACCOUNT_ID, REGION, Resolver, Template, TemplateError


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    module: str
    attribute: str
    timeout: int
    memory: int
    environment: dict[str, str]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    recursive_loop: str = "Terminate"  # Lambda's default: stopped at 16 hops (delivery.loops)

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}"


class ConfigurationError(Exception):
    """The template asks for something the local cloud cannot do as written."""


def function_specs(template: Template, resolver: Resolver) -> dict[str, FunctionSpec]:
    specs: dict[str, FunctionSpec] = {}
    for logical_id in template.of_type("AWS::Serverless::Function"):
        props = template.function_properties(logical_id)
        module, attribute = template.handler(logical_id)
        variables = resolver.resolve((props.get("Environment") or {}).get("Variables") or {})
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=str(resolver.ref(logical_id)),
            module=module,
            attribute=attribute,
            timeout=int(resolver.resolve(props.get("Timeout", 3))),
            memory=int(resolver.resolve(props.get("MemorySize", 128))),
            environment={k: str(v) for k, v in variables.items()},
            events=dict(props.get("Events") or {}),
            recursive_loop=str(resolver.resolve(props.get("RecursiveLoop", "Terminate"))),
        )
    return specs


def merged_environment(specs: dict[str, FunctionSpec]) -> dict[str, str]:
    """One environment for the whole process; a variable two functions disagree on is an error."""
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    conflicts = []
    for spec in specs.values():
        for key, value in spec.environment.items():
            if key in merged and merged[key] != value:
                conflicts.append(
                    f"{key}: {owner[key]} sets {merged[key]!r}, {spec.logical_id} sets {value!r}"
                )
            merged.setdefault(key, value)
            owner.setdefault(key, spec.logical_id)
    if conflicts:
        raise ConfigurationError(
            "functions run in one process locally, so an environment variable must mean one "
            "thing across functions:\n  " + "\n  ".join(conflicts)
        )
    return merged


class LambdaContext:
    """The attributes and method of AWS's context object that handlers and Powertools use."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _Current(threading.local):
    function: str | None = None


_current = _Current()


# Who reads the lines functions write, as CloudWatch Logs' subscription filters do
# (infra/local/delivery/logs.py): called with the function's name and each line, unprefixed.
LogListener = Callable[[str, str], None]
_log_listeners: list[LogListener] = []


def listen_to_logs(listener: LogListener) -> Callable[[], None]:
    """Hand `listener` every line a function writes from now on; the call that stops it."""
    _log_listeners.append(listener)
    return lambda: _log_listeners.remove(listener) if listener in _log_listeners else None


class PrefixedStream(io.TextIOBase):
    """Writes each line with the name of the function running on this thread in front (and
    hands the line to the log listeners, as CloudWatch Logs would to its subscriptions)."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        name = _current.function
        if name:
            for listener in list(_log_listeners):
                for line in text.splitlines():
                    if line.strip():
                        listener(name, line)
            lines = text.splitlines(keepends=True)
            text = "".join(f"[{name}] {line}" if line.strip() else line for line in lines)
        with self._lock:
            self._target.write(text)
            self._target.flush()
        return len(text)

    def flush(self) -> None:
        self._target.flush()


# What a handler raises to turn a caller away, as Lambda authorizers do (`raise
# PermissionError("Unauthorized")` is API Gateway's 401): logged in one line, not as a failure.
REFUSALS: tuple[type[Exception], ...] = (PermissionError,)


class InvocationError(Exception):
    """The handler raised; the message is what CloudWatch would have shown."""


@dataclass
class Invocation:
    function: str
    duration_ms: float
    cold: bool
    error: str | None


class FunctionRuntime:
    """Runs handlers like Lambda: one invocation at a time per execution environment.

    A handler module keeps per-invocation state in globals (Powertools' resolver holds the
    current event), so an environment never serves two invocations at once. Concurrent
    invocations get more environments, each a fresh copy of the handler module (its own
    cold start), up to `max_environments` per function; beyond that they wait.
    """

    def __init__(self, specs: dict[str, FunctionSpec], max_environments: int = 8) -> None:
        per_thread_router_state()
        self.specs = specs
        self.max_environments = max_environments
        self._free: dict[str, list[Any]] = {name: [] for name in specs}
        self._created: dict[str, int] = dict.fromkeys(specs, 0)
        self._available = threading.Condition()
        self.history: deque[Invocation] = deque(maxlen=10_000)

    def spec(self, logical_id: str) -> FunctionSpec:
        try:
            return self.specs[logical_id]
        except KeyError:
            raise TemplateError(f"no function {logical_id} in the template") from None

    def _acquire(self, spec: FunctionSpec) -> tuple[Any, bool]:
        with self._available:
            while not self._free[spec.logical_id]:
                if self._created[spec.logical_id] < self.max_environments:
                    index = self._created[spec.logical_id]
                    self._created[spec.logical_id] += 1
                    break
                self._available.wait()
            else:
                return self._free[spec.logical_id].pop(), False
        try:
            return _load_handler(spec, index), True
        except BaseException:
            with self._available:
                self._created[spec.logical_id] -= 1
                self._available.notify()
            raise

    def _release(self, spec: FunctionSpec, handler: Any) -> None:
        with self._available:
            self._free[spec.logical_id].append(handler)
            self._available.notify()

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Run the handler once; raise :class:`InvocationError` if it raised."""
        spec = self.spec(logical_id)
        previous = _current.function
        _current.function = spec.name
        started = time.perf_counter()
        error = None
        cold = False
        handler = None
        try:
            handler, cold = self._acquire(spec)
            return handler(event, LambdaContext(spec))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, REFUSALS):  # expected: a caller turned away, in one line
                sys.stderr.write(f"refused: {error}\n")
            else:
                sys.stderr.write(
                    f"ERROR invocation failed\n{''.join(traceback.format_exception(exc))}"
                )
            raise InvocationError(error) from exc
        finally:
            if handler is not None:
                self._release(spec, handler)
            elapsed = (time.perf_counter() - started) * 1000
            self.history.append(Invocation(spec.logical_id, elapsed, cold, error))
            _current.function = previous


_import_lock = threading.Lock()


class _PerThread:
    """A class attribute whose value is this thread's (set and read on the class or on an
    instance)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values = threading.local()

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        try:
            return self.values.value
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: Any) -> None:
        self.values.value = value


_router_state_per_thread = False


def per_thread_router_state() -> None:
    """Powertools' REST resolvers keep the event being handled on a class attribute
    (`BaseRouter.current_event`, and `lambda_context`): one per process, which in Lambda serves
    one invocation at a time. Here invocations run concurrently in one process (one thread
    each), so every resolver would read the last event set by any of them, and a request could
    be handled as another caller's. The two attributes become per-thread, on the class (through
    its metaclass) and on its instances alike. Once per process."""
    global _router_state_per_thread
    with _import_lock:
        if _router_state_per_thread:
            return
        _router_state_per_thread = True
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    names = ("current_event", "lambda_context")
    attributes = {name: _PerThread(name) for name in names}
    for name, attribute in attributes.items():
        # In the class dict: instances, and subclasses' class-level reads, find it there.
        setattr(BaseRouter, name, attribute)
    meta = type(BaseRouter)
    # The metaclass's data descriptors: `BaseRouter.current_event = event` (Powertools' own
    # assignment) sets this thread's value instead of replacing the class attribute.
    BaseRouter.__class__ = type(f"PerThread{meta.__name__}", (meta,), dict(attributes))  # type: ignore[method-assign]


def _load_handler(spec: FunctionSpec, index: int) -> Any:
    """The first environment uses the module as imported; others load a private copy
    (`<module>.__env<n>`)."""
    with _import_lock:
        if index == 0:
            module = importlib.import_module(spec.module)
        else:
            found = importlib.util.find_spec(spec.module)
            if found is None or found.origin is None:
                raise ConfigurationError(f"cannot find {spec.module}")
            copy_spec = importlib.util.spec_from_file_location(
                f"{spec.module}.__env{index}", found.origin
            )
            if copy_spec is None or copy_spec.loader is None:
                raise ConfigurationError(f"cannot load {spec.module}")
            module = importlib.util.module_from_spec(copy_spec)
            # In sys.modules under its own name while it runs and after, as an import puts a
            # module: code run at import may look itself up there (pydantic does, making a
            # generic model such as a handler's `Page[...]` return type).
            sys.modules[copy_spec.name] = module
            try:
                copy_spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[copy_spec.name]
                raise
    return getattr(module, spec.attribute)
