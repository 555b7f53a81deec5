"""Composing answers: the items, facts and sources of an answer, the choices offered, or the
reason for declining, once `bot/decide.py` or a derivation has settled which.

Composition decides *what* is said; `bot/render.py` decides how it looks (console text or
Telegram HTML) and `bot/i18n.py` words it. Everything here works on typed records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from itertools import pairwise

from bot.concepts import SCOPE_WORDS
from bot.decide import MAX_CHOICES, SUGGEST_FLOOR, related
from bot.derive import Derived
from bot.models import (
    Answer,
    Citation,
    Claim,
    Event,
    Item,
    Match,
    Phrase,
    Source,
    Topic,
)
from bot.publishers import cited_as, primary_first
from bot.query import Question
from bot.rank import Candidate
from bot.render import CONTEXT_UNITS, sentence_ends, split_within
from bot.store import Doc

MAX_TOPICS = 3


def citation(source: Source) -> Citation:
    return Citation(source.id, source.title, cited_as(source), source.date.iso, source.url)


def item_for(doc: Doc, sources: dict[str, Source]) -> Item:
    entry = doc.entry
    cites = tuple(map(citation, primary_first(sources[s] for s in entry.sources if s in sources)))
    claims = tuple(
        Claim(v.claim, tuple(map(citation, primary_first(sources[s] for s in v.sources
                                                         if s in sources))),
              v.claim_fr or "")
        for v in entry.versions
    )
    secondary = entry.verification == "secondary"
    if isinstance(entry, Event):
        until = entry.end_date.iso if entry.end_date and entry.end_date != entry.date else ""
        return Item(entry.title, entry.summary, cites, claims, secondary, entry.id,
                    entry.date.iso, until, entry.title_fr or "", entry.summary_fr or "")
    return Item(entry.fact, entry.answer, cites, claims, secondary, entry.id,
                title_fr=entry.fact_fr or "", context_fr=entry.answer_fr or "")


def topic_for(doc: Doc) -> Topic:
    return Topic(doc.id, doc.title, doc.date if doc.kind == "event" and doc.date else "",
                 doc.entry.title_fr or "")


def match_for(c: Candidate) -> Match:
    return Match(c.doc.id, c.doc.kind, c.doc.title, round(c.score, 3), c.doc.date,
                 tuple(c.notes))


def _matches(candidates: Iterable[Candidate]) -> tuple[Match, ...]:
    return tuple(match_for(c) for c in candidates)


def fact(q: Question, best: Candidate, ranked: Sequence[Candidate],
         sources: dict[str, Source], headline: Phrase | None = None,
         words_of: Callable[[str], set[str]] | None = None) -> Answer:
    see_also = tuple(topic_for(c.doc) for c in related(best, ranked))
    item = item_for(best.doc, sources)
    if words_of is not None:
        item = replace(item, context=focused(item.context, q, words_of),
                       context_fr=focused(item.context_fr, q, words_of))
    return Answer("fact", q.raw, round(best.score, 3), headline, (item,), see_also,
                  matches=_matches(ranked))


def focused(text: str, q: Question, words_of: Callable[[str], set[str]]) -> str:
    """An entry's context with the sentence that says what the question asks ("who claimed
    it?") moved first, when it would otherwise sit beyond what a reader sees at once; the
    others follow in their order. Our own sentences, only reordered."""
    asked = {t.text for t in q.terms if t.known and t.text not in SCOPE_WORDS
             and t.text not in q.entity_words}
    if not asked or not text:
        return text
    ends = sentence_ends(text)
    bounds = [0, *ends, len(text)]
    sentences = [text[a:b].strip() for a, b in pairwise(bounds) if text[a:b].strip()]
    if len(sentences) < 2:
        return text
    shown = split_within(text, CONTEXT_UNITS)[0]
    seen = len([x for x in sentences if x in shown])
    scores = [len(asked & words_of(x)) for x in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if best < seen or scores[best] <= max(scores[:seen] or [0]):
        return text
    return " ".join([sentences[best], *(x for i, x in enumerate(sentences) if i != best)])


def choice(q: Question, options: Sequence[Candidate], ranked: Sequence[Candidate]) -> Answer:
    chosen = tuple(topic_for(c.doc) for c in options[:MAX_CHOICES])
    return Answer("choice", q.raw, round(options[0].score, 3), Phrase.of("which-one"),
                  choices=chosen, matches=_matches(ranked))


def did_you_mean(q: Question, best: Candidate, ranked: Sequence[Candidate]) -> Answer:
    """One candidate offered back: a button in Telegram, a line in the console."""
    return Answer("choice", q.raw, round(best.score, 3), Phrase.of("did-you-mean"),
                  choices=(topic_for(best.doc),), matches=_matches(ranked))


def decline(q: Question, ranked: Sequence[Candidate], fallback: Sequence[Topic],
            reason: Phrase | None = None) -> Answer:
    topics = tuple(topic_for(c.doc) for c in ranked[:MAX_TOPICS] if c.score >= SUGGEST_FLOOR)
    if reason is None:
        reason = decline_reason(q, together=not any(c.subject_ok for c in ranked))
    return Answer("unknown", q.raw, round(ranked[0].score, 3) if ranked else 0.0, reason,
                  topics=topics or tuple(fallback[:MAX_TOPICS]), matches=_matches(ranked))


def _names(words: Iterable[str]) -> str:
    return ", ".join(f"“{w[:40]}”" for w in dict.fromkeys(words))


def decline_reason(q: Question, *, together: bool = True) -> Phrase:
    """Why the engine declines, naming what the question asked that the knowledge lacks;
    several named things are "not together" only when no candidate is about all of them."""
    others = [e.typed for e in q.entities if e.kind == "mission"]
    if others:
        return Phrase.of("other-mission", names=_names(others))
    missing = [e.typed for e in q.missing]
    if missing:
        return Phrase.of("dont-know-about", names=_names(missing))
    if q.unknown:
        return Phrase.of("dont-know-words", words=_names(q.unknown[:3]))
    if q.answer_type == "how_many":
        if q.dates:
            return Phrase.of("no-figure-for", period=q.dates[0].date.iso)
        return Phrase.of("no-figure")
    hard = q.hard_entities
    if len(hard) > 1 and together:
        return Phrase.of("dont-know-together", names=_names(e.typed for e in hard))
    return Phrase.of("dont-know")


def timeline(q: Question | None, headline: Phrase, docs: Sequence[Doc],
             sources: dict[str, Source], more: int = 0, narrow: Phrase | None = None) -> Answer:
    items = tuple(item_for(d, sources) for d in docs)
    return Answer("timeline", q.raw if q else "timeline", 1.0, headline, items, more=more,
                  narrow=narrow if more else None,
                  matches=tuple(Match(d.id, d.kind, d.title, 1.0, d.date) for d in docs))


def comparison(q: Question, found: Sequence[Candidate], sources: dict[str, Source]) -> Answer:
    ordered = sorted(found, key=lambda c: (c.doc.date_lo or "", c.id))
    first, *rest = ordered
    # The renderer words "first A, then B" from the items, which are in date order.
    same_day = any(c.doc.date_lo == first.doc.date_lo for c in rest)
    headline = Phrase.of("same-day" if same_day else "order")
    items = tuple(item_for(c.doc, sources) for c in ordered)
    return Answer("comparison", q.raw, round(min(c.score for c in found), 3), headline, items,
                  matches=_matches(found))


def derived(q: Question, result: Derived, headline: Phrase, docs: Sequence[Doc],
            sources: dict[str, Source]) -> Answer:
    items = tuple(item_for(d, sources) for d in docs)
    return Answer("derived", q.raw, 1.0, headline, items,
                  matches=tuple(Match(d.id, d.kind, d.title, 1.0, d.date, (result.kind,))
                                for d in docs))


def smalltalk(q: Question, key: str, topics: Sequence[Topic]) -> Answer:
    return Answer("smalltalk", q.raw, 0.0, Phrase.of(key), topics=tuple(topics))
