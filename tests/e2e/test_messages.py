"""Direct messages over HTTP on the local cloud: a conversation, history, read markers and
unread counts, members only, requests and blocks."""

from __future__ import annotations

from typing import Any

from infra.local.cloud import LocalCloud
from tests.e2e.conftest import Client, sign_up_and_log_in


def conversation_with(client: Client, *others: Client) -> str:
    response = client.post("/conversations", json={"usernames": [o.username for o in others]})
    assert response.status_code == 201, response.text
    return str(response.json()["conversation_id"])


def send(client: Client, conversation_id: str, text: str) -> dict[str, Any]:
    response = client.post(f"/conversations/{conversation_id}/messages", json={"text": text})
    assert response.status_code == 201, response.text
    return dict(response.json())


def listed(client: Client) -> dict[str, dict[str, Any]]:
    response = client.get("/conversations")
    assert response.status_code == 200, response.text
    return {c["conversation_id"]: c for c in response.json()["items"]}


def test_messages_requests_read_markers_and_blocks(cloud: LocalCloud) -> None:
    ann, ben, cal = (sign_up_and_log_in(cloud, name) for name in ("ann", "ben", "cal"))
    cid = conversation_with(ann, ben)
    first = send(ann, cid, "hi ben")
    second = send(ann, cid, "are you there?")
    # ben does not follow ann: a request, readable and answerable before accepting
    seen = listed(ben)[cid]
    assert (seen["is_request"], seen["unread_count"]) == (True, 2)
    assert seen["last_message"]["message_id"] == second["message_id"]
    history = ben.get(f"/conversations/{cid}/messages").json()["items"]
    assert [m["text"] for m in history] == ["are you there?", "hi ben"]
    read = ben.post(f"/conversations/{cid}/read", json={"up_to": first["message_id"]})
    assert read.status_code == 204
    assert listed(ben)[cid]["unread_count"] == 1
    assert ben.post(f"/conversations/{cid}/accept").status_code == 204
    assert listed(ben)[cid]["is_request"] is False
    send(ben, cid, "here")
    assert listed(ann)[cid]["unread_count"] == 1
    assert listed(ben)[cid]["unread_count"] == 0  # sending reads

    outsider = cal.get(f"/conversations/{cid}/messages")
    assert (outsider.status_code, outsider.json()["error"]["code"]) == (404, "not_found")
    assert cal.post(f"/conversations/{cid}/messages", json={"text": "x"}).status_code == 404

    assert ben.post(f"/users/{ann.username}/block").status_code == 204
    refused = ann.post(f"/conversations/{cid}/messages", json={"text": "hello?"})
    assert refused.status_code == 404
    assert [m["text"] for m in ben.get(f"/conversations/{cid}/messages").json()["items"]] == [
        "here"
    ]
