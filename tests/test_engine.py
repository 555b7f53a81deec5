import pytest

from bot.engine import Engine, open_engine
from bot.render import fact_line, headline_of, render_html, render_plain, tg_len
from tests.conftest import SMALL_SOURCES


def test_kidal_answer_leads_with_the_date_and_cites_its_source(engine: Engine):
    answer = engine.ask("When did MINUSMA leave Kidal?")
    assert answer.kind == "fact"
    assert fact_line(answer.items[0]).startswith("31 October 2023")
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


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("When did MINUSMA leave Ségou?", "ségou"),  # a town of Mali with no MINUSMA base
        ("Did MINUSMA have a base in Sikasso?", "sikasso"),
        ("When did UNMISS leave Juba?", "unmiss"),  # another UN mission
        ("When was resolution 2099 adopted?", "resolution 2099"),
    ],
)
def test_a_refusal_names_what_the_knowledge_lacks(engine: Engine, question, named):
    answer = engine.ask(question)
    assert answer.kind == "unknown"
    assert named in headline_of(answer).lower()


@pytest.mark.parametrize(
    ("question", "thing"),
    [("How many helicopters did MINUSMA have?", "helicopters"),
     ("How many drones did MINUSMA have in Gao?", "drones"),
     ("How many schools did MINUSMA build in Kidal?", "schools")],
)
def test_a_count_the_knowledge_never_recorded_is_declined(engine: Engine, question, thing):
    answer = engine.ask(question)
    assert answer.kind == "unknown", fact_line(answer.items[0]) if answer.items else ""
    # Either the word itself is unknown, or it is known but never counted.
    headline = headline_of(answer)
    assert f"“{thing}”" in headline or "no such figure" in headline


TOLLS = """
[[event]]
id = "attack-2019"
date = 2019-01-20
title = "Attack on the Testville camp"
summary = "Ten peacekeepers were killed."
kind = "attack"
places = ["Testville"]
figures = [{ what = "killed", value = 10, who = "peacekeepers" }]
sources = ["src-a"]

[[event]]
id = "toll-2022"
date = 2023-01-06
title = "The mission's toll for 2022"
summary = "26 peacekeepers were killed in 2022."
kind = "casualties"
figures = [{ what = "fatalities", value = 26, who = "peacekeepers", year = 2022 }]
sources = ["src-a"]

[[event]]
id = "contingent-2022"
date = 2023-01-10
title = "Testland's contingent lost seven soldiers in 2022"
summary = "Seven of its peacekeepers died."
kind = "contingent"
countries = ["Testland"]
figures = [{ what = "fatalities", value = 7, who = "peacekeepers", year = 2022 }]
sources = ["src-a"]

[[faq]]
id = "total"
questions = ["How many peacekeepers died in all?"]
fact = "311 over the whole mission."
answer = "The final toll."
figures = [{ what = "fatalities", value = 311 }]
sources = ["src-a"]

[[alias]]
canonical = "Testville"
variants = ["Test-ville"]
kind = "place"

[[alias]]
canonical = "Testland"
variants = ["Testlandic"]
kind = "country"

[[alias]]
canonical = "killed"
variants = ["died", "die", "dead"]
"""


def test_a_yearly_count_is_never_answered_with_one_attack_or_a_total(write_knowledge, tmp_path):
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "k.toml": TOLLS})
    engine = open_engine(root, tmp_path / "i.sqlite")
    try:
        # 2022 has its own total; one contingent's deaths are not the mission's toll.
        in_2022 = engine.ask("How many peacekeepers died in 2022?")
        assert in_2022.kind == "derived" and headline_of(in_2022) == "In 2022: 26."
        assert [i.doc_id for i in in_2022.items] == ["toll-2022"]
        contingent = engine.ask("How many Testlandic peacekeepers died in 2022?")
        assert "7" in headline_of(contingent)
        # For 2019 there is one attack's toll and the mission's total: neither answers it.
        in_2019 = engine.ask("How many peacekeepers died in 2019?")
        assert in_2019.kind == "unknown" and "2019" in headline_of(in_2019)
        # Without a year, the whole mission's figure answers, never one year's.
        overall = engine.ask("How many peacekeepers died?")
        assert overall.items[0].doc_id == "total"
    finally:
        engine.close()


@pytest.mark.parametrize("junk", ["123", "?!?!", "'; DROP TABLE docs; --", "SELECT * FROM docs",
                                  "<script>alert(1)</script>", "2014 2015", "%%%"])
def test_junk_gets_a_friendly_pointer_never_a_dated_fact(engine: Engine, junk):
    answer = engine.ask(junk)
    assert answer.kind == "smalltalk" and not answer.items
    assert "I answer questions about MINUSMA" in headline_of(answer)
    assert answer.topics


