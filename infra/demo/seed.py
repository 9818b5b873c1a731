"""Seeds a running local cloud with the planned world, over HTTP like any client.

Each step reads what the API already shows and creates only what is missing: an account that
exists is logged in (a 409 at sign-up), a post is recognised by its author and caption, a
comment by its author and text on its post, a message by its `client_message_id`, a story by
its author's live stories, a follow by the follower's list; likes and follows are idempotent
in the API anyway. So a second run creates nothing, and an interrupted one finishes the job.

Each demo account talks from its own loopback address (127.0.0.x) when the system allows it,
as thirty people on thirty devices would: the per-IP budgets of `/auth/*` (20 sign-ups an hour)
count per person, not for the whole demo.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from infra.demo import photos
from infra.demo.world import PASSWORD, PLACES, Conversation, Post, Story, User, World
from infra.local.provision import local_client

TIMEOUT = 60.0
WORKERS = 6
RETRIES = 4


class DemoError(Exception):
    """The cloud answered something the demo cannot go on from."""


class _SourceAdapter(HTTPAdapter):
    """Connections from one local address."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(pool_maxsize=WORKERS)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def _source(index: int) -> str | None:
    """127.0.0.<index + 10> if this system routes the whole loopback range (Linux does;
    macOS has only 127.0.0.1 unless aliases are added), else None."""
    import socket

    address = f"127.0.0.{10 + index % 240}"
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return None
    return address


@dataclass
class Person:
    """One demo account's HTTP session."""

    base: str
    user: User
    index: int
    token: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        source = _source(self.index)
        if source:
            self.session.mount("http://", _SourceAdapter(source))

    def call(self, method: str, path: str, ok: Iterable[int] = (200, 201, 204), **kw: Any) -> Any:
        """The JSON of a call that answered one of `ok` (None for no body); a 429 is waited
        out (Retry-After) a few times; anything else is a DemoError naming the call."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        for attempt in range(RETRIES):
            response = self.session.request(
                method, self.base + path, headers=headers, timeout=TIMEOUT, **kw
            )
            if response.status_code != 429 or attempt == RETRIES - 1:
                break
            time.sleep(min(float(response.headers.get("Retry-After", "1")), 5.0))
        if response.status_code not in set(ok):
            raise DemoError(
                f"{self.user.username}: {method} {path} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
        return response.json() if response.content else None

    def pages(self, path: str) -> list[dict[str, Any]]:
        """Every item of a list, page after page."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = self.call("GET", path, params=params)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def upload(self, data: bytes, content_type: str, kind: str) -> str:
        """A media item uploaded (slot, then the file to S3); its id. Not waited for."""
        body = {"kind": kind, "content_type": content_type, "size_bytes": len(data)}
        slot = self.call("POST", "/media", json=body)
        form = slot["upload"]
        response = self.session.post(
            form["url"],
            data=form["fields"],
            files={"file": ("upload", data, content_type)},
            timeout=TIMEOUT,
        )
        if response.status_code not in (200, 201, 204):
            raise DemoError(f"{self.user.username}: the upload answered {response.status_code}")
        return str(slot["media_id"])

    def settled(self, media_id: str, deadline: float = 120.0) -> dict[str, Any]:
        """The media item once it is no longer pending (or at the deadline). Looked at every
        half second: each look is an API call the same process serves as the thumbnailer."""
        until = time.monotonic() + deadline
        while True:
            media: dict[str, Any] = self.call("GET", f"/media/{media_id}")
            if media["status"] != "pending" or time.monotonic() > until:
                return media
            time.sleep(0.5)


