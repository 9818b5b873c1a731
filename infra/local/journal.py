"""The local cloud's write-ahead journal: what changed since the last snapshot, kept on disk
as it happens, so that a kill (SIGKILL, a crash, a power cut) loses at most the last second.

The snapshot (state.py) pickles the whole of moto every 15 s and at a stop. Between two, every
request to the embedded moto server that changes what users create is journaled before moto
answers it: the *after-images* of what it touched:

- DynamoDB: each item a PutItem, UpdateItem, DeleteItem, BatchWriteItem or TransactWriteItems
  wrote, as it is now (DynamoDB JSON), or its key if it is gone; one record per write (a
  transaction is all in the journal or not at all), appended before any other operation can
  read what it wrote, so the journal's order is the order in which writes could be seen;
- S3: each object a PUT, POST (presigned uploads through the S3 front), copy, multipart
  completion, ACL or tagging change or delete touched: its bytes, metadata, storage class and
  ACL, or that it is gone (read when the request is done, as the next item);
- Cognito: each user a sign-up, a confirmation or an admin call touched (the whole user: id
  (`sub`), password, status, attributes), and each refresh token a log-in issued.

An after-image is applied by writing it (or deleting the key), whatever was there: replaying
one twice, or one the snapshot already holds, changes nothing, so the handshake with the
snapshot needs no exactness: a snapshot taken with the journal lock held starts a new journal
segment (`journal-<n>.log`), names it in its header, and the older segments are deleted once
the snapshot is on disk. On start, the segments from the one the snapshot names onwards are
replayed into moto, through moto's own operations (stream records, S3 notifications and the
tables' indexes follow), then a snapshot is taken and they are deleted.

Not journaled, because it follows from what is: SQS messages and receipts, SNS deliveries,
DynamoDB stream positions, search documents. After a kill they are as in the last snapshot,
and the pollers deliver again every stream record and message after the snapshot's positions:
consumers are idempotent (the chaos option proves it), so counters and feeds come out exact.
Not kept either: access and ID tokens (an ID token stays valid: it is checked by signature),
confirmation codes printed since the snapshot, pushes recorded since the snapshot.

Records are appended with `os.write` (in the kernel's page cache at once: a killed process
loses nothing it answered) and fsync'd by a background thread at most a second after the first
unsynced one (a power cut loses at most that second). Each record is framed with its length
and a CRC-32: a torn or damaged record ends its segment's replay with a message, never a crash.
Like the snapshot, a journal is a pickle: only one this user wrote is read.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import pickle
import re
import stat
import struct
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from infra.local import atomicity

SYNC_INTERVAL = 1.0  # at most this long between an append and its fsync
_HEADER = struct.Struct(">2sII")  # magic, payload length, CRC-32 of the payload
_MAGIC = b"GJ"
_NAME = re.compile(r"^journal-(\d{8})\.log$")

type Entry = tuple[Any, ...]


def _log(text: str) -> None:
    sys.stderr.write(f"[journal] {text}\n")
    sys.stderr.flush()


class Journal:
    """The journal segments in `directory`; `start()` opens a new one to append to."""

    def __init__(self, directory: Path, log: Callable[[str], None] = _log) -> None:
        self.directory = Path(directory)
        self.log = log
        self.lock = threading.RLock()  # appends, rotation; a snapshot holds it while it pickles
        self.generation = 0
        self.appended = 0  # records appended since the last rotation
        self._fd: int | None = None
        self._sync = threading.Condition()
        self._unsynced = False
        self._closed = False
        self._syncer: threading.Thread | None = None

    # ------------------------------------------------------------------ segments
    def segments(self) -> list[tuple[int, Path]]:
        found = []
        for path in self.directory.glob("journal-*.log"):
            match = _NAME.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def _path(self, generation: int) -> Path:
        return self.directory / f"journal-{generation:08d}.log"

    def discard_before(self, generation: int) -> None:
        """Delete the segments a durable snapshot covers."""
        for number, path in self.segments():
            if number < generation:
                with contextlib.suppress(OSError):
                    path.unlink()

    # ------------------------------------------------------------------ writing
    def start(self) -> None:
        """Open a new segment after every existing one, and record from now on."""
        with self.lock:
            existing = [number for number, _ in self.segments()]
            self._open(max([self.generation, *existing]) + 1)
            self._syncer = threading.Thread(target=self._sync_loop, name="journal", daemon=True)
            self._syncer.start()
        _recording(self)

    def _open(self, generation: int) -> None:
        self.generation = generation
        self._fd = os.open(
            self._path(generation), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600
        )
        self.appended = 0
        _fsync_directory(self.directory)

    def append(self, record: list[Entry]) -> None:
        payload = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        data = _HEADER.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload
        with self.lock:
            if self._fd is None:
                return
            os.write(self._fd, data)
            self.appended += 1
        with self._sync:
            if not self._unsynced:
                self._unsynced = True
                self._sync.notify()

    def rotate(self) -> int:
        """Start a new segment (the caller holds `lock` and is snapshotting); its number."""
        with self.lock:
            if self._fd is None:
                return self.generation + 1
            os.fsync(self._fd)
            os.close(self._fd)
            self._open(self.generation + 1)
            return self.generation

    def _sync_loop(self) -> None:
        while True:
            with self._sync:
                self._sync.wait_for(lambda: self._unsynced or self._closed)
                if self._closed:
                    return
            # Appends within the next second share this fsync.
            with self._sync:
                self._sync.wait_for(lambda: self._closed, timeout=SYNC_INTERVAL)
                self._unsynced = False
            self.flush()

    def flush(self) -> None:
        with self.lock:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.fsync(self._fd)

    def close(self) -> None:
        _recording(None, unless=self)
        with self.lock:
            if self._fd is not None:
                self.flush()
                os.close(self._fd)
                self._fd = None
        with self._sync:
            self._closed = True
            self._sync.notify_all()

    # ------------------------------------------------------------------ reading
    def records(self, since: int) -> Iterator[list[Entry]]:
        """The records of the segments numbered `since` and on, in order; a torn or damaged
        record ends its segment (said once), never the replay."""
        for number, path in self.segments():
            if number < since:
                continue
            if not _trusted(path):
                self.log(f"{path.name} is not this user's alone (owner or permissions): skipped")
                continue
            yield from self._read(path)

    def _read(self, path: Path) -> Iterator[list[Entry]]:
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            header = data[offset : offset + _HEADER.size]
            if len(header) < _HEADER.size:
                self.log(f"{path.name}: a torn record at byte {offset} (the last write): skipped")
                return
            magic, length, checksum = _HEADER.unpack(header)
            payload = data[offset + _HEADER.size : offset + _HEADER.size + length]
            if magic != _MAGIC or len(payload) < length or zlib.crc32(payload) != checksum:
                torn = len(payload) < length and magic == _MAGIC
                what = "a torn record (the last write)" if torn else "a damaged record"
                self.log(f"{path.name}: {what} at byte {offset}: the rest is skipped")
                return
            try:
                record = pickle.loads(payload)  # noqa: S301 - this user's own file, checked
            except Exception as exc:
                self.log(f"{path.name}: an unreadable record at byte {offset} ({exc!r}): skipped")
            else:
                yield list(record)
            offset += _HEADER.size + length

    def replay(self, since: int) -> int:
        """Apply the records of the segments from `since` on to moto; how many."""
        count = 0
        with replaying():
            for record in self.records(since):
                for entry in record:
                    try:
                        _apply(entry)
                    except Exception as exc:  # e.g. a table the template no longer has
                        self.log(f"not replayed: {entry[0]} {entry[3:5]!r}: {exc!r}")
                count += 1
        return count


def _trusted(path: Path) -> bool:
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------------- recording
_current: Journal | None = None
_current_lock = threading.Lock()
_replaying = threading.local()


class _Touched(threading.local):
    def __init__(self) -> None:
        self.keys: dict[tuple[Any, ...], None] = {}  # in order, once each


_touched = _Touched()


def _recording(journal: Journal | None, unless: Journal | None = None) -> None:
    global _current
    with _current_lock:
        if unless is None or _current is unless:
            _current = journal
    if journal is not None:
        install()


@contextlib.contextmanager
def replaying() -> Iterator[None]:
    """What is applied here is not journaled again."""
    _replaying.on = True
    try:
        yield
    finally:
        _replaying.on = False


def _touch(*key: Any) -> None:
    """A moto operation on this thread changed `key`; journaled when its request is done."""
    if _current is None or getattr(_replaying, "on", False):
        return
    _touched.keys[key] = None
    if not _in_request.depth:  # not within a request to the server (a direct call): now
        request_done()


def refresh_token_changed(pool: Any, token: str) -> None:
    """A refresh token of `pool` was revoked outside moto's hooked operations (the local
    cloud's RevokeToken and global sign-out, infra/local/cognito.py)."""
    _touch("cognito-token", pool.account_id, pool.region, pool.id, token)


