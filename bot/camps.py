"""Answers read from the mission's camps as knowledge/camps.toml declares them: the first or
last to close (of a region, in a period), how many a region had or closed in a period, a
camp's rank in the order of closings, and a camp's own closing before its earlier steps.

One home for "a camp" in answers: nothing here infers a camp from events; the loader has
checked that every camp closure or handover belongs to a declared camp.
"""

from __future__ import annotations

from bot import compose, derive
from bot.concepts import CAMP_WORD, SCOPE_WORDS
from bot.decide import RELATED_MARGIN
from bot.i18n import human_date
from bot.models import Answer, Phrase, Source
from bot.query import Question
from bot.rank import Candidate
from bot.store import Camp, Store


class CampAnswers:
    def __init__(self, store: Store, sources: dict[str, Source]) -> None:
        self.store = store
        self.sources = sources
        self.all = store.camps()  # in the order they closed

    def __bool__(self) -> bool:
        return bool(self.all)

    def before_steps(self, q: Question, ranked: list[Candidate]) -> list[Candidate]:
        """Asked when a camp closed or was handed over, an earlier handover that was one step
        of it (Mopti's annexes, Camp Castor) gives way to the camp's own closing, when that
        ranks too: the camp closed with it (knowledge/camps.toml)."""
        if not ranked or ("closure" not in q.topics and CAMP_WORD not in q.texts):
            return ranked
        closing = {step: c.closed_by for c in self.all for step in c.steps}
        best = ranked[0]
        target = closing.get(best.id)
        if target is None:
            return ranked
        found = next((c for c in ranked if c.id == target), None)
        # Not when the question names what only the step is about ("when did the Germans
        # leave Gao?": Camp Castor, not the Super Camp).
        if (found is None or not found.subject_ok
                or best.score - found.score > RELATED_MARGIN):
            return ranked
        found.score = best.score
        found.notes.append("the camp's own closing")
        # The step is part of that closing, not a rival to it.
        return [found, *(c for c in ranked if c is not found and c is not best)]

    def first_or_last(self, q: Question, which: str) -> Answer | None:
        """The first or last camp to close (of a region, in a period): among the declared
        camps' closings, never an annex or a hangar."""
        asked = self._asked(q)
        if not asked:
            return None
        camp = asked[0] if which == "first" else asked[-1]
        found = derive.Derived(which, (camp.closed_by,), compared=len(asked))
        where = self._where(q)
        headline = Phrase.of(f"{which}-camp", count=len(asked), where=where["en"],
                             where_fr=where["fr"], name=camp.name, name_fr=camp.name_fr,
                             date=camp.closed)
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)

    def rank(self, q: Question, place: str) -> Answer | None:
        """Where a camp came in the order of closings: sites closed the same day share it
        ("the 5th or 6th of 13")."""
        camp = next((c for c in self.all if c.place_key == place), None)
        if camp is None:
            return None
        before = sum(c.closed_on < camp.closed_on for c in self.all)
        same = [c for c in self.all if c.closed_on == camp.closed_on and c is not camp]
        first, last = before + 1, before + 1 + len(same)
        found = derive.Derived("rank", (camp.closed_by, *(c.closed_by for c in same)),
                               compared=len(self.all))
        key = "camp-rank" if first == last else "camp-rank-tied"
        headline = Phrase.of(key, name=camp.name, name_fr=camp.name_fr, first=camp.closed,
                             rank=first, rank_last=last, total=len(self.all),
                             others=", ".join(c.name for c in same),
                             others_fr=", ".join(c.name_fr for c in same))
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids),
                               self.sources)

    def _where(self, q: Question) -> dict[str, str]:
        """Where a question about camps looks, in each language: " in the Kidal region"."""
        named = [e.phrase for e in q.hard_entities if e.kind != "country"
                 and e.phrase not in SCOPE_WORDS]
        if not named:
            return {"en": "", "fr": ""}
        region = next((c for c in self.all if c.region_key == named[0]), None)
        if region is not None:
            return {"en": f" in the {region.region} region",
                    "fr": f" dans la région de {region.region_fr}"}
        town = next((c for c in self.all if c.place_key == named[0]), None)
        return ({"en": f" in {town.place}", "fr": f" à {town.place_fr}"} if town
                else {"en": "", "fr": ""})

    def _asked(self, q: Question) -> list[Camp] | None:
        """The declared camps a question covers: those of the region (or else the town) it
        names, closed in its dates. None when it names a place that had no camp."""
        if set(q.other_words) - {CAMP_WORD} or any(
                e.kind != "place" for e in q.entities if e.phrase not in SCOPE_WORDS):
            return None  # "the last German soldiers", "in phase one": not a camp's closing
        camps = self.all
        named = {e.phrase for e in q.entities} - SCOPE_WORDS
        if named:
            camps = ([c for c in camps if c.region_key in named]
                     or [c for c in camps if c.place_key in named])
            if not camps:
                return None
        for span in q.dates:
            if q.direction == "before":
                camps = [c for c in camps if c.closed_on <= span.last]
            elif q.direction == "after":
                camps = [c for c in camps if c.closed_on >= span.first]
            else:
                camps = [c for c in camps if span.first <= c.closed_on <= span.last]
        return camps

    def count(self, q: Question) -> Answer | None:
        """How many of the declared camps were in a region, or closed in a period."""
        asked = self._asked(q)
        if not asked:
            return None  # no camp there, or none closed then: the count is not a cited fact
        where = self._where(q)
        when = {"en": "", "fr": ""}
        if q.dates:
            en, fr = {"before": ("closed by the end of", "fermés avant la fin de"),
                      "after": ("closed from", "fermés à partir de")}.get(
                          q.direction, ("closed in", "fermés en"))
            day = q.dates[0].date
            when = {"en": f" {en} {human_date(day, 'en')}", "fr": f" {fr} {human_date(day, 'fr')}"}
        found = derive.Derived("camps", tuple(c.closed_by for c in asked), value=len(asked),
                               compared=len(self.all))
        headline = Phrase.of("camps-count", count=len(asked), total=len(self.all),
                             where=where["en"], where_fr=where["fr"], when=when["en"],
                             when_fr=when["fr"], names=", ".join(c.name for c in asked),
                             names_fr=", ".join(c.name_fr for c in asked))
        return compose.derived(q, found, headline, self.store.docs(found.doc_ids), self.sources)
