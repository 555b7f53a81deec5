import datetime as dt

from bot import derive
from bot.dates import DateSpan
from bot.models import PartialDate
from bot.store import FigureRow, Tenure

HEADS = [
    Tenure("a1", "head-of-mission", "ann", "Ann", False, "2013-05-01"),
    Tenure("a2", "head-of-mission", "ann", "Ann", False, "2013-07-01"),  # took office later
    Tenure("b1", "head-of-mission", "bob", "Bob", True, "2014-10-01"),
    Tenure("c1", "head-of-mission", "cy", "Cy", False, "2015-01-20"),
    Tenure("f1", "force-commander", "fay", "Fay", False, "2013-07-01"),
]


def _year(year: int) -> DateSpan:
    return DateSpan(PartialDate(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def test_holders_follow_their_first_dated_entry():
    line = derive.holders(HEADS, "head-of-mission")
    assert [(h.name, h.first, h.acting) for h in line] == [
        ("Ann", "2013-05-01", False), ("Bob", "2014-10-01", True), ("Cy", "2015-01-20", False)]
    assert line[0].doc_ids == ("a1", "a2")


def test_successor_and_predecessor_cite_both_people():
    after = derive.neighbour(HEADS, "ann", None, "successor")
    assert after is not None and after.kind == "successor"
    # Bob only acted: the next one appointed, Cy, is named after him.
    assert [h.name for h in after.holders] == ["Ann", "Bob", "Cy"]
    assert {"a1", "a2", "b1"} <= set(after.doc_ids)
    before = derive.neighbour(HEADS, "cy", "head-of-mission", "predecessor")
    assert before is not None and before.holders[1].label() == "Bob (acting)"


def test_the_ends_of_the_line_say_so():
    first = derive.neighbour(HEADS, "ann", None, "predecessor")
    assert first is not None and first.kind == "no-predecessor"
    assert derive.neighbour(HEADS, "nobody", None, "successor") is None


def test_holder_at_a_date_includes_whoever_took_over_during_it():
    in_2014 = derive.holder_at(HEADS, "head-of-mission", _year(2014))
    assert in_2014 is not None and [h.name for h in in_2014.holders] == ["Ann", "Bob"]
    assert derive.holder_at(HEADS, "head-of-mission", _year(2012)) is None


def test_first_and_last_holders():
    assert derive.end_holder(HEADS, "head-of-mission", "first").holders[0].name == "Ann"
    assert derive.end_holder(HEADS, "head-of-mission", "last").holders[0].name == "Cy"
    assert derive.end_holder(HEADS, "police-commissioner", "last") is None


FIGURES = [
    FigureRow("attack-a", "killed", 9, "peacekeepers", "2014-10-03", "2014-10-03", None),
    FigureRow("attack-b", "killed", 10, "peacekeepers", "2019-01-20", "2019-01-20", None),
    FigureRow("attack-c", "killed", 10, "peacekeepers", "2019-05-01", "2019-05-01", None),
    FigureRow("toll-2022", "fatalities", 26, "peacekeepers", "2022-01-01", "2022-12-31", 2022),
    FigureRow("total", "fatalities", 311, "", "2013-04-25", "2024-12-31", None),
]


def test_largest_is_compared_over_the_allowed_entries_and_keeps_ties():
    found = derive.largest(FIGURES, frozenset({"killed"}))
    assert found is not None and found.value == 10 and found.compared == 3
    assert found.doc_ids == ("attack-b", "attack-c")
    only_2014 = derive.largest(FIGURES, frozenset({"killed"}), {"attack-a"})
    assert only_2014 is not None and only_2014.doc_ids == ("attack-a",)


def test_a_year_total_needs_a_figure_for_exactly_that_year():
    measures = frozenset({"killed", "fatalities"})
    found = derive.year_total(FIGURES, measures, _year(2022))
    assert found is not None and found.value == 26 and found.doc_ids == ("toll-2022",)
    # 2019 has two single attacks and the mission total covers it, but neither is 2019's total.
    assert derive.year_total(FIGURES, measures, _year(2019)) is None


def test_first_or_last_of_dated_entries_reports_how_many_were_compared():
    assert derive.first_or_last([], "first") is None


def test_a_tour_runs_from_taking_office_to_leaving_or_the_next_one_taking_it():
    """Named in March, in command from April; gone when the knowledge says so, else when the
    next one took over: the length counts the time in office, not from the announcement."""
    line = [
        Tenure("d1", "force-commander", "dee", "Dee", False, "2017-03-02"),  # named
        Tenure("d2", "force-commander", "dee", "Dee", False, "2017-04-11", "start"),
        Tenure("g1", "force-commander", "gus", "Gus", False, "2018-08-31"),  # named
        Tenure("g2", "force-commander", "gus", "Gus", False, "2018-10-02", "start"),
        Tenure("g3", "force-commander", "gus", "Gus", False, "2020-12-31", "end"),
        Tenure("k1", "force-commander", "kay", "Kay", True, "2021-06-01", "start"),
    ]
    dee = derive.tenure_length(line, "dee", None)
    assert dee is not None and dee.span == ("2017-04-11", "2018-10-02")
    assert dee.doc_ids == ("d2", "g2")
    assert derive.months_between(*dee.span) == 18  # 17 months and 21 days
    gus = derive.tenure_length(line, "gus", "force-commander")
    assert gus is not None and gus.span == ("2018-10-02", "2020-12-31")
    assert gus.doc_ids == ("g2", "g3")
    # Between Gus leaving and Kay acting, nobody held the post: not Gus.
    gap = DateSpan(PartialDate(2021, 3), dt.date(2021, 3, 1), dt.date(2021, 3, 31))
    assert derive.holder_at(line, "force-commander", gap) is None
    # In March 2017, Dee was named but not yet in command.
    named = DateSpan(PartialDate(2017, 3), dt.date(2017, 3, 1), dt.date(2017, 3, 31))
    assert derive.holder_at(line[:1] + line[1:], "force-commander", named) is None


def test_months_are_counted_to_the_nearest_whole_month():
    assert derive.months_between("2017-04-11", "2018-10-02") == 18
    assert derive.months_between("2013-07-01", "2014-10-17") == 16
    assert derive.months_between("2016-01-15", "2021-04-01") == 63  # 5 years, 2 months, 17 days
    assert derive.months_between("2020-01-31", "2020-02-29") == 1