def test_thanks_and_greetings_are_small_talk(engine: Engine):
    assert headline_of(engine.ask("thanks!")).startswith("You're welcome")
    assert headline_of(engine.ask("Bonjour")).startswith("Hello")


def test_comparison_states_the_order_with_both_dates(engine: Engine):
    answer = engine.ask("which closed first, Ansongo or Sévaré?")
    assert answer.kind == "comparison"
    assert headline_of(answer).startswith("First: MINUSMA closes its base in Ansongo")
    assert [fact_line(i)[:16] for i in answer.items] == ["18 November 2023", "8 December 2023:"]


def test_a_passing_mention_never_outranks_the_place_itself(engine: Engine):
    # Tessalit's closure names the Kidal region; Aguelhok's mentions a handover. Neither is
    # the answer about Kidal itself.
    for question in ("When did MINUSMA leave Kidal?", "When was the Kidal camp handed over?"):
        assert engine.ask(question).items[0].doc_id == "kidal-closure"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who succeeded Koenders?",
         "Arnauld Akodjènou (acting), then Mongi Hamdi, succeeded Bert Koenders"),
        ("Who succeeded Akodjènou as head of mission?", "Mongi Hamdi succeeded"),
        ("Who came before Deconinck as force commander?",
         "Michael Lollesgaard, then Amadou Kané (acting), preceded"),
        ("Who was force commander in 2019?", "Dennis Gyllensporre: force commander in 2019."),
        ("Who was the last force commander?", "Mamadou Gaye"),
        ("Qui a succédé à Annadif ?", "El-Ghassim Wane succeeded"),
    ],
)
def test_leadership_is_worked_out_from_dates_and_cited(engine: Engine, question, expected):
    answer = engine.ask(question)
    assert answer.kind == "derived" or expected in fact_line(answer.items[0])
    if answer.kind == "derived":
        assert expected in headline_of(answer)
        assert all(item.citations for item in answer.items)


ATTACKS = """
[[event]]
id = "ambush-2014"
date = 2014-10-03
title = "Nine peacekeepers killed in an ambush near Testville"
summary = "At the time the deadliest attack on the mission."
kind = "attack"
places = ["Testville"]
figures = [{ what = "killed", value = 9, who = "peacekeepers" }]
sources = ["src-a"]

[[event]]
id = "camp-attack-2019"
date = 2019-01-20
title = "Ten peacekeepers killed in an attack on Otherville"
summary = "An assault on the camp."
kind = "attack"
places = ["Otherville"]
figures = [{ what = "killed", value = 10, who = "peacekeepers" }]
sources = ["src-a"]

[[event]]
id = "hotel-attack-2015"
date = 2015-11-20
title = "Gunmen attack a hotel in Testville"
summary = "Twenty guests died."
kind = "attack"
places = ["Testville"]
figures = [{ what = "killed", value = 20, who = "civilians" }]
sources = ["src-a"]

[[event]]
id = "mine-2016"
date = 2016-05-29
title = "A mine kills five peacekeepers near Otherville"
summary = "Their vehicle hit a mine."
kind = "attack"
places = ["Otherville"]
figures = [{ what = "killed", value = 5, who = "peacekeepers" }]
sources = ["src-a"]

[[alias]]
canonical = "Testville"
variants = ["Test-ville"]
kind = "place"

[[alias]]
canonical = "Otherville"
variants = ["Other-ville"]
kind = "place"

[[alias]]
canonical = "people"
variants = ["civilians", "civilian"]
"""


@pytest.fixture
def attacks(write_knowledge, tmp_path):
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "k.toml": ATTACKS})
    built = open_engine(root, tmp_path / "i.sqlite")
    yield built
    built.close()


def test_the_deadliest_attack_is_compared_over_the_knowledge_figures(attacks: Engine):
    answer = attacks.ask("What was the deadliest attack on the mission?")
    assert answer.kind == "derived"
    # The 2014 summary calls it "at the time the deadliest"; the figures say otherwise, and a
    # hotel attack's civilian toll is not a toll of the mission.
    assert [i.doc_id for i in answer.items] == ["camp-attack-2019"]
    assert "10 killed" in headline_of(answer) and "3" in headline_of(answer)
    in_2016 = attacks.ask("What was the deadliest attack in 2016?")
    assert [i.doc_id for i in in_2016.items] == ["mine-2016"]
    on_civilians = attacks.ask("What was the deadliest attack on civilians?")
    assert [i.doc_id for i in on_civilians.items] == ["hotel-attack-2015"]


