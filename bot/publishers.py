"""Who publishes a source: finding a URL's [[publisher]], ordering citations by how far a
newsroom would trust them, and naming a reprint after the organisation that wrote it.

Pure functions: the loader resolves every source's publisher once (`publisher_kind`), and the
answer composer orders and labels citations with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from bot.models import Publisher, PublisherKind, Source

# Primary sources first, aggregators last; a source whose publisher is unknown comes last.
KIND_ORDER: tuple[PublisherKind, ...] = ("primary", "major", "regional", "aggregator")
_RANK = {kind: n for n, kind in enumerate(KIND_ORDER)}

def normal_host(host: str) -> str:
    """A host as publishers are matched: lower case, without a trailing dot or a leading www."""
    host = host.strip().lower().rstrip(".")
    return host.removeprefix("www.")


def host_of(url: str) -> str:
    """The host of an address, normalised ("https://www.un.org/x" gives "un.org")."""
    return normal_host(urlsplit(url).hostname or "")


def host_index(publishers: Iterable[Publisher]) -> dict[str, Publisher]:
    """Each normalised host with its publisher (the first to list it)."""
    index: dict[str, Publisher] = {}
    for publisher in publishers:
        for host in publisher.all_hosts():
            index.setdefault(normal_host(host), publisher)
    return index


def publisher_of(url: str, index: Mapping[str, Publisher]) -> Publisher | None:
    """The publisher of an address. Hosts match exactly (after dropping "www."): a subdomain
    belongs to a publisher only if the publisher lists it, so news.un.org is not un.org's."""
    return index.get(host_of(url))


def rank(kind: PublisherKind | None) -> int:
    return _RANK.get(kind, len(KIND_ORDER)) if kind else len(KIND_ORDER)


def primary_first(sources: Iterable[Source]) -> list[Source]:
    """Sources ordered primary, major, regional, aggregator; the order given within a kind."""
    return sorted(sources, key=lambda s: rank(s.publisher_kind))


def cited_as(source: Source) -> str:
    """How an answer names a source's publisher: "AFP, via Maliweb" for a reprint."""
    return reprint_label(source.publisher, source.original)


def reprint_label(publisher: str, original: str | None) -> str:
    if not original or original.strip().casefold() == publisher.strip().casefold():
        return publisher
    return f"{original.strip()}, via {publisher.strip()}"
