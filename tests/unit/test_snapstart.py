"""SnapStart's hooks (glimpse.snapstart): registered where Lambda's runtime offers them, the
deferred schemas built before the snapshot, the random state made unique after a restore."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from glimpse import snapstart
from glimpse.schema import Schema
from tests.conftest import ROOT


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


@pytest.mark.parametrize(
    ("function", "deferred"),
    [
        ("functions.thumbnailer.app", ["pillow_heif"]),
        ("functions.transcoder.app", ["av", "pillow_heif"]),
        (
            "functions.posts.app",
            [
                "aws_lambda_powertools.utilities.idempotency",
                "cryptography.hazmat.primitives.ciphers.aead",  # cursors
            ],
        ),
        ("functions.graph.app", ["cryptography.hazmat.primitives.ciphers.aead"]),
    ],
)
def test_before_the_snapshot_a_handler_loads_what_it_defers(
    function: str, deferred: list[str]
) -> None:
    """In a fresh interpreter, as Lambda initialises a version: the import leaves these out,
    the hook before the snapshot loads them."""
    probe = (
        "import importlib, json, sys\n"
        f"importlib.import_module({function!r})\n"
        f"before = [m for m in {deferred!r} if m in sys.modules]\n"
        "from glimpse import snapstart\n"
        "snapstart.before_snapshot()\n"
        f"after = [m for m in {deferred!r} if m in sys.modules]\n"
        "print(json.dumps([before, after]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common/python'}:{ROOT}",
             "AWS_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )  # fmt: skip
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [[], deferred]


def test_snapstart_is_never_on_a_function_with_more_than_512_mb_of_ephemeral_storage() -> None:
    """Lambda refuses SnapStart with more than 512 MB of ephemeral storage (the stack would not
    deploy): evaluated with EnableSnapStart=true, every such function has it off, the others on."""
    from infra.local.template import Resolver, Template

    template = Template.load(ROOT / "template.yaml", {"EnableSnapStart": "true"})
    resolver = Resolver(template)
    on, off = set(), set()
    for function in template.of_type("AWS::Serverless::Function"):
        properties = template.function_properties(function)
        storage = int(resolver.resolve((properties.get("EphemeralStorage") or {}).get("Size", 512)))
        applies = resolver.resolve((properties.get("SnapStart") or {}).get("ApplyOn", "None"))
        (on if applies == "PublishedVersions" else off).add(function)
        if storage > 512:
            assert applies == "None", f"{function}: SnapStart with {storage} MB of /tmp"
    assert "TranscoderFunction" in off
    assert {"PostsFunction", "FeedFunction", "ThumbnailerFunction"} <= on
