"""The web client's API module (web/api.js) is generated from the OpenAPI document, is fresh,
and its functions call the transport with the right method, path, query, body and auth."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.openapi import DOCUMENT
from infra.webapi import MODULE, camel, render

NODE = shutil.which("node")


def document() -> dict:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def test_the_module_is_fresh() -> None:
    assert MODULE.read_text(encoding="utf-8") == render(document()), "run `make openapi`"


def test_one_exported_function_per_operation() -> None:
    exported = re.findall(r"^export function (\w+)\(", MODULE.read_text(), re.MULTILINE)
    ids = [op["operationId"] for ops in document()["paths"].values() for op in ops.values()]
    assert sorted(exported) == sorted(ids)


def test_path_parameters_become_camel_case_arguments() -> None:
    assert camel("conversation_id") == "conversationId"
    assert camel("username") == "username"


@pytest.mark.skipif(NODE is None, reason="node is not installed: the module is not run")
def test_the_functions_call_the_transport(tmp_path: Path) -> None:
    shutil.copy(MODULE, tmp_path / "api.js")
    (tmp_path / "http.js").write_text(
        "export const calls = [];\n"
        "export async function api(method, path, options) {\n"
        "  calls.push({ method, path, options }); return { ok: true };\n}\n"
    )
    (tmp_path / "run.mjs").write_text(
        'import * as client from "./api.js";\n'
        'import { calls } from "./http.js";\n'
        'await client.likePost("01J/é");\n'
        "await client.getFeed({ query: { limit: 5 } });\n"
        'await client.addComment("p1", { body: { text: "hi" } });\n'
        'await client.logIn({ body: { username: "ana", password: "pw" } });\n'
        'await client.reactToMessage("c1", "m1", { body: { emoji: "🔥" } });\n'
        "console.log(JSON.stringify(calls));\n"
    )
    out = subprocess.run(
        [str(NODE), str(tmp_path / "run.mjs")], capture_output=True, text=True, check=True
    )
    calls = json.loads(out.stdout)
    assert [(c["method"], c["path"]) for c in calls] == [
        ("POST", "/posts/01J%2F%C3%A9/like"),
        ("GET", "/feed"),
        ("POST", "/posts/p1/comments"),
        ("POST", "/auth/login"),
        ("PUT", "/conversations/c1/messages/m1/reaction"),
    ]
    assert calls[1]["options"]["query"] == {"limit": 5}
    assert calls[2]["options"]["body"] == {"text": "hi"}
    assert calls[3]["options"]["auth"] is False
    assert "auth" not in calls[0]["options"]