class _Depth(threading.local):
    depth = 0


_in_request = _Depth()


def request_done() -> None:
    """Journal the after-images of what this thread's request changed (before moto answers)."""
    keys = list(_touched.keys)
    _touched.keys.clear()
    journal = _current
    if not keys or journal is None:
        return
    with atomicity._lock, journal.lock:  # a consistent cut, in order with every other record
        journal.append([_image(key) for key in keys])


# ---------------------------------------------------------------------- after-images
def _image(key: tuple[Any, ...]) -> Entry:
    service = key[0]
    if service == "dynamodb":
        return _dynamodb_image(*key[1:])
    if service == "s3":
        return _s3_image(*key[1:])
    if service == "cognito-user":
        return _cognito_user_image(*key[1:])
    return _cognito_token_image(*key[1:])


def _dynamodb_image(account: str, region: str, table_name: str, key_json: bytes) -> Entry:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[account][region]
    key = pickle.loads(key_json)  # noqa: S301 - made here, by _touch
    table = backend.tables.get(table_name)
    item = None
    if table is not None:
        hash_value, range_value = backend.get_keys_value(table, key)
        item = table.get_item(hash_value, range_value)
    image = item.to_json()["Attributes"] if item is not None else None
    return ("dynamodb", account, region, table_name, key, image)


