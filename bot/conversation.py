"""A conversation, not a search box: the last question of each chat, so that a follow-up
("and Gao?", "et en 2022 ?", "who came after him?", "and the wounded?") is read as the full
question it stands for.

People talk to a chat bot in turns. What is kept per chat (or per reply thread in a group) is
only what the next turn may lean on: the last question's text, its parsed frame (entities,
dates, answer type, topics), the language it was answered in, and the people and places of
the answer. Nothing about who asked; never written to disk; bounded in number and forgotten
after a few minutes of silence, when a new message is more likely a new subject.

A follow-up is rewritten into a whole question and then asked like any other, so the engine
never needs to know about turns. A question that stands on its own ignores the state.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.i18n import Lang, human_date
from bot.language import detect, reply_language
from bot.models import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.query import Question

MAX_CONVERSATIONS = 10_000  # about 2 MB of frames at most
SILENCE_SECONDS = 300.0  # after five quiet minutes, a short message is a new subject
# A follow-up is short; a longer text is a question of its own even after "and".
MAX_FOLLOW_UP_WORDS = 6
MAX_MEASURED_WORDS = 30
# Texts that carry no frame of their own and must not replace the one kept ("thanks", "👍").
_NO_FRAME = ("smalltalk", "junk", "empty")


@dataclass(frozen=True)
class Turn:
    """What the next message may lean on."""

    question: str  # as asked, or as rewritten from a follow-up: always a whole question
    frame: Question
    lang: Lang
    people: tuple[str, ...] = ()  # of the answer's first entry: whom "him" or "her" means
    places: tuple[str, ...] = ()


class Conversations:
    """The last turn per key (a private chat's id, or a group and the bot's message a reply
    answers), most recent last; the oldest are dropped beyond `size`, and any older than
    `silence` seconds is forgotten when looked up."""

    def __init__(self, size: int = MAX_CONVERSATIONS, silence: float = SILENCE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.silence = silence
        self._clock = clock
        self._turns: OrderedDict[Hashable, tuple[float, Turn]] = OrderedDict()

    def get(self, key: Hashable) -> Turn | None:
        found = self._turns.get(key)
        if found is None:
            return None
        at, turn = found
        if self._clock() - at >= self.silence:
            del self._turns[key]
            return None
        return turn

    def remember(self, key: Hashable, turn: Turn) -> None:
        self._turns[key] = (self._clock(), turn)
        self._turns.move_to_end(key)
        while len(self._turns) > self.size:
            self._turns.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._turns.pop(key, None)

    def __len__(self) -> int:
        return len(self._turns)


# --- Reading a follow-up ---------------------------------------------------------------------

# What opens a follow-up: "and", "what about", "et", "et pour", "qu'en est-il de"... Matched on
# the lower-cased text with straight apostrophes.
_OPENERS = re.compile(
    r"^(?:and\s+what\s+about|and\s+how\s+about|what\s+about|how\s+about|and\s+for|"
    r"same\s+(?:question\s+)?for|what\s+of|and\s+also|and|also|"
    r"et\s+qu'en\s+est-il\s+(?:de\s+la|de\s+l'|des|du|de|d')|qu'en\s+est-il\s+(?:de\s+la|"
    r"de\s+l'|des|du|de|d')|et\s+concernant|(?:même|meme)\s+question\s+pour|pareil\s+pour|"
    r"et\s+pour|et|&)(?:\s+|$)")
# A date follow-up may open on its preposition alone: "in 2022?", "en mars 2023 ?".
_DATE_OPENER = re.compile(r"^(?:in|on|during|for|en|le|au|pendant|durant|pour|after|before|"
                          r"après|apres|avant)\s")
_ARTICLES = re.compile(r"^(?:the|les|le|la|l'|des)\s*", re.IGNORECASE)
_PRONOUN_EN = re.compile(r"\b(?:him|her|he|she|his)\b", re.IGNORECASE)
_PRONOUN_FR = re.compile(r"(?:\blui\b|\bl'|-t-il\b|-il\b|-t-elle\b|-elle\b|\bil\b|\belle\b|"
                         r"\bson\b|\bsa\b)", re.IGNORECASE)
_AFTER = re.compile(r"\b(?:after|succeeded|succeed|successor|next|replaced|followed|"
                    r"après|apres|succédé|succede|succédé|successeur|remplacé|remplace|"
                    r"suivant)\b", re.IGNORECASE)
_BEFORE = re.compile(r"\b(?:before|preceded|precede|predecessor|previous|avant|précédé|"
                     r"precede|prédécesseur|predecesseur|précédent|precedent)\b",
                     re.IGNORECASE)
# "Who did he replace?" asks the other way from "who replaced him?".
_DID_REPLACE = re.compile(r"\b(?:did\s+(?:he|she)\s+replace|a-t-(?:il|elle)\s+remplacé)\b",
                          re.IGNORECASE)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|"
           "septembre|octobre|novembre|décembre|decembre")
# A date as written in a question, with its preposition: what a new date replaces.
_DATE_TEXT = re.compile(
    r"(?:\b(?:in|on|during|for|after|before|since|en|le|au|pendant|durant|pour|après|avant|"
    r"depuis)\s+)?(?:(?:the\s+)?\d{1,2}(?:er|st|nd|rd|th)?\s+)?"
    rf"(?:(?:{_MONTHS})\s+(?:of\s+|de\s+)?)?\b(?:19|20)\d\d(?:\s*[/-]\s*\d\d(?:\d\d)?)?\b",
    re.IGNORECASE)
_RELATIONS: dict[tuple[str, Lang], str] = {
    ("after", "en"): "Who succeeded {name}?",
    ("after", "fr"): "Qui a succédé à {name} ?",
    ("before", "en"): "Who preceded {name}?",
    ("before", "fr"): "Qui a précédé {name} ?",
}


def _opened(text: str) -> tuple[bool, str]:
    """Whether the text opens like a follow-up, and the rest without its opener and its
    closing question mark."""
    plain = " ".join(text.replace("’", "'").split()).rstrip(" ?!.…")
    found = _OPENERS.match(plain.casefold())
    if found is None:
        return False, plain
    return True, plain[found.end():].strip(" ,")


def _date_phrase(span_iso: str, precision: str, direction: str, lang: Lang) -> str:
    """A date as a question says it: "in 2022", "en mars 2023", "on 5 March 2023"."""
    when = human_date(span_iso, lang)
    if direction == "after":
        return f"{'après' if lang == 'fr' else 'after'} {when}"
    if direction == "before":
        return f"{'avant' if lang == 'fr' else 'before'} {when}"
    if precision == "day":
        return f"{'le' if lang == 'fr' else 'on'} {when}"
    return f"{'en' if lang == 'fr' else 'in'} {when}"


def _with_date(question: str, phrase: str, lang: Lang) -> str:
    """The question with its date replaced by `phrase`, or `phrase` added at its end."""
    if _DATE_TEXT.search(question):
        return _DATE_TEXT.sub(phrase, question, count=1)
    bare = question.rstrip(" ?!.")
    return f"{bare} {phrase} ?" if lang == "fr" else f"{bare} {phrase}?"


def _replace_word(text: str, old: str, new: str) -> str | None:
    found = re.search(rf"(?<!\w){re.escape(old)}(?!\w)", text, re.IGNORECASE)
    if found is None:
        return None
    return text[:found.start()] + new + text[found.end():]


def _about_person(text: str, last: Turn, lang: Lang) -> str | None:
    """"who came after him?", "qui lui a succédé ?", "and before?": the last answer's person
    named, with the relation asked."""
    if not last.people:
        return None
    name = last.people[0]
    before = bool(_BEFORE.search(text)) or bool(_DID_REPLACE.search(text))
    after = bool(_AFTER.search(text)) and not before
    if before or after:
        return _RELATIONS[("before" if before else "after", lang)].format(name=name)
    if lang == "en" and _PRONOUN_EN.search(text):
        def named(found: re.Match[str]) -> str:
            return f"{name}'s" if found[0].casefold() == "his" else name
        return _PRONOUN_EN.sub(named, text)
    return None


def follow_up(text: str, last: Turn | None, parse: Callable[[str], Question],
              lang: Lang | None = None) -> str | None:
    """The whole question a follow-up stands for, or None when `text` stands on its own (or
    there is nothing to follow)."""
    if last is None or len(text.split()) > MAX_FOLLOW_UP_WORDS + 3:
        return None
    lang = lang or detect(text) or last.lang
    opened, rest = _opened(text)
    if not rest and not opened:
        return None
    own = parse(rest) if rest else None
    words = rest.split()
    if len(words) > MAX_FOLLOW_UP_WORDS:
        return None
    has_pronoun = bool(_PRONOUN_EN.search(text) if lang == "en" else _PRONOUN_FR.search(text))
    bare_relation = opened and rest.casefold().strip() in (
        "after", "before", "après", "apres", "avant", "after him", "before him",
        "après lui", "avant lui", "after her", "before her", "après elle", "avant elle")
    if (has_pronoun or bare_relation) and (own is None or not own.entities):
        person = _about_person(text, last, lang)
        if person is not None:
            return person
    if own is None or own.intent in _NO_FRAME or own.answer_type is not None:
        return None
    if own.entities and not own.topics and not own.unknown and (
            opened or _DATE_OPENER.match(rest.casefold())):
        rewritten: str | None = last.question
        for entity in own.entities:
            same = [e for e in last.frame.entities if e.kind == entity.kind
                    and e.phrase not in {n.phrase for n in own.entities}]
            if not same or rewritten is None:
                return None
            rewritten = _replace_word(rewritten, same[0].typed, entity.typed)
        if rewritten is None:
            return None
        for span in own.dates:
            rewritten = _with_date(rewritten, _date_phrase(span.date.iso, span.precision,
                                                           own.direction, last.lang), last.lang)
        return rewritten
    if own.dates and not own.entities and not own.topics and (
            opened or _DATE_OPENER.match(rest.casefold())):
        span = own.dates[0]
        return _with_date(last.question, _date_phrase(span.date.iso, span.precision,
                                                      own.direction, last.lang), last.lang)
    if opened and (own.topics or own.measures) and not own.entities and not own.dates and (
            last.frame.answer_type == "how_many" or last.frame.measures):
        # "and the wounded?" after "how many were killed?": the measure asked changes.
        asked = set(last.frame.measures) | {"killed", "wounded"}
        new = _ARTICLES.sub("", rest)
        # The measure's word as typed ("killed", "tués"): a whole question has few words.
        for word in re.findall(r"[\w'-]+", last.question)[:MAX_MEASURED_WORDS]:
            if len(word) > 2 and any(t.text in asked for t in parse(word).terms):
                return _replace_word(last.question, word, new)
    return None


# --- One turn ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One question and its answer, as a turn of a conversation."""

    asked: str  # what the person typed
    question: str  # the whole question asked of the engine
    frame: Question
    answer: Answer
    lang: Lang
    turn: Turn | None  # what the next message may lean on; None for "thanks" and the like

    @property
    def rewritten(self) -> bool:
        return self.question != self.asked


