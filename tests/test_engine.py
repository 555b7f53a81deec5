import pytest

from bot.answer import render_html, render_plain
from bot.engine import Engine


def test_kidal_answer_leads_with_the_date_and_cites_its_source(engine: Engine):
    answer = engine.ask("When did MINUSMA leave Kidal?")
    assert answer.kind == "fact"
    assert answer.items[0].fact.startswith("31 October 2023")
    cite = answer.items[0].citations[0]
    assert cite.publisher == "MINUSMA" and cite.url.startswith("https://minusma.unmissions.org")
    text = render_plain(answer)
    assert "Sources:" in text and cite.title in text and "31 October 2023" in text


@pytest.mark.parametrize(
    ("question", "versions"),
    [
        ("When did the Sévaré camp close?", ["8 December 2023", "9 December"]),
        ("When did MINUSMA leave Kidal?", ["two IED attacks", "four IED hits"]),
        ("How many peacekeepers died in MINUSMA?", ["311", "310", "about 180"]),
        ("How many camps did MINUSMA have?", ["twelve", "13 sites"]),
    ],
)
def test_disagreeing_sources_are_all_shown(engine: Engine, question, versions):
    answer = engine.ask(question)
    claims = " ".join(c.text for c in answer.items[0].versions)
    for version in versions:
        assert version in claims
    assert all(c.citations for c in answer.items[0].versions)


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Peru?", "when did UNMISS open its base in Juba?", "hello", ""],
)
def test_no_fact_is_made_up_off_topic(engine: Engine, question):
    answer = engine.ask(question)
    assert not answer.is_answer and not answer.items
    assert answer.topics  # it offers somewhere to go instead


def test_unknown_answer_names_what_it_does_not_know(engine: Engine):
    answer = engine.ask("When did UNMISS open its base in Juba?")
    assert "juba" in answer.headline.lower() and "don't know" in answer.headline


def test_comparison_states_the_order_with_both_dates(engine: Engine):
    answer = engine.ask("which closed first, Ansongo or Sévaré?")
    assert answer.kind == "comparison"
    assert answer.headline.startswith("First: MINUSMA closes its base in Ansongo")
    assert [i.fact[:16] for i in answer.items] == ["18 November 2023", "8 December 2023:"]


def test_date_question_lists_events_of_that_month(engine: Engine):
    answer = engine.ask("what happened in December 2023?")
    assert answer.kind == "timeline"
    facts = [i.fact for i in answer.items]
    assert facts == sorted(facts, key=lambda f: int(f.split()[0]))  # chronological
    assert any("Sévaré" in f for f in facts)


def test_a_long_period_says_how_to_narrow_it(engine: Engine):
    year = engine.ask("What happened in 2023?")
    assert year.more > 0
    assert year.headline == f"2023: {len(year.items) + year.more} events"
    assert f"{year.more} more. Ask about one month of it, or add a place." in render_plain(year)
    assert "Ask about one month of it" in render_html(year)
    single = engine.ask("What happened on 31 October 2023?")
    assert single.more == 0 and single.narrow == ""
    assert "more." not in render_plain(single)


def test_events_after_a_date_are_the_nearest_with_a_true_count(engine: Engine):
    after = engine.ask("What happened after October 2023?")
    assert after.headline == f"After October 2023: {len(after.items) + after.more} events"
    assert after.more > 0 and after.items[0].fact.startswith("7 November 2023")


def test_topic_and_timeline_and_suggest(engine: Engine):
    topic = engine.topic("kidal-closure")
    assert topic is not None and topic.items[0].doc_id == "kidal-closure"
    assert engine.topic("no-such-entry") is None
    timeline = engine.timeline()
    dates = [m.date for m in timeline.matches]
    assert dates == sorted(dates) and len(dates) >= 12
    results = engine.suggest("kidal")
    assert 1 <= len(results) <= 10 and results[0][1].is_answer
    assert engine.suggest("peru capital") == []


def test_every_answer_to_the_real_knowledge_fits_telegram(engine: Engine):
    for question in ["what happened in 2023", "what happened in 2014", "timeline", "kidal"]:
        assert len(render_html(engine.ask(question))) <= 4096
    assert len(render_html(engine.timeline())) <= 4096
