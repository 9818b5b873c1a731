"""SnapStart's hooks (glimpse.snapstart): registered where Lambda's runtime offers them, the
deferred schemas built before the snapshot, the random state made unique after a restore."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from glimpse import snapstart
from glimpse.schema import Schema


def test_without_the_runtime_library_nothing_is_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert snapstart.install() is False


def test_in_lambda_the_hooks_are_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: dict[str, list[Callable[..., Any]]] = {"before": [], "after": []}
    library = types.ModuleType("snapshot_restore_py")
    library.register_before_snapshot = registered["before"].append  # type: ignore[attr-defined]
    library.register_after_restore = registered["after"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", library)
    assert snapstart.install() is True
    assert registered == {"before": [snapstart.before_snapshot], "after": [snapstart.after_restore]}


def test_before_the_snapshot_every_deferred_schema_is_built() -> None:
    class Deferred(Schema):
        name: str

    assert Deferred.__pydantic_complete__ is False
    snapstart.before_snapshot()
    assert Deferred.__pydantic_complete__ is True
    assert Deferred.model_validate({"name": "x"}).name == "x"


def test_after_a_restore_the_random_state_differs_from_the_snapshot() -> None:
    random.seed(7)  # the state every environment restored from one snapshot would share
    snapshot_state = random.getstate()
    shared = [random.random() for _ in range(3)]
    random.setstate(snapshot_state)
    snapstart.after_restore()
    assert [random.random() for _ in range(3)] != shared


def test_what_a_function_loads_on_first_use_is_loaded_before_the_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded: list[str] = []
    monkeypatch.setattr(snapstart, "_PRIMERS", [])
    snapstart.prime(lambda: loaded.append("library"))
    assert loaded == []  # without SnapStart: only when first used
    snapstart.before_snapshot()
    assert loaded == ["library"]


def test_the_functions_lazy_loads_are_primed() -> None:
    """Powertools' idempotency (a create), pillow-heif and PyAV: each registered to load before
    a snapshot by the module that defers it."""
    from glimpse.idempotency import created_once, requests_config
    from glimpse.media import imaging, video_processing

    before = list(snapstart._PRIMERS)
    created_once("test", lambda user, body: body)
    assert requests_config in snapstart._PRIMERS[len(before) :]
    assert imaging._register_heif in before
    assert video_processing._load_video in before
