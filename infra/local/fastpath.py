"""The switch of a local-cloud fast path that stands in for part of moto (the query index,
the DynamoDB serializer): on unless a test turns it off, optionally checked against moto's
own answer on every call, with counters of what it did."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator


class FastPath:
    def __init__(self, check_variable: str, counters: tuple[str, ...]) -> None:
        self.enabled = True
        # Environment variable set to 1: every call is answered both ways, and must agree.
        self.checking = os.environ.get(check_variable) == "1"
        self.counts = dict.fromkeys(counters, 0)  # diagnostics only (not thread-safe)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def disabled(self) -> Iterator[None]:
        """moto's own way meanwhile (in every thread)."""
        with self._lock:
            before, self.enabled = self.enabled, False
        try:
            yield
        finally:
            with self._lock:
                self.enabled = before

    def set_checking(self, on: bool) -> None:
        self.checking = on

    def counted(self) -> dict[str, int]:
        """The counters so far (a copy)."""
        return dict(self.counts)