def _s3_image(account: str, region: str, bucket: str, name: str) -> Entry:
    from moto.s3.models import s3_backends

    try:
        key = s3_backends[account][region].get_object(bucket, name)
    except Exception:  # the bucket is gone
        key = None
    image = None
    if key is not None:
        image = {
            "value": key.value,
            "metadata": dict(key.metadata),
            "storage": key.storage_class,
            "acl": key.acl,
        }
    return ("s3", account, region, bucket, name, image)


def _cognito_user_image(account: str, region: str, pool_id: str, username: str) -> Entry:
    from moto.cognitoidp.models import cognitoidp_backends

    pool = cognitoidp_backends[account][region].user_pools.get(pool_id)
    user = pool.users.get(username) if pool is not None else None
    image = None
    if user is not None:
        image = {name: value for name, value in vars(user).items() if name != "groups"}
        image["group_names"] = sorted(g.group_name for g in getattr(user, "groups", set()))
    return ("cognito-user", account, region, pool_id, username, image)


def _cognito_token_image(account: str, region: str, pool_id: str, token: str) -> Entry:
    from moto.cognitoidp.models import cognitoidp_backends

    pool = cognitoidp_backends[account][region].user_pools.get(pool_id)
    value = pool.refresh_tokens.get(token) if pool is not None else None
    return ("cognito-token", account, region, pool_id, token, value)


# ---------------------------------------------------------------------- replay
def _apply(entry: Entry) -> None:
    service, account, region, where, key, image = entry
    if service == "dynamodb":
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[account][region]
        if image is None:
            backend.delete_item(where, key)
        else:
            backend.put_item(where, image)
    elif service == "s3":
        from moto.s3.models import s3_backends

        s3 = s3_backends[account][region]
        if image is None:
            with contextlib.suppress(Exception):  # already gone
                s3.delete_object(where, key)
            return
        written = s3.put_object(where, key, image["value"], storage=image["storage"])
        written.set_metadata(image["metadata"], replace=True)
        written.set_acl(image["acl"])
    elif service == "cognito-user":
        from moto.cognitoidp.models import CognitoIdpUser, cognitoidp_backends

        pool = cognitoidp_backends[account][region].user_pools[where]
        if image is None:
            pool.users.pop(key, None)
            return
        user: Any = pool.users.get(key) or CognitoIdpUser.__new__(CognitoIdpUser)
        names = set(image.get("group_names", ()))
        user.__dict__.update({k: v for k, v in image.items() if k != "group_names"})
        user.groups = {g for n, g in pool.groups.items() if n in names}
        for name, group in pool.groups.items():  # both sides of the membership
            (group.users.add if name in names else group.users.discard)(user)
        pool.users[key] = user
    elif service == "cognito-token":
        from moto.cognitoidp.models import cognitoidp_backends

        pool = cognitoidp_backends[account][region].user_pools[where]
        pool.refresh_tokens[key] = image


