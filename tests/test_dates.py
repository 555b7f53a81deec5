import datetime as dt

import pytest

from bot.dates import find_dates


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("what happened on 22 November 2023?", dt.date(2023, 11, 22), dt.date(2023, 11, 22)),
        ("November 22, 2023", dt.date(2023, 11, 22), dt.date(2023, 11, 22)),
        ("on 2023-11-22", dt.date(2023, 11, 22), dt.date(2023, 11, 22)),
        ("le 22/11/2023", dt.date(2023, 11, 22), dt.date(2023, 11, 22)),
        ("le 8 décembre 2023", dt.date(2023, 12, 8), dt.date(2023, 12, 8)),
        ("what happened in December 2023?", dt.date(2023, 12, 1), dt.date(2023, 12, 31)),
        ("in 2014", dt.date(2014, 1, 1), dt.date(2014, 12, 31)),
    ],
)
def test_dates_are_found_in_english_and_french(text, first, last):
    spans, _ = find_dates(text)
    assert (spans[0].first, spans[0].last) == (first, last)


def test_dates_are_blanked_out_of_the_rest_of_the_question():
    spans, rest = find_dates("What happened at Kidal in February 2016?")
    assert spans[0].label() == "February 2016"
    assert "2016" not in rest and "kidal" in rest


@pytest.mark.parametrize("text", ["resolution 2690", "31/02/2023", "no date here", "13 sites"])
def test_non_dates_are_left_alone(text):
    assert find_dates(text)[0] == []


def test_a_season_of_a_year_is_its_three_months():
    import datetime as dt

    from bot.dates import find_dates

    for text, first, last in [("trucks stuck in gao in autumn 2023", (2023, 9, 1), (2023, 11, 30)),
                              ("l'été 2022", (2022, 6, 1), (2022, 8, 31)),
                              ("spring of 2019", (2019, 3, 1), (2019, 5, 31))]:
        spans, _ = find_dates(text)
        assert [(s.first, s.last) for s in spans] == [(dt.date(*first), dt.date(*last))]
