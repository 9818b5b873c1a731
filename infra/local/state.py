"""The local cloud's state across restarts: moto's backends saved to a directory, restored.

`StateStore(directory).save(extra)` pickles every moto backend in use (DynamoDB with its
streams, S3 with the objects' bytes, SQS, SNS, Cognito, Secrets Manager, and whatever else this
process touched) together with `extra`, into one file, atomically: the snapshot is written to
a temporary file and renamed over the last one, so a crash or Ctrl-C mid-save leaves the last
snapshot whole. `load()` puts a snapshot back into this process's backends, which the embedded
moto server then serves at once; it returns `extra`.

Pickling moto needs help in three places, all handled by `_Pickler`'s dispatch table rather
than by leaving a service out:
- locks and conditions (SQS queues wait on a `threading.Condition`) are pickled as new ones;
- Cognito's signing key (a joserfc `RSAKey` around a `cryptography` key, which does not
  pickle) is pickled as PEM; it is the key shipped with moto, the same in every process, so
  tokens issued before a restart still verify against the pool's JWKS after it;
- a backend referenced from another object (from inside its own state, or another service's)
  is pickled as a reference and resolved to the live backend on load, never copied (so are
  moto's per-service and per-account dicts of backends).
S3 objects pickle their bytes themselves (moto's `FakeKey.__getstate__` reads the spooled
temporary file). DynamoDB Streams' shard iterators are not kept: moto never forgets one (the
pollers leave thousands behind), and an iterator does not outlive a restart on AWS either
(they expire in 15 minutes). Stream records and their sequence numbers are kept, so a poller
resumes with `AFTER_SEQUENCE_NUMBER` and the last sequence number it delivered.

A save runs while the server keeps serving. It pauses moto's request handling for the moment
it pickles: requests arriving wait; requests in progress get `grace` seconds to finish (an SQS
long poll does not count while it waits), after which the save proceeds anyway, so a request
that waits on another one (a Cognito trigger calling back into moto) delays it by at most
that. It holds DynamoDB's operation lock (atomicity.py), so no write is half applied, and
retries if a request still in progress changed a dict or set under the pickler.

A snapshot written by another moto version (or unreadable for any other reason) is moved
aside with a message, and `load()` returns None: the local cloud starts empty, never crashes.
Loading unpickles: a snapshot is trusted like code, so only ever load one this machine wrote.
"""

from __future__ import annotations

import contextlib
import copyreg
import fcntl
import functools
import importlib
import io
import os
import pickle
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import moto
from joserfc import jwk
from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock

from infra.local import atomicity
from infra.local.journal import Journal

SNAPSHOT = "moto-state.pickle"
FORMAT = 1
# Pause: how long requests in progress may take to finish before a save pickles anyway.
DEFAULT_GRACE = 0.25
_RETRIES = 8
# moto's own control backend (reset, proxy passthrough): nothing of the cloud's.
_SKIPPED_MODULES = frozenset({"moto.moto_api._internal.models"})
# Backend attributes that are dropped from snapshots: (module of the backends, attribute) → new.
_TRANSIENT: dict[str, dict[str, Callable[[], Any]]] = {
    "moto.dynamodbstreams.models": {"shard_iterators": dict},
}
# BackendDict's own fields; any other attribute is state (S3: the global bucket namespace).
_BACKEND_DICT_FIELDS = frozenset(
    {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}
)

type Location = tuple[str, str]  # (module, attribute) of a BackendDict
type BackendKey = tuple[str, str, str, str]  # module, attribute, account, region


class StateError(Exception):
    """A save that could not be made (e.g. `extra` does not pickle)."""


def _log(text: str) -> None:
    sys.stderr.write(f"[state] {text}\n")
    sys.stderr.flush()


