"""Every WebSocket frame, as it goes on the wire (glimpse.realtime.frames)."""

from __future__ import annotations

import json

from glimpse.realtime import frames


def test_frames_are_written_as_clients_read_them() -> None:
    assert json.dumps(frames.pong()) == '{"type": "pong"}'
    assert json.dumps(frames.error()) == (
        '{"type": "error", "message": "Send {\\"action\\": \\"ping\\"}; messages go through '
        'the HTTP API."}'
    )
    assert json.dumps(frames.message({"text": "hi"})) == (
        '{"type": "message", "message": {"text": "hi"}}'
    )
    assert json.dumps(frames.notification({"text": "x"})) == (
        '{"type": "notification", "notification": {"text": "x"}}'
    )
