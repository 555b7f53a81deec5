"""Finding dates in questions: "22 November 2023", "November 22, 2023", "2023-11-22",
"22/11/2023", "décembre 2023", "in 2014", in English and French."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from bot.models import PartialDate
from bot.text import light_fold

_MONTH_NAMES = {
    1: ["january", "jan", "janvier", "janv"],
    2: ["february", "feb", "fevrier", "fev", "fevr"],
    3: ["march", "mar", "mars"],
    4: ["april", "apr", "avril", "avr"],
    5: ["may", "mai"],
    6: ["june", "jun", "juin"],
    7: ["july", "jul", "juillet", "juil"],
    8: ["august", "aug", "aout"],
    9: ["september", "sep", "sept", "septembre"],
    10: ["october", "oct", "octobre"],
    11: ["november", "nov", "novembre"],
    12: ["december", "dec", "decembre"],
}
_SEASONS = {"spring": 3, "printemps": 3, "summer": 6, "ete": 6, "autumn": 9, "fall": 9,
            "automne": 9}  # the first month of each
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_M = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_D = r"(\d{1,2})(?:st|nd|rd|th|er|eme)?"
_Y = r"((?:19|20)\d{2})"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # A UN fiscal year, 1 July to 30 June: "2019/20", "2019-2020", "2019/2020".
    (re.compile(rf"\b{_Y}\s*[/-]\s*((?:19|20)?\d{{2}})\b(?!\s*[/-]\s*\d)"), "fy"),
    (re.compile(rf"\b{_Y}-(\d{{1,2}})-(\d{{1,2}})\b"), "ymd"),
    (re.compile(rf"\b(\d{{1,2}})[/.](\d{{1,2}})[/.]{_Y}\b"), "dmy"),
    (re.compile(rf"\b{_D}\s+(?:of\s+)?{_M}\s*,?\s+{_Y}\b"), "d m y"),
    (re.compile(rf"\b{_M}\s+{_D}\s*,?\s+{_Y}\b"), "m d y"),
    (re.compile(rf"\b{_M}\s*,?\s+{_Y}\b"), "m y"),
    # A season of a year ("autumn 2023", "l'été 2022"): its three months, as the northern
    # calendar counts them; winter straddles two years and is left to the year alone.
    (re.compile(rf"\b(spring|summer|autumn|fall|printemps|ete|automne)\s+(?:of\s+|de\s+|d\s+|"
                rf"en\s+)?{_Y}\b"), "season y"),
    (re.compile(rf"\b{_Y}-(\d{{2}})\b"), "ym"),
    (re.compile(rf"\b{_Y}\b"), "y"),
]


@dataclass(frozen=True)
class DateSpan:
    """A stretch of days a question asks about, with how precisely it was given."""

    date: PartialDate
    first: dt.date
    last: dt.date

    @property
    def precision(self) -> str:
        return self.date.precision

    def label(self) -> str:
        return self.date.human()


# Years a question can mean; a larger number after "20" is a resolution ("resolution 2085").
YEARS = range(1950, 2036)


def _span(year: int, month: int | None = None, day: int | None = None) -> DateSpan | None:
    if year not in YEARS:
        return None
    try:
        if month is None:
            date = PartialDate(year)
            return DateSpan(date, dt.date(year, 1, 1), dt.date(year, 12, 31))
        if day is None:
            date = PartialDate(year, month)
            last = calendar.monthrange(year, month)[1]
            return DateSpan(date, dt.date(year, month, 1), dt.date(year, month, last))
        first = dt.date(year, month, day)
        return DateSpan(PartialDate(year, month, day), first, first)
    except (ValueError, calendar.IllegalMonthError):
        return None


def _fiscal(first: str, second: str) -> DateSpan | None:
    start = int(first)
    end = int(second) if len(second) == 4 else start // 100 * 100 + int(second)
    if end != start + 1 or start not in YEARS:
        return None
    return DateSpan(PartialDate(start), dt.date(start, 7, 1), dt.date(end, 6, 30))


def _from_match(shape: str, groups: tuple[str, ...]) -> DateSpan | None:
    if shape == "fy":
        return _fiscal(groups[0], groups[1])
    if shape == "ymd":
        return _span(int(groups[0]), int(groups[1]), int(groups[2]))
    if shape == "dmy":
        return _span(int(groups[2]), int(groups[1]), int(groups[0]))
    if shape == "d m y":
        return _span(int(groups[2]), MONTHS[groups[1]], int(groups[0]))
    if shape == "m d y":
        return _span(int(groups[2]), MONTHS[groups[0]], int(groups[1]))
    if shape == "m y":
        return _span(int(groups[1]), MONTHS[groups[0]])
    if shape == "season y":
        year, first = int(groups[1]), _SEASONS[groups[0]]
        if year not in YEARS:
            return None
        last = calendar.monthrange(year, first + 2)[1]
        return DateSpan(PartialDate(year), dt.date(year, first, 1),
                        dt.date(year, first + 2, last))
    if shape == "ym":
        return _span(int(groups[0]), int(groups[1]))
    return _span(int(groups[0]))


def find_dates(text: str) -> tuple[list[DateSpan], str]:
    """The dates a text names, most precise first, and the text with them blanked out."""
    folded = light_fold(text)
    found: list[DateSpan] = []
    for pattern, shape in _PATTERNS:
        def take(match: re.Match[str], shape: str = shape) -> str:
            span = _from_match(shape, match.groups())
            if span is not None:
                found.append(span)
            elif shape in ("y", "fy"):
                # Not a year we know of ("resolution 2085"), or not a fiscal year ("2019-06"):
                # left for the other shapes and for the question.
                return match.group(0)
            return " "  # an impossible date (31/02/2023) is dropped, not read as its year

        folded = pattern.sub(take, folded)
    return found, folded
