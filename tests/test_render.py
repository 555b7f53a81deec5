import html
import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from bot.models import Answer, Citation, Claim, Item, Phrase, Topic
from bot.render import (
    TELEGRAM_LIMIT,
    render_html,
    render_html_parts,
    render_plain,
    split_message,
    tg_len,
)

CITE = Citation("s1", "A <title> & more", "Pub & Co", "2023-05-01", 'https://x.org/?a=1&b="2"')

# Telegram's HTML mode accepts these tags only (and <a href>); entities must be well formed.
ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
           "tg-spoiler", "span", "blockquote", "tg-emoji"}


class TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag

    def handle_entityref(self, name):
        assert name in ("lt", "gt", "amp", "quot"), name


def assert_telegram_safe(text: str) -> None:
    assert tg_len(text) <= TELEGRAM_LIMIT
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    assert parser.stack == []
    assert not re.search(r"&(?!(lt|gt|amp|quot|#\d+);)", text)


def answer_with(context: str, n_items: int = 1, headline: str = "") -> Answer:
    item = Item("<b>fact</b>", context, (CITE,),
                (Claim("one <i>says</i>", (CITE,)), Claim("other & says", (CITE,))),
                when="2023-05-01")
    # A curator-sized label stands in for any headline text.
    phrase = Phrase.of("about-many", label=headline, count=n_items) if headline else None
    return Answer("fact", "q", 0.9, phrase, (item,) * n_items, (Topic("t", "Topic <x>"),))


def test_every_dynamic_piece_is_escaped():
    text = render_html(answer_with("Context with <script> & stuff"))
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert '<a href="https://x.org/?a=1&amp;b=&quot;2&quot;">A &lt;title&gt; &amp; more</a>' in text
    assert_telegram_safe(text)


def test_versions_are_listed_with_their_own_citations():
    text = render_plain(answer_with("ctx"))
    assert "Sources differ:" in text and "- one <i>says</i> [1]" in text


def test_long_lists_drop_whole_items_and_say_how_many():
    text = render_html(answer_with("x" * 500, n_items=40))
    assert_telegram_safe(text)
    assert re.search(r"… and \d+ more", text)


@given(st.text(max_size=6000), st.text(max_size=600), st.integers(1, 30))
def test_any_answer_renders_to_valid_telegram_html(context, headline, n):
    assert_telegram_safe(render_html(answer_with(context, n, headline)))


@given(st.text(alphabet="<>&\"'", max_size=5000))
def test_escaping_heavy_text_still_fits(context):
    text = render_html(answer_with(context))
    assert_telegram_safe(text)
    assert html.unescape(text)


def test_split_message_cuts_at_paragraphs_into_valid_messages():
    answer = answer_with("y" * 300, n_items=60)
    parts = render_html_parts(answer)
    assert len(parts) > 1
    for part in parts:
        assert_telegram_safe(part)
    assert sum(p.count("• <b>") for p in parts) == 60


@given(st.lists(st.text(max_size=5000), min_size=1, max_size=5))
def test_split_message_never_exceeds_the_limit(paragraphs):
    text = "\n\n".join(html.escape(p, quote=False) for p in paragraphs)
    for part in split_message(text):
        assert 0 < tg_len(part) <= TELEGRAM_LIMIT


def test_lengths_are_counted_as_telegram_counts_them():
    assert tg_len("abc") == 3
    assert tg_len("🙂") == 2  # outside the Basic Multilingual Plane: two UTF-16 code units
    assert tg_len("é") == 1


@given(st.integers(1, 40))
def test_emoji_heavy_answers_fit_in_utf16_units(n):
    # 3000 emoji are 3000 characters but 6000 UTF-16 code units: counted in characters,
    # this reply would pass a length check and be rejected by Telegram.
    text = render_html(answer_with("🙂" * 3000, n_items=n))
    assert_telegram_safe(text)
    for part in render_html_parts(answer_with("🙂" * 3000, n_items=n)):
        assert_telegram_safe(part)


def test_dates_and_labels_follow_the_reader_language():
    answer = answer_with("ctx")
    assert "1 May 2023: <b>fact</b>" in render_plain(answer)
    french = render_plain(answer, lang="fr")
    assert "1 mai 2023" in french and "Les sources divergent" in french


def test_choices_are_numbered_with_their_dates():
    answer = Answer("choice", "q", 0.8, Phrase.of("which-one"),
                    choices=(Topic("a", "Attack on <Kidal>", "2016-02-12"), Topic("b", "Other")))
    plain = render_plain(answer)
    assert "Which one do you mean?" in plain
    assert "1. Attack on <Kidal> (12 February 2016)" in plain and "2. Other" in plain
    html_text = render_html(answer)
    assert "1. Attack on &lt;Kidal&gt; (12 February 2016)" in html_text
    assert_telegram_safe(html_text)


def test_a_long_french_item_is_cut_in_french():
    item = Item("English title", "anglais " * 1000, (CITE,), when="2023-05-01",
                title_fr="Titre français", context_fr="français " * 1000)
    text = render_html(Answer("fact", "q", 0.9, None, (item,)), lang="fr")
    assert_telegram_safe(text)
    assert "Titre français" in text and "français français" in text
    assert "English" not in text and "anglais" not in text
