"""Buttons within Telegram's limits, and what their data means."""

from bot.models import Answer, Topic
from bot.render import Rendered, tg_len
from bot.telegram.keyboards import (
    PageCache,
    Press,
    answer_keyboard,
    fits,
    pager_row,
    parse,
    short_label,
    topic_buttons,
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


def test_button_data_is_parsed_or_refused():
    assert parse("t:fr:kidal-closure", "en") == Press("t", "fr", "kidal-closure")
    assert parse("t:kidal-closure", "fr") == Press("t", "fr", "kidal-closure")  # older buttons
    assert parse("p:tl.fr:3", "en") == Press("p", "en", "tl.fr", 3)
    assert parse("p:0123456789abcdef:-", "en") == Press("p", "en", "0123456789abcdef", None)
    assert parse("f:1a2b:1", "fr") == Press("f", "fr", "1a2b", helpful=True)
    for junk in ("", "zz", "p:", "p:x:y", "t:", "c:", "f:zz:1", "f:1a:2"):
        assert parse(junk, "en") is None


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
                 "en").action == "c"
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
