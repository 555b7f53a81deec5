"""Tolls written in an entry's own words, read as figures (bot/textfigures.py)."""

from __future__ import annotations

from bot.textfigures import tolls


def test_a_toll_written_in_a_summary_is_read_with_whose_it_is():
    assert [(t.what, t.value, t.who) for t in tolls(
        "The convoy was attacked twice and four peacekeepers were wounded.")] == [
        ("wounded", 4, "peacekeepers")]
    assert [(t.what, t.value) for t in tolls(
        "killing two peacekeepers and wounding at least ten")] == [("killed", 2), ("wounded", 10)]


def test_a_part_of_a_group_a_year_or_things_are_no_toll():
    assert [(t.what, t.value) for t in tolls(
        "Twenty-eight Togolese peacekeepers were injured, and one of them later died")] == [
        ("wounded", 28)]  # "one of them" is part of a group already counted
    assert tolls("In 2 attacks, rockets were fired; 3 vehicles were hurt") == []
    assert tolls("the 2019 peacekeepers were killed") == []  # a year, not a count


def test_a_toll_in_a_summary_is_indexed_only_where_the_entry_gives_no_figure(engine):
    """Ber, August 2023: "four peacekeepers were wounded" is in the summary, with no figure;
    Kerena gives its own wounded figure (27), which the text's 28 does not override."""
    figures = engine.ranker.figures
    assert [(f.what, f.value) for f in figures["ber-handover"]] == [("wounded", 4.0)]
    assert [f.value for f in figures["kerena-base-attack-2021-02-10"]
            if f.what == "wounded"] == [27.0]
