import datetime as dt

import pytest

from bot.models import PartialDate


@pytest.mark.parametrize(
    ("value", "iso", "precision", "human"),
    [
        ("2023-10-31", "2023-10-31", "day", "31 October 2023"),
        (dt.date(2013, 7, 1), "2013-07-01", "day", "1 July 2013"),
        ("2023-11", "2023-11", "month", "November 2023"),
        ("2014", "2014", "year", "2014"),
    ],
)
def test_partial_dates_keep_their_precision(value, iso, precision, human):
    date = PartialDate.parse(value)
    assert (date.iso, date.precision, date.human()) == (iso, precision, human)


@pytest.mark.parametrize("value", ["2023-13", "2023-02-30", "31/10/2023", "", "20233", 2023])
def test_bad_dates_are_refused(value):
    with pytest.raises(ValueError):
        PartialDate.parse(value)


def test_month_spans_its_days():
    date = PartialDate.parse("2024-02")
    assert (date.first_day(), date.last_day()) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_a_budget_figure_covers_its_un_budget_year_july_to_june():
    from pydantic import TypeAdapter, ValidationError

    from bot.models import Figure

    adapter = TypeAdapter(Figure)
    figure = adapter.validate_python({"what": "budget-usd", "value": 1, "period": "2014/15"})
    assert figure.span() == ("2014-07-01", "2015-06-30")
    assert adapter.validate_python({"what": "killed", "value": 1, "year": 2017}).span() == (
        "2017-01-01", "2017-12-31")
    for bad in ({"period": "2014/16"}, {"period": "2014-15"},
                {"period": "2014/15", "year": 2014}):
        with pytest.raises(ValidationError):
            adapter.validate_python({"what": "budget-usd", "value": 1, **bad})
