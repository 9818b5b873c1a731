"""Search through the handlers, against moto and the local search engine (over HTTP, as the
local cloud serves it): the indexer under duplicated, reordered and stale records, privacy
flips, partial batch failures, the custom resource, and every route's rules (blocks both
ways, private accounts, follows) and bad input."""

from __future__ import annotations

import contextlib
import random
from typing import Any
from urllib.parse import quote

import pytest

from functions.indexer import app as indexer_app
from functions.search_setup import app as setup_app
from glimpse.adapters import search as cluster_adapter
from glimpse.auth import leaving
from glimpse.models.batch import get_many as real_get_many
from glimpse.models.posts import POST, Post, post_pk
from glimpse.search import indexer
from glimpse.users.schemas import DeleteMeIn
from infra import opensearch
from infra.local.search import LocalSearch
from tests.conftest import FakeContext, load_event
from tests.integration.social import User, api, follow, make_user, post, settle

_sequence = iter(range(10**9))


def post_record(post_id: str, name: str = "MODIFY") -> dict[str, Any]:
    keys = {"pk": {"S": f"POST#{post_id}"}, "sk": {"S": "POST"}}
    return {
        "eventName": name,
        "dynamodb": {"Keys": keys, "SequenceNumber": str(next(_sequence))},
    }


def account_record(user: User, was_private: bool, is_private: bool) -> dict[str, Any]:
    keys = {"pk": {"S": f"USER#{user.id}"}, "sk": {"S": "PROFILE"}}
    return {
        "eventName": "MODIFY",
        "dynamodb": {
            "Keys": keys,
            "OldImage": {**keys, "is_private": {"BOOL": was_private}},
            "NewImage": {**keys, "is_private": {"BOOL": is_private}},
            "SequenceNumber": str(next(_sequence)),
        },
    }


def profile_record(user: User, name: str) -> dict[str, Any]:
    """A profile that appeared (`INSERT`: a sign-up, a restore) or went (`REMOVE`: moved
    aside by a deletion)."""
    keys = {"pk": {"S": f"USER#{user.id}"}, "sk": {"S": "PROFILE"}}
    return {
        "eventName": name,
        "dynamodb": {"Keys": keys, "SequenceNumber": str(next(_sequence))},
    }


def run_indexer(*records: dict[str, Any]) -> dict[str, Any]:
    return dict(indexer_app.lambda_handler({"Records": list(records)}, FakeContext()))


def stored(engine: LocalSearch, index: str, doc_id: str) -> dict[str, Any] | None:
    """The document as the engine holds it (None: not there)."""
    for hit in engine.search(index, {"size": 100_000})["hits"]["hits"]:
        if hit["_id"] == doc_id:
            return dict(hit["_source"])
    return None


def tagged(user: User, tag: str) -> list[str]:
    status, body = api("search", "hashtag_posts", user, {"tag": tag}, query={"limit": "100"})
    assert status == 200, body
    return [item["post_id"] for item in body["items"]]


def searched(user: User, q: str, kind: str) -> list[dict[str, Any]]:
    status, body = api("search", "search", user, query={"q": q, "type": kind, "limit": "100"})
    assert status == 200, body
    return list(body["items"])


