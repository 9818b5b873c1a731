"""The local cloud at a real size: boot times, `GET /feed` next to `GET /health` at 300 and
3,000 posts, post → follower feed and upload → ready latencies, all over HTTP.

    python -m benchmarks.local_cloud [--sizes 300,3000] [--seconds 10] [--samples 10]

1. Boot: `python -m infra.local --fresh` on an empty state directory until `GET /health`
   answers 200, stopped with Ctrl-C; then again on the state it saved.
2. A local cloud in this process (`LocalCloud(port=0)`, default options, its output
   discarded). 120 authors and 50 readers sign up and log in over HTTP; each reader follows
   20 of the authors (a seeded random choice) over HTTP, and the events settle.
3. Posts are seeded in bulk through the layer's models, not over HTTP (3,000 posts with an
   upload each took 869 s over HTTP): per post one ready media item, the post, and the
   entries the fan-out writes (the author's feed and each follower's), with BatchWriteItem.
   No events: counters and search do not see them; `GET /feed` reads only these items.
   Then each reader's `GET /feed` once (the first Query after the seed indexes what it
   wrote), timed and reported apart.
4. At each size, two client processes send requests for `--seconds` each: `GET /feed` as
   the 50 readers in turn, then `GET /health`, in the same run; req/s and p50/p95.
5. Post → follower feed: `POST /posts` (a ready media item) until the post is in a follower's
   `GET /feed` (polled every 20 ms). Upload → ready: `POST /media`, the presigned form upload
   of a real 1080x1350 JPEG to the local S3, until `GET /media/{id}` says `ready`.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from benchmarks import smoke

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-1"  # noqa: S105 - the local cloud's made-up users
OUT = sys.stdout  # the local cloud in this process writes elsewhere
RENDITION_SIZES = ("1080", "640", "320", "150")


def say(text: str) -> None:
    print(text, file=OUT, flush=True)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --------------------------------------------------------------------------- boot
def free_port_block(count: int = 7) -> int:
    """A port p with p .. p+count-1 free (the local cloud's seven ports)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count >= 65_000:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} free ports in a row")


def boot(state: Path, *extra: str, timeout: float = 300.0) -> float:
    """Seconds from `python -m infra.local` to a 200 from GET /health; then Ctrl-C."""
    port = free_port_block()
    command = [sys.executable, "-m", "infra.local", "--port", str(port), "--state-dir", str(state)]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, *extra], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the local cloud exited with {process.returncode}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError("the local cloud did not become healthy")
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()


# --------------------------------------------------------------------------- the local cloud
@dataclass
class User:
    username: str
    token: str
    user_id: str


@dataclass
class World:
    url: str
    authors: list[User]
    readers: list[User]
    followers: dict[str, list[str]] = field(default_factory=dict)  # author id -> reader ids
    posts: int = 0


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def sign_up(url: str, username: str) -> User:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    created = requests.post(f"{url}/auth/signup", json=body, timeout=60)
    created.raise_for_status()
    login = requests.post(
        f"{url}/auth/login", json={"username": username, "password": PASSWORD}, timeout=60
    )
    login.raise_for_status()
    token = login.json()["id_token"]
    return User(username, token, str(_claims(token)["sub"]))


def headers(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}"}


_NULL = open(os.devnull, "w")  # noqa: SIM115 - never closed: see quiet


