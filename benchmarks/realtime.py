"""Real time on the local cloud: send-to-receive latency over its WebSocket front, and messages
a second in one conversation.

It starts the local cloud in-process, signs up two users, connects the recipient's socket,
then sends N messages one after the other through `POST /conversations/{id}/messages` and
times each from the moment the send starts until the recipient's socket has the frame. The
baseline, measured in the same run, is the same send with nobody connected (the HTTP request
alone): the difference is what real-time delivery adds. Then K concurrent senders (both
members) send M messages as fast as they can, and it reports messages a second and whether
the socket got every one exactly once.

    python -m benchmarks.realtime [--messages 200] [--burst 200] [--senders 4]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from websockets.sync.client import connect

from benchmarks import smoke


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--senders", type=int, default=4)
    args = smoke.parse(parser, {"messages": 10, "burst": 10, "senders": 2})
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the template's INFO: a line per request
    from infra.local.cloud import LocalCloud
    from infra.local.delivery import DeliveryOptions
    from tests.e2e.conftest import sign_up_and_log_in

    logging.disable(logging.INFO)
    quiet = open(os.devnull, "w")  # noqa: SIM115 - the local cloud's console, for the run
    stdout = sys.stdout
    options = DeliveryOptions(retry_delay=0.2)
    cloud = LocalCloud(port=0, options=options, parameters={"RateLimitScale": "1000"}).start()
    try:
        sys.stdout = quiet
        ann, ben = sign_up_and_log_in(cloud, "ann"), sign_up_and_log_in(cloud, "ben")
        created = ann.post("/conversations", json={"usernames": [ben.username]})
        cid = created.json()["conversation_id"]

        def send(client: Any, text: str) -> None:
            response = client.post(f"/conversations/{cid}/messages", json={"text": text})
            assert response.status_code == 201, response.text

        baseline = []
        for i in range(args.messages):
            started = time.perf_counter()
            send(ann, f"alone {i}")
            baseline.append((time.perf_counter() - started) * 1000)

        latencies = []
        with connect(f"{cloud.websocket_url}/?token={ben.token}") as socket:
            for i in range(args.messages):
                started = time.perf_counter()
                send(ann, f"timed {i}")
                frame = json.loads(socket.recv(timeout=5))
                latencies.append((time.perf_counter() - started) * 1000)
                assert frame["message"]["text"] == f"timed {i}", frame

            texts = [f"burst {i}" for i in range(args.burst)]
            senders = [ann, ben]
            started = time.perf_counter()
            with ThreadPoolExecutor(args.senders) as pool:
                list(pool.map(lambda i: send(senders[i % 2], texts[i]), range(args.burst)))
            sent_s = time.perf_counter() - started
            got: list[str] = []
            while len(got) < args.burst:
                frame = json.loads(socket.recv(timeout=5))
                got.append(frame["message"]["text"])
            received_s = time.perf_counter() - started
    finally:
        sys.stdout = stdout
        cloud.stop()
        quiet.close()

    exactly_once = sorted(got) == sorted(texts)
    print(f"local cloud, one conversation, {args.messages} messages sent one after the other")
    print(f"{'':<44}{'p50 ms':>8}{'p99 ms':>8}{'x baseline':>12}")
    b50, b99 = statistics.median(baseline), quantile(baseline, 0.99)
    l50, l99 = statistics.median(latencies), quantile(latencies, 0.99)
    print(f"{'baseline: the send alone (nobody connected)':<44}{b50:>8.1f}{b99:>8.1f}{1.0:>12.2f}")
    print(
        f"{'send to the frame on the recipient socket':<44}{l50:>8.1f}{l99:>8.1f}{l50 / b50:>12.2f}"
    )
    print(
        f"burst: {args.burst} messages from {args.senders} concurrent senders: "
        f"{args.burst / sent_s:.0f} messages/s sent, all frames in after {received_s:.2f} s "
        f"({args.burst / received_s:.0f}/s); every message once: {'yes' if exactly_once else 'NO'}"
    )


if __name__ == "__main__":
    main()
