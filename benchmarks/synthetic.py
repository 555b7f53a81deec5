"""A synthetic knowledge base of any size, shaped like the real one, for scale benchmarks.

Place names are made up and kept away from every word of the real knowledge (a made-up
"Sevare" or "Ansogo" would be a real answer, or a typo of one, and the benchmark would count the
engine wrong for finding it). Events reuse the real kinds, title shapes and summary lengths; the
real sources, FAQ and aliases are kept.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection

from rapidfuzz import fuzz, process

from bot.knowledge import KnowledgeBase
from bot.models import Event, PartialDate
from bot.text import fold

SYLLABLES = ["ka", "to", "ma", "li", "ba", "go", "se", "va", "re", "ni", "ou", "de", "an", "so",
             "te", "sa", "gu", "el", "ho", "me", "na", "ko", "di", "ra", "bo", "fa", "tu", "ye"]
SHAPES = [
    ("camp-closure", "MINUSMA closes its camp in {p}",
     "The last peacekeepers left the {p} camp, handing it to the local {r} authorities."),
    ("handover", "{p} base handed over to the {r} governor",
     "The mission handed its {p} base and equipment to the {r} governor after {n} years."),
    ("attack", "{n} peacekeepers wounded in an attack near {p}",
     "An improvised explosive device struck a convoy near {p}, in the {r} region."),
    ("operation", "Patrol and civil-military activities around {p}",
     "Peacekeepers patrolled around {p} and supported {n} local projects in the {r} region."),
    ("statement", "Mission statement on the situation in {p}",
     "The mission voiced concern about the situation in {p} and called for calm in {r}."),
]


# Below the engine's spelling-correction cutoff (80), with a margin.
TOO_CLOSE = 70.0


def real_words(kb: KnowledgeBase) -> set[str]:
    texts = [*(f"{e.title} {e.summary} {' '.join(e.places)}" for e in kb.events),
             *(f"{f.title or ''} {f.fact} {f.answer} {' '.join(f.questions)}" for f in kb.faqs),
             *(" ".join([a.canonical, *a.variants]) for a in kb.aliases)]
    return {w for text in texts for w in fold(text).split() if len(w) >= 4}


def place_names(count: int, rng: random.Random, avoid: Collection[str] = ()) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4)))
        if process.extractOne(word, avoid, scorer=fuzz.ratio, score_cutoff=TOO_CLOSE) is None:
            names.add(word.capitalize())
    return sorted(names)


def synthetic_knowledge(real: KnowledgeBase, n_events: int, seed: int = 2023) -> KnowledgeBase:
    rng = random.Random(seed)
    avoid = real_words(real)
    places = place_names(max(50, n_events // 20), rng, avoid)
    regions = place_names(40, rng, avoid)
    source_ids = list(real.sources)
    start = dt.date(2013, 7, 1).toordinal()
    events = list(real.events)
    for i in range(n_events - len(events)):
        kind, title, summary = rng.choice(SHAPES)
        values = {"p": rng.choice(places), "r": rng.choice(regions), "n": rng.randint(2, 12)}
        day = dt.date.fromordinal(start + rng.randrange(3800))
        events.append(Event(
            id=f"syn-{i}",
            date=PartialDate(day.year, day.month, day.day),
            title=title.format(**values),
            summary=summary.format(**values),
            kind=kind,  # type: ignore[arg-type]
            places=(values["p"],),
            sources=(rng.choice(source_ids),),
        ))
    return KnowledgeBase(real.sources, tuple(events), real.faqs, real.aliases, real.files)


def synthetic_questions(kb: KnowledgeBase, count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    synthetic = [e for e in kb.events if e.id.startswith("syn-")]
    questions = []
    for _ in range(count):
        event = rng.choice(synthetic)
        place = event.places[0]
        questions.append(rng.choice([
            f"When did MINUSMA leave {place}?",
            f"{place.lower()}",
            f"what happened in {place} in {event.date.year}",
            f"attack near {place[:-1]}",  # a typo
        ]))
    return questions