@contextmanager
def quiet() -> Iterator[None]:
    """This process's stdout and stderr to /dev/null (the local cloud's log lines).

    The null stream stays open for good: a logging handler made inside holds it, and a
    background thread may still write through it after the block (a closed file there is a
    "Logging error" traceback on the real stderr)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = _NULL
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def settle(cloud: Any, timeout: float = 300.0) -> float:
    """Wait until the event queues are empty twice in a row; seconds waited."""
    sqs = cloud.provisioner.client("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    queues = [
        cloud.ref(logical_id)
        for logical_id, resource in cloud.template.resources.items()
        if resource.get("Type") == "AWS::SQS::Queue" and "DeadLetter" not in logical_id
    ]
    started = time.monotonic()
    quiet_checks = 0
    while quiet_checks < 2 and time.monotonic() - started < timeout:
        busy = False
        for queue in queues:
            counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names)["Attributes"]
            busy = busy or set(counts.values()) != {"0"}
        quiet_checks = 0 if busy else quiet_checks + 1
        time.sleep(0.5)
    return time.monotonic() - started


def populate(url: str, authors: int, readers: int, follows: int, seed: int) -> World:
    """Sign-ups, log-ins and follows over HTTP (four at a time)."""
    tag = f"{seed}{random.Random().randrange(10**6):06d}"
    with ThreadPoolExecutor(4) as pool:
        made_authors = list(pool.map(lambda i: sign_up(url, f"au{tag}_{i}"), range(authors)))
        made_readers = list(pool.map(lambda i: sign_up(url, f"rd{tag}_{i}"), range(readers)))
    world = World(url, made_authors, made_readers)
    rng = random.Random(seed)
    pairs = [(r, a) for r in made_readers for a in rng.sample(made_authors, follows)]
    for reader, author in pairs:
        world.followers.setdefault(author.user_id, []).append(reader.user_id)

    def follow(pair: tuple[User, User]) -> None:
        reader, author = pair
        answer = requests.post(
            f"{url}/users/{author.username}/follow", headers=headers(reader), timeout=60
        )
        answer.raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(follow, pairs))
    return world


def ready_media(owner_id: str) -> Any:
    """A ready image media item (not saved), as the thumbnailer leaves one."""
    from glimpse.clock import new_id, now
    from glimpse.models.media import MEDIA, MediaItem, media_pk

    media_id = new_id()
    return MediaItem(
        media_pk(media_id),
        MEDIA,
        media_id=media_id,
        owner_id=owner_id,
        kind="post",
        content_type="image/jpeg",
        size_bytes=200_000,
        status="ready",
        width=1080,
        height=1350,
        renditions={
            size: f"renditions/{owner_id}/{media_id}/{size}.jpg" for size in RENDITION_SIZES
        },
        blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        filter="none",
        media_type="image",
        created_at=now(),
        updated_at=now(),
    )


def seed_posts(world: World, count: int) -> float:
    """`count` more posts spread over the authors, with their media and feed entries, in
    BatchWriteItem calls through the models; seconds taken."""
    from benchmarks.moto_stack import post_item
    from glimpse.models.feed import FeedItem, author_sk, feed_pk
    from glimpse.models.media import MediaItem
    from glimpse.models.posts import Post

    started = time.perf_counter()
    media, posts, entries = [], [], []
    for number in range(count):
        author = world.authors[(world.posts + number) % len(world.authors)].user_id
        item = ready_media(author)
        post = post_item(author, media_ids=[item.media_id], caption=f"seeded {number}")
        item.used_by = post.post_id
        media.append(item)
        posts.append(post)
        for reader in [author, *world.followers.get(author, [])]:
            entries.append(
                FeedItem(
                    feed_pk(reader),
                    post.post_id,
                    author_id=author,
                    author_sk=author_sk(author, post.post_id),
                )
            )
    for model, items in ((MediaItem, media), (Post, posts), (FeedItem, entries)):
        with model.batch_write() as batch:
            for each in items:
                batch.save(each)
    world.posts += count
    return time.perf_counter() - started


# --------------------------------------------------------------------------- load
def _client(url: str, tokens: list[str], seconds: float, offset: int) -> list[float]:
    """One client process: GETs `url` for `seconds` (as each token in turn, if any)."""
    session = requests.Session()
    latencies = []
    ends = time.perf_counter() + seconds
    index = offset
    while time.perf_counter() < ends:
        extra = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"} if tokens else {}
        index += 1
        started = time.perf_counter()
        answer = session.get(url, headers=extra, timeout=60)
        latencies.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {url}: {answer.status_code} {answer.text[:200]}")
    return latencies


@dataclass
class Rate:
    route: str
    per_second: float
    p50_ms: float
    p95_ms: float


def load(url: str, route: str, tokens: list[str], seconds: float, clients: int) -> Rate:
    context = multiprocessing.get_context("spawn")
    with context.Pool(clients) as pool:
        runs = pool.starmap(
            _client, [(url + route, tokens, seconds, i * 7) for i in range(clients)]
        )
    samples = [s for run in runs for s in run]
    # per second of the clients' own windows (starting their processes is not counted)
    return Rate(
        route,
        len(samples) / seconds,
        statistics.median(samples) * 1000,
        percentile(samples, 0.95) * 1000,
    )


# --------------------------------------------------------------------------- latencies
def create_post(url: str, author: User, caption: str) -> str:
    """A ready media item saved through the models, then `POST /posts` with it; the post id."""
    from glimpse.models.media import MediaItem

    item = ready_media(author.user_id)
    with MediaItem.batch_write() as batch:
        batch.save(item)
    body = {"media_ids": [item.media_id], "caption": caption}
    answer = requests.post(f"{url}/posts", json=body, headers=headers(author), timeout=60)
    if answer.status_code != 201:
        raise RuntimeError(f"POST /posts: {answer.status_code} {answer.text[:200]}")
    return str(answer.json()["post_id"])


def post_to_feed(world: World, samples: int) -> list[float]:
    """Seconds from POST /posts's 201 until the post is in a follower's GET /feed."""
    followed = [a for a in world.authors if world.followers.get(a.user_id)]
    readers = {r.user_id: r for r in world.readers}
    found = []
    for number in range(samples):
        author = followed[number % len(followed)]
        reader = readers[world.followers[author.user_id][0]]
        post_id = create_post(world.url, author, f"timed {number}")
        created = time.perf_counter()
        world.posts += 1
        while True:
            feed = requests.get(f"{world.url}/feed", headers=headers(reader), timeout=60).json()
            if any(entry["post_id"] == post_id for entry in feed["items"]):
                found.append(time.perf_counter() - created)
                break
            if time.perf_counter() - created > 120:
                raise RuntimeError("a post did not reach its follower's feed in 120 s")
            time.sleep(0.02)
    return found


def upload_to_ready(world: World, samples: int) -> list[float]:
    """Seconds from POST /media to GET /media/{id} saying ready, the file sent in between."""
    from tests import images

    photo = images.jpeg(1080, 1350)
    author = world.authors[0]
    found = []
    for _ in range(samples):
        started = time.perf_counter()
        body = {"kind": "post", "content_type": "image/jpeg", "size_bytes": len(photo)}
        slot = requests.post(f"{world.url}/media", json=body, headers=headers(author), timeout=60)
        slot.raise_for_status()
        upload = slot.json()["upload"]
        sent = requests.post(
            upload["url"],
            data=upload["fields"],
            files={"file": ("photo.jpg", photo, "image/jpeg")},
            timeout=60,
        )
        sent.raise_for_status()
        media_url = f"{world.url}/media/{slot.json()['media_id']}"
        while True:
            status = requests.get(media_url, headers=headers(author), timeout=60).json()["status"]
            if status == "ready":
                found.append(time.perf_counter() - started)
                break
            if status != "pending" or time.perf_counter() - started > 120:
                raise RuntimeError(f"the upload ended {status}")
            time.sleep(0.02)
    return found


# --------------------------------------------------------------------------- report
def seconds_row(name: str, samples: list[float]) -> str:
    p50, p95 = statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000
    return f"  {name:<34} p50 {p50:7.0f} ms   p95 {p95:7.0f} ms   ({len(samples)} samples)"


def warm_up(url: str, tokens: list[str]) -> float:
    """Each reader's GET /feed once, in turn; seconds. The first Query after the bulk seed
    indexes every item the seed wrote (infra/local/dynamodb_index.py), once: not the steady
    state the load measures."""
    started = time.perf_counter()
    with requests.Session() as session:
        for token in tokens:
            answer = session.get(
                f"{url}/feed", headers={"Authorization": f"Bearer {token}"}, timeout=300
            )
            answer.raise_for_status()
    return time.perf_counter() - started


def measure(
    cloud: Any, world: World, size: int, args: argparse.Namespace
) -> tuple[list[Rate], list[float], list[float]]:
    tokens = [reader.token for reader in world.readers]
    warmed = warm_up(world.url, tokens)
    say(f"  {size} posts: each reader's first GET /feed after the seed, {warmed:.1f} s in all")
    health = load(world.url, "/health", [], args.seconds, args.clients)
    feed = load(world.url, "/feed", tokens, args.seconds, args.clients)
    health_after = load(world.url, "/health", [], args.seconds, args.clients)
    health = Rate(
        "/health",
        (health.per_second + health_after.per_second) / 2,
        (health.p50_ms + health_after.p50_ms) / 2,
        (health.p95_ms + health_after.p95_ms) / 2,
    )
    fanned = post_to_feed(world, args.samples)
    settle(cloud)
    uploaded = upload_to_ready(world, args.samples)
    settle(cloud)
    return [health, feed], fanned, uploaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,3000", help="posts to measure at (ascending)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per load measurement")
    parser.add_argument("--clients", type=int, default=2, help="concurrent HTTP clients")
    parser.add_argument("--samples", type=int, default=10, help="per latency")
    parser.add_argument("--authors", type=int, default=120)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--follows", type=int, default=20, help="authors each reader follows")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-boot", action="store_true", help="skip the boot times")
    tiny = {"sizes": "20", "seconds": 0.5, "samples": 1, "authors": 6, "readers": 3, "follows": 2}
    args = smoke.parse(parser, {**tiny, "no_boot": True})
    sizes = sorted(int(size) for size in args.sizes.split(","))

    rows: list[str] = []
    if not args.no_boot:
        with tempfile.TemporaryDirectory(prefix="glimpse-boot-") as state:
            first = boot(Path(state), "--fresh")
            second = boot(Path(state))
        rows.append(
            f"  boot: first start (empty state) {first:.1f} s, second (saved) {second:.1f} s"
        )
        say(rows[-1])

    from infra.local.cloud import LocalCloud

    with quiet():
        cloud = LocalCloud(port=0, parameters={"RateLimitScale": "1000"}).start()
    try:
        with quiet():
            started = time.perf_counter()
            world = populate(cloud.url, args.authors, args.readers, args.follows, args.seed)
            made = time.perf_counter() - started
            settled = settle(cloud)
        say(
            f"  {args.authors} authors and {args.readers} readers following {args.follows} each: "
            f"{made:.0f} s over HTTP (+{settled:.0f} s for the events to settle)"
        )
        table = []
        for size in sizes:
            with quiet():
                took = seed_posts(world, size - world.posts)
                rates, fanned, uploaded = measure(cloud, world, size, args)
            say(f"  {size} posts: seeded in {took:.1f} s through the models")
            table.append((size, rates, fanned, uploaded))
            health, feed = rates
            for rate in (feed, health):
                say(
                    f"  GET {rate.route:<8} {rate.per_second:6.1f} req/s  p50 {rate.p50_ms:5.0f} ms"
                    f"  p95 {rate.p95_ms:5.0f} ms"
                )
            say(seconds_row("post -> follower feed", fanned))
            say(seconds_row("upload -> ready", uploaded))
    finally:
        with quiet():
            cloud.stop()
    report(rows, table, args)


def report(
    rows: list[str],
    table: list[tuple[int, list[Rate], list[float], list[float]]],
    args: argparse.Namespace,
) -> None:
    say("")
    say(f"Local cloud at a real size ({args.clients} HTTP clients, {args.seconds:g} s per route)")
    for row in rows:
        say(row)
    say(
        f"  {'posts':>5}  {'route':<12} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}  "
        f"{'req/s vs /health':>16}  {'post→feed p50':>13}  {'upload→ready p50':>16}"
    )
    for size, (health, feed), fanned, uploaded in table:
        for rate in (health, feed):
            ratio = rate.per_second / health.per_second
            tail = (
                f"  {statistics.median(fanned) * 1000:10.0f} ms  "
                f"{statistics.median(uploaded) * 1000:13.0f} ms"
                if rate is feed
                else ""
            )
            say(
                f"  {size:>5}  GET {rate.route:<8} {rate.per_second:7.1f} {rate.p50_ms:7.0f} "
                f"{rate.p95_ms:7.0f}  {ratio:15.2f}x{tail}"
            )


if __name__ == "__main__":
    main()
