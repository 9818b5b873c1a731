from __future__ import annotations

import io
import threading

import pytest

from infra.local.runtime import (
    ConfigurationError,
    FunctionRuntime,
    FunctionSpec,
    InvocationError,
    PrefixedStream,
    _current,
    merged_environment,
)


def spec(
    logical_id: str, env: dict[str, str], module: str = "json", attribute: str = "dumps"
) -> FunctionSpec:
    return FunctionSpec(logical_id, f"stack-{logical_id}", module, attribute, 3, 128, env)


def test_environment_conflicts_are_errors() -> None:
    same = {"A": spec("A", {"X": "1", "Y": "2"}), "B": spec("B", {"X": "1"})}
    assert merged_environment(same) == {"X": "1", "Y": "2"}
    clash = {"A": spec("A", {"X": "1"}), "B": spec("B", {"X": "2"})}
    with pytest.raises(ConfigurationError, match="X: A sets '1', B sets '2'"):
        merged_environment(clash)


def test_output_is_prefixed_with_the_running_function() -> None:
    target = io.StringIO()
    stream = PrefixedStream(target)
    _current.function = "fn-a"
    try:
        stream.write("one\ntwo\n")
    finally:
        _current.function = None
    stream.write("plain\n")
    assert target.getvalue() == "[fn-a] one\n[fn-a] two\nplain\n"


def test_handler_errors_are_reported_not_raised_through() -> None:
    runtime = FunctionRuntime({"Bad": spec("Bad", {}, "tests.unit.handlers_for_tests", "explode")})
    with pytest.raises(InvocationError, match="ValueError: nope"):
        runtime.invoke("Bad", {})
    assert runtime.history[-1].error == "ValueError: nope"


def test_concurrent_invocations_get_separate_environments() -> None:
    runtime = FunctionRuntime(
        {"Slow": spec("Slow", {}, "tests.unit.handlers_for_tests", "hold")}, max_environments=3
    )
    barrier = threading.Barrier(3, timeout=5)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(runtime.invoke("Slow", barrier)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # all three ran at once (the barrier would time out otherwise), in three module copies
    assert len(set(results)) == 3
    assert sum(1 for i in runtime.history if i.cold) == 3