def test_a_vague_word_offers_choices(attacks: Engine):
    answer = attacks.ask("attack")
    assert answer.kind == "choice" and len(answer.choices) >= 2
    assert all(c.when for c in answer.choices)  # each choice says when it happened


def test_a_vague_word_on_the_real_knowledge_never_gets_an_arbitrary_event(engine: Engine):
    for word in ("attack", "camp", "convoy", "budget"):
        answer = engine.ask(word)
        # a choice, or an overview written about it; never one event picked among many
        assert answer.kind == "choice" or (
            answer.items and engine.store.doc(answer.items[0].doc_id or "").kind == "faq"  # type: ignore[union-attr]
        ), word


def test_the_same_kind_on_two_dates_is_a_choice(write_knowledge, tmp_path):
    root = write_knowledge({"sources.toml": SMALL_SOURCES, "k.toml": """
        [[event]]
        id = "testville-attack-1"
        date = 2015-03-01
        title = "Attack on the Testville camp"
        summary = "Rockets hit the camp."
        kind = "attack"
        places = ["Testville"]
        sources = ["src-a"]

        [[event]]
        id = "testville-attack-2"
        date = 2017-09-12
        title = "Attack on the Testville camp"
        summary = "Mortars hit the camp."
        kind = "attack"
        places = ["Testville"]
        sources = ["src-a"]

        [[alias]]
        canonical = "Testville"
        variants = ["Test-ville"]
        kind = "place"
        """})
    engine = open_engine(root, tmp_path / "i.sqlite")
    try:
        answer = engine.ask("When was the Testville camp attacked?")
        assert answer.kind == "choice"
        assert {c.doc_id for c in answer.choices} == {"testville-attack-1", "testville-attack-2"}
        dated = engine.ask("When was the Testville camp attacked in 2017?")
        assert dated.kind == "fact" and dated.items[0].doc_id == "testville-attack-2"
    finally:
        engine.close()


def test_date_question_lists_events_of_that_month(engine: Engine):
    answer = engine.ask("what happened in December 2023?")
    assert answer.kind == "timeline"
    days = [i.when for i in answer.items]
    assert days == sorted(days)
    assert any("Sévaré" in i.title for i in answer.items)


def test_a_long_period_says_how_to_narrow_it(engine: Engine):
    year = engine.ask("What happened in 2023?")
    assert year.more > 0
    assert headline_of(year) == f"2023: {len(year.items) + year.more} events"
    assert f"{year.more} more. Ask about one month of it, or add a place." in render_plain(year)
    assert "Ask about one month of it" in render_html(year)
    single = engine.ask("What happened on 31 October 2023?")
    assert single.more == 0 and single.narrow is None
    assert "more." not in render_plain(single)


def test_events_after_a_date_are_the_nearest_with_a_true_count(engine: Engine):
    after = engine.ask("What happened after October 2023?")
    assert headline_of(after) == f"After October 2023: {len(after.items) + after.more} events"
    assert after.more > 0 and "November 2023" in fact_line(after.items[0])
    assert all(i.when > "2023-10" for i in after.items)


def test_what_happened_at_a_place_lists_its_events(engine: Engine):
    answer = engine.ask("What happened in Gao?")
    assert answer.kind == "timeline" and headline_of(answer).startswith("Gao: ")
    assert all("gao" in engine.store.doc(i.doc_id or "").subjects for i in answer.items)  # type: ignore[union-attr]


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
    assert engine.suggest("Ségou") == []


def test_every_answer_to_the_real_knowledge_fits_telegram(engine: Engine):
    for question in ["what happened in 2023", "what happened in 2014", "timeline", "kidal"]:
        assert tg_len(render_html(engine.ask(question))) <= 4096
    assert tg_len(render_html(engine.timeline())) <= 4096


# --- Issue 21: answers to questions as people ask them, each defect pinned by name ---------

def _visible(answer, lang="en"):
    from bot.render import render_visible
    return render_visible(answer, lang=lang)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("when was res. 2100 adopted", "25 April 2013"),
        ("who was the SRSG in 2016", "Annadif"),
        ("wich resolusion ended minusma", "2690"),
        ("qd est-ce que la minusma a quitté kidal", "31 octobre 2023"),
        ("when did the SC adopt resolution 2100", "25 April 2013"),
    ],
)
def test_ordinary_words_abbreviations_and_inflections_are_never_unknown_names(
        engine: Engine, question, fact):
    answer = engine.ask(question)
    lang = "fr" if "quitté" in question else "en"
    assert answer.is_answer and fact in _visible(answer, lang), render_plain(answer)


def test_a_month_accepts_an_event_dated_inside_it(engine: Engine):
    answer = engine.ask("how many peacekeepers were killed in june 2023")
    assert answer.is_answer and "June 2023" in _visible(answer)


