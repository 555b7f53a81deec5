import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from bot.models import Answer, Citation, Claim, Item, Phrase, Source, Topic
from bot.render import (
    TELEGRAM_LIMIT,
    render_html,
    render_plain,
    render_sources,
    render_telegram,
    render_visible,
    split_within,
    tg_len,
    visible_len,
)
from tests.fake_telegram import check_text

CITE = Citation("s1", "A <title> & more", "Pub & Co", "2023-05-01", 'https://x.org/?a=1&b="2"')


def assert_telegram_safe(text: str) -> None:
    """What the imitation of Telegram would accept: the same check the end-to-end tests use."""
    shown = check_text(text, "HTML")
    assert tg_len(shown) <= TELEGRAM_LIMIT and visible_len(text) == tg_len(shown)


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


def test_a_long_list_pages_every_item_once_within_the_limit():
    answer = answer_with("y" * 300, n_items=60)
    first = render_telegram(answer)
    assert first.pages == 8
    seen = 0
    for page in range(first.pages):
        rendered = render_telegram(answer, page=page)
        assert_telegram_safe(rendered.text)
        seen += rendered.text.count("• <b>")
    assert seen == 60


def test_sources_are_paged_newest_first():
    make = TypeAdapter(Source).validate_python
    sources = [make({"id": f"s{n}", "title": f"Title {n}", "publisher": "P",
                     "date": f"2023-01-{n + 1:02d}", "url": "https://x.org", "evidence": ["x"]})
               for n in range(30)]
    first = render_sources(sources, lang="fr")
    assert first.pages == 2 and "30 sources" in first.text
    assert first.text.index("Title 29") < first.text.index("Title 28")
    assert "30 janvier 2023" in first.text
    assert_telegram_safe(render_sources(sources, page=1).text)


def test_context_is_cut_at_a_sentence_and_the_rest_kept_behind_the_quote():
    shown, rest = split_within("First one. Second one is here. Third.", 30)
    assert (shown, rest) == ("First one. Second one is here.", "Third.")
    item = Item("Fact", "A. " + "Long sentence here. " * 40, (CITE,), when="2023-05-01")
    text = render_html(Answer("fact", "q", 0.9, None, (item,)))
    visible, hidden = text.split("<blockquote expandable>")
    assert visible_len(visible) < 400 and "Long sentence here." in hidden


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
    answer = answer_with("🙂" * 3000, n_items=n)
    for page in range(render_telegram(answer).pages):
        assert_telegram_safe(render_telegram(answer, page=page, brief=True).text)


def test_dates_and_labels_follow_the_reader_language():
    answer = answer_with("ctx")
    assert "1 May 2023: <b>fact</b>" in render_plain(answer)
    french = render_plain(answer, lang="fr")
    assert "1er mai 2023 : <b>fact</b>" in french and "Les sources divergent" in french
    assert "Voir aussi :" in french


def test_choices_are_numbered_with_their_dates():
    answer = Answer("choice", "q", 0.8, Phrase.of("which-one"),
                    choices=(Topic("a", "Attack on <Kidal>", "2016-02-12"), Topic("b", "Other")))
    plain = render_plain(answer)
    assert "Two possible answers. Which one do you mean?" in plain
    assert "1. Attack on <Kidal> (12 February 2016)" in plain and "2. Other" in plain
    html_text = render_html(answer)  # in Telegram the choices are buttons
    assert html_text == "<b>Two possible answers. Which one do you mean?</b>"
    assert_telegram_safe(html_text)


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Gao: two possible answers. Which one do you mean?"),
    ("fr", "Gao : deux réponses possibles. Laquelle voulez-vous dire ?")])
def test_a_which_one_names_what_is_ambiguous(lang, expected):
    answer = Answer(kind="choice", question="q", confidence=0.8,
                    headline=Phrase.of("which-one"),
                    choices=(Topic("a", "A", "2023-12-12"), Topic("b", "B", "2024-07-22")))
    assert render_telegram(answer, lang=lang, about="Gao").text == f"<b>{expected}</b>"
    assert render_plain(answer, lang=lang, about="Gao").startswith(expected)


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Did you mean Kidal closes (31 October 2023)?"),
    ("fr", "Vouliez-vous dire Kidal ferme (31 octobre 2023) ?")])
