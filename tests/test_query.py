import pytest

from bot.engine import Engine, open_engine
from bot.query import Lexicon, as_typed
from tests.conftest import SMALL_SOURCES


@pytest.fixture
def lexicon(engine: Engine) -> Lexicon:
    return engine.lexicon


def test_spelling_is_corrected_towards_known_words_and_aliases(lexicon):
    q = lexicon.parse("ansogo clsoure")
    assert [t.text for t in q.terms] == ["ansongo", "closed"]
    assert all(t.known for t in q.terms)
    assert all(0.8 <= t.certainty < 1 for t in q.terms)


@pytest.mark.parametrize(("typed", "kept"), [("drones", "drone"), ("decide", "decide")])
def test_real_words_are_not_corrected_into_other_words(lexicon, typed, kept):
    # "drones" is one letter from "done" and "decide" from "decade": both are words in their
    # own right, and correcting them made questions about drones look answerable.
    assert kept in [t.text for t in lexicon.parse(f"how many {typed}").terms]


def test_neighbouring_letters_swapped_are_a_typo(lexicon):
    assert "closed" in [t.text for t in lexicon.parse("when did minusma colse kidal").terms]


def test_unknown_names_weigh_more_than_unknown_everyday_words(lexicon):
    names = {t.text: t for t in lexicon.parse("When did UNMISS open its base in Juba?").terms}
    weak = {t.text: t for t in lexicon.parse("when did the army snatch Kidal").terms}
    assert not names["juba"].known and not weak["snatch"].known
    assert names["juba"].weight == lexicon.unknown_weight
    assert weak["snatch"].weight <= lexicon.common_weight < names["juba"].weight


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("which closed first, Ansongo or Sévaré?", "order"),
        ("Did Kidal close before Tessalit?", "order"),
        ("what happened in December 2023?", "dates"),
        ("Que s'est-il passé le 8 décembre 2023 ?", "dates"),
        ("What happened at Kidal in February 2016?", "listing"),
        ("What happened in Gao?", "listing"),
        ("When did MINUSMA leave Gao?", "lookup"),
        ("hello", "smalltalk"),
        ("thanks a lot", "smalltalk"),
        ("   ", "empty"),
        ("?!", "junk"),
        ("42", "junk"),
        ("'; drop table docs; --", "junk"),
        ("\u200b\u200b", "empty"),
    ],
)
def test_intents(lexicon, question, intent):
    assert lexicon.parse(question).intent == intent


@pytest.mark.parametrize(
    ("question", "kind", "phrase"),
    [
        ("When did MINUSMA leave Tombouctou?", "place", "timbuktu"),
        ("When did the Chadian peacekeepers leave?", "country", "chad"),
        ("What did resolution 2295 say?", "resolution", "resolution 2295"),
        ("What did 2295 say?", "resolution", "resolution 2295"),
        ("Who replaced Annadif?", "person", "annadif"),
        ("When did UNMISS close?", "mission", "unmiss"),
        ("When did MINUSMA leave Ségou?", "place", "segou"),
    ],
)
def test_entities_are_recognised_with_their_kind(lexicon, question, kind, phrase):
    found = {(e.kind, e.phrase) for e in lexicon.parse(question).entities}
    assert (kind, phrase) in found


def test_an_entity_no_entry_is_about_is_missing(lexicon):
    q = lexicon.parse("When did MINUSMA leave Ségou?")
    assert [e.typed for e in q.missing] == ["Ségou"]  # as typed, accent and all
    assert lexicon.parse("When did MINUSMA leave Kidal?").missing == []


def test_a_year_is_not_a_resolution_and_a_resolution_is_not_a_year(lexicon):
    q = lexicon.parse("what did resolution 2085 say in 2014")
    assert [s.date.iso for s in q.dates] == ["2014"]
    assert "resolution 2085" in {e.phrase for e in q.entities}


@pytest.mark.parametrize(
    ("question", "answer_type", "topics"),
    [
        ("When did MINUSMA leave Kidal?", "when", ("closure",)),
        ("Who led MINUSMA?", "who", ("leadership",)),
        ("How many peacekeepers were killed in Aguelhok?", "how_many", ("casualties",)),
        ("Combien de casques bleus sont morts ?", "how_many", ("casualties",)),
        ("Where was the mission's headquarters?", "where", ()),
        ("Où était le quartier général ?", "where", ()),
        ("Why did MINUSMA leave?", "why", ("closure",)),
        ("What was the budget in 2018?", "what", ("budget",)),
    ],
)
def test_answer_type_and_topic(lexicon, question, answer_type, topics):
    q = lexicon.parse(question)
    assert (q.answer_type, q.topics) == (answer_type, topics)


@pytest.mark.parametrize(
    ("question", "measures"),
    [
        ("How many peacekeepers died?", {"killed", "fatalities"}),
        ("How many wounded?", {"wounded"}),
        ("How much did MINUSMA cost?", {"budget-usd"}),
        ("How many camps were there?", {"camps"}),
        ("How many helicopters were there?", set()),  # never counted: nothing can answer
    ],
)
def test_how_many_names_what_it_counts(lexicon, question, measures):
    assert lexicon.parse(question).measures == measures


@pytest.mark.parametrize(
    ("question", "relation", "superlative", "role"),
    [
        ("Who succeeded Koenders?", "successor", None, None),
        ("Who replaced Hamdi as head of mission?", "successor", None, "head-of-mission"),
        ("Who came before Wane?", "predecessor", None, None),
        ("Whom did Annadif replace?", "predecessor", None, None),
        ("Who was the first force commander?", None, "first", "force-commander"),
        ("Who ran MINUSMA at the end?", None, "last", "head-of-mission"),
        ("What was the deadliest attack?", None, "most", None),
    ],
)
def test_relations_superlatives_and_roles(lexicon, question, relation, superlative, role):
    q = lexicon.parse(question)
    assert (q.relation, q.superlative, q.role) == (relation, superlative, role)


def test_as_typed_finds_the_users_own_spelling():
    assert as_typed("When did MINUSMA leave Ségou?", "segou") == "Ségou"
    assert as_typed("Quand la MINUSMA a-t-elle quitté TOMBOUCTOU ?", "tombouctou") == "TOMBOUCTOU"
    assert as_typed("nothing here", "kidal") == "kidal"


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
    lexicon = engine.lexicon
    try:
        rare = lexicon.idf("ended")
        assert rare > lexicon.common_weight  # in 1 of 41 entries
        [typed] = lexicon.parse("the end").terms
        [named] = lexicon.parse("ended").terms
        assert typed.text == "ended" and typed.weight < lexicon.common_weight
        assert (named.text, named.weight) == ("ended", rare)
    finally:
        engine.close()


def test_scope_words_never_outweigh_a_topic_word(lexicon):
    weights = {t.text: t.weight for t in lexicon.parse("What did the UN spend in Mali?").terms}
    assert weights["mali"] <= lexicon.scope_weight < weights["budget"]


@pytest.mark.parametrize(
    ("question", "junk"),
    [
        ("update on kidal from last week", False),
        ("select the date kidal closed from your sources", False),
        ("When did MINUSMA leave Kidal ;)", False),
        ("When did MINUSMA leave Kidal --", False),
        ("SELECT * FROM events; DROP TABLE x", True),
        ("<script>alert(1)</script>", True),
        ("x' OR 1=1 --", True),
    ],
)
def test_only_text_that_is_code_through_and_through_is_junk(lexicon, question, junk):
    """Issue 22, item 9: one ordinary character turned a real question into junk."""
    assert (lexicon.parse(question).intent == "junk") is junk