@pytest.mark.parametrize(
    ("question", "lang", "first", "not_first"),
    [
        ("Qui a remplacé Annadif ?", "fr", "El-Ghassim Wane", "Mongi Hamdi"),
        ("qui a remplacé Koenders ?", "fr", "Mongi Hamdi", "Bert Koenders a"),
        ("who replaced Annadif?", "en", "El-Ghassim Wane", "Mongi Hamdi"),
        ("who did Wane replace?", "en", "Mahamat Saleh Annadif preceded", "succeeded"),
        ("Wane a remplacé qui ?", "fr", "Mahamat Saleh Annadif a précédé", "succédé"),
    ],
)
def test_who_replaced_reads_the_direction_in_both_languages(engine: Engine, question, lang,
                                                             first, not_first):
    line = _visible(engine.ask(question), lang).splitlines()[0]
    assert first in line and not_first not in line


def test_a_yearly_toll_of_peacekeepers_leaves_out_civilian_staff(engine: Engine):
    line = _visible(engine.ask("How many peacekeepers were killed in 2017?")).splitlines()[0]
    assert line == "In 2017: 21."


def test_a_contingents_toll_is_its_deaths_not_its_size(engine: Engine):
    line = _visible(engine.ask("How many Chadian peacekeepers died in Mali?")).splitlines()[0]
    assert "82" in line and "1,400" not in line


def test_killed_each_year_is_the_yearly_series(engine: Engine):
    line = _visible(engine.ask("How many peacekeepers were killed each year?")).splitlines()[0]
    assert "year by year" in line and "2017: 21" in line and "2020: 6" in line


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [
        ("What was the last camp to close?", "en", "15 November 2024"),
        ("quel a été le dernier camp fermé ?", "fr", "15 novembre 2024"),
        ("which was the first camp to close", "en", "Ogossagou"),
        ("first camp closed in the withdrawal", "en", "Ogossagou"),
    ],
)
def test_the_first_and_last_camp_come_from_the_camps_closings(engine: Engine, question, lang,
                                                               fact):
    answer = engine.ask(question)
    assert answer.kind == "derived" and len(answer.items) == 1
    assert fact in _visible(answer, lang).splitlines()[0]


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("how many months did deconinck command the force", "en", "(18 months)"),
     ("combien de temps Deconinck a-t-il commandé la force ?", "fr", "(18 mois)")],
)
def test_a_tour_is_counted_from_taking_command_not_from_the_announcement(
        engine: Engine, question, lang, fact):
    """Deconinck was named on 2 March 2017 and took command on 11 April 2017; Gyllensporre
    took over on 2 October 2018 (knowledge: `tenure = "start"`)."""
    line = _visible(engine.ask(question), lang).splitlines()[0]
    assert fact in line and ("11 April 2017" in line or "11 avril 2017" in line)


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("minusma budget 2014/15", "en", "895.53"),
     ("What was MINUSMA's budget for 2022/23?", "en", "2022/23"),
     ("budget de la minusma 2016-2017", "fr", "2016/17")],
)
def test_a_budget_is_found_by_the_year_it_funds_not_the_day_it_was_approved(
        engine: Engine, question, lang, fact):
    """The 2015/16 budget was approved in June 2015, inside the 2014/15 year: the figure's
    own period (`period = "2014/15"`) decides, not the event's date."""
    line = _visible(engine.ask(question), lang).splitlines()[0]
    assert fact in line


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("mandat prolongé jusqu'au 30 juin 2023 par quelle résolution", "fr", "2640"),
     ("which resolution extended the mandate until 30 June 2019", "en", "2423"),
     ("last mandate renewal before mali kicked minusma out", "en", "2640"),
     ("what was the first resolution that renewed minusma's mandate", "en", "2164"),
     ("quel a été le dernier renouvellement du mandat ?", "fr", "2640")],
)
def test_a_renewal_is_a_resolution_that_runs_the_mandate_further(engine: Engine, question,
                                                                 lang, fact):
    """Not the creation (2100), not the sanctions regime's last vote, not resolution 2690
    that ended the mandate; "until 30 June 2023" is the day the mandate ran to."""
    line = _visible(engine.ask(question), lang).splitlines()
    assert fact in " ".join(line[:2])


