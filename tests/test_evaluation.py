"""The strict judge (bot/evaluation.py): the fact in the visible answer, in either language."""

from bot.evaluation import Question, judge, states
from bot.models import Answer, Item, Topic


def _q(*expect: str, lang: str = "en") -> Question:
    return Question("q", "plain", expect, lang, canonical=True)


def test_canonical_dates_are_read_in_english_and_french():
    assert states("31 October 2023: MINUSMA leaves Kidal", _q("2023-10-31"))
    assert states("31 octobre 2023 : la MINUSMA quitte Kidal", _q("2023-10-31", lang="fr"))
    assert states("1er février 2014", _q("2014-02-01"))
    assert states("25–27 July 2024", _q("2024-07-25"))
    assert states("In October 2023 the camp closed", _q("2023-10"))
    assert not states("30 October 2023", _q("2023-10-31"))


def test_canonical_numbers_in_any_layout_and_words():
    assert states("13,289 military", _q("13289"))
    assert states("13 289 militaires", _q("13289"))
    assert states("Ten Chadian peacekeepers", _q("10"))
    assert states("$895.53 million", _q("895530000"))
    assert states("366,77 millions de dollars", _q("367000000"))
    assert not states("$376 million", _q("367000000"))
    assert not states("113,289", _q("13289"))
    assert states("Chadian troops", _q("Chad|Chadian"))
    # Spelled out beyond twenty, in either language.
    assert states("Twenty-eight Togolese peacekeepers were injured", _q("28"))
    assert states("Vingt-huit Casques bleus blessés", _q("28"))
    assert states("soixante-douze morts", _q("72"))
    assert not states("Twenty-eight", _q("82"))
    assert states("the 5th or 6th of 13 sites", _q("6|sixth"))
    assert states("le 8e des 13 sites", _q("8"))


def test_a_fact_only_among_choices_or_see_also_is_not_right():
    item = Item("31 October 2023: MINUSMA leaves Kidal", "The last peacekeepers left.", (),
                when="2023-10-31")
    shown = Answer("fact", "q", 0.9, None, (item,))
    assert judge(_q("2023-10-31"), shown).verdict == "right"
    elsewhere = Answer("fact", "q", 0.9, None,
                       (Item("Something else", "Nothing.", ()),),
                       topics=(Topic("kidal", "MINUSMA leaves Kidal", "2023-10-31"),))
    assert judge(_q("2023-10-31"), elsewhere).verdict == "wrong"
    asked = Answer("choice", "q", 0.5, None, choices=(Topic("kidal", "Kidal", "2023-10-31"),))
    assert judge(_q("2023-10-31"), asked).verdict == "asked"
