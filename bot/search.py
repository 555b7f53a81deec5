"""Turning a question into ranked matches with a confidence, over the SQLite index.

Recall comes from FTS5 (any content term) plus rapidfuzz over the FAQ phrasings; each candidate
is then scored by how much of the question it covers, weighted by how rare each term is. A term
the knowledge base has never seen ("Juba", "Peru") weighs like the rarest term, so a question
about something we do not know cannot reach a confident score through its common words.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process, utils

from bot.dates import DateSpan, find_dates
from bot.text import (
    GREETINGS,
    SCOPE_WORDS,
    STOPWORDS,
    WEAK_WORDS,
    AliasMap,
    fold,
    name_like_words,
    terms,
    tokens,
)

Intent = Literal["lookup", "dates", "order", "smalltalk", "empty"]

ORDER_WORDS = frozenset(
    "first earlier earliest before sooner after later latest last premier premiere avant apres "
    "dernier derniere plus tot tard".split()
)
_AFTER = frozenset("after since following apres depuis".split())
_BEFORE = frozenset("before until till prior avant jusqu".split())
_GENERIC = SCOPE_WORDS | {"event", "news", "happen"}
MAX_TERMS = 32  # a pasted essay is cut to its first terms; no real question has more
TYPO_MIN_SCORE = 80.0
KEY_WEIGHT, BODY_WEIGHT = 1.0, 0.7


@dataclass(frozen=True)
class Term:
    text: str
    weight: float
    known: bool
    certainty: float = 1.0  # below 1 when the term is a spelling correction
    typed: str = ""


@dataclass
class Query:
    raw: str
    terms: list[Term]
    dates: list[DateSpan]
    entities: list[str]
    intent: Intent
    wants: str | None = None
    direction: Literal["on", "after", "before"] = "on"

    @property
    def texts(self) -> list[str]:
        return [t.text for t in self.terms]


@dataclass
class Scored:
    doc: dict[str, Any]
    score: float
    coverage: float = 0.0
    similarity: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.doc["id"])


_WANTS = {
    "when": "when", "quand": "when", "date": "when",
    "how": "how", "combien": "count", "many": "count", "number": "count",
    "who": "who", "qui": "who",
}  # fmt: skip


_FINER = {"day": ("day",), "month": ("day", "month"), "year": ("day", "month", "year")}


def _within(span: DateSpan) -> tuple[list[str], list[str]]:
    """SQL conditions (to be unioned) for events dated inside a span, no vaguer than it:
    those starting in it, and ranges that started before it and reach into it."""
    precisions = _FINER[span.precision]
    marks = ",".join("?" * len(precisions))
    first, last = span.first.isoformat(), span.last.isoformat()
    return ([f"kind = 'event' and date_lo between ? and ? and precision in ({marks})",
             f"kind = 'event' and date_hi > date_lo and date_hi >= ? and date_lo < ? "
             f"and precision in ({marks})"],
            [first, last, *precisions, first, first, *precisions])


class Searcher:
    """Read-only access to one built index; cheap to query from any coroutine."""

    def __init__(self, db_path: Path) -> None:
        uri = f"file:{db_path}?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.n_docs = self.conn.execute("select count(*) from docs").fetchone()[0]
        self.df: dict[str, int] = dict(self.conn.execute("select term, df from vocab"))
        self.places = {row[0] for row in self.conn.execute("select place from places")}
        self.aliases = AliasMap()
        groups: dict[tuple[str, str], list[str]] = {}
        for canonical, variant, kind in self.conn.execute(
            "select canonical, variant, kind from aliases"
        ):
            groups.setdefault((canonical, kind), []).append(variant)
        for (canonical, kind), variants in groups.items():
            self.aliases.add(canonical, variants, place=kind == "place")
        # Misspellings are corrected towards any known word: an indexed term, or a one-word
        # alias variant (so "clsoure" finds "closure", which means "closed").
        self.spellings: dict[str, str] = {}
        alias_words: set[str] = set()
        for (canonical, _kind), variants in groups.items():
            target = terms(canonical, self.aliases)
            alias_words.update(tokens(canonical))
            for variant in variants:
                words = tokens(variant)
                alias_words.update(words)
                if len(words) == 1 and len(target) == 1:
                    self.spellings[words[0]] = target[0]
        # Words of multi-word aliases ("casques bleus") must not be "corrected" into others.
        self.spellings.update({w: w for w in alias_words if w not in self.spellings})
        self.spellings.update({t: t for t in self.df})
        self.spellings.update({t: t for t in STOPWORDS if len(t) >= 4})
        self.entities = set(self.places)
        self.people: set[str] = set()
        for canonical, kind in groups:
            if kind in ("person", "organisation"):
                self.entities.add(" ".join(terms(canonical, self.aliases)))
            if kind == "person":
                self.people.update(terms(canonical, self.aliases))
        self.faq_questions: dict[int, tuple[str, str]] = {}
        self._faq_wording: dict[str, list[str]] = {}
        rows = self.conn.execute("select faq_id, question, terms from faq_questions")
        for i, row in enumerate(rows):
            self.faq_questions[i] = (row["faq_id"], row["terms"])
            self._faq_wording.setdefault(row["faq_id"], []).append(fold(row["question"]))
        # A word we have never seen weighs like the rarest term when it looks like a name
        # ("Juba", "UNMISS"): a question about something else must not pass on its common
        # words. A plain lower-case word ("ask", "control") weighs like a fairly common term,
        # so that a paraphrase is not sunk by its verb.
        self._unknown_weight = math.log(1 + (self.n_docs + 1) / 0.5) + 0.5
        self._common_weight = math.log(1 + (self.n_docs + 1) / (0.1 * self.n_docs + 0.5))
        # Scope words weigh at most like a term in every other entry, as they do in the real base.
        self._scope_weight = math.log(1 + (self.n_docs + 1) / (0.5 * self.n_docs + 0.5))

    def close(self) -> None:
        self.conn.close()

    # --- parsing -------------------------------------------------------------------------

    def idf(self, term: str) -> float:
        df = self.df.get(term)
        if df is None:
            return self._unknown_weight
        return math.log(1 + (self.n_docs + 1) / (df + 0.5))

    def _spell(self, token: str) -> tuple[str, float] | None:
        """The known word a misspelt token stands for, with how sure we are."""
        if len(token) < 4 or token.isdigit():
            return None
        best = process.extractOne(
            token, self.spellings.keys(), scorer=fuzz.ratio, processor=None,
            score_cutoff=TYPO_MIN_SCORE,
        )
        if best is None:
            return None
        return self.spellings[best[0]], best[1] / 100

    def _is_known(self, token: str) -> bool:
        return token in self.spellings or token in STOPWORDS or token in GREETINGS

    def parse(self, question: str) -> Query:
        dates, rest = find_dates(question)
        raw_tokens = fold(question).split()
        if not raw_tokens:
            return Query(question, [], [], [], "empty")
        wants = next((_WANTS[t] for t in raw_tokens[:4] if t in _WANTS), None)
        names = name_like_words(question)
        # Spelling is fixed word by word before aliases, so that a corrected word can still
        # take part in a multi-word alias ("liquidaton phase" -> "liquidation").
        corrected: list[str] = []
        certainty: dict[str, float] = {}
        for token in tokens(rest)[: MAX_TERMS * 2]:
            if not self._is_known(token):
                fixed = self._spell(token)
                if fixed is not None:
                    certainty[fixed[0]] = min(certainty.get(fixed[0], 1.0), fixed[1])
                    token = fixed[0]
            corrected.append(token)
        traced = [(t, src) for t, src in self.aliases.trace(corrected) if t not in STOPWORDS]
        words = [t for t, _ in traced][:MAX_TERMS]
        # An everyday word stays weak under the term it stands for: "at the end" must not weigh
        # like the rare "ended", nor "who ran" like "head of mission".
        typed_weak: dict[str, bool] = {}
        for term, src in traced:
            typed_weak[term] = typed_weak.get(term, True) and len(src) == 1 and src[0] in WEAK_WORDS
        order = any(t in ORDER_WORDS for t in raw_tokens)
        query_terms: list[Term] = []
        for word in dict.fromkeys(words):
            if word in ORDER_WORDS or (word in GREETINGS and word not in self.df):
                continue
            if word in self.df:
                weight = self.idf(word)
                if word in WEAK_WORDS or typed_weak[word]:
                    weight = min(weight, self._common_weight)
                if word in SCOPE_WORDS:
                    weight = min(weight, self._scope_weight)
                query_terms.append(Term(word, weight, True, certainty.get(word, 1.0), word))
            else:
                weak = word in WEAK_WORDS and word not in names
                weight = self._common_weight if weak else self._unknown_weight
                if word in SCOPE_WORDS:
                    weight = self._scope_weight
                query_terms.append(Term(word, weight, False, typed=word))
        entities = [t.text for t in query_terms if t.text in self.entities]
        intent: Intent = "lookup"
        if order and len(set(entities)) >= 2:
            intent = "order"
        elif dates and all(t.text in _GENERIC for t in query_terms):
            intent = "dates"
        elif not query_terms and not dates:
            intent = "smalltalk" if any(t in GREETINGS for t in raw_tokens) else "empty"
        direction: Literal["on", "after", "before"] = "on"
        if any(t in _AFTER for t in raw_tokens):
            direction = "after"
        elif any(t in _BEFORE for t in raw_tokens):
            direction = "before"
        return Query(question, query_terms, dates, entities, intent, wants, direction)

    # --- recall and scoring --------------------------------------------------------------

    def _fts_candidates(self, words: Iterable[str], limit: int) -> list[str]:
        # Terms are [0-9a-z]+ after folding, so quoting each one makes any user text a safe query.
        words = [w for w in words if w.isalnum()]
        if not words:
            return []
        # Ranking every row that holds a common term costs time and recalls nothing useful,
        # so recall runs on the selective terms; if every term is common, on all of them at once.
        cap = max(1000, self.n_docs // 50)
        selective = [w for w in words if self.df.get(w, 0) <= cap]
        joiner = " OR " if selective else " AND "
        match = joiner.join(f'"{w}"' for w in (selective or words))
        rows = self.conn.execute(
            "select docs.id from docs_fts join docs on docs.rowid = docs_fts.rowid "
            "where docs_fts match ? order by docs_fts.rank limit ?",
            (match, limit),
        )
        return [row[0] for row in rows]

    def _faq_candidates(self, text: str, limit: int) -> list[str]:
        """FAQ entries with a phrasing close to the question, whatever FTS recalled."""
        if not text or not self.faq_questions:
            return []
        choices = {i: q for i, (_, q) in self.faq_questions.items()}
        found = process.extract(
            text, choices, scorer=fuzz.token_sort_ratio, processor=utils.default_process,
            limit=limit * 3, score_cutoff=40,
        )
        return list(dict.fromkeys(self.faq_questions[key][0] for _, _, key in found))

    def docs(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"select * from docs where id in ({marks})", ids)
        by_id = {row["id"]: dict(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def doc(self, doc_id: str) -> dict[str, Any] | None:
        found = self.docs([doc_id])
        return found[0] if found else None

    def _faq_similarity(self, query: Query, faq_id: str) -> float:
        """How close the question is to one of the entry's phrasings, in content terms and,
        to tell apart phrasings with the same terms, in their actual wording."""
        text = " ".join(query.texts)
        wording = fold(query.raw)
        phrasings = [q for fid, q in self.faq_questions.values() if fid == faq_id]
        if not phrasings:
            return 0.0
        by_terms = max(fuzz.token_sort_ratio(text, q, processor=None) for q in phrasings)
        by_words = max(fuzz.ratio(wording, q, processor=None) for q in self._faq_wording[faq_id])
        return (0.8 * by_terms + 0.2 * by_words) / 100

    def score(self, query: Query, doc: dict[str, Any]) -> Scored:
        key_terms = set(doc["key_terms"].split())
        all_terms = set(doc["text"].split())
        total = matched = 0.0
        for term in query.terms:
            total += term.weight
            if term.text in key_terms:
                matched += term.weight * KEY_WEIGHT * term.certainty
            elif term.text in all_terms:
                matched += term.weight * BODY_WEIGHT * term.certainty
        coverage = matched / total if total else 0.0
        text = " ".join(query.texts)
        if doc["kind"] == "faq":
            similarity = self._faq_similarity(query, doc["id"])
        else:
            title = doc["title_terms"]
            similarity = fuzz.token_sort_ratio(text, title, processor=None) / 100
            # token_set: a question that names part of the title ("kidal") is fully similar to
            # every such title, so that the length of a title never breaks a tie.
        result = Scored(doc, 0.8 * coverage + 0.2 * similarity, coverage, similarity)
        self._adjust(query, result)
        return result

    def _adjust(self, query: Query, scored: Scored) -> None:
        doc = scored.doc
        if query.dates:
            if doc["kind"] == "event":
                if any(self._overlaps(doc, span) for span in query.dates):
                    scored.score += 0.1 * (1 - scored.score)
                    scored.notes.append("date matches")
                else:
                    scored.score *= 0.5
                    scored.notes.append("date differs")
            else:
                scored.score *= 0.85
        if query.wants == "when" and doc["kind"] == "event" and doc["precision"] == "day":
            scored.score += 0.02
        if query.wants == "who" and not self._about_people(doc):
            scored.score *= 0.85
            scored.notes.append("not about people")
        kind = doc.get("event_kind")
        if kind in ("camp-closure", "withdrawal", "mandate"):
            # Ties go to the withdrawal story, the one users ask most about. A bare name
            # ("Kidal") is not a question: there, the closing of the mission's camp is the story.
            names_only = bool(query.terms) and all(t.text in self.entities for t in query.terms)
            scored.score += 0.05 if names_only and kind == "camp-closure" else 0.01
        scored.score = min(scored.score, 1.0)

    def _about_people(self, doc: dict[str, Any]) -> bool:
        if doc.get("event_kind") in ("appointment", "leadership", "award", "politics"):
            return True
        return not self.people.isdisjoint(doc["key_terms"].split())

    @staticmethod
    def _overlaps(doc: dict[str, Any], span: DateSpan) -> bool:
        if not doc["date_lo"]:
            return False
        first, last = span.first.isoformat(), span.last.isoformat()
        return bool(doc["date_lo"] <= last and doc["date_hi"] >= first)

    def lookup(self, query: Query, limit: int = 10, recall: int = 60) -> list[Scored]:
        words = [t.text for t in query.terms if t.known]
        candidates = self._fts_candidates(words, recall)
        docs = self.docs([*candidates, *self._faq_candidates(" ".join(query.texts), 5)])
        scored = [self.score(query, doc) for doc in docs]
        scored.sort(key=lambda s: (-s.score, s.doc["date_lo"] or "", s.id))
        return scored[:limit]

    def lookup_entity(self, query: Query, entity: str) -> Scored | None:
        """The best dated event about one entity of an order question."""
        others = [t for t in query.terms if t.text not in query.entities or t.text == entity]
        sub = Query(query.raw, others, query.dates, [entity], "lookup", query.wants)
        for scored in self.lookup(sub, limit=20):
            if scored.doc["kind"] == "event" and entity in scored.doc["text"].split():
                return scored
        return None

    def on_dates(
        self, spans: list[DateSpan], limit: int = 200, direction: str = "on"
    ) -> list[dict[str, Any]]:
        """Events within the question's dates (no vaguer than the question itself), or the
        nearest ones after or before them."""
        if direction == "after":
            rows = self.conn.execute(
                "select * from docs where kind = 'event' and date_lo > ? "
                "order by date_lo, id limit ?", (spans[0].last.isoformat(), limit))
            return [dict(r) for r in rows]
        if direction == "before":
            rows = self.conn.execute(
                "select * from docs where kind = 'event' and date_hi < ? "
                "order by date_lo desc, id limit ?", (spans[0].first.isoformat(), limit))
            return [dict(r) for r in reversed(list(rows))]
        found: dict[str, dict[str, Any]] = {}
        for span in spans:
            where, params = _within(span)
            rows = self.conn.execute(
                " union ".join(f"select * from docs where {w}" for w in where)
                + " order by date_lo, id limit ?", (*params, limit))
            found.update((row["id"], dict(row)) for row in rows)
        return sorted(found.values(), key=lambda r: (r["date_lo"], r["id"]))[:limit]

    def count_on_dates(self, spans: list[DateSpan], direction: str = "on") -> int:
        """How many events on_dates would find without its limit."""
        if direction == "after":
            sql, params = "select id from docs where kind = 'event' and date_lo > ?", [
                spans[0].last.isoformat()]
        elif direction == "before":
            sql, params = "select id from docs where kind = 'event' and date_hi < ?", [
                spans[0].first.isoformat()]
        else:
            where: list[str] = []
            params = []
            for span in spans:
                clauses, values = _within(span)
                where += clauses
                params += values
            sql = " union ".join(f"select id from docs where {w}" for w in where)
        return int(self.conn.execute(f"select count(*) from ({sql})", params).fetchone()[0])

    def nearest_dated(self, day: str, limit: int = 3) -> list[dict[str, Any]]:
        """The events closest in time to a day, for a date we know nothing about."""
        rows = [dict(r) for r in self.conn.execute(
            "select * from (select * from docs where kind = 'event' and date_lo <= ? "
            "order by date_lo desc limit ?) union all "
            "select * from (select * from docs where kind = 'event' and date_lo > ? "
            "order by date_lo limit ?)", (day, limit, day, limit))]
        target = dt.date.fromisoformat(day)
        rows.sort(key=lambda r: abs((dt.date.fromisoformat(r["date_lo"]) - target).days))
        return rows[:limit]

    def events_of_kinds(
        self, kinds: Iterable[str], since: str, limit: int = 200
    ) -> list[dict[str, Any]]:
        kinds = list(kinds)
        marks = ",".join("?" * len(kinds))
        rows = self.conn.execute(
            f"select * from docs where kind = 'event' and date_lo >= ? and event_kind in ({marks}) "
            f"order by date_lo, id limit ?", (since, *kinds, limit))
        return [dict(r) for r in rows]

    def titles(self, kind: str | None = None) -> list[dict[str, Any]]:
        sql = "select id, kind, title, date, event_kind from docs"
        if kind:
            return [dict(r) for r in self.conn.execute(sql + " where kind = ?", (kind,))]
        return [dict(r) for r in self.conn.execute(sql)]

    def sources(self) -> dict[str, dict[str, Any]]:
        return {row["id"]: dict(row) for row in self.conn.execute("select * from sources")}

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("select key, value from meta"))