@pytest.mark.parametrize(
    ("question", "lang", "facts"),
    [("qui était chef de la minusma quand mikado a été lancée", "fr",
      ("Mongi Hamdi", "16 juin 2015")),
     ("who was head of minusma when kidal closed", "en", ("El-Ghassim Wane", "31 October 2023")),
     ("who led the mission at the time of the radisson attack", "en",
      ("Mongi Hamdi", "20 November 2015"))],
)
def test_who_held_an_office_when_something_happened(engine: Engine, question, lang, facts):
    """The clause after "when" names an event; its day gives the holder, and both are cited."""
    answer = engine.ask(question)
    line = _visible(answer, lang).splitlines()[0]
    assert all(f in line for f in facts)
    assert len(answer.items) >= 2 and all(i.citations for i in answer.items)


@pytest.mark.parametrize(
    ("question", "lang", "present", "absent"),
    [("who replaced Joanne Adamson?", "en", ["Daniela Kroslak"], ["Noudéhou"]),
     ("who succeeded Gasarabwe?", "en", ["Alain Noudéhou"], ["Kroslak", "Adamson"]),
     ("who was deputy head of minusma in 2019", "en", ["Joanne Adamson", "Mbaranga Gasarabwe"],
      []),
     ("qui était chef adjoint de la minusma en 2022 ?", "fr",
      ["Daniela Kroslak", "Alain Noudéhou"], [])],
)
def test_the_two_deputy_heads_are_two_posts_under_one_name(engine: Engine, question, lang,
                                                           present, absent):
    """The political deputy and the resident coordinator served side by side: who followed
    whom stays within each post, and "the deputy head" names both."""
    line = _visible(engine.ask(question), lang).splitlines()[0]
    assert all(p in line for p in present) and not any(a in line for a in absent)


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("how long did the liquidation last", "en",
      "10 months, from 1 January 2024 to 15 November 2024"),
     ("how long did the national dialogue last", "en", "9 days, from 14 December 2019"),
     ("how long was the security council's first visit to mali", "en", "3 days"),
     ("how many years did minusma last from creation to termination", "en", "ten and a half years"),
     ("la minusma a duré combien d'années ?", "fr", "dix ans et demi")],
)
def test_how_long_something_lasted_is_worked_out_or_stated(engine: Engine, question, lang,
                                                           fact):
    """An event known with its last day gives its length; "how many years" asks a length,
    not a count, so an overview stating it answers."""
    assert fact in _visible(engine.ask(question), lang).splitlines()[0]


def test_the_mission_named_bare_in_an_order_question_dates_from_its_creation(engine: Engine):
    line = _visible(engine.ask("which came first, serval or minusma?")).splitlines()[0]
    assert line.startswith("First: France launches Operation Serval")
    assert "Resolution 2100 creates MINUSMA" in line


def test_one_event_on_the_day_asked_is_told_in_full(engine: Engine):
    """A list of one title hides what happened; one event that day is answered as a fact."""
    answer = engine.ask("what happened on 16 june 2023 at the security council")
    assert answer.kind == "fact" and len(answer.items) == 1
    assert "Diop" in _visible(answer)


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("depuis quand deconinck était en fonction à la minusma", "fr", "11 avril 2017"),
     ("when did wane take office", "en", "5 May 2021"),
     ("when was wane appointed", "en", "15 March 2021")],
)
def test_taking_office_is_not_being_named(engine: Engine, question, lang, fact):
    assert _visible(engine.ask(question), lang).splitlines()[0].startswith(fact)


@pytest.mark.parametrize(
    ("question", "fact"),
    [("how many trucks were stuck in gao in autumn 2023", "200"),
     ("2015 renewal resolution number ??", "2227"),
     ("total number of minusma personnel who died", "311")],
)
def test_framing_words_and_seasons_do_not_hide_the_answer(engine: Engine, question, fact):
    """"Number", "total" frame a question; "autumn 2023" is September to November."""
    assert fact in _visible(engine.ask(question)).splitlines()[0]


@pytest.mark.parametrize(
    ("question", "lang", "line"),
    [("el ghassim wane est le combientième chef de la minusma", "fr",
      "4e chef de la mission nommé (sur 4) : El-Ghassim Wane."),
     ("what number force commander was gyllensporre", "en",
      "The 4th force commander (of 5 appointed): Dennis Gyllensporre.")],
)
def test_a_persons_rank_among_those_appointed(engine: Engine, question, lang, line):
    assert _visible(engine.ask(question), lang).splitlines()[0] == line


