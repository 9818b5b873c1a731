"""The web client's static front (infra/local/fronts/web.py) and its publishing to a stack
(infra/publish_web.py): what is served, with which type, and the config.js both write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from infra import publish_web
from infra.local.fronts.web import WEB_ROOT, WebFront, config_js


@pytest.fixture
def front(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<!doctype html><title>Glimpse</title>")
    (tmp_path / "site" / "app.js").write_text("export {};")
    (tmp_path / "secret.txt").write_text("outside the root")
    served = WebFront("127.0.0.1", 0, config_js("http://api", "ws://socket"), tmp_path / "site")
    served.start()
    yield served.url
    served.stop()


def test_the_front_serves_files_with_their_types_and_index_html_for_pages(front: str) -> None:
    script = requests.get(f"{front}/app.js", timeout=10)
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")  # module scripts need it
    for page in ("/", "/feed"):
        answer = requests.get(front + page, timeout=10)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "<title>Glimpse</title>" in answer.text


def test_config_js_names_the_api_and_the_websocket(front: str) -> None:
    answer = requests.get(f"{front}/config.js", timeout=10)
    assert answer.status_code == 200
    body = answer.text.removeprefix("export default ").rstrip().removesuffix(";")
    assert json.loads(body) == {"apiUrl": "http://api", "websocketUrl": "ws://socket"}


def test_nothing_outside_the_root_and_no_missing_file_is_served(front: str) -> None:
    for path in ("/missing.js", "/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"):
        answer = requests.get(front + path, timeout=10)
        assert answer.status_code == 404, path
        assert "outside the root" not in answer.text


class RecordingS3:
    def __init__(self) -> None:
        self.put: dict[str, dict[str, Any]] = {}

    def put_object(self, **kwargs: Any) -> None:
        self.put[kwargs["Key"]] = kwargs


OUTPUTS = {
    "ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
    "WebSocketUrl": "wss://def.execute-api.eu-west-1.amazonaws.com/dev",
    "WebBucketName": "glimpse-web",
    "WebUrl": "https://d1.cloudfront.net/",
}


def test_publishing_uploads_web_and_the_stacks_config_uncached() -> None:
    s3 = RecordingS3()
    keys = publish_web.publish(OUTPUTS, s3)
    assert {"index.html", "app.js", "config.js"} <= set(keys)
    assert set(s3.put) == set(keys)
    assert len(keys) == len([p for p in WEB_ROOT.rglob("*") if p.is_file()]) + (
        0 if (WEB_ROOT / "config.js").exists() else 1
    )
    config = s3.put["config.js"]
    assert config["Body"] == config_js(OUTPUTS["ApiUrl"], OUTPUTS["WebSocketUrl"]).encode()
    assert config["ContentType"].startswith("text/javascript")
    assert all(put["Bucket"] == "glimpse-web" for put in s3.put.values())
    assert all(put["CacheControl"] == "no-cache" for put in s3.put.values())


def test_publishing_to_a_stack_without_the_web_outputs_says_so() -> None:
    with pytest.raises(SystemExit, match="WebBucketName"):
        publish_web.publish({"ApiUrl": "x", "WebSocketUrl": "y"}, RecordingS3())
