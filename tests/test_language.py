"""The reply's language: the question's own, the user's as the tie-breaker, English last."""

import pytest

from bot.language import detect, reply_language


@pytest.mark.parametrize(("question", "expected"), [
    ("When did MINUSMA leave Kidal?", "en"),
    ("Quand la MINUSMA a-t-elle quitté Kidal ?", "fr"),
    ("combien de casques bleus sont morts", "fr"),
    ("c'était quand ?", "fr"),
    ("Qui était le chef de la mission en 2019 ?", "fr"),
    ("who was head of mission in 2019", "en"),
    ("what is a peacekeeper", "en"),
    ("résolution 2690", "fr"),
    ("merci", "fr"),
    ("thanks!", "en"),
])
def test_the_words_of_a_question_tell_its_language(question, expected):
    assert detect(question) == expected


@pytest.mark.parametrize("question", ["kidal", "Sévaré", "Tombouctou", "2023", "", "🙂",
                                      "resolution 2690"])
def test_names_numbers_and_emoji_tell_nothing(question):
    assert detect(question) is None


def test_the_users_telegram_language_breaks_a_tie():
    assert reply_language("kidal", "fr") == "fr"
    assert reply_language("kidal", "fr-CA") == "fr"
    assert reply_language("kidal", "de") == "en"
    assert reply_language("kidal", None) == "en"
    assert reply_language("When did MINUSMA leave Kidal?", "fr") == "en"  # the question wins
