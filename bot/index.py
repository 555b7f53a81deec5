"""Building the SQLite search index with sqlite-utils, into a temporary file swapped in atomically.

Tables: `sources`, `docs` (events and FAQ entries, with FTS5 over their folded terms),
`faq_questions`, `aliases`, `vocab` (term document frequencies) and `meta`. Browse it with
`datasette data/index.sqlite`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import TypeAdapter

from bot.knowledge import KnowledgeBase, knowledge_files
from bot.models import Event, FaqEntry, Source
from bot.text import AliasMap, terms

SCHEMA_VERSION = "2"
_INDEX_CODE = [str(Path(__file__)), str(Path(__file__).with_name("text.py"))]
_EVENT = TypeAdapter(Event)
_FAQ = TypeAdapter(FaqEntry)
_SOURCE = TypeAdapter(Source)


@dataclass(frozen=True)
class BuildStats:
    path: Path
    counts: dict[str, int]
    seconds: float


def knowledge_fingerprint(directory: Path) -> str:
    """A hash of every live knowledge file and of the code that shapes the index.

    The code is included so that an upgrade which changes folding or the schema rebuilds an
    index left over from the previous version instead of querying it with new rules.
    """
    digest = hashlib.sha256(SCHEMA_VERSION.encode())
    for module in _INDEX_CODE:
        digest.update(Path(module).read_bytes())
    for path in knowledge_files(directory):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def alias_map(kb: KnowledgeBase, *, questions: bool = False) -> AliasMap:
    """The aliases applied to entries, or (questions=True) to what users ask, which adds the
    question-only variants."""
    aliases = AliasMap()
    for alias in kb.aliases:
        variants = [*alias.variants, *(alias.question_variants if questions else ())]
        aliases.add(alias.canonical, variants, place=alias.kind == "place")
    return aliases


def _kind_words(kind: str) -> str:
    return kind.replace("-", " ")


def event_texts(event: Event) -> tuple[str, str]:
    """The key text (what the event is) and the full text (everything said about it)."""
    key = " ".join([event.title, *event.places, *event.tags, _kind_words(event.kind)])
    full = " ".join([key, event.summary, *(v.claim for v in event.versions)])
    return key, full


def faq_texts(faq: FaqEntry) -> tuple[str, str]:
    """As event_texts, without the entry's phrasings: those are questions, aliased as questions
    are (see _doc_rows)."""
    key = " ".join([faq.title or "", *faq.tags, faq.fact])
    full = " ".join([key, faq.answer, *(v.claim for v in faq.versions)])
    return key, full


def _doc_rows(kb: KnowledgeBase, aliases: AliasMap, asked: AliasMap) -> Iterator[dict[str, Any]]:
    for event in kb.events:
        key, full = event_texts(event)
        full_terms = terms(full, aliases)
        yield {
            "id": event.id,
            "kind": "event",
            "title": event.title,
            "date": event.date.iso,
            "date_end": (event.end_date or event.date).iso,
            "date_lo": event.date.first_day().isoformat(),
            "date_hi": (event.end_date or event.date).last_day().isoformat(),
            "precision": event.date.precision,
            "event_kind": event.kind,
            "places": json.dumps([" ".join(terms(p, aliases)) for p in event.places]),
            "key_terms": " ".join(sorted(set(terms(key, aliases)))),
            "title_terms": " ".join(terms(event.title, aliases)),
            "text": " ".join(full_terms),
            "payload": _EVENT.dump_json(event).decode(),
        }
    for faq in kb.faqs:
        key, full = faq_texts(faq)
        phrasings = terms(" ".join(faq.questions), asked)
        yield {
            "id": faq.id,
            "kind": "faq",
            "title": faq.title or faq.questions[0],
            "date": None,
            "date_end": None,
            "date_lo": None,
            "date_hi": None,
            "precision": None,
            "event_kind": None,
            "places": "[]",
            "key_terms": " ".join(sorted({*terms(key, aliases), *phrasings})),
            "title_terms": " ".join(terms(faq.title, aliases) if faq.title
                                    else terms(faq.questions[0], asked)),
            "text": " ".join([*terms(full, aliases), *phrasings]),
            "payload": _FAQ.dump_json(faq).decode(),
        }


_SCHEMA: dict[str, tuple[dict[str, type], str | None]] = {
    "sources": ({"id": str, "title": str, "publisher": str, "date": str, "url": str,
                 "payload": str}, "id"),
    "docs": ({"id": str, "kind": str, "title": str, "date": str, "date_end": str,
              "date_lo": str, "date_hi": str, "precision": str, "event_kind": str,
              "places": str, "key_terms": str, "title_terms": str, "text": str,
              "payload": str}, "id"),
    "faq_questions": ({"faq_id": str, "question": str, "terms": str}, None),
    "aliases": ({"canonical": str, "variant": str, "kind": str}, None),
    "vocab": ({"term": str, "df": int}, "term"),
    "places": ({"place": str}, "place"),
    "meta": ({"key": str, "value": str}, "key"),
}


def _write(db: sqlite_utils.Database, kb: KnowledgeBase, fingerprint: str) -> dict[str, int]:
    # Declared up front so that an empty knowledge kind still gives an (empty) table.
    for name, (columns, pk) in _SCHEMA.items():
        db.table(name).create(columns, pk=pk)
    aliases, asked = alias_map(kb), alias_map(kb, questions=True)
    db.table("sources").insert_all(
        ({"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date.iso,
          "url": s.url, "payload": _SOURCE.dump_json(s).decode()} for s in kb.sources.values()),
        pk="id",
    )
    docs = list(_doc_rows(kb, aliases, asked))
    db.table("docs").insert_all(docs, pk="id", batch_size=2000)
    db.table("docs").create_index(["kind", "date_lo"])
    # Events spanning several days are few; this partial index finds those overlapping a date
    # without scanning every event that started before it.
    db.execute("create index docs_spans on docs(date_hi) where date_hi > date_lo")
    # The text is already our terms (folded, de-pluralised, aliased). A stemmer on top would
    # merge terms the vocabulary keeps apart ("ieds" with "ied"), so a word the search takes
    # for rare could recall, and rank, tens of thousands of rows.
    db.table("docs").enable_fts(["text"], tokenize="unicode61")
    db.table("faq_questions").insert_all(
        ({"faq_id": f.id, "question": q, "terms": " ".join(terms(q, asked))}
         for f in kb.faqs for q in f.questions),
    )
    db.table("aliases").insert_all(
        # Read by the searcher, which applies them to questions: all variants belong here.
        ({"canonical": a.canonical, "variant": v, "kind": a.kind}
         for a in kb.aliases for v in (*a.variants, *a.question_variants)),
    )
    df: Counter[str] = Counter()
    for row in docs:
        df.update(set(row["text"].split()))
    places: set[str] = set(aliases.places)
    for row in docs:
        places.update(json.loads(row["places"]))
    db.table("vocab").insert_all(
        ({"term": term, "df": n} for term, n in df.items()), pk="term", batch_size=5000
    )
    db.table("places").insert_all(({"place": p} for p in sorted(places) if p), pk="place")
    counts = {
        "sources": len(kb.sources),
        "events": len(kb.events),
        "faq": len(kb.faqs),
        "aliases": len(kb.aliases),
    }
    db.table("meta").insert_all(
        [
            {"key": "schema", "value": SCHEMA_VERSION},
            {"key": "fingerprint", "value": fingerprint},
            {"key": "built_at", "value": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            {"key": "counts", "value": json.dumps(counts)},
        ],
        pk="key",
    )
    return counts


def build_index(kb: KnowledgeBase, db_path: Path, fingerprint: str = "") -> BuildStats:
    """Write a complete index beside `db_path`, then swap it in with one atomic rename.

    Readers holding the old file open keep reading it until they reopen, so a reload never
    serves a half-built index.
    """
    started = time.perf_counter()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite_utils.Database(tmp, recreate=True)
        try:
            # The file is thrown away on any failure, so durability settings would only cost time.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            with conn.conn:
                counts = _write(conn, kb, fingerprint)
            conn.execute("ANALYZE")
        finally:
            conn.close()
        os.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return BuildStats(db_path, counts, time.perf_counter() - started)


def read_meta(db_path: Path) -> dict[str, str]:
    """The index's meta table, or {} when there is no usable index at that path."""
    if not db_path.is_file():
        return {}
    try:
        db = sqlite_utils.Database(db_path)
        try:
            if "meta" not in db.table_names():
                return {}
            return {row["key"]: row["value"] for row in db.table("meta").rows}
        finally:
            db.close()
    except Exception:  # a corrupt or foreign file is simply "no index"
        return {}
