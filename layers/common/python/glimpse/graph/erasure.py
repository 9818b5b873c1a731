"""The graph's part of erasing an account (glimpse.erasure): every edge between it and anyone
else, each pair severed as `glimpse.graph.service.sever` says; found in its own partition
(follows both ways, requests it received, its blocks, close friends, affinities and
mutes) and, for
what others hold about it with no counterpart in its partition (a request it made, a block of
it, another's close-friend entry, affinity or mute of it), through ByAbout."""

from __future__ import annotations

from dataclasses import dataclass

from glimpse.erasure import Erasure, erase_pages, keys_found, next_page, table
from glimpse.graph.service import sever
from glimpse.jobs import Send, Stats
from glimpse.models.batch import write_many
from glimpse.models.graph import Edge, edge_key, other_of, owner_of
from glimpse.models.users import user_pk

PAGE = 50  # edges read per invocation: a transaction per account at their far ends
EDGE_KINDS = ("AFFINITY#", "BLOCKS#", "CLOSE#", "FOLLOWER#", "FOLLOWS#", "MUTES#", "REQUEST#")


@dataclass(frozen=True, kw_only=True)
class GraphErasure(Erasure):
    type = "erase_graph"
    aggregate = "graph"


def erase(job: GraphErasure, send: Send) -> Stats:
    def pages(after: str | None) -> tuple[list[str], str | None]:
        keys = [
            edge.sk
            for edge in Edge.query(user_pk(job.user_id), limit=PAGE, attributes_to_get=["sk"])
        ]
        others = list(dict.fromkeys(other_of(sk) for sk in keys if sk.startswith(EDGE_KINDS)))
        return others, next_page(after, len(keys), PAGE) if others else None

    def remove(others: list[str]) -> int:
        severed = sever(job.user_id, others)
        # whatever of the account's own edges to them a torn pair left (one BatchWriteItem
        # per 4 accounts): the next page must not find them again
        strays = [edge_key(job.user_id, kind, other) for other in others for kind in EDGE_KINDS]
        write_many(Edge, deletes=strays)
        return severed

    return erase_pages(job, pages, remove, send)


@dataclass(frozen=True, kw_only=True)
class AboutErasure(Erasure):
    type = "erase_edges_about"
    aggregate = "graph"


def erase_about(job: AboutErasure, send: Send) -> Stats:
    pages = keys_found(lambda: Edge.by_about.query(job.user_id, limit=PAGE), PAGE)

    def remove(keys: list[tuple[str, str]]) -> int:
        others = list(dict.fromkeys(owner_of(pk) for pk, _sk in keys))
        severed = sever(job.user_id, others)
        write_many(Edge, deletes=keys)  # the index may lag: what it named goes, surely
        return max(severed, len(keys))

    return erase_pages(job, pages, remove, send)


ERASURE = table("graph", {GraphErasure: erase, AboutErasure: erase_about})