class StateStore:
    """The local cloud's moto state in `directory`: saved, and restored on the next start."""

    def __init__(
        self,
        directory: Path,
        *,
        grace: float = DEFAULT_GRACE,
        log: Callable[[str], None] = _log,
        journal: Journal | None = None,
    ) -> None:
        self.directory = Path(directory)
        # The write-ahead journal (journal.py): each snapshot starts a new segment and says
        # which; `journal_since` is the first segment the loaded snapshot does not cover.
        self.journal = journal
        self.journal_since: int | None = None
        self.path = self.directory / SNAPSHOT
        self.grace = grace
        self.log = log
        self._lock = threading.Lock()  # one save or load at a time
        self._warned: set[str] = set()
        self.directory.mkdir(parents=True, exist_ok=True)
        # One process per directory: two would overwrite each other's snapshots.
        self._owner = (self.directory / ".lock").open("a")
        try:
            fcntl.flock(self._owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._owner.close()
            raise StateError(
                f"another local cloud is using {self.directory}: stop it, or give this one "
                "another --state-dir"
            ) from None
        _install_gate()
        # What a save cut short by a crash or a kill left behind (one process per directory).
        for left in self.directory.glob(f".{SNAPSHOT}.*.tmp"):
            with contextlib.suppress(OSError):
                left.unlink()

    def exists(self) -> bool:
        return self.path.is_file()

    # ------------------------------------------------------------------ save
    def save(self, extra: dict[str, Any]) -> None:
        """Snapshot every moto backend in use, and `extra`; atomically replace the last one."""
        with self._lock:
            data, generation = self._snapshot(extra)
            self._write(data)
            if self.journal is not None and generation is not None:
                self.journal.discard_before(generation)  # the snapshot holds it all now

    def _snapshot(self, extra: dict[str, Any]) -> tuple[bytes, int | None]:
        try:
            pickle.dumps(extra, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise StateError(f"`extra` cannot be saved: {exc}") from exc
        failure: RuntimeError | None = None
        with _gate.paused(self.grace):
            for attempt in range(_RETRIES):
                try:
                    with atomicity._lock, backend_lock, self._journal_lock():
                        # The journal's next segment starts where this snapshot ends.
                        generation = None if self.journal is None else self.journal.generation + 1
                        data = self._pickle(extra, generation)
                        if self.journal is not None:
                            generation = self.journal.rotate()
                        return data, generation
                except RuntimeError as exc:
                    # A request still in progress changed a dict or set under the pickler
                    # ("changed size during iteration"); it is done in a moment.
                    failure = exc
                time.sleep(0.01 * (attempt + 1))
        raise StateError(f"moto's state kept changing while it was saved: {failure}")

    def _journal_lock(self) -> contextlib.AbstractContextManager[Any]:
        return self.journal.lock if self.journal is not None else contextlib.nullcontext()

    def _pickle(self, extra: dict[str, Any], journal: int | None) -> bytes:
        dicts = _backend_dicts()
        services = {location: _service_state(location, bd) for location, bd in dicts.items()}
        try:
            return _dump(services, extra, dicts, journal)
        except RuntimeError:
            raise
        except Exception:
            failed = self._unpicklable(services, dicts)
            if not failed:
                raise
        for location in failed:
            del services[location]
        return _dump(services, extra, dicts, journal)

    def _unpicklable(
        self, services: dict[Location, dict[str, Any]], dicts: dict[Location, BackendDict[Any]]
    ) -> list[Location]:
        """The services whose state does not pickle (left out of the snapshot, with a warning).

        Everything the local cloud uses pickles; this keeps a service it does not know about
        (touched by a test or by hand) from costing the others their snapshot.
        """
        failed = []
        for location, service in services.items():
            try:
                _Pickler(_Discard(), dicts).dump(service)
            except RuntimeError:
                raise
            except Exception as exc:
                failed.append(location)
                name = ".".join(location)
                if name not in self._warned:
                    self._warned.add(name)
                    self.log(f"not saved (its state does not pickle): {name}: {exc}")
        return failed

    def _write(self, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            dir=self.directory, prefix=f".{SNAPSHOT}.", suffix=".tmp"
        )
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)

    # ------------------------------------------------------------------ load
    def load(self) -> dict[str, Any] | None:
        """Restore the snapshot into this process's moto backends; its `extra`, or None.

        Backends the snapshot holds are replaced in place (the same objects, with the saved
        state); others are left as they are, so load into a fresh moto, before provisioning.
        A snapshot that cannot be restored is moved aside (with a message) and None returned.
        """
        with self._lock:
            if not self.exists():
                return None
            try:
                self._trusted()
                restore = self._read()
            except Exception as exc:
                self._move_aside(exc)
                return None
            try:
                with _gate.paused(self.grace), atomicity._lock, backend_lock:
                    restore.install()
                self.journal_since = restore.journal
            except Exception as exc:  # moto is half restored: this process must not go on
                self._move_aside(exc)
                raise StateError(
                    f"the saved state could not be restored ({exc!r}); it was moved aside: "
                    "start again"
                ) from exc
            return restore.extra

    def table(
        self, name: str, account: str = "123456789012", region: str = "us-east-1"
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One DynamoDB table as the snapshot holds it: its description (DescribeTable's
        `Table`) and its items (DynamoDB JSON), read without restoring anything; what
        `infra.local.restore` restores into a new table, as a point-in-time restore does."""
        with self._lock:
            if not self.exists():
                raise StateError(f"no snapshot in {self.directory}")
            self._trusted()
            restore = self._read()
        for (_module, attribute), service in restore.services.items():
            if attribute != "dynamodb_backends":
                continue
            table = service["backends"].get(account, {}).get(region, {}).get("tables", {}).get(name)
            if table is not None:
                items = [item.to_json()["Attributes"] for item in table.all_items()]
                return table.describe(base_key="Table")["Table"], items
        raise StateError(f"the snapshot has no table {name} in {account} {region}")

    def _trusted(self) -> None:
        """Loading a pickle runs what it names: load only a snapshot this user wrote, that
        nobody else may have changed."""
        info = self.path.stat()
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise StateError("the snapshot is not this user's alone (owner or permissions)")

    def _read(self) -> _Restore:
        with self.path.open("rb") as file:
            header = _HeaderUnpickler(file).load()
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise StateError("it is not a snapshot this version of the local cloud wrote")
            if header.get("moto") != moto.__version__:
                raise StateError(
                    f"it was written by moto {header.get('moto')}; this is moto {moto.__version__}"
                )
            keys = {tuple(key) for key in header["backends"]}
            restore = _Restore(keys)
            journal = header.get("journal")
            restore.journal = journal if isinstance(journal, int) else None
            body = _Unpickler(file, restore.backend).load()
        restore.services = body["services"]
        restore.extra = body["extra"]
        return restore

    def set_aside(self, why: str) -> None:
        """Keep the snapshot as `<name>.previous` (replacing an older one) and start empty."""
        with self._lock:
            if self.exists():
                target = self.path.with_name(f"{SNAPSHOT}.previous")
                os.replace(self.path, target)
                self.log(f"{why}: the saved state is kept as {target}; starting empty")

    def _move_aside(self, error: Exception) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{SNAPSHOT}.unreadable-{stamp}")
        for n in range(1, 100):
            if not target.exists():
                break
            target = self.path.with_name(f"{SNAPSHOT}.unreadable-{stamp}-{n}")
        reason = str(error) if isinstance(error, StateError) else f"{type(error).__name__}: {error}"
        try:
            os.replace(self.path, target)
        except OSError as exc:
            moved = f"could not move it aside ({exc}); the next save replaces it"
        else:
            moved = f"moved it to {target.name}"
        self.log(
            f"the saved state in {self.path} cannot be restored ({reason}); {moved}. "
            "Starting with an empty local cloud."
        )


# ---------------------------------------------------------------------- what is saved
def _backend_dicts() -> dict[Location, BackendDict[Any]]:
    """Every BackendDict with state (moto lists them in `_instances`), by where it lives."""
    found: dict[Location, BackendDict[Any]] = {}
    in_use: list[BackendDict[Any]] = list(BackendDict._instances)  # type: ignore[misc]
    for bd in in_use:
        location = _locate(bd)
        if location[0] not in _SKIPPED_MODULES and any(bd.values()):
            found[location] = bd
    return found


def _locate(bd: BackendDict[Any]) -> Location:
    """The module attribute that holds this BackendDict (how a load finds it again)."""
    first = sys.modules.get(bd.backend.__module__)
    modules = [first] if first is not None else []
    modules += [
        module
        for name, module in sorted(sys.modules.items())
        if name.startswith("moto.") and module is not None
    ]
    for module in modules:
        for attribute, value in vars(module).items():
            if value is bd:
                return module.__name__, attribute
    raise StateError(f"moto's {bd.service_name} backends are not a module attribute")


def _service_state(location: Location, bd: BackendDict[Any]) -> dict[str, Any]:
    transient = _TRANSIENT.get(location[0], {})
    backends: dict[str, dict[str, dict[str, Any]]] = {}
    for account, regions in list(bd.items()):
        for region, backend in list(regions.items()):
            state = dict(vars(backend))
            for name, empty in transient.items():
                if name in state:
                    state[name] = empty()
            backends.setdefault(account, {})[region] = state
    attributes = {k: v for k, v in vars(bd).items() if k not in _BACKEND_DICT_FIELDS}
    return {"attributes": attributes, "backends": backends}


# ---------------------------------------------------------------------- pickling
def _dump(
    services: dict[Location, dict[str, Any]],
    extra: dict[str, Any],
    dicts: dict[Location, BackendDict[Any]],
    journal: int | None = None,
) -> bytes:
    """A snapshot: a header of plain data (checked before the rest is unpickled), the body;
    `journal`: the first journal segment written after it."""
    header = {
        "format": FORMAT,
        "journal": journal,
        "moto": moto.__version__,
        "python": sys.version.split()[0],
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backends": sorted(
            (*location, account, region)
            for location, service in services.items()
            for account, regions in service["backends"].items()
            for region in regions
        ),
    }
    buffer = io.BytesIO()
    pickle.dump(header, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    _Pickler(buffer, dicts).dump({"services": services, "extra": extra})
    return buffer.getvalue()


def _backend_ref(*key: str) -> Any:
    """Stands for a live backend in a snapshot; `_Unpickler` resolves it (never called)."""
    raise StateError(f"a backend reference is resolved by the state store's unpickler: {key}")


def _new_condition(lock: Any) -> threading.Condition:
    return threading.Condition(lock)


def _reduce_lock(lock: Any) -> tuple[Any, tuple[()]]:
    return type(lock), ()


def _reduce_condition(condition: threading.Condition) -> tuple[Any, tuple[Any]]:
    return _new_condition, (condition._lock,)  # type: ignore[attr-defined]


@functools.cache
def _rsa_key(pem: bytes, parameters: tuple[tuple[str, Any], ...]) -> Any:
    """One key object per key (every user pool has moto's, and loading one takes 30 ms)."""
    options: Any = dict(parameters)  # kid, alg, use
    return jwk.RSAKey.import_key(pem, options)


def _reduce_rsa_key(key: Any) -> tuple[Any, tuple[bytes, tuple[tuple[str, Any], ...]]]:
    # PEM rather than the JWK: moto's JWK has no primes, and recovering them takes 60 ms.
    parameters = key.as_dict(private=False)
    for name in ("kty", "n", "e"):
        parameters.pop(name, None)
    return _rsa_key, (key.as_pem(private=key.is_private), tuple(sorted(parameters.items())))


_DISPATCH: dict[type, Callable[[Any], Any]] = {
    **copyreg.dispatch_table,
    type(threading.Lock()): _reduce_lock,
    type(threading.RLock()): _reduce_lock,
    threading.Condition: _reduce_condition,
    jwk.RSAKey: _reduce_rsa_key,
}


class _Pickler(pickle.Pickler):
    """Pickles moto's state: locks anew, keys as PEM, moto's backends as references."""

    def __init__(self, file: Any, dicts: dict[Location, BackendDict[Any]]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._keys: dict[int, BackendKey] = {}
        self._accounts: dict[int, tuple[str, str, str]] = {}
        self._locations = {id(bd): location for location, bd in dicts.items()}
        table = dict(_DISPATCH)
        table[BackendDict] = self._reduce_backend_dict
        table[AccountSpecificBackend] = self._reduce_account
        for location, bd in dicts.items():
            table[type(bd)] = self._reduce_backend_dict
            for account, regions in bd.items():
                self._accounts[id(regions)] = (*location, account)
                for region, backend in regions.items():
                    self._keys[id(backend)] = (*location, account, region)
                    table[type(backend)] = self._reduce_backend
        self.dispatch_table = table

    def _reduce_backend(self, backend: Any) -> Any:
        key = self._keys.get(id(backend))
        if key is None:  # a backend no BackendDict holds any more: pickled as it is
            return object.__reduce_ex__(backend, pickle.HIGHEST_PROTOCOL)
        return _backend_ref, key

    def _reduce_backend_dict(self, bd: Any) -> Any:
        return _backend_dict, self._locations.get(id(bd)) or _locate(bd)

    def _reduce_account(self, regions: Any) -> Any:
        key = self._accounts.get(id(regions))
        if key is None:
            return object.__reduce_ex__(regions, pickle.HIGHEST_PROTOCOL)
        return _account_backends, key


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


class _HeaderUnpickler(pickle.Unpickler):
    """The header holds plain data only."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in a snapshot's header")


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, backend: Callable[..., Any]) -> None:
        super().__init__(file)
        self._backend = backend

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_backend_ref":
            return self._backend
        return super().find_class(module, name)


class _Restore:
    """An unpickled snapshot, and the backend objects its state is to go into."""

    def __init__(self, keys: set[tuple[str, ...]]) -> None:
        self.keys = keys
        self.targets: dict[tuple[str, ...], Any] = {}
        self.services: dict[Location, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {}
        self.journal: int | None = None

    def backend(self, *key: str) -> Any:
        """The object a backend reference in the snapshot stands for."""
        if key in self.targets:
            return self.targets[key]
        module, attribute, account, region = key
        bd = _backend_dict(module, attribute)
        if key not in self.keys:  # another service's backend, one the snapshot does not hold
            return bd[account][region]
        # The backend the server already has (the state goes into it on install), or a new
        # one; not put in the BackendDict yet, so a snapshot that fails to load changes nothing.
        existing = dict.get(dict.get(bd, account) or {}, region)
        target = existing if existing is not None else bd.backend.__new__(bd.backend)
        self.targets[key] = target
        return target

    def install(self) -> None:
        for (module, attribute), service in self.services.items():
            bd = _backend_dict(module, attribute)
            for name, value in service["attributes"].items():
                current = getattr(bd, name, None)
                if isinstance(current, dict) and isinstance(value, dict):
                    current.clear()
                    current.update(value)
                else:
                    setattr(bd, name, value)
            for account, regions in service["backends"].items():
                accounts = bd[account]  # created (and `bd` listed in use) if need be
                for region, state in regions.items():
                    target = self.backend(module, attribute, account, region)
                    target.__dict__.clear()
                    target.__dict__.update(state)
                    dict.__setitem__(accounts, region, target)


def _backend_dict(module: str, attribute: str) -> Any:
    """moto's BackendDict for a service (the one the running server uses)."""
    bd = getattr(importlib.import_module(module), attribute)
    if not isinstance(bd, BackendDict):
        raise StateError(f"{module}.{attribute} is not a moto BackendDict")
    return bd


def _account_backends(module: str, attribute: str, account: str) -> Any:
    return _backend_dict(module, attribute)[account]


# ---------------------------------------------------------------------- the pause
class _Gate:
    """Counts moto server requests in progress; `paused()` holds new ones back."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._pauses = 0
        self._local = threading.local()  # .inside: this thread is serving a request

    def enter(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: not self._pauses)
            self._active += 1
        self._local.inside = True

    def leave(self) -> None:
        self._local.inside = False
        with self._condition:
            self._active -= 1
            self._condition.notify_all()

    @contextlib.contextmanager
    def parked(self) -> Iterator[None]:
        """A request that waits (an SQS long poll) holds no pause back while it waits; it
        goes on once the pause is over."""
        if not getattr(self._local, "inside", False):
            yield
            return
        self.leave()
        try:
            yield
        finally:
            self.enter()

    @contextlib.contextmanager
    def paused(self, grace: float) -> Iterator[None]:
        with self._condition:
            self._pauses += 1
            self._condition.wait_for(lambda: not self._active, timeout=grace)
        try:
            yield
        finally:
            with self._condition:
                self._pauses -= 1
                self._condition.notify_all()


_gate = _Gate()
_gate_lock = threading.Lock()
_gate_installed = False


def _install_gate() -> None:
    """Route every request of moto's server (its werkzeug app) through the gate, and park
    SQS long polls while they wait; once per process."""
    global _gate_installed
    with _gate_lock:
        if _gate_installed:
            return
        _gate_installed = True
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sqs.models import Queue

    serve = DomainDispatcherApplication.__call__
    wait = Queue.wait_for_messages

    def gated(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        _gate.enter()
        try:
            return serve(self, environ, start_response)
        finally:
            _gate.leave()

    def wait_for_messages(self: Any, timeout: int) -> None:
        with _gate.parked():
            wait(self, timeout)

    DomainDispatcherApplication.__call__ = gated  # type: ignore[method-assign]
    Queue.wait_for_messages = wait_for_messages  # type: ignore[method-assign]
