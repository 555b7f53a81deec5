"""Buttons within Telegram's limits, and what their data means."""

import pytest

from bot.models import Answer, Phrase, Topic
from bot.render import Rendered, tg_len
from bot.telegram.keyboards import (
    FeedbackPress,
    ListPress,
    PageCache,
    PagePress,
    PicturePress,
    TopicPress,
    answer_keyboard,
    fits,
    pager_row,
    parse,
    pressed,
    short_label,
    topic_buttons,
    topic_label,
)


def test_labels_are_cut_in_utf16_units():
    label = short_label("🙂" * 100)
    assert tg_len(label) <= 60 and label.endswith("…")
    assert short_label("Kidal") == "Kidal"


def test_callback_data_never_exceeds_64_bytes():
    long_id = Topic("x" * 70, "Long")
    assert topic_buttons([long_id], "fr") == []  # left out rather than rejected by Telegram
    rows = topic_buttons([Topic("kidal-closure", "MINUSMA leaves Kidal", "2023-10-31",
                                "La MINUSMA quitte Kidal")], "fr", "c")
    assert rows[0][0].callback_data == "c:fr:kidal-closure"
    assert rows[0][0].text == "La MINUSMA quitte Kidal (31 octobre 2023)"
    assert fits("p:" + "f" * 40 + ":999")


def test_button_data_is_parsed_into_typed_records_or_refused():
    assert parse("t:fr:kidal-closure", "en") == TopicPress("fr", "kidal-closure")
    assert parse("t:kidal-closure", "fr") == TopicPress("fr", "kidal-closure")  # older buttons
    assert parse("c:en:kidal-closure") == TopicPress("en", "kidal-closure", offered=True)
    assert parse("p:tl.fr:3", "en") == PagePress("tl.fr", 3)
    assert parse("p:0123456789abcdef:-", "en") == PagePress("0123456789abcdef", None)
    assert parse("f:1a2b:1", "fr") == FeedbackPress(0x1A2B, helpful=True)
    assert parse("g:fr:map") == PicturePress("fr", "map")
    assert parse("l:en:tl") == ListPress("en")
    for junk in ("", "zz", "p:", "p:x:y", "t:", "c:", "f:zz:1", "f:1a:2", None, 7):
        assert parse(junk, "en") is None


def test_presses_are_routed_by_their_kind():
    """What CallbackQueryHandler(pattern=...) calls: one kind each, nothing for junk."""
    assert pressed(TopicPress)("c:fr:kidal-closure")
    assert not pressed(PagePress)("c:fr:kidal-closure")
    assert pressed(FeedbackPress)("f:1a:0") and not pressed(FeedbackPress)("f:1a:2")
    assert not any(pressed(kind)("t:fr:KIDAL") for kind in (TopicPress, PagePress,
                                                              FeedbackPress, PicturePress,
                                                              ListPress))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_long_title_is_shortened_but_its_date_kept(lang):
    topic = Topic("x", "A very long title of an event in Gao that goes on and on about "
                       "hangars, convoys and the handover of a camp", "2023-12-12",
                  "Un très long titre d'un événement à Gao qui n'en finit pas de parler de "
                  "hangars, de convois et de la remise d'un camp")
    label = topic_label(topic, lang)
    assert tg_len(label) <= 60 and label.endswith(
        "(12 December 2023)" if lang == "en" else "(12 décembre 2023)")
    assert "…" in label


def test_one_strict_grammar_refuses_forged_data():
    """Anyone can send any callback data: Unicode digits, row ids beyond SQLite's integers,
    sequential page keys and absurd pages are refused, never a traceback."""
    for forged in ("p:tl.en:²", "p:tl.en:٣", "p:tl.en:03", "p:tl.en:99999", "p:1:2",
                   "p:0123456789abcdef0:1", "f:ffffffffffffffff:1", "f:1a:1:1", "t:../x",
                   "t:fr:KIDAL", "g:en:photo", "l:en:map", "c:de:kidal", "p:tl.en:1\n"):
        assert parse(forged, "en") is None, forged


def test_the_pager_shows_where_you_are_and_only_possible_moves():
    first = [b.callback_data for b in pager_row("k", 0, 3)]
    middle = [b.callback_data for b in pager_row("k", 1, 3)]
    last = [b.text for b in pager_row("k", 2, 3)]
    assert first == ["p:k:-", "p:k:1"] and middle == ["p:k:0", "p:k:-", "p:k:2"]
    assert last == ["◀", "3/3"]


def test_answer_keyboards_follow_the_kind_of_answer():
    topics = (Topic("a", "A"), Topic("b", "B"))
    choice = Answer("choice", "q", 0.8, choices=topics)
    unknown = Answer("unknown", "q", 0.1, topics=topics)
    thanks = Answer("smalltalk", "q", 0.0, topics=topics)
    one = Rendered("x")
    assert parse(answer_keyboard(choice, "en", one, None).inline_keyboard[0][0].callback_data,
                 "en") == TopicPress("en", "a", offered=True)
    assert answer_keyboard(unknown, "en", one, None).inline_keyboard[0][0].callback_data \
        .startswith("c:")
    assert answer_keyboard(thanks, "en", one, None, brief=True) is None  # quiet in groups
    paged = answer_keyboard(Answer("timeline", "q", 1.0), "en", Rendered("x", 0, 4), "k")
    assert [b.text for b in paged.inline_keyboard[-1]] == ["1/4", "▶"]


def test_the_page_cache_keeps_the_most_recent_lists():
    cache = PageCache(size=2)
    keys = [cache.put(7, "ask", str(n), "en", False) for n in range(3)]
    assert cache.get(keys[0], 7) is None
    assert cache.get(keys[2], 7).text == "2"


def test_page_keys_are_unguessable_and_bound_to_their_chat():
    cache = PageCache()
    keys = {cache.put(7, "ask", "what happened after 2012?", "en", False) for _ in range(1000)}
    assert len(keys) == 1000 and all(len(k) == 16 for k in keys)
    key = keys.pop()
    assert cache.get(key, 7) is not None
    assert cache.get(key, 8) is None  # another chat cannot page through it


def test_a_flood_of_long_lists_stays_within_the_byte_budget():
    budget = 256 * 1024
    cache = PageCache(budget=budget)
    for n in range(20_000):
        cache.put(n, "ask", f"What happened after 2012? {'x' * 3000} {n}", "en", False)
        assert cache.bytes <= budget
    assert 0 < len(cache) < 100  # the most recent ones, each a question, not an answer


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_did_you_mean_gets_one_button(lang):
    offered = Topic("kidal-closure", "MINUSMA leaves Kidal", "2023-10-31",
                    "La MINUSMA quitte Kidal")
    answer = Answer(kind="choice", question="kidall", confidence=0.4,
                    headline=Phrase.of("did-you-mean"), choices=(offered,))
    rows = answer_keyboard(answer, lang, Rendered("x"), None).inline_keyboard
    assert len(rows) == 1 and len(rows[0]) == 1
    assert parse(rows[0][0].callback_data) == TopicPress(lang, "kidal-closure", offered=True)
    assert rows[0][0].text == topic_label(offered, lang)
