"""The scale benchmarks' synthetic knowledge (benchmarks/synthetic.py) must not change answers."""

from rapidfuzz import fuzz, process

from benchmarks.synthetic import TOO_CLOSE, real_words, synthetic_knowledge
from bot.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE


def test_made_up_places_are_neither_real_words_nor_typos_of_them():
    real = load_knowledge(KNOWLEDGE)
    kb = synthetic_knowledge(real, 5000)
    words = real_words(real)
    assert {"sevare", "ansongo", "kidal", "tessalit"} <= words
    made_up = {p for e in kb.events if e.id.startswith("syn-") for p in e.places}
    assert len(made_up) >= 50 and len(kb.events) == 5000
    for place in made_up:
        close = process.extractOne(place.lower(), words, scorer=fuzz.ratio, score_cutoff=TOO_CLOSE)
        assert close is None, (place, close)
