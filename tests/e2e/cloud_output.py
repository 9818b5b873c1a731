"""Where the local cloud's output goes in the end-to-end tests: into a buffer that
tests/e2e/conftest.py's hooks hand to pytest after each phase of each test, as the report
section "Captured local cloud <phase>". pytest shows it for a failing test only; a passing
run prints none of it.

The in-process local cloud writes in three ways, all caught here:

- its functions log through Powertools, whose `logging.StreamHandler` keeps the stream that
  was `sys.stdout` when the handler module was imported (pytest's capture of whichever test
  was running, or the terminal between tests). Each handler module is adopted as soon as the
  runtime has loaded it, before its first invocation: its stream handlers write here, and
  pytest's log capture leaves its records out (its "Captured log" would show each line twice);
- the runtime writes an invocation's traceback, and the fronts, delivery and state their
  notes (`[gateway] …`, `[events] …`), to `sys.stderr` at the time of writing. Those modules
  see a `sys` whose `stdout` and `stderr` are this buffer, so a line written between two
  tests (pytest's capture is suspended then) does not reach the terminal either;
- a local cloud started as a process of its own (tests/e2e/processes.py) writes to a log
  file, which is added here when it stops.

Lines a function writes carry its name (`[glimpse-FanoutFunction] {...}`), as on `make run`.
Lines are kept in order of writing, whichever test caused them: a fan-out of the test before
may show up in this one's section.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from _pytest.logging import LogCaptureHandler

from infra.local import runtime
from infra.local.runtime import PrefixedStream

KEPT = 400_000  # characters per phase; a longer section keeps its end


class CloudOutput(io.TextIOBase):
    """A thread-safe text buffer: `write` appends, `take` returns everything and empties it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []
        self._size = 0
        self._dropped = 0

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        """Nothing to flush (and nothing to fail once the interpreter closes it at exit)."""

    def write(self, text: str) -> int:
        with self._lock:
            self._parts.append(text)
            self._size += len(text)
            if self._size > 2 * KEPT:
                self._trim()
        return len(text)

    def _trim(self) -> None:
        joined = "".join(self._parts)
        self._dropped += len(joined) - KEPT
        self._parts, self._size = [joined[-KEPT:]], KEPT

    def take(self) -> str:
        with self._lock:
            if self._size > KEPT:
                self._trim()
            text, dropped = "".join(self._parts), self._dropped
            self._parts, self._size, self._dropped = [], 0, 0
        if dropped:
            text = f"[… {dropped} characters before these left out]\n{text}"
        return text


OUTPUT = CloudOutput()
# A function's lines get its name in front (the runtime knows which function runs on a thread).
STREAM = PrefixedStream(OUTPUT)


class _SysWithCapturedStreams:
    """What a local cloud module sees as `sys`: this process's, with the streams above."""

    stdout = STREAM
    stderr = STREAM

    def __getattr__(self, name: str) -> Any:
        return getattr(sys, name)


_SYS = _SysWithCapturedStreams()


_adopted: set[str] = set()  # the names of the loggers whose stream handlers write to STREAM


def adopt_loggers() -> None:
    """Every plain stream handler of every logger (the Powertools loggers of the functions
    loaded so far) writes to STREAM."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in list(logging.Logger.manager.loggerDict.values())
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and handler.stream is not STREAM:
                handler.setStream(STREAM)
                _adopted.add(logger.name)


def _not_adopted(record: logging.LogRecord) -> bool:
    name = record.name
    return name not in _adopted and name.split(".", 1)[0] not in _adopted


def leave_out_of_log_capture(handlers: list[logging.Handler]) -> None:
    """pytest's log capture handlers (attached for a test phase) skip what STREAM has."""
    for handler in handlers:
        if isinstance(handler, LogCaptureHandler):
            handler.addFilter(_not_adopted)  # once: a filter already there is not added again


def _cloud_modules() -> list[ModuleType]:
    return [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("infra.local") and getattr(module, "sys", None) is sys
    ]


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the local cloud's output to OUTPUT for as long as `monkeypatch` is active. Call
    it again once a local cloud has started (modules it imported late are routed then)."""
    for module in _cloud_modules():
        monkeypatch.setattr(module, "sys", _SYS)
    if not getattr(runtime._load_handler, "adopts_loggers", False):
        load: Callable[..., Any] = runtime._load_handler

        def load_and_adopt(*args: Any, **kwargs: Any) -> Any:
            handler = load(*args, **kwargs)
            adopt_loggers()
            return handler

        load_and_adopt.adopts_loggers = True  # type: ignore[attr-defined]
        monkeypatch.setattr(runtime, "_load_handler", load_and_adopt)
    adopt_loggers()


def add_process_log(name: str, text: str, tail: int = 40_000) -> None:
    """The log of a local cloud that ran as a process (its end, if long)."""
    if len(text) > tail:
        text = f"[… {len(text) - tail} characters left out]\n{text[-tail:]}"
    OUTPUT.write(f"----- {name} -----\n{text}")
    if text and not text.endswith("\n"):
        OUTPUT.write("\n")