class Progress:
    """A one-line progress bar on stderr (a line per step when it is not a terminal)."""

    def __init__(self, total: int, stream: Any = sys.stderr) -> None:
        self.total, self.done, self.step = max(total, 1), 0, ""
        self.stream, self.lock, self.tty = stream, threading.Lock(), stream.isatty()

    def start(self, step: str) -> None:
        with self.lock:
            self.step = step
            if not self.tty:
                self.stream.write(f"  {self._bar()}  {step}\n")
            self._draw()

    def advance(self, count: int = 1) -> None:
        with self.lock:
            self.done = min(self.total, self.done + count)
            self._draw()

    def _bar(self) -> str:
        filled = 30 * self.done // self.total
        return f"[{'#' * filled}{'.' * (30 - filled)}] {100 * self.done // self.total:3d}%"

    def _draw(self) -> None:
        if self.tty:
            self.stream.write(f"\r  {self._bar()}  {self.step:<40}")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")


@dataclass
class Seeder:
    base: str
    world: World
    workers: int = WORKERS
    quiet: bool = False
    created: Counter[str] = field(default_factory=Counter)
    people: dict[str, Person] = field(default_factory=dict)
    post_ids: dict[tuple[str, str], str] = field(default_factory=dict)  # (author, caption)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # post id: likes, comments
    media: list[tuple[str, str]] = field(default_factory=list)  # (username, media id)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fresh: set[str] = field(default_factory=set)  # the posts this run created
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step
    avatars: dict[str, str] = field(default_factory=dict)  # username: media id, not set yet

    def run(self) -> Counter[str]:
        world = self.world
        likes = sum(len(post.likers) for post in world.posts)
        comments = sum(len(post.comments) for post in world.posts)
        messages = sum(len(c.messages) for c in world.conversations)
        total = len(world.users) * 2 + len(
            world.follows
        )  # an account, and its avatar + len(world.posts) * 2
        total += likes + comments + len(world.stories) + messages
        self.progress = Progress(total, sys.stderr if not self.quiet else _Null())
        self._step("accounts", world.users, self._account)
        place_ids = self._places()
        by_author = _group(world.posts, lambda post: post.author)
        self._step(  # first: the thumbnailer works through them while the rest is sent
            "posts", list(by_author.items()), lambda item: self._posts(item[0], item[1], place_ids)
        )
        self._step("follows", world.users, self._follows)
        self._step("follow requests approved", [u for u in world.users if u.private], self._approve)
        self._step("likes and comments", world.posts, self._reactions)
        stories = _group(world.stories, lambda story: story.author)
        self._step("stories", list(stories.items()), self._stories)
        self._step("conversations", world.conversations, self._conversation)
        self._step("avatars", list(self.avatars.items()), self._avatar)
        self.progress.start("renditions")
        started = time.monotonic()
        for username, media_id in self.media:
            self.people[username].settled(media_id)
        self.timings["renditions"] = time.monotonic() - started
        self.progress.finish()
        return self.created

    def celebrity(self, aws_endpoint: str, deadline: float = 30.0) -> tuple[int, bool]:
        """The celebrity's follower count once the API shows every planned follower, and
        whether the cloud made them a celebrity: `is_celebrity` on their profile item, which
        the followers function sets past CelebrityFollowerThreshold. The API does not show
        it, so it is read from the Users table through the local cloud's embedded AWS
        endpoint (`aws_endpoint`, as `make moderator` uses it); nothing is written there."""
        name = self.world.celebrity
        person = self.people[name]
        planned = sum(followed == name for _follower, followed in self.world.follows)
        until = time.monotonic() + deadline
        followers = 0
        while True:
            followers = int(person.call("GET", f"/users/{name}")["followers_count"])
            if followers >= planned or time.monotonic() > until:
                break
            time.sleep(0.5)
        dynamodb = local_client("dynamodb", aws_endpoint)
        table = next(t for t in dynamodb.list_tables()["TableNames"] if t.endswith("-UsersTable"))
        key = {"pk": {"S": f"USER#{_subject(person.token)}"}, "sk": {"S": "PROFILE"}}
        settle = time.monotonic() + 3.0  # promoted right after the count, by the same batch
        while True:
            item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            celebrity = bool(item and item.get("is_celebrity", {}).get("BOOL"))
            if celebrity or time.monotonic() > min(settle, until):
                return followers, celebrity
            time.sleep(0.5)

    def _count(self, what: str, number: int | bool) -> None:
        with self.lock:
            self.created[what] += int(number)

    def _step(self, name: str, items: list[Any], work: Callable[[Any], None]) -> None:
        self.progress.start(name)
        started = time.monotonic()
        with ThreadPoolExecutor(self.workers) as pool:
            for _ in pool.map(work, items):
                pass
        self.timings[name] = time.monotonic() - started

    def _account(self, user: User) -> None:
        person = Person(self.base, user, self.world.users.index(user))
        self.people[user.username] = person
        body = {"username": user.username, "email": user.email, "password": PASSWORD}
        signed_up = person.call("POST", "/auth/signup", ok=(201, 409), json=body)
        self._count("users", "error" not in signed_up)  # a 409: it exists already
        login = {"username": user.username, "password": PASSWORD}
        tokens = person.call("POST", "/auth/login", json=login)
        if "id_token" not in tokens:
            raise DemoError(f"{user.username} has two-factor authentication on: not a demo account")
        person.token = tokens["id_token"]
        me = person.call("GET", "/me")
        wanted = {"display_name": user.display_name, "bio": user.bio, "is_private": user.private}
        if any(me.get(key) != value for key, value in wanted.items()):
            person.call("PATCH", "/me", json=wanted)
        self.progress.advance()
        if me.get("avatar") is None:  # set once it is ready, at the end (_avatar)
            image, _ = photos.picture(user.avatar, "square")
            data = photos.jpeg(image.resize((320, 320)))
            self.avatars[user.username] = person.upload(data, "image/jpeg", "avatar")
        else:
            self.progress.advance()

    def _avatar(self, item: tuple[str, str]) -> None:
        username, media_id = item
        person = self.people[username]
        if person.settled(media_id)["status"] != "ready":
            raise DemoError(f"{username}: the avatar was not accepted")
        person.call("PATCH", "/me", json={"avatar_media_id": media_id})
        self._count("avatars", 1)
        self.progress.advance()

    def _follows(self, user: User) -> None:
        person = self.people[user.username]
        wanted = [
            followed for follower, followed in self.world.follows if follower == user.username
        ]
        following = {u["username"] for u in person.pages(f"/users/{user.username}/following")}
        for followed in wanted:
            if followed not in following:
                person.call("POST", f"/users/{followed}/follow")
                self._count("follows", 1)
            self.progress.advance()

    def _approve(self, user: User) -> None:
        person = self.people[user.username]
        planned = {a for a, b in self.world.follows if b == user.username}
        for request in person.pages("/me/follow-requests"):
            name = request.get("username") or request.get("user", {}).get("username")
            if name in planned:
                person.call("POST", f"/me/follow-requests/{name}/approve")

    def _places(self) -> list[str | None]:
        """Each place's id (POST /places finds the one of that name nearby, so a second run
        gets the same ids); None for all when the posts cannot take a place yet."""
        person = self.people[self.world.celebrity]
        document = person.call("GET", "/openapi.json")
        schema = document["components"]["schemas"].get("PostCreate", {})
        if "place_id" not in schema.get("properties", {}):
            return [None] * len(PLACES)
        ids: list[str | None] = []
        for name, lat, lng in PLACES:
            place = person.call("POST", "/places", json={"name": name, "lat": lat, "lng": lng})
            ids.append(str(place["place_id"]))
        return ids

    def _posts(self, author: str, posts: list[Post], place_ids: list[str | None]) -> None:
        person = self.people[author]
        for item in person.pages(f"/users/{author}/posts"):
            self.post_ids[(author, item["caption"])] = item["post_id"]
            self.counts[item["post_id"]] = (item.get("like_count") or 0, item["comment_count"])
        for post in posts:
            if (author, post.caption) not in self.post_ids:
                self._post(person, post, place_ids)
                self._count("posts", 1)
            self.progress.advance()

    def _post(self, person: Person, post: Post, place_ids: list[str | None]) -> None:
        image, _ = photos.picture(post.picture, "portrait" if post.picture % 3 == 0 else "square")
        media_id = person.upload(photos.jpeg(image), "image/jpeg", "post")
        self.media.append((person.user.username, media_id))
        body: dict[str, Any] = {
            "media_ids": [media_id],
            "caption": post.caption,
            "alt_texts": {media_id: post.alt_text},
        }
        if post.place is not None:
            name, place_id = PLACES[post.place][0], place_ids[post.place]
            body.update({"place_id": place_id} if place_id else {"location": name})
        created = person.call("POST", "/posts", json=body)
        self.post_ids[(post.author, post.caption)] = created["post_id"]
        self.counts[created["post_id"]] = (0, 0)
        self.fresh.add(created["post_id"])

    def _reactions(self, post: Post) -> None:
        post_id = self.post_ids[(post.author, post.caption)]
        likes, comments = self.counts[post_id]
        if likes < len(post.likers):  # counted shortly after: a lagging count only costs a read
            reader = self.people[post.author]
            present = (
                set()
                if post_id in self.fresh
                else {u["username"] for u in reader.pages(f"/posts/{post_id}/likes")}
            )
            for liker in post.likers:
                if liker not in present:
                    self.people[liker].call("POST", f"/posts/{post_id}/like")
                    self._count("likes", 1)
        self.progress.advance(len(post.likers))
        if comments < len(post.comments):
            reader = self.people[post.author]
            present = (
                set()
                if post_id in self.fresh
                else {
                    (c["author"]["username"], c["text"])
                    for c in reader.pages(f"/posts/{post_id}/comments")
                }
            )
            for author, text in post.comments:
                if (author, text) not in present:
                    self.people[author].call(
                        "POST", f"/posts/{post_id}/comments", json={"text": text}
                    )
                    self._count("comments", 1)
        self.progress.advance(len(post.comments) + 1)

    def _stories(self, item: tuple[str, list[Story]]) -> None:
        author, stories = item
        person = self.people[author]
        friends = self.world.close_friends.get(author)
        if friends:
            person.call("PUT", "/me/close-friends", json={"usernames": list(friends)})
        live = len(person.call("GET", f"/users/{author}/stories")["items"])
        for story in stories[live:]:
            if story.video:
                media_id = person.upload(photos.video(story.picture), "video/mp4", "story")
            else:
                image, _ = photos.picture(story.picture, "story")
                media_id = person.upload(photos.jpeg(image), "image/jpeg", "story")
            self.media.append((author, media_id))
            audience = "close_friends" if story.close_friends else "followers"
            person.call("POST", "/stories", json={"media_id": media_id, "audience": audience})
            self._count("stories", 1)
        self.progress.advance(len(stories))

    def _conversation(self, conversation: Conversation) -> None:
        first, second = conversation.members
        opened = self.people[first].call("POST", "/conversations", json={"usernames": [second]})
        cid = opened["conversation_id"]
        sent = {
            m.get("client_message_id")
            for m in self.people[first].pages(f"/conversations/{cid}/messages")
        }
        if not sent - {None}:
            self._count("conversations", 1)
        for sender, client_id, text in conversation.messages:
            if client_id not in sent:
                body = {"text": text, "client_message_id": client_id}
                self.people[sender].call("POST", f"/conversations/{cid}/messages", json=body)
                self._count("messages", 1)
            self.progress.advance()


class _Null:
    def write(self, _: str) -> None: ...

    def flush(self) -> None: ...

    def isatty(self) -> bool:
        return False


def _subject(token: str) -> str:
    """The `sub` claim (the user id) of an ID token, read without checking it."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


def _group[T](items: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return grouped