@pytest.mark.parametrize(
    ("question", "lang", "start"),
    [("how many heads of mission did minusma have in total", "en",
      "4 people were appointed head of mission: Bert Koenders, Mongi Hamdi, "
      "Mahamat Saleh Annadif, El-Ghassim Wane; acting in between:"),
     ("combien de chefs de mission la minusma a eu en tout", "fr", "4 personnes ont été nommées"),
     ("deuxième chef de la minusma ?", "fr", "2e chef de la mission nommé (sur 4) : Mongi Hamdi"),
     ("who was the third force commander", "en",
      "The 3rd force commander (of 5 appointed): Jean-Paul Deconinck.")],
)
def test_an_office_is_counted_and_its_nth_holder_named(engine: Engine, question, lang,
                                                       start):
    """Counted from the appointments, acting holders named apart, never as a number alone."""
    assert _visible(engine.ask(question), lang).splitlines()[0].startswith(start)


def test_a_toll_only_written_in_the_summary_can_be_asked(engine: Engine):
    """Ber, August 2023: the summary says four peacekeepers were wounded; no figure field."""
    line = _visible(engine.ask("how many blue helmets were wounded leaving ber in aug 2023"))
    assert line.splitlines()[0] == "Wounded: 4 (peacekeepers)."


@pytest.mark.parametrize("question", [
    "who commanded eutm mali in 2017", "who commands the un force in cyprus",
    "how many peacekeepers were killed in the drc in 2017",
    "minusma troop ceiling under the 2024 mandate",
    "how many days between mali's withdrawal request at the council and the eiffel tower"])
def test_another_organisations_office_or_an_unknown_place_gets_no_worked_out_fact(
        engine: Engine, question):
    """An office of EUTM or of the UN in Cyprus is not the mission's; a name the knowledge
    lacks (a country typed in lower case too) leaves nothing to work out; no mandate after
    30 June 2023."""
    assert not engine.ask(question).is_answer


@pytest.mark.parametrize(
    ("question", "fact"),
    [("mopti camp handover date", "8 December 2023"),
     ("when did minusma leave mopti", "8 December 2023"),
     ("when did the germans leave gao", "12 December 2023"),
     ("how many days did mongi hamdi spend as head of minusma", "359 days"),
     ("who was srsg when the timbuktu minusma hq was attacked in august 2017",
      "Mahamat Saleh Annadif")],
)
def test_steps_give_way_to_the_camps_closing_and_lengths_come_in_days(engine: Engine,
                                                                       question, fact):
    assert fact in _visible(engine.ask(question)).splitlines()[0]


def test_the_last_months_are_a_stretch_of_time_not_the_last_of_a_kind():
    from bot.concepts import LAST

    assert not LAST.search("for its last six months")
    assert not LAST.search("les six derniers mois")
    assert LAST.search("the last camp") and LAST.search("le dernier chef")


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("the tunisian ex-foreign minister who ran the blue helmets in mali, what's his name", "en",
      "Mongi Hamdi (Tunisia): head of mission"),
     ("qui était le commandant de la force suédois ?", "fr", "Dennis Gyllensporre (Suède)"),
     ("who replaced the danish force commander", "en",
      "succeeded Michael Lollesgaard as force commander"),
     ("how long did the rwandan general command the troops in mali", "en", "Jean Bosco Kazura")],
)
def test_an_office_holder_described_by_nationality_is_the_one_from_there(
        engine: Engine, question, lang, fact):
    """No name, an office and a nationality: the one holder of that office from that country
    (and nobody when there are several)."""
    assert fact in _visible(engine.ask(question), lang).splitlines()[0]


@pytest.mark.parametrize(
    ("question", "lang", "line"),
    [("how many hectares was the gao camp", "en", "100 (hectare), as the entry states it."),
     ("combien de casques bleus tués en 2019", "fr", "En 2019 : 22."),
     ("how many chadian peacekeepers died in mali", "en", "Deaths: 82 (Chadian peacekeepers).")],
)
def test_how_many_counts_the_word_it_asks(engine: Engine, question, lang, line):
    """"How many hectares" counts hectares, not camps: a number the entry's text gives right
    before that word answers; a measure the concepts know still reads structured figures."""
    assert _visible(engine.ask(question), lang).splitlines()[0] == line


@pytest.mark.parametrize(
    ("question", "fact"),
    [("matthijssen appointment month", "16 November 2021"),
     ("el gassim wane nationalty", "Mauritania"),
     ("what happened on 30 june 2023 regarding minusma", "30 June 2023: Resolution 2690")],
)
def test_named_is_not_taking_office_and_keywords_are_read(engine: Engine, question, fact):
    assert fact in _visible(engine.ask(question)).splitlines()[0]


def test_a_day_and_a_place_list_what_is_known_to_that_day(engine: Engine):
    """A year's toll or a month's appointment is not what happened on 20 January 2019."""
    answer = engine.ask("what happened on 20 january 2019 in aguelhok")
    assert [i.doc_id for i in answer.items] == ["aguelhok-attack-2019"]