def test_duplicated_reordered_and_stale_records_never_bring_back_an_older_state(
    engine: LocalSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = make_user(), make_user()
    post_id = post(alice, "#tide at dawn")
    as_written = Post.get(post_pk(post_id), POST, consistent_read=True)
    first = post_record(post_id, "INSERT")
    records = [first, first, post_record(post_id), account_record(alice, False, False)]
    random.Random(7).shuffle(records)
    assert run_indexer(*records) == {"batchItemFailures": []}
    assert run_indexer(first) == {"batchItemFailures": []}  # again: refused as not newer
    assert tagged(bob, "tide") == [post_id]

    for liker in (bob, make_user()):
        assert api("posts", "like", liker, {"post_id": post_id})[0] == 200
    settle()  # the counters write the post: its revision moves on
    run_indexer(post_record(post_id))
    assert stored(engine, "posts", post_id)["like_count"] == 2  # type: ignore[index]

    def stale(keys: Any, consistent: bool) -> Any:  # a slow invocation read the post earlier
        fetched = real_get_many(keys, consistent=consistent)
        if fetched.get(Post, (post_pk(post_id), POST)) is not None:
            fetched.add(Post, as_written)
        return fetched

    with monkeypatch.context() as patched:
        patched.setattr(indexer, "get_many", stale)
        assert indexer.index([indexer.Change("x", "post", post_id)]).stale == 1
    assert stored(engine, "posts", post_id)["like_count"] == 2  # type: ignore[index]

    assert api("posts", "delete_post", alice, {"post_id": post_id})[0] == 204
    run_indexer(post_record(post_id, "REMOVE"))
    assert stored(engine, "posts", post_id) is None
    with monkeypatch.context() as patched:  # the post as read just before it went
        patched.setattr(indexer, "get_many", lambda keys, consistent: _with(as_written, keys))
        assert indexer.index([indexer.Change("y", "post", post_id)]).stale == 1
    run_indexer(first, post_record(post_id))  # late records of the live post
    assert stored(engine, "posts", post_id) is None
    assert tagged(bob, "tide") == []


def _with(item: Post, keys: Any) -> Any:
    fetched = real_get_many(keys, consistent=True)
    fetched.add(Post, item)
    return fetched


def test_an_account_turning_private_leaves_search_and_turning_public_comes_back(
    engine: LocalSearch,
) -> None:
    bob, carol = make_user(), make_user()
    posts = {post(bob, "#flipside one"), post(bob, "#flipside two")}
    run_indexer(*(post_record(p) for p in posts))
    assert set(tagged(carol, "flipside")) == posts

    assert api("users", "patch_me", bob, body={"is_private": True})[0] == 200
    assert tagged(carol, "flipside") == []  # at once: each result is checked on read
    run_indexer(account_record(bob, False, True))
    assert {stored(engine, "posts", p)["visibility"] for p in posts} == {"private"}  # type: ignore[index]

    assert api("users", "patch_me", bob, body={"is_private": False})[0] == 200
    run_indexer(account_record(bob, True, False))
    assert set(tagged(carol, "flipside")) == posts


def test_blocks_hide_both_ways_private_accounts_never_show_and_explore_skips_follows(
    engine: LocalSearch,
) -> None:
    dana, erin, fay, gus = make_user(), make_user(), make_user(), make_user()
    hidden = make_user(private=True)
    follow(gus, hidden)  # a request: not a follower
    mine = {u.id: post(u, f"#gulls by {u.username}") for u in (dana, erin, fay, hidden)}
    run_indexer(
        *(post_record(p) for p in mine.values()),
        *(account_record(u, False, False) for u in (dana, erin, fay, hidden)),
    )
    assert api("graph", "block", dana, {"username": erin.username})[0] == 204
    follow(dana, fay)

    assert set(tagged(dana, "gulls")) == {mine[dana.id], mine[fay.id]}  # not erin's, blocked
    assert set(tagged(erin, "gulls")) == {mine[erin.id], mine[fay.id]}  # not dana's, blocker
    assert mine[hidden.id] not in tagged(hidden, "gulls")  # never, not even to its author
    assert {p["post_id"] for p in searched(erin, "gulls", "posts")} >= {mine[fay.id]}
    assert mine[dana.id] not in {p["post_id"] for p in searched(erin, "gulls", "posts")}

    assert [u["username"] for u in searched(erin, dana.username, "users")] == []
    assert [u["username"] for u in searched(dana, erin.username, "users")] == []
    assert [u["username"] for u in searched(gus, dana.username, "users")] == [dana.username]
    assert [u["username"] for u in searched(gus, hidden.username, "users")] == [hidden.username]

    status, body = api("search", "explore", dana, query={"limit": "100"})
    assert status == 200, body
    shown = {item["post_id"] for item in body["items"]}
    assert mine[fay.id] not in shown  # followed
    assert mine[erin.id] not in shown  # blocked
    assert mine[dana.id] not in shown  # own
    assert mine[hidden.id] not in shown  # private


def test_hashtags_are_counted_by_public_posts(engine: LocalSearch) -> None:
    hana, ivan = make_user(), make_user(private=True)
    tag = f"kelp{hana.id[:6]}"
    posts = [post(hana, f"#{tag}"), post(hana, f"#{tag} #{tag}s"), post(ivan, f"#{tag}")]
    run_indexer(*(post_record(p) for p in posts))
    found = {h["tag"]: h["post_count"] for h in searched(hana, tag, "hashtags")}
    assert found == {tag: 2, f"{tag}s": 1}  # ivan is private: his tag is not counted
    assert searched(hana, f"#{tag.upper()}", "hashtags")[0] == {"tag": tag, "post_count": 2}


def test_a_hashtag_counts_the_posts_its_page_shows_the_caller(
    engine: LocalSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public posts but those of accounts blocked either way with the caller; never a private
    account's, a deleted post, or a deleted account's (until it is restored)."""
    caller, stranger = make_user(), make_user()
    public, blocker, blocked, gone = (make_user() for _ in range(4))
    hidden = make_user(private=True)
    tag = f"tern{caller.id[:6]}"
    posts = {u.id: post(u, f"#{tag}") for u in (public, hidden, blocker, blocked, gone)}
    again = post(public, f"#{tag} again")
    run_indexer(*(post_record(p) for p in [*posts.values(), again]))
    assert api("graph", "block", blocker, {"username": caller.username})[0] == 204
    assert api("graph", "block", caller, {"username": blocked.username})[0] == 204
    with monkeypatch.context() as patched:  # no Cognito here: the password and its sessions
        patched.setattr(leaving, "signed_in", lambda *_: contextlib.nullcontext())
        patched.setattr(leaving, "end_sessions_elsewhere", lambda *_: None)
        leaving.delete_account(gone.id, DeleteMeIn(password="correct-horse-1"))
    run_indexer(profile_record(gone, "REMOVE"))

    def seen(user: User) -> tuple[int, int]:
        """(the tag's count, the posts its page shows) as `user` asks."""
        counts = {h["tag"]: h["post_count"] for h in searched(user, tag, "hashtags")}
        return counts.get(tag, 0), len(tagged(user, tag))

    assert seen(caller) == (2, 2)  # public's two only
    assert seen(stranger) == (4, 4)  # and the blocker's and the blocked's
    assert seen(blocker) == (4, 4)  # the caller has no post with the tag
    assert seen(hidden) == (4, 4)  # a private account's post is not counted, even for itself

    leaving.restore_account(gone.id)
    run_indexer(profile_record(gone, "INSERT"))
    assert (seen(caller), seen(stranger)) == ((3, 3), (5, 5))
    run_indexer(profile_record(gone, "REMOVE"))  # the deletion's record again, late
    assert (seen(caller), seen(stranger)) == ((3, 3), (5, 5))

    assert api("posts", "delete_post", public, {"post_id": again})[0] == 204
    run_indexer(post_record(again, "REMOVE"))
    assert seen(caller) == (2, 2)
    assert seen(stranger) == (4, 4)


def test_an_edit_moves_a_post_between_hashtag_pages_counts_and_caption_search(
    engine: LocalSearch,
) -> None:
    """The indexer follows an edit from the Posts stream (the edit moves `revision`); the
    hashtag page leaves the post out as soon as its caption lost the tag, before that."""
    author, reader = make_user(), make_user()
    old, new = f"old{author.id[:6]}", f"new{author.id[:6]}"
    post_id = post(author, f"#{old} morning fog{author.id[:6]}")
    other = post(author, f"#{old} too")
    run_indexer(post_record(post_id), post_record(other))
    assert (tagged(reader, old), tagged(reader, new)) == ([other, post_id], [])

    status, _body = api(
        "posts",
        "edit_post",
        author,
        {"post_id": post_id},
        body={"caption": f"#{new} evening glow{author.id[:6]}"},
    )
    assert status == 200
    assert tagged(reader, old) == [other]  # the index still has it: the page does not show it
    run_indexer(post_record(post_id))
    assert (tagged(reader, old), tagged(reader, new)) == ([other], [post_id])
    counts = {
        h["tag"]: h["post_count"] for t in (old, new) for h in searched(reader, t, "hashtags")
    }
    assert (counts.get(old), counts.get(new)) == (1, 1)
    found = [p["post_id"] for p in searched(reader, f"glow{author.id[:6]}", "posts")]
    assert found == [post_id]
    assert searched(reader, f"fog{author.id[:6]}", "posts") == []
    run_indexer(post_record(post_id))  # the record again: nothing changes
    assert (tagged(reader, old), tagged(reader, new)) == ([other], [post_id])


def test_a_hidden_like_count_is_null_in_search_and_hashtag_pages(engine: LocalSearch) -> None:
    author, reader = make_user(), make_user()
    tag = f"hush{author.id[:6]}"
    post_id = post(author, f"#{tag}")
    status, _body = api(
        "posts", "edit_post", author, {"post_id": post_id}, body={"hide_like_count": True}
    )
    assert status == 200
    assert api("posts", "like", reader, {"post_id": post_id})[0] == 200
    settle()
    run_indexer(post_record(post_id))
    status, page = api("search", "hashtag_posts", reader, {"tag": tag})
    assert [p["like_count"] for p in page["items"]] == [None]
    assert [p["like_count"] for p in searched(reader, tag, "posts")] == [None]
    assert [p["like_count"] for p in searched(author, tag, "posts")] == [1]
    assert stored(engine, "posts", post_id)["like_count"] == 1  # ranking keeps the count


def test_a_hashtag_page_is_found_by_its_percent_encoded_name(engine: LocalSearch) -> None:
    """`/hashtags/caf%C3%A9/posts` is the page of `#café`, however the tag was typed or asked
    for: the path is decoded, and the tag is looked up in the form captions store it in."""
    mo = make_user()
    tag = f"café{mo.id[:6]}"
    composed = post(mo, f"Morning #{tag.title()}")
    decomposed = post(mo, f"Evening #{tag.replace('é', 'e\u0301')}")  # "e" + U+0301
    assert {tuple(p.hashtags) for p in map(_post, (composed, decomposed))} == {(tag,)}
    run_indexer(post_record(composed), post_record(decomposed))
    for asked in (
        quote(tag),  # caf%C3%A9…
        quote(tag.upper()),  # CAF%C3%89…
        quote(f"#{tag}"),  # %23caf%C3%A9…
        quote(tag.replace("é", "e\u0301")),  # cafe%CC%81…
        tag,  # as a client that did not encode it sends it
    ):
        assert sorted(tagged(mo, asked)) == sorted([composed, decomposed]), asked
    for broken in ("caf%E9", "caf%C3", "caf%", "caf%zz"):
        status, body = api("search", "hashtag_posts", mo, {"tag": broken})
        assert (status, body["error"]["code"]) == (400, "bad_request"), (broken, body)
        assert body["error"]["details"][0]["in"] == "path"


def _post(post_id: str) -> Post:
    return Post.get(post_pk(post_id), POST, consistent_read=True)


def test_a_document_the_cluster_refuses_fails_its_record_only(
    engine: LocalSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    jo = make_user()
    good, bad = post(jo, "fine"), post(jo, "refused")
    records = [post_record(good), post_record(bad)]
    real_bulk = cluster_adapter.bulk

    def refusing(actions: Any) -> list[dict[str, Any]]:
        results = real_bulk(actions)
        for result in results:
            if result.get("index", {}).get("_id") == bad:
                result["index"].update(status=429, error={"type": "es_rejected_execution"})
        return results

    monkeypatch.setattr(cluster_adapter, "bulk", refusing)
    answer = run_indexer(*records)
    assert answer == {
        "batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]
    }

    def down(actions: Any) -> list[dict[str, Any]]:
        raise cluster_adapter.SearchUnavailable("no answer")

    monkeypatch.setattr(cluster_adapter, "bulk", down)
    failed = run_indexer(*records)["batchItemFailures"]
    assert sorted(f["itemIdentifier"] for f in failed) == sorted(
        r["dynamodb"]["SequenceNumber"] for r in records
    )
    assert run_indexer({"eventName": "MODIFY", "dynamodb": {"Keys": {}}}) == {
        "batchItemFailures": []
    }


def test_bad_search_input_is_a_400(engine: LocalSearch) -> None:
    kim = make_user()
    for query in (
        {},
        {"q": ""},
        {"q": "  "},
        {"q": "x", "type": "venues"},
        {"q": "x" * 101},
        {"q": "x", "limit": "0"},
    ):
        status, body = api("search", "search", kim, query=query)
        assert status == 400, (query, body)
        assert body["error"]["code"] == "bad_request"
    run_indexer(post_record(post(kim, "#anything goes # here")))
    assert searched(kim, "anything", "hashtags") == [{"tag": "anything", "post_count": 1}]
    for q, kind in (("#", "hashtags"), ("#", "posts"), ("!?", "users"), ("# #", "posts")):
        assert searched(kim, q, kind) == []  # punctuation alone matches nothing, locally too
    status, _body = api("search", "hashtag_posts", kim, {"tag": "two words"})
    assert status == 400
    for forged in ("forged", "eyJ4IjoxfQ"):
        assert api("search", "explore", kim, query={"cursor": forged})[0] == 400
    lee = make_user(prefix="lee")
    for n in range(3):
        post(lee, f"#cursorcheck{lee.id[:4]} {n}")
    tag = f"cursorcheck{lee.id[:4]}"
    run_indexer(*(post_record(p) for p in tagged_posts_of(lee)))
    status, body = api("search", "hashtag_posts", kim, {"tag": tag}, query={"limit": "1"})
    assert status == 200, body
    assert body["next_cursor"], body
    other = body["next_cursor"]
    assert (
        api("search", "hashtag_posts", kim, {"tag": "another"}, query={"cursor": other})[0] == 400
    )
    assert api("search", "hashtag_posts", lee, {"tag": tag}, query={"cursor": other})[0] == 400
    status, page = api(
        "search", "hashtag_posts", kim, {"tag": tag}, query={"limit": "1", "cursor": other}
    )
    assert status == 200
    assert len(page["items"]) == 1
    assert page["items"] != body["items"]


def tagged_posts_of(user: User) -> list[str]:
    return [p.post_id for p in Post.by_author.query(f"AUTHOR#{user.id}")]


def test_the_custom_resource_applies_the_templates_and_always_answers(
    engine: LocalSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[dict[str, Any]] = []
    monkeypatch.setattr(setup_app, "_respond", lambda url, answer: answers.append(answer))
    engine.templates.clear()
    event = load_event("search_setup/create")
    setup_app.lambda_handler(event, FakeContext())
    assert answers[-1]["Status"] == "SUCCESS"
    assert answers[-1]["PhysicalResourceId"] == setup_app.PHYSICAL_ID
    assert sorted(engine.templates) == ["hashtags", "places", "posts", "users"]
    assert engine.templates["posts"] == opensearch.templates()["posts"]
    # an index that existed gets the fields its template's new version adds
    assert engine.mappings["posts"]["place_id"] == {"type": "keyword"}

    def broken() -> list[str]:
        raise RuntimeError("cluster red")

    monkeypatch.setattr(setup_app.setup, "apply", broken)
    setup_app.lambda_handler({**event, "RequestType": "Update"}, FakeContext())
    assert answers[-1]["Status"] == "FAILED"
    assert "cluster red" in answers[-1]["Reason"]
    setup_app.lambda_handler({**event, "RequestType": "Delete"}, FakeContext())
    assert answers[-1]["Status"] == "SUCCESS"  # nothing to undo: the indexes go with the domain
