"""Ranking rules that decide which figure or entry may answer, tested on the real knowledge."""

import pytest

from bot.engine import Engine
from bot.rank import _is_total, _is_yearly, _kind_terms
from bot.store import FigureRow


def figure(first: str, last: str, *, what: str = "fatalities", kind: str = "casualties"
           ) -> FigureRow:
    return FigureRow("doc", what, 10, "peacekeepers", first, last, None, kind=kind)


@pytest.mark.parametrize(
    ("first", "last", "yearly"),
    [
        ("2019-01-01", "2019-12-31", True),  # a whole calendar year
        ("2013-07-01", "2023-12-31", False),  # the whole mission
        ("2019-01-01", "2019-06-30", False),  # half a year
    ],
)
def test_a_figure_is_yearly_when_it_spans_a_calendar_year(first, last, yearly):
    assert _is_yearly(figure(first, last)) is yearly


def test_a_figure_given_a_year_is_stored_over_that_year(engine: Engine):
    given = [f for fs in engine.ranker.figures.values() for f in fs if f.year is not None]
    assert given and all(_is_yearly(f) and f.first.startswith(str(f.year)) for f in given)


def test_an_attack_toll_is_not_a_period_total():
    assert _is_total(figure("2019-01-20", "2019-01-20", what="killed", kind="casualties"))
    assert not _is_total(figure("2019-01-20", "2019-01-20", what="killed", kind="attack"))


def test_a_question_without_a_date_does_not_take_one_years_total(engine: Engine):
    q = engine.lexicon.parse("How many peacekeepers died in MINUSMA?")
    assert not engine.ranker.figure_fits(q, figure("2019-01-01", "2019-12-31"))
    assert engine.ranker.figure_fits(q, figure("2013-07-01", "2023-12-31"))


def test_a_years_question_takes_that_years_total_only(engine: Engine):
    q = engine.lexicon.parse("How many peacekeepers were killed in 2019?")
    assert engine.ranker.figure_fits(q, figure("2019-01-01", "2019-12-31"))
    assert not engine.ranker.figure_fits(q, figure("2018-01-01", "2018-12-31"))
    assert not engine.ranker.figure_fits(q, figure("2019-01-20", "2019-01-20", what="killed",
                                                   kind="attack"))


def test_kind_words_stand_for_the_kinds_they_define():
    # a handover answers "when did MINUSMA leave" though it never says "leave"
    assert _kind_terms(("closure",), "handover") == {"closed", "handed", "withdrawal"}
    # "appointed" stands for an appointment only, not any change at the top
    assert _kind_terms(("leadership",), "appointment") == {"head", "commander", "appointed"}
    assert _kind_terms(("leadership",), "leadership") == {"head", "commander"}
    assert not _kind_terms(("closure",), "attack")
    assert not _kind_terms((), "handover")


def test_leaving_a_named_force_or_radio_is_not_held_to_the_camp_kinds(engine):
    """"When did Mikado FM close?", "Sweden's parliament approved the withdrawal": their
    entries are statements and politics, not camp closures, and are not marked down for it."""
    for question in ("mikado fm a fermé officiellement quel jour",
                     "quand le parlement suédois a-t-il approuvé le retrait de ses soldats"):
        q = engine.lexicon.parse(question)
        best = engine.ranker.rank(q)[0]
        assert not any(note.endswith("not a camp-closure") for note in best.notes)
    q = engine.lexicon.parse("when did minusma leave kidal")
    assert engine.ranker.rank(q)[0].id == "kidal-closure"