def test_a_distance_in_a_story_is_no_count(engine: Engine):
    """"45 km south-west of Timbuktu" places an ambush; it is not the distance asked."""
    assert not engine.ask("goundam est à combien de km de tombouctou").is_answer


def test_a_name_typed_once_is_named_once_and_not_together_when_one_entry_has_both(
        engine: Engine):
    from bot.i18n import say

    answer = engine.ask("when did ban ki-moon appoint bert koenders to lead minusma?")
    assert answer.headline is not None and "ban ki moon ban" not in say(answer.headline)
    assert "ban ki-moon" in say(answer.headline)  # as typed, once
    last = engine.ask("last german troops leave gao month")  # "month" asks when
    assert "12 December 2023" in _visible(last)


@pytest.mark.parametrize(
    ("question", "person", "others"),
    [
        ("Who was the first head of MINUSMA?", "Bert Koenders", ["Hamdi", "Annadif", "Wane"]),
        ("who was the last head of minusma", "El-Ghassim Wane", ["Koenders", "Hamdi"]),
    ],
)
def test_the_first_or_last_head_is_one_person(engine: Engine, question, person, others):
    line = _visible(engine.ask(question)).splitlines()[0]
    assert person in line and not any(o in line for o in others)


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Which resolution ended the mission?", "en"),
     ("quelle résolution a mis fin à la MINUSMA ?", "fr")],
)
def test_which_resolution_names_its_number_in_the_first_line(engine: Engine, question, lang):
    line = _visible(engine.ask(question), lang).splitlines()[0]
    assert "2690" in line


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [
        ("When did MINUSMA leave Gao?", "en", "22 July 2024"),
        ("quand la minusma a quitté gao", "fr", "22 juillet 2024"),
        ("When did the last peacekeepers leave Gao?", "en", "22 July 2024"),
    ],
)
def test_leaving_gao_is_the_last_closing_of_gao_not_a_hangar(engine: Engine, question, lang,
                                                             fact):
    answer = engine.ask(question)
    assert answer.is_answer and fact in _visible(answer, lang), render_plain(answer)


def test_a_count_written_in_a_headline_can_be_asked(engine: Engine):
    answer = engine.ask("how many ivorian soldiers were arrested at bamako airport")
    assert answer.is_answer and "49" in _visible(answer)


@pytest.mark.parametrize(
    "question",
    ["Merci beaucoup !", "Bonsoir, j'ai une question", "ok thanks a lot", "hello, how are you?",
     "👍", "🙏🙏", ":)", "thx!!"],
)
def test_small_talk_gets_a_friendly_reply_never_a_fact(engine: Engine, question):
    answer = engine.ask(question)
    assert answer.kind == "smalltalk" and not answer.items


@pytest.mark.parametrize(
    "question",
    ["When was Bamako founded?", "who is the president of France?"],
)
def test_questions_beside_the_mission_state_no_fact(engine: Engine, question):
    assert not engine.ask(question).is_answer


@pytest.mark.parametrize(
    "question",
    ["when was minusma's mandate renewed in 2025", "renouvellement du mandat de la minusma en 2026",
     "when did minusma close a camp in 2025"],
)
def test_a_question_after_the_mission_ended_explains_why_nothing_happened(engine: Engine,
                                                                          question):
    answer = engine.ask(question)
    assert not answer.is_answer and answer.headline is not None
    assert answer.headline.key == "after-the-end"


@pytest.mark.parametrize(
    "tail", [";", ";)", " ;)", " <3", " $", " *", " --", "!!", "??", " :-)", " :D", " ^^",
             " ...", " !?", " =)", " ;-)", " xD", " :P", "?!", " 🙏", " <33"],
)
def test_a_stray_character_never_turns_a_question_into_junk(engine: Engine, tail):
    answer = engine.ask("When did MINUSMA leave Kidal" + tail)
    assert answer.is_answer and "31 October 2023" in _visible(answer), tail


@pytest.mark.parametrize(
    ("question", "lang", "line"),
    [
        ("mongi hamdi from which country", "en", "Mongi Hamdi's country: Tunisia."),
        ("annadif il venait de quel pays", "fr",
         "Pays d'origine de Mahamat Saleh Annadif : Tchad."),
        ("where was Koenders from", "en", "Bert Koenders's country: Netherlands."),
    ],
)
def test_where_a_leader_came_from_is_the_country_of_their_own_office(engine: Engine, question,
                                                                     lang, line):
    assert _visible(engine.ask(question), lang).splitlines()[0] == line


