"""The answer engine: one object that turns a question into an `Answer`.

It owns an open index (a `Searcher`) and the sources; it never imports Telegram. Adapters
(console, Telegram, benchmarks) call `ask`, `topic`, `timeline` and `suggest`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from bot.answer import decode, item_for, match_for, topic_for
from bot.index import build_index, knowledge_fingerprint, read_meta
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Answer, Source, Topic
from bot.search import Query, Scored, Searcher

CONFIDENT = 0.62  # below this the engine declines; tuned on tests/questions.toml
SUGGEST_FLOOR = 0.3  # weaker candidates are noise, not "closest topics"
RELATED_MARGIN = 0.15
MAX_TIMELINE_ITEMS = 12
_NARROWER = {
    "year": "Ask about one month of it, or add a place.",
    "month": "Ask about one day of it, or add a place.",
    "": "Add a place or a topic to narrow it down.",
}
WITHDRAWAL_KINDS = ("camp-closure", "handover", "withdrawal")
_SOURCE = TypeAdapter(Source)


@dataclass(frozen=True)
class EngineInfo:
    counts: dict[str, int]
    built_at: str
    fingerprint: str


class Engine:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.searcher = Searcher(db_path)
        self.sources: dict[str, Source] = {
            sid: _SOURCE.validate_json(row["payload"])
            for sid, row in self.searcher.sources().items()
        }
        meta = self.searcher.meta()
        self.info = EngineInfo(json.loads(meta.get("counts", "{}")), meta.get("built_at", ""),
                               meta.get("fingerprint", ""))
        self._featured = self._featured_topics()

    def close(self) -> None:
        self.searcher.close()

    # --- questions ------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        query = self.searcher.parse(question)
        if query.intent in ("smalltalk", "empty"):
            return self._smalltalk(question, query)
        if query.intent == "dates":
            return self._on_dates(question, query)
        if query.intent == "order":
            compared = self._compare(question, query)
            if compared is not None:
                return compared
        return self._lookup(question, query)

    def topic(self, doc_id: str) -> Answer | None:
        """The full answer for one entry, as when a user picks a suggested topic."""
        doc = self.searcher.doc(doc_id)
        if doc is None:
            return None
        return Answer("fact", doc["title"], 1.0, "", (item_for(doc, self.sources),),
                      matches=(match_for(doc, 1.0),))

    def suggest(self, question: str, limit: int = 10) -> list[tuple[Topic, Answer]]:
        """Ranked answers for an inline query: only entries above the confidence threshold."""
        query = self.searcher.parse(question)
        if query.intent in ("smalltalk", "empty"):
            return []
        if query.intent == "dates":
            docs = self.searcher.on_dates(query.dates, limit)
            return [(topic_for(d), self._single(d, 1.0)) for d in docs[:limit]]
        results = [s for s in self.searcher.lookup(query, limit) if s.score >= CONFIDENT]
        return [(topic_for(s.doc), self._single(s.doc, s.score)) for s in results]

    def timeline(
        self, kinds: tuple[str, ...] = WITHDRAWAL_KINDS, since: str = "2023-06-01"
    ) -> Answer:
        """The withdrawal chronology: every closure and handover in date order."""
        docs = self.searcher.events_of_kinds(kinds, since)
        items = tuple(item_for(d, self.sources) for d in docs)
        return Answer("timeline", "timeline", 1.0,
                      f"The withdrawal, step by step ({len(items)} events)", items,
                      matches=tuple(match_for(d, 1.0) for d in docs))

    def featured(self) -> list[Topic]:
        return list(self._featured)

    # --- composing ---------------------------------------------------------------------------

    def _single(self, doc: dict[str, Any], score: float) -> Answer:
        return Answer("fact", doc["title"], score, "", (item_for(doc, self.sources),),
                      matches=(match_for(doc, score),))

    def _lookup(self, question: str, query: Query) -> Answer:
        results = self.searcher.lookup(query)
        matches = tuple(match_for(s.doc, s.score) for s in results)
        if not results or results[0].score < CONFIDENT:
            return self._unknown(question, query, results)
        best = results[0]
        related = tuple(
            topic_for(s.doc) for s in results[1:4]
            if s.score >= max(CONFIDENT, best.score - RELATED_MARGIN)
        )
        return Answer("fact", question, round(best.score, 3), "",
                      (item_for(best.doc, self.sources),), related, matches=matches)

    def _unknown(self, question: str, query: Query, results: list[Scored]) -> Answer:
        topics = tuple(topic_for(s.doc) for s in results[:3] if s.score >= SUGGEST_FLOOR)
        missing = [t.typed for t in query.terms if not t.known][:3]
        if missing:
            words = ", ".join(f"“{w[:40]}”" for w in missing)
            headline = f"I don't know: my sources say nothing about {words}."
        else:
            headline = "I don't know: nothing in my sources answers that for sure."
        return Answer("unknown", question, round(results[0].score, 3) if results else 0.0,
                      headline, topics=topics or tuple(self._featured[:3]),
                      matches=tuple(match_for(s.doc, s.score) for s in results))

    def _smalltalk(self, question: str, query: Query) -> Answer:
        if query.intent == "empty":
            headline = "Ask me a question about MINUSMA, the UN mission in Mali (2013-2023)."
        else:
            headline = ("Hello! I answer questions about MINUSMA, the UN peacekeeping mission "
                        "in Mali (2013-2023), with sources. For example:")
        return Answer("smalltalk", question, 0.0, headline, topics=tuple(self._featured[:5]))

    def _on_dates(self, question: str, query: Query) -> Answer:
        precision = query.dates[0].precision if query.direction == "on" else ""
        docs = self.searcher.on_dates(query.dates, MAX_TIMELINE_ITEMS, query.direction)
        if query.direction == "on":
            label = " and ".join(span.label() for span in query.dates[:2])
            when = f"on {label}"
        else:
            when = f"{query.direction} {query.dates[0].label()}"
            label = when[0].upper() + when[1:]
        if not docs:
            return Answer("unknown", question, 0.0, f"I don't know of any event {when}.",
                          topics=tuple(self._nearest_dated(query)))
        items = tuple(item_for(d, self.sources) for d in docs)
        total = self.searcher.count_on_dates(query.dates, query.direction)
        noun = "event" if total == 1 else "events"
        more = total - len(docs)
        narrow = _NARROWER.get(precision, _NARROWER[""]) if more else ""
        return Answer("timeline", question, 1.0, f"{label}: {total} {noun}", items,
                      more=more, narrow=narrow,
                      matches=tuple(match_for(d, 1.0) for d in docs))

    def _nearest_dated(self, query: Query) -> list[Topic]:
        return [topic_for(r) for r in self.searcher.nearest_dated(query.dates[0].first.isoformat())]

    def _compare(self, question: str, query: Query) -> Answer | None:
        found: list[Scored] = []
        for entity in dict.fromkeys(query.entities):
            best = self.searcher.lookup_entity(query, entity)
            if best is None or best.score < CONFIDENT:
                return None
            if all(best.id != f.id for f in found):
                found.append(best)
        if len(found) < 2:
            return None
        found.sort(key=lambda s: (s.doc["date_lo"], s.id))
        first, *rest = found
        if any(s.doc["date_lo"] == first.doc["date_lo"] for s in rest):
            headline = "They happened on the same day."
        else:
            later = ", then ".join(f"{s.doc['title']}" for s in rest)
            headline = f"First: {first.doc['title']}; then {later}."
        items = tuple(item_for(s.doc, self.sources) for s in found)
        confidence = min(s.score for s in found)
        return Answer("comparison", question, round(confidence, 3), headline, items,
                      matches=tuple(match_for(s.doc, s.score) for s in found))

    def _featured_topics(self) -> list[Topic]:
        docs = self.searcher.docs(r["id"] for r in self.searcher.titles("faq"))
        chosen = [d for d in docs if "featured" in decode(d).tags] or docs
        return [topic_for(d) for d in chosen[:8]]


def open_engine(knowledge_dir: Path, db_path: Path, *, rebuild: bool = False) -> Engine:
    """An engine over an index that matches the knowledge files, building one if needed.

    Raises KnowledgeError (with every problem) when the files do not validate.
    """
    fingerprint = knowledge_fingerprint(knowledge_dir) if knowledge_dir.is_dir() else ""
    meta = read_meta(db_path)
    if rebuild or meta.get("fingerprint") != fingerprint or not fingerprint:
        kb = load_knowledge(knowledge_dir)
        build_index(kb, db_path, fingerprint)
    return Engine(db_path)


def rebuild(knowledge_dir: Path, db_path: Path) -> tuple[KnowledgeBase, Engine]:
    kb = load_knowledge(knowledge_dir)
    build_index(kb, db_path, knowledge_fingerprint(knowledge_dir))
    return kb, Engine(db_path)
