import pytest

from bot.engine import Engine, open_engine
from tests.conftest import SMALL_SOURCES


@pytest.fixture
def searcher(engine: Engine):
    return engine.searcher


def test_spelling_is_corrected_towards_known_words_and_aliases(searcher):
    query = searcher.parse("ansogo clsoure")
    assert [t.text for t in query.terms] == ["ansongo", "closed"]
    assert all(t.known for t in query.terms)
    assert all(0.8 <= t.certainty < 1 for t in query.terms)


def test_unknown_names_weigh_more_than_unknown_everyday_words(searcher):
    names = {t.text: t for t in searcher.parse("When did UNMISS open its base in Juba?").terms}
    weak = {t.text: t for t in searcher.parse("when did the army take control of Kidal").terms}
    assert not names["juba"].known and not weak["control"].known
    assert names["juba"].weight > 2 * weak["control"].weight


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("which closed first, Ansongo or Sévaré?", "order"),
        ("Did Kidal close before Tessalit?", "order"),
        ("what happened in December 2023?", "dates"),
        ("Que s'est-il passé le 8 décembre 2023 ?", "dates"),
        ("What happened at Kidal in February 2016?", "lookup"),
        ("hello", "smalltalk"),
        ("   ", "empty"),
        ("?!", "empty"),
        ("\u200b\u200b", "empty"),
    ],
)
def test_intents(searcher, question, intent):
    assert searcher.parse(question).intent == intent


@pytest.mark.parametrize(
    "hostile",
    ['"kidal', "kidal OR", "NEAR(kidal ansongo)", "kidal*", "-kidal", "'; drop table docs; --",
     "<b>kidal</b>", "*kidal* _ansongo_", "kidal" * 3000, "🙂🙂 kidal 🙂", "کیدال"],
)
def test_hostile_text_never_breaks_the_fts_query(searcher, hostile):
    searcher.lookup(searcher.parse(hostile))


def test_date_mismatch_lowers_a_match(searcher):
    plain = searcher.lookup(searcher.parse("Aguelhok attack Chadian"))
    dated = searcher.lookup(searcher.parse("Aguelhok attack Chadian in 2021"))
    assert dated[0].id == "aguelhok-attack-2021"
    assert "date differs" in next(s for s in dated if s.id == "aguelhok-attack-2019").notes
    assert {plain[0].id, plain[1].id} == {"aguelhok-attack-2019", "aguelhok-attack-2021"}


def test_events_on_a_day_are_only_those_known_to_the_day(searcher):
    spans = searcher.parse("what happened on 22 November 2023").dates
    assert {r["id"] for r in searcher.on_dates(spans)} == {
        "mopti-annexes-handover", "nepal-eod-tribute",
    }
    month = searcher.parse("what happened in August 2023").dates
    ids = {r["id"] for r in searcher.on_dates(month)}
    assert "withdrawal-strength-august-2023" in ids and "ber-handover" in ids


def test_a_capped_listing_still_counts_every_event(searcher):
    year = searcher.parse("what happened in 2023").dates
    everything = searcher.on_dates(year, limit=10_000)
    first = searcher.on_dates(year, limit=3)
    assert len(everything) > 3 and first == everything[:3]
    assert searcher.count_on_dates(year) == len(everything)
    both = searcher.parse("what happened in August 2023 and in 2023").dates
    assert searcher.count_on_dates(both) == len(everything)  # overlapping spans count once
    later = searcher.parse("what happened after 2023").dates
    assert searcher.count_on_dates(later, "after") == len(searcher.on_dates(later, 10_000, "after"))


def test_scope_words_never_outweigh_a_topic_word(searcher):
    weights = {t.text: t.weight for t in searcher.parse("How big was the UN force in Mali?").terms}
    assert weights["mali"] <= searcher._scope_weight < weights["big"]


def test_an_everyday_word_stays_weak_under_its_alias(write_knowledge, tmp_path):
    fillers = "".join(f"""
        [[event]]
        id = "filler-{i}"
        date = 2020-01-01
        title = "Patrol number {i}"
        summary = "A patrol."
        kind = "operation"
        sources = ["src-a"]
        """ for i in range(40))
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "k.toml": fillers + """
        [[event]]
        id = "the-end"
        date = 2023-12-31
        title = "The mandate ended"
        summary = "It ended."
        kind = "milestone"
        sources = ["src-a"]

        [[alias]]
        canonical = "ended"
        variants = ["end"]
        """})
    engine = open_engine(root, tmp_path / "i.sqlite")
    searcher = engine.searcher
    try:
        rare = searcher.idf("ended")
        assert rare > searcher._common_weight  # in 1 of 41 entries
        [typed] = searcher.parse("the end").terms
        [named] = searcher.parse("ended").terms
        assert (typed.text, typed.weight) == ("ended", searcher._common_weight)
        assert (named.text, named.weight) == ("ended", rare)
    finally:
        engine.close()
