"""Tolls written in an entry's own words ("four peacekeepers were wounded", "killing two
Egyptian peacekeepers"), read as figures when the entry gives none of that kind, so that "how
many wounded?" finds them (issue 21: figures in text become data).

Only killed and wounded are read, only from an event's English summary, and only where the
number and the verb stand within a few words of each other; anything else a summary counts
stays text. The index build calls `tolls`; curators who want a figure to be exact write it as
`figures` in the entry, which then takes precedence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import ENGLISH_TENS, ENGLISH_UNITS, fold

_WORDS = ENGLISH_UNITS[1:]
_TENS = ENGLISH_TENS
NUMBER_WORDS = {word: n for n, word in enumerate(_WORDS, start=1)}
NUMBER_WORDS.update({word: 20 + 10 * n for n, word in enumerate(_TENS)})
# "28", "four", "twenty eight" (folded from "twenty-eight")
_NUM = (r"(\d{1,4}|(?:" + "|".join(_TENS) + r")(?: (?:" + "|".join(_WORDS[:9]) + r"))?|"
        + "|".join(_WORDS) + r")")
_VERBS = {"killed": "killed", "dead": "killed", "died": "killed", "executed": "killed",
          "wounded": "wounded", "injured": "wounded", "hurt": "wounded"}
_VERB = "(" + "|".join(_VERBS) + ")"
# "four peacekeepers were wounded", "two Egyptian peacekeepers killed", "7 wounded"
_AFTER = re.compile(rf"\b{_NUM} ((?:[a-z]+ ){{0,3}}?)(?:(?:were|was|had been|have been) )?"
                    rf"(?:(?:seriously|badly|slightly|critically) )?{_VERB}\b")
# "killing two peacekeepers", "wounding at least ten"
_BEFORE = re.compile(rf"\b(killing|wounding|injuring) (?:at least |about |some )?{_NUM}"
                     rf"((?: [a-z]+){{0,2}})")
_GERUNDS = {"killing": "killed", "wounding": "wounded", "injuring": "wounded"}
# Words between a number and the verb that make it something else than a toll of people
# ("2 vehicles were damaged and ... wounded", "in 2 attacks ... killed").
_NOT_PEOPLE = frozenset("""attacks attack vehicles vehicle trucks truck rockets rocket shells
mortar mines mine ieds ied days weeks months years hours times kilometres km""".split())


@dataclass(frozen=True)
class Toll:
    what: str  # "killed" or "wounded"
    value: int
    who: str  # the words that say whose toll it is ("egyptian peacekeepers")


def _value(words: str) -> int:
    if words.isdigit():
        return int(words)
    return sum(NUMBER_WORDS[w] for w in words.split())


def tolls(text: str) -> list[Toll]:
    """The tolls a text states, in the order written, one per kind and number."""
    folded = fold(text)
    found: list[tuple[int, Toll]] = []
    for m in _AFTER.finditer(folded):
        who = m[2].strip()
        # "one of them later died": a part of a group counted elsewhere, not a toll
        if set(who.split()) & _NOT_PEOPLE or _is_year(m[1]) or who.startswith("of "):
            continue
        found.append((m.start(), Toll(_VERBS[m[3]], _value(m[1]), who)))
    for m in _BEFORE.finditer(folded):
        who = re.sub(r" (?:and|of|in|on|at)$", "", m[3].strip())
        if set(who.split()) & _NOT_PEOPLE or _is_year(m[2]):
            continue
        found.append((m.start(), Toll(_GERUNDS[m[1]], _value(m[2]), who)))
    seen: set[tuple[str, int]] = set()
    result = []
    for _, toll in sorted(found, key=lambda pair: pair[0]):
        if (toll.what, toll.value) not in seen:
            seen.add((toll.what, toll.value))
            result.append(toll)
    return result


def _is_year(word: str) -> bool:
    return word.isdigit() and len(word) == 4 and word[:2] in ("19", "20")