# ---------------------------------------------------------------------- hooks into moto
_installed = False


def install() -> None:
    """Hook moto's writing operations (once per process), around DynamoDB's operation lock
    (atomicity.py, installed first if it is not yet): a write's record is read after a failed
    transaction was put back."""
    global _installed
    atomicity.install()
    with _current_lock:
        if _installed:
            return
        _installed = True
    _hook_requests()
    _hook_dynamodb()
    _hook_s3()
    _hook_cognito()


def _hook_requests() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    serve = DomainDispatcherApplication.__call__

    def journaled(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        _in_request.depth += 1
        try:
            return serve(self, environ, start_response)
        finally:
            _in_request.depth -= 1
            if not _in_request.depth:
                request_done()

    DomainDispatcherApplication.__call__ = journaled  # type: ignore[method-assign]


def _dynamodb_key(
    backend: Any, table_name: str | None, attributes: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The journal's key of the item `attributes` name (None: no such table)."""
    table = backend.tables.get(table_name)
    if table is None:
        return None
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    if not all(name in attributes for name in names):
        return None
    key = {name: attributes[name] for name in names}
    return (
        "dynamodb",
        backend.account_id,
        backend.region_name,
        table_name,
        pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL),
    )


type Touches = Callable[[Any, Any, dict[str, Any]], None]  # (backend, result, arguments)


def _after(cls: type, name: str, touches: Touches, before: Touches | None = None) -> None:
    """`cls.name` calls `touches` with its arguments by name once it succeeded (`before`
    first, before it runs)."""
    original = getattr(cls, name)
    signature = inspect.signature(original)

    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _current is None:
            return original(self, *args, **kwargs)
        arguments = signature.bind(self, *args, **kwargs).arguments
        if before is not None:
            before(self, None, arguments)
        result = original(self, *args, **kwargs)
        touches(self, result, arguments)
        return result

    setattr(cls, name, functools.wraps(original)(hooked))


type Keys = Callable[[Any, dict[str, Any]], list[tuple[Any, ...] | None]]  # (backend, arguments)


def _journaled_before_seen(cls: type, name: str, keys: Keys) -> None:
    """`cls.name` (a DynamoDB write), journaled before DynamoDB's operation lock lets go.

    Every DynamoDB operation and stream read takes that lock (atomicity.py), so no one sees a
    write before its record is in the journal: whatever follows from it (a counter a consumer
    adds up from its stream record, a like of the comment it made) is journaled after it, and
    a kill keeps a cut in causal order. A record made at the end of the request came after:
    in between, the counters could add up a comment from its stream record, be journaled,
    and a kill keep the count of a comment it lost."""
    original = getattr(cls, name)
    signature = inspect.signature(original)

    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        journal = _current
        if journal is None or getattr(_replaying, "on", False):
            return original(self, *args, **kwargs)
        arguments = signature.bind(self, *args, **kwargs).arguments
        with atomicity._lock:
            outermost = not _writing.depth  # moto's transaction writes with put_item too
            _writing.depth += 1
            try:
                result = original(self, *args, **kwargs)
                _writing.keys.update(dict.fromkeys(keys(self, arguments)))
            finally:
                _writing.depth -= 1
                if outermost:
                    # A failed write may have written part of itself first (a transaction's
                    # items before the one moto refused): what it touched is journaled as it
                    # is now, written or put back, whatever the outcome.
                    touched, _writing.keys = list(_writing.keys), {}
                    images = [_image(key) for key in touched if key is not None]
                    if images:
                        with journal.lock:
                            journal.append(images)
        return result

    setattr(cls, name, functools.wraps(original)(hooked))


class _Writing(threading.local):
    def __init__(self) -> None:
        self.depth = 0  # hooked DynamoDB writes running on this thread
        self.keys: dict[tuple[Any, ...] | None, None] = {}  # what they wrote, in order


_writing = _Writing()


def _hook_dynamodb() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    def item(backend: Any, arguments: dict[str, Any]) -> list[tuple[Any, ...] | None]:
        return [_dynamodb_key(backend, arguments["table_name"], arguments["item_attrs"])]

    def keyed(backend: Any, arguments: dict[str, Any]) -> list[tuple[Any, ...] | None]:
        return [_dynamodb_key(backend, arguments["table_name"], arguments["key"])]

    def transaction(backend: Any, arguments: dict[str, Any]) -> list[tuple[Any, ...] | None]:
        keys = []
        for entry in arguments["transact_items"]:
            ((operation, body),) = entry.items()
            if operation != "ConditionCheck":
                attributes = body.get("Key") or body.get("Item") or {}
                keys.append(_dynamodb_key(backend, body.get("TableName"), attributes))
        return keys

    _journaled_before_seen(DynamoDBBackend, "put_item", item)
    _journaled_before_seen(DynamoDBBackend, "update_item", keyed)
    _journaled_before_seen(DynamoDBBackend, "delete_item", keyed)
    _journaled_before_seen(DynamoDBBackend, "transact_write_items", transaction)


def _hook_s3() -> None:
    from moto.s3.models import S3Backend

    def touch(backend: Any, bucket: str, key: str) -> None:
        _touch("s3", backend.account_id, backend.region_name, bucket, key)

    def named(backend: Any, _result: Any, arguments: dict[str, Any]) -> None:
        touch(backend, arguments["bucket_name"], arguments["key_name"])

    def copied(backend: Any, _result: Any, arguments: dict[str, Any]) -> None:
        touch(backend, arguments["dest_bucket_name"], arguments["dest_key_name"])

    def completed(backend: Any, result: Any, arguments: dict[str, Any]) -> None:
        if result is not None:
            touch(backend, arguments["bucket_name"], result.name)

    def tagged(backend: Any, _result: Any, arguments: dict[str, Any]) -> None:
        touch(backend, arguments["key"].bucket_name, arguments["key"].name)

    def many(backend: Any, _result: Any, arguments: dict[str, Any]) -> None:
        for entry in arguments["objects"]:
            touch(backend, arguments["bucket_name"], str(entry["Key"]))

    for name in ("put_object", "put_object_acl", "delete_object"):
        _after(S3Backend, name, named)
    _after(S3Backend, "copy_object", copied)
    _after(S3Backend, "complete_multipart_upload", completed)
    _after(S3Backend, "put_object_tagging", tagged)
    _after(S3Backend, "delete_objects", many)


def _hook_cognito() -> None:
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

    def pool(backend: Any, arguments: dict[str, Any]) -> Any:
        if "user_pool_id" in arguments:
            return backend.user_pools.get(arguments["user_pool_id"])
        client_id = arguments["client_id"]
        return next((p for p in backend.user_pools.values() if client_id in p.clients), None)

    def before(backend: Any, _result: Any, arguments: dict[str, Any]) -> None:
        found = pool(backend, arguments)
        arguments["_user"] = found._get_user(arguments["username"]) if found else None

    def user(backend: Any, _result: Any, arguments: dict[str, Any]) -> None:
        found = pool(backend, arguments)
        # Found before the call (a deletion) or after it (a sign-up): its name in the pool.
        account = arguments["_user"] or (found._get_user(arguments["username"]) if found else None)
        if found is not None and account is not None:
            region = backend.region_name
            _touch("cognito-user", backend.account_id, region, found.id, account.username)

    for name in (
        "sign_up",
        "confirm_sign_up",
        "confirm_forgot_password",
        "admin_create_user",
        "admin_confirm_sign_up",
        "admin_disable_user",
        "admin_enable_user",
        "admin_delete_user",
        "admin_update_user_attributes",
        "admin_delete_user_attributes",
        "admin_set_user_password",
        "admin_reset_user_password",
        "admin_add_user_to_group",
        "admin_remove_user_from_group",
    ):
        _after(CognitoIdpBackend, name, user, before)

    def token(user_pool: Any, result: Any, _arguments: dict[str, Any]) -> None:
        _touch("cognito-token", user_pool.account_id, user_pool.region, user_pool.id, result[0])

    _after(CognitoIdpUserPool, "create_refresh_token", token)