def test_did_you_mean_names_what_it_offers(lang, expected):
    answer = Answer(kind="choice", question="q", confidence=0.4,
                    headline=Phrase.of("did-you-mean"),
                    choices=(Topic("k", "Kidal closes", "2023-10-31", "Kidal ferme"),))
    assert parse_shown(render_telegram(answer, lang=lang).text) == expected


def parse_shown(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# --- whole sentences ------------------------------------------------------------------------

LONG_FIRST = ("On 30 June 2023 the Security Council ended the mandate and asked all "
              "personnel to leave by 31 December 2023, with Lt. Gen. Dennis Gyllensporre's "
              "successor, Firhoun Ag Alinsar of the Ifoghas, and 13,289 peacekeepers "
              "counted in the last report of the mission to the Council in New York. "
              "A second sentence follows.")


@pytest.mark.parametrize("brief", [False, True])
def test_a_long_first_sentence_is_shown_whole(brief):
    shown, rest = split_within(LONG_FIRST, 150 if brief else 300)
    assert shown.endswith("in New York.") and rest == "A second sentence follows."
    assert "31 December 2023" in shown and "Firhoun Ag Alinsar" in shown and "13,289" in shown


def test_abbreviations_and_initials_end_no_sentence():
    text = "Lt. Gen. Dennis Gyllensporre took command. Mahamat S. Annadif left. " + "x " * 200
    shown, _ = split_within(text, 60)
    assert shown == "Lt. Gen. Dennis Gyllensporre took command."


def test_a_disputed_account_keeps_its_fact_whatever_its_length():
    claim = "Selon la MINUSMA, " + "le convoi a été retardé par des engins explosifs, " * 6 \
        + "et le camp a été remis le 31 octobre 2023."
    item = Item("T", "Context.", (CITE,), versions=(Claim(claim, (CITE,)),), when="2023-10-31")
    text = render_html(Answer("fact", "q", 0.9, None, (item,)), lang="fr")
    assert html.escape(claim, quote=False) in text
    assert_telegram_safe(text)


def test_a_long_french_item_is_cut_in_french():
    item = Item("English title", "anglais " * 1000, (CITE,), when="2023-05-01",
                title_fr="Titre français", context_fr="français " * 1000)
    text = render_html(Answer("fact", "q", 0.9, None, (item,)), lang="fr")
    assert_telegram_safe(text)
    assert "Titre français" in text and "français français" in text
    assert "English" not in text and "anglais" not in text


def test_every_catalogue_string_exists_in_both_languages():
    from bot.i18n import CATALOGUE

    for key, texts in CATALOGUE.items():
        assert set(texts) == {"en", "fr"} and all(texts.values()), key


SENTENCE_CLOSED = re.compile(r"[.!?»\"”)]$")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_entry_shows_whole_sentences_in_both_languages(engine, lang):
    """Every entry of the knowledge, as a private chat, a group and the strict judge see it:
    what is visible before the quote ends at a sentence's end, and each disputed account is
    there whole."""
    broken = []
    for doc_id in engine.store.all_ids():
        answer = engine.topic(doc_id)
        assert answer is not None
        item = answer.items[0]
        for brief in (False, True):
            rendered = render_telegram(answer, lang=lang, brief=brief).text
            visible = parse_shown(rendered.split("<blockquote", 1)[0]).strip()
            story = re.sub(r"(?:\[\d+\])+$", "", visible.split("\n")[1]).strip()
            if not SENTENCE_CLOSED.search(story):
                broken.append((doc_id, "group" if brief else "private", story[-40:]))
            for version in item.versions:
                claim = version.text_fr if lang == "fr" and version.text_fr else version.text
                assert html.escape(claim, quote=False) in rendered, (doc_id, claim)
        judged = render_visible(answer, lang=lang).split("\n")[-1]
        if not SENTENCE_CLOSED.search(judged):
            broken.append((doc_id, "judge", judged[-40:]))
    assert broken == []