@pytest.mark.parametrize(
    ("question", "fact"),
    [("when did operation serval start", "11 January 2013"),
     ("takuba end date mali", "30 June 2022")],
)
def test_naming_a_national_force_is_naming_its_story(engine: Engine, question, fact):
    assert fact in _visible(engine.ask(question))


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("when did mali ask minusma to leave", "en", "16 June 2023"),
     ("quand le mali a-t-il demandé le départ de la minusma", "fr", "16 juin 2023")],
)
def test_a_why_entry_phrased_like_a_when_question_does_not_answer_it(engine: Engine, question,
                                                                     lang, fact):
    assert _visible(engine.ask(question), lang).startswith(fact)


def test_how_many_in_total_is_the_missions_toll(engine: Engine):
    assert "311" in _visible(engine.ask("how many peacekeepers died in total")).splitlines()[0]


def test_a_place_alone_does_not_answer_what_the_question_asks_about_it(engine: Engine):
    """"Who built the Bourem bridge?" is not answered with an attack on Bourem: the entry must
    cover the question, not only its place, to pass the lower bars of the decision."""
    assert not engine.ask("who built the bourem bridge").is_answer


@pytest.mark.parametrize(
    ("question", "lang", "line"),
    [("how many civilians were killed in 2022", "en", "In 2022: 1,277."),
     ("combien de civils tués en 2022", "fr", "En 2022 : 1\u202f277."),
     ("how many people were killed in 2017", "en",
      "In 2017: 7 / 21, depending on the source and what it counts.")],
)
def test_a_yearly_toll_counts_whom_the_question_names(engine: Engine, question, lang, line):
    assert _visible(engine.ask(question), lang).splitlines()[0] == line


@pytest.mark.parametrize(
    ("question", "fact"),
    [("how many years was annadif head of the mission", "5 years"),
     ("how many days between the ogossagou and ber closures", "10 days"),
     ("how long was koenders head of mission", "1 year and 4 months")],
)
def test_how_long_is_worked_out_from_the_dates(engine: Engine, question, fact):
    answer = engine.ask(question)
    assert answer.kind == "derived" and fact in _visible(answer).splitlines()[0]


@pytest.mark.parametrize("question", [
    "Who was in command of the UN troops in Mali when the mission wound up?",
    "Quand le Bundestag a-t-il prolongé le mandat allemand au Mali pour la dernière fois ?"])
def test_a_derivation_needs_what_it_works_from(engine: Engine, question):
    """"When the mission wound up" names no event to date a holder by; the Bundestag's
    mandate is Germany's, not one of the Council's renewals."""
    answer = engine.ask(question)
    assert answer.kind != "derived"


def test_a_years_deaths_are_not_one_attacks_toll(engine: Engine):
    """A casualties overview ("19 or 28 killed in 2021") gives no attack's toll."""
    line = _visible(engine.ask("Which attack killed the most peacekeepers in 2021?"))
    assert "7 killed" in line.splitlines()[0]


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [("qui a revendiqué l'attaque du camp de kidal le 12 février 2016", "fr", "Ansar Dine"),
     ("qui a revendiqué l'attentat de kidal du 14 décembre 2013", "fr", "Sultan Ould Badi")],
)
def test_the_sentence_that_answers_comes_first(engine: Engine, question, lang, fact):
    """Who claimed an attack sits late in its summary: the answer moves that sentence up, so
    the reader sees it without opening anything (the other sentences follow, in order)."""
    answer = engine.ask(question)
    assert answer.kind == "fact" and fact in _visible(answer, lang)


def test_the_ends_of_a_road_are_where_it_happened_not_what_it_is_about(engine: Engine):
    """"Between Douentza and Sévaré" places an IED on a road; the entry about it is dated
    and counted, though it names the two towns only in passing."""
    q = engine.lexicon.parse("combien de casques bleus togolais tués par un engin explosif "
                             "entre douentza et sévaré en décembre 2021")
    assert {e.phrase for e in q.entities if e.kind == "place" and not e.hard} >= {
        "douentza", "sevare"}
    assert "7" in _visible(engine.ask(q.raw), "fr").splitlines()[0]


def test_a_report_tells_of_what_happened_before_it_came_out(engine: Engine):
    """The Ogossagou findings of March 2020 are about February 2020: not "another date"."""
    q = engine.lexicon.parse("ogossagou findings february 2020")
    best = engine.ranker.rank(q)[0]
    assert best.id == "ogossagou-2020-findings" and "date differs" not in best.notes


def test_a_person_named_as_the_source_of_a_figure_is_not_its_subject(engine: Engine):
    """"According to Wane" says who counted, not what the toll is about."""
    q = engine.lexicon.parse("how many peacekeepers did minusma lose in 2022 according to wane")
    assert q.entities and not q.hard_entities
    assert "26" in _visible(engine.ask(q.raw)).splitlines()[0]