def subjects_of(engine: Engine, answer: Answer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The people and places of the answer's first entry: whom "him" points to."""
    for item in answer.items[:1]:
        doc = engine.store.doc(item.doc_id) if item.doc_id else None
        if doc is not None:
            entry = doc.entry
            return tuple(entry.people), tuple(entry.places)
    return (), ()


def subject_of(frame: Question, lang: Lang) -> str:
    """What a question is about, to name in a "which one?": the places, people and countries
    it names as typed, else its period."""
    names = [e.typed for e in frame.entities if e.typed]
    if names:
        return ", ".join(dict.fromkeys(names))
    if frame.dates:
        return human_date(frame.dates[0].date.iso, lang)
    return ""


def converse(engine: Engine, memory: Conversations, key: Hashable | None, text: str, *,
             user_language: str | None = None, list_limit: int | None = None,
             forced: Lang | None = None, remember: bool = True) -> Exchange:
    """Answer `text` as the next turn of the conversation at `key` (None: none, as in inline
    mode), and remember it there unless told not to (a group's next key is the answer's own
    message, known once it is sent)."""
    last = memory.get(key) if key is not None else None
    said = detect(text)
    full = follow_up(text, last, engine.lexicon.parse, forced or said)
    question = full or text
    frame = engine.lexicon.parse(question)
    answer = (engine.answer(frame) if list_limit is None
              else engine.answer(frame, list_limit=list_limit))
    if forced is not None:
        lang: Lang = forced
    elif full is not None and last is not None:
        lang = said or last.lang  # "and Gao?" keeps the language of the conversation
    else:
        lang = reply_language(text, user_language)
    turn = None
    if frame.intent not in _NO_FRAME:
        people, places = subjects_of(engine, answer)
        if not people and last is not None and full is not None:
            people = last.people  # "and before him?" twice over stays on the same line
        turn = Turn(question, frame, lang, people, places)
        if key is not None and remember:
            memory.remember(key, turn)
    return Exchange(text, question, frame, answer, lang, turn)


def chose(engine: Engine, memory: Conversations, key: Hashable | None, answer: Answer,
          into: Hashable | None = None) -> None:
    """A choice was tapped: the conversation goes on about what was chosen ("who came after
    him?" means that entry's person), at `into` (a group's new answer) or where it was."""
    last = memory.get(key) if key is not None else None
    if last is None:
        return
    people, places = subjects_of(engine, answer)
    memory.remember(key if into is None else into,
                    Turn(last.question, last.frame, last.lang, people or last.people,
                         places or last.places))
