"""Answers read from the declared camps (bot/camps.py, knowledge/camps.toml)."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.render import render_visible


def _visible(answer, lang="en"):  # type: ignore[no-untyped-def]
    return render_visible(answer, lang=lang)


@pytest.mark.parametrize(
    ("question", "lang", "first_line"),
    [
        ("How many camps did MINUSMA have in the Kidal region?", "en",
         "Sites in the Kidal region: 3 of the mission's 13 (Tessalit camp, Aguelhok camp, "
         "Kidal camp)."),
        ("combien de camps dans la région de Tombouctou ?", "fr",
         "Sites dans la région de Tombouctou : 3 des 13 de la mission (camp de Ber, camp de "
         "Goundam, camp de Tombouctou)."),
        ("how many bases closed in october 2023", "en",
         "Sites closed in October 2023: 4 of the mission's 13 (Douentza camp, Tessalit camp, "
         "Aguelhok camp, Kidal camp)."),
        ("which camp closed last in the kidal region", "en",
         "The last of the mission's 3 sites in the Kidal region to close: Kidal camp, "
         "31 October 2023."),
        ("premier camp fermé dans la région de Mopti", "fr",
         "Le premier des 3 sites de la mission dans la région de Mopti à fermer : base "
         "temporaire d'Ogossagou, 3 août 2023."),
    ],
)
def test_camps_are_counted_and_ordered_from_the_declared_list(engine: Engine, question, lang,
                                                               first_line):
    """knowledge/camps.toml is the one list: a region's camps, those closed in a month, the
    first or last of them, each cited by the events that closed them."""
    answer = engine.ask(question)
    assert answer.kind == "derived" and answer.items
    assert all(item.citations for item in answer.items)
    assert _visible(answer, lang).splitlines()[0] == first_line


def test_a_place_without_a_camp_gets_no_camp_count(engine: Engine):
    """No camp in Ségou: no made-up count of zero, whatever else the bot says."""
    answer = engine.ask("How many camps did MINUSMA have in Ségou?")
    assert not (answer.headline and answer.headline.key == "camps-count")


@pytest.mark.parametrize(
    ("question", "lang", "line"),
    [("tessalit was which number base to close", "en",
      "Tessalit camp: the 5th or 6th of the mission's 13 sites to close, on 21 October 2023, "
      "the same day as Douentza camp."),
     ("kidal c'était le combientième camp fermé ?", "fr",
      "camp de Kidal : le 8e des 13 sites de la mission à fermer, le 31 octobre 2023.")],
)
def test_a_camps_rank_in_the_closings_shares_its_day(engine: Engine, question, lang, line):
    assert _visible(engine.ask(question), lang).splitlines()[0] == line
