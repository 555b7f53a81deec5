"""End to end, in English and French: what a user sees in Telegram. The real bot (real
python-telegram-bot, real HTTP) runs against the local imitation of the Bot API."""

from __future__ import annotations

import logging
import re

import pytest

from bot.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE
from tests.fake_telegram import BOT_USERNAME, Sent, parse_html
from tests.harness import running_bot

COUNTS = load_knowledge(KNOWLEDGE).counts()


def visible_before_quote(sent: Sent) -> str:
    """What a reader sees without expanding the sources."""
    return parse_html(sent.text.split("<blockquote", 1)[0])


async def only(fake, chat: int) -> Sent:
    await fake.wait_for(lambda: fake.to_chat(chat))
    return fake.to_chat(chat)[0]


# --- language -----------------------------------------------------------------------------


async def test_an_english_question_gets_a_concise_cited_answer(fake, bot):
    fake.message("When did MINUSMA leave Kidal?", chat_id=7)
    reply = await only(fake, 7)
    assert reply.shown.startswith("31 October 2023: MINUSMA leaves Kidal")
    first_line, context = visible_before_quote(reply).split("\n")[:2]
    assert "Kidal" in first_line and len(context) <= 300  # what happened, about three lines
    quoted = reply.text.split("<blockquote expandable>", 1)[1]
    assert "<b>Sources</b>\n1. <a href=" in quoted and "– MINUSMA said" in quoted
    assert "Sources differ: 4 accounts below." in visible_before_quote(reply)
    assert len(visible_before_quote(reply)) < 500  # before: about 1,000 characters


async def test_a_french_question_gets_a_french_answer_with_french_dates(fake, bot):
    fake.message("Quand la MINUSMA a-t-elle quitté Kidal ?", chat_id=8, language="en")
    reply = await only(fake, 8)
    assert reply.shown.startswith("31 octobre 2023 : La MINUSMA quitte Kidal")
    assert "Les sources divergent : 4 versions ci-dessous." in reply.shown
    assert "– Selon la MINUSMA" in reply.shown or "– La MINUSMA" in reply.shown
    assert "October" not in visible_before_quote(reply)


@pytest.mark.parametrize(("language", "expected"), [("fr", "31 octobre 2023 :"),
                                                    ("en", "31 October 2023:"),
                                                    (None, "31 October 2023:")])
async def test_the_telegram_language_breaks_a_tie(fake, bot, language, expected):
    fake.message("kidal", chat_id=9, language=language)  # a name says nothing of a language
    assert (await only(fake, 9)).shown.startswith(expected)


@pytest.mark.parametrize(("language", "expected"), [("fr", "Je réponds aux questions"),
                                                    ("en", "I answer questions")])
async def test_help_and_buttons_follow_the_user_language(fake, bot, language, expected):
    fake.message("/help", chat_id=10, language=language)
    reply = await only(fake, 10)
    assert expected in reply.shown
    labels = [b["text"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert labels and all(f":{language}:" in d for d in fake.button_data(reply))
    if language == "fr":
        assert "Ce qu'était la MINUSMA" in labels


async def test_ask_usage_and_unknown_commands_answer_in_the_user_language(fake, bot):
    fake.message("/ask", chat_id=11, language="fr")
    fake.message("/frobnicate", chat_id=12)
    fake.message("/frobnicate", chat_id=13, language="fr")
    assert "Écrivez votre question après /ask" in (await only(fake, 11)).shown
    assert "I don't know that command" in (await only(fake, 12)).shown
    assert "Je ne connais pas cette commande" in (await only(fake, 13)).shown


# --- everything tappable ------------------------------------------------------------------


async def test_a_long_list_is_one_message_paged_in_place(fake, bot):
    fake.message("What happened in 2014?", chat_id=20)
    first = await only(fake, 20)
    total = int(re.search(r"2014: (\d+) events", first.shown).group(1))
    seen = first.shown.count("• ")
    message = first
    while (forward := [d for d in fake.button_data(message) if d.startswith("p:")
                       and not d.endswith(":-")][-1:]) and seen < total:
        before = len(fake.edits)
        fake.press(forward[0], on=message)
        await fake.wait_for(lambda b=before: len(fake.edits) > b)
        message = fake.current(first)
        seen += message.shown.count("• ")
    assert seen == total  # the whole list, page by page
    assert len(fake.to_chat(20)) == 1  # never a second message
    counter = [d for d in fake.button_data(message) if d.endswith(":-")]
    answered = len(fake.callback_answers)
    fake.press(counter[0], on=message)  # the page counter: answered, nothing edited
    await fake.wait_for(lambda: len(fake.callback_answers) > answered)


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_timeline_and_sources_are_one_paged_message_each(fake, bot, language):
    fake.message("/timeline", chat_id=21, language=language)
    fake.message("/sources", chat_id=22, language=language)
    picture, sources = await only(fake, 21), await only(fake, 22)
    fake.press(f"l:{language}:tl", on=picture)  # the timeline's list, one button away
    await fake.wait_for(lambda: len(fake.to_chat(21)) == 2)
    timeline = fake.to_chat(21)[1]
    assert len(fake.to_chat(22)) == 1
    assert f"{COUNTS['sources']} sources" in sources.shown
    listed = sources.shown.count("• ")
    pages = int(re.search(r"1/(\d+)", str(sources.reply_markup)).group(1))
    for page in range(1, pages):
        before = len(fake.edits)
        fake.press(f"p:src.{language}:{page}", on=sources)
        await fake.wait_for(lambda b=before: len(fake.edits) > b)
        listed += fake.current(sources).shown.count("• ")
    assert listed == COUNTS["sources"]
    steps = {"en": "The withdrawal, step by step", "fr": "Le retrait, étape par étape"}
    assert timeline.shown.startswith(steps[language])
    assert any(d.startswith(f"p:tl.{language}:") for d in fake.button_data(timeline))


async def test_choices_answer_below_and_stay_usable(fake, bot):
    fake.message("When was Tessalit attacked?", chat_id=23)
    first = await only(fake, 23)
    assert re.fullmatch(r"Tessalit: \w+ possible answers\. Which one do you mean\?",
                        first.shown)
    choices = fake.button_data(first)
    assert len(choices) >= 2 and all(d.startswith("c:en:") for d in choices)
    fake.press(choices[1], on=first)
    await fake.wait_for(lambda: len(fake.to_chat(23)) == 2)
    fake.press(choices[0], on=first)  # the other choice is still there
    await fake.wait_for(lambda: len(fake.to_chat(23)) == 3)
    for answered in fake.to_chat(23)[1:]:
        assert "Sources" in answered.shown and answered.reply_to == first.message_id
    assert fake.current(first).shown == first.shown and not fake.edits


async def test_declines_offer_closest_topics_and_answers_offer_more_as_buttons(fake, bot):
    fake.message("what about the trucks stuck somewhere", chat_id=24)
    declined = await only(fake, 24)
    assert "don't know" in declined.shown
    closest = fake.button_data(declined)
    assert closest and all(d.startswith("c:en:") for d in closest)
    fake.press(closest[0], on=declined)
    await fake.wait_for(lambda: len(fake.to_chat(24)) == 2)
    # The decline stays as it was: the chat never reads as a wrong answer to the question.
    assert fake.current(declined).shown == declined.shown and not fake.edits
    assert "Sources" in fake.to_chat(24)[1].shown
    fake.message("When did MINUSMA leave Kidal?", chat_id=25)
    answer = await only(fake, 25)
    see_also = [d for d in fake.button_data(answer) if d.startswith("t:en:")]
    assert see_also  # the convoy's arrival in Gao, among others
    fake.press(see_also[0], on=answer)  # a related topic answers in a new message
    await fake.wait_for(lambda: len(fake.to_chat(25)) == 2)
    assert fake.current(answer).shown == answer.shown  # the answer stays as it was


async def test_every_button_press_is_answered_even_stale_or_unknown(fake, bot):
    fake.message("/start", chat_id=26)
    start = await only(fake, 26)
    for data in ("t:en:no-such-entry", "zz:what", "p:deadbeef:1", "c:xx"):
        fake.press(data, on=start)
    await fake.wait_for(lambda: len(fake.callback_answers) == 4)
    texts = [a.get("text", "") for a in fake.callback_answers]
    assert all(texts) and all(a.get("show_alert") in (True, "true", "True")
                              for a in fake.callback_answers)


# --- Telegram's conventions ---------------------------------------------------------------


async def test_command_menu_and_descriptions_in_both_languages(fake, bot):
    assert [c["command"] for c in fake.commands[""]] == ["start", "ask", "timeline", "map",
                                                         "sources", "help"]
    assert fake.commands["fr"][3]["description"] == "Carte des camps et de leur fermeture"
    assert "MINUSMA" in fake.descriptions[("description", "")]
    assert "MINUSMA" in fake.descriptions[("short_description", "fr")]
    assert "reload" not in {c["command"] for c in fake.commands[""]}


@pytest.mark.parametrize(("payload", "expected"), [("kidal", "31 October 2023"),
                                                   ("ansongo", "18 November 2023"),
                                                   ("nomatch", "I answer questions")])
async def test_start_deep_links_answer_their_topic(fake, bot, payload, expected):
    fake.message(f"/start {payload}", chat_id=30)
    assert expected in (await only(fake, 30)).shown


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document"])
async def test_media_in_private_gets_a_reply_and_silence_in_groups(fake, bot, kind):
    fake.media(kind, chat_id=31, language="fr")
    fake.media(kind, chat_id=-31, chat_type="supergroup")
    marker = fake.message(f"/ask@{BOT_USERNAME} kidal", chat_id=-31, chat_type="supergroup")
    reply = await only(fake, 31)
    assert "Je ne lis que du texte" in reply.shown
    await fake.wait_for(lambda: fake.to_chat(-31) and fake.confirmed >= marker)
    assert len(fake.to_chat(-31)) == 1  # only the answer to /ask


async def test_unknown_commands_in_groups_get_silence(fake, bot):
    group = -32
    fake.message("/frobnicate", chat_id=group, chat_type="supergroup")
    marker = fake.message(f"/ask@{BOT_USERNAME} sevare", chat_id=group,
                          chat_type="supergroup")
    await fake.wait_for(lambda: fake.to_chat(group) and fake.confirmed >= marker)
    assert len(fake.to_chat(group)) == 1


async def test_being_added_to_a_group_gets_a_short_introduction(fake, bot):
    fake.added_to_group(-40, language="fr")
    fake.added_to_group(-41)
    fr, en = await only(fake, -40), await only(fake, -41)
    assert "Bonjour" in fr.shown and f"@{BOT_USERNAME}" in fr.shown
    assert "Hello" in en.shown and "/ask" in en.shown


async def test_an_edited_message_is_not_answered_again(fake, bot):
    fake.message("kidal", chat_id=42)
    await only(fake, 42)
    fake.message("ansongo", chat_id=42, edited=True)
    marker = fake.message("sevare", chat_id=42)
    await fake.wait_for(lambda: len(fake.to_chat(42)) == 2 and fake.confirmed >= marker)
    replies = [m.shown for m in fake.to_chat(42)]
    assert replies[0].startswith("31 October 2023:") and replies[1].startswith("8 December")
    assert fake.allowed_updates is not None and "edited_message" not in fake.allowed_updates


# --- groups -------------------------------------------------------------------------------


async def test_groups_get_a_shorter_answer_and_thanks_a_short_reply(fake, bot):
    group = -50
    fake.mention("", ", when did MINUSMA leave Tessalit?", chat_id=group)
    answer = await only(fake, group)
    assert answer.shown.startswith("21 October 2023") and answer.reply_to
    private_size = len(visible_before_quote(answer))
    assert private_size < 400 and "Sources differ" not in visible_before_quote(answer)
    fake.mention("", " thanks!", chat_id=group)
    await fake.wait_for(lambda: len(fake.to_chat(group)) == 2)
    thanks = fake.to_chat(group)[1]
    assert thanks.shown.startswith("You're welcome") and thanks.reply_markup is None
    fake.mention("merci ", "", chat_id=group, language="fr")
    await fake.wait_for(lambda: len(fake.to_chat(group)) == 3)
    assert fake.to_chat(group)[2].shown.startswith("Avec plaisir")


@pytest.mark.parametrize("after", [", when did MINUSMA leave Sévaré?", ": when did MINUSMA leave "
                                   "Sévaré", "! when did MINUSMA leave Sévaré", " — Sévaré?"])
async def test_a_mention_followed_by_punctuation_is_understood(fake, bot, after):
    fake.mention("", after, chat_id=-51)
    assert (await only(fake, -51)).shown.startswith("8 December 2023")


# --- inline -------------------------------------------------------------------------------


async def test_inline_results_show_the_fact_in_their_description(fake, bot):
    fake.inline("kidal closure")
    await fake.wait_for(lambda: len(fake.inline_answers) == 1)
    fake.inline("fermeture de kidal", language="fr")
    await fake.wait_for(lambda: len(fake.inline_answers) == 2)
    english, french = fake.inline_answers
    first = english["results"][0]
    assert first["description"].startswith("31 October 2023: ")
    assert len(first["description"]) <= 150
    assert french["results"][0]["description"].startswith("31 octobre 2023 : ")
    text = french["results"][0]["input_message_content"]["message_text"]
    assert "31 octobre 2023 : La MINUSMA quitte Kidal" in parse_html(text)


# --- lengths and sends --------------------------------------------------------------------


EMOJI_EVENT = '''
[[event]]
id = "emoji-storm"
date = 2023-12-30
title = "{title}"
title_fr = "{title}"
summary = """{summary}"""
kind = "milestone"
places = ["Zanzibarville"]
tags = ["emoji storm"]
sources = ["pr-sevare"]
'''


async def test_emoji_heavy_knowledge_fits_telegram_in_utf16_units(fake, knowledge, index_path):
    title = "Zanzibarville 🇲🇱🙂" + "🙂" * 150
    summary = ("Zanzibarville 💥 " * 400).strip()
    (knowledge / "emoji.toml").write_text(EMOJI_EVENT.format(title=title, summary=summary))
    async with running_bot(fake, knowledge, index_path):
        fake.message("zanzibarville emoji storm", chat_id=60)
        fake.inline("zanzibarville emoji storm")
        reply = await only(fake, 60)
        await fake.wait_for(lambda: fake.inline_answers)
    assert fake.rejected == []
    assert len(reply.shown.encode("utf-16-le")) // 2 <= 4096
    result = fake.inline_answers[0]["results"][0]
    assert len(result["title"].encode("utf-16-le")) // 2 <= 100
    assert len(result["description"].encode("utf-16-le")) // 2 <= 150


async def test_a_send_that_times_out_is_not_posted_twice(fake, knowledge, index_path, caplog):
    caplog.set_level(logging.WARNING)
    async with running_bot(fake, knowledge, index_path, read_timeout=0.5):
        fake.delay_reply_next("sendMessage", 2.0)  # delivered, but the answer comes late
        fake.message("kidal", chat_id=61)
        await fake.wait_for(lambda: any("not repeated" in r.getMessage()
                                        for r in caplog.records), timeout=10)
        marker = fake.message("sevare", chat_id=62)
        await fake.wait_for(lambda: fake.to_chat(62) and fake.confirmed >= marker)
    assert len(fake.to_chat(61)) == 1
    assert fake.calls.count("sendMessage") == 2


# --- pictures -------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [("en", "Kidal: 31 October 2023"),
                                                    ("fr", "Kidal : 31 octobre 2023")])
async def test_timeline_and_map_are_pictures_sent_once_then_by_file_id(fake, bot, language,
                                                                       expected):
    fake.message("/timeline", chat_id=70, language=language)
    fake.message("/map", chat_id=71, language=language)
    await fake.wait_for(lambda: len(fake.photos) == 2, timeout=30)
    for photo in fake.photos:
        assert photo.uploaded and photo.width >= 1000  # a valid PNG, readable on a phone
        assert expected in photo.caption  # the caption is the picture's text alternative
    fake.message("/map", chat_id=72, language=language)
    await fake.wait_for(lambda: len(fake.photos) == 3)
    assert not fake.photos[2].uploaded  # the second time, Telegram's file_id: instant

    timeline = fake.to_chat(70)[0]
    as_list = next(d for d in fake.button_data(timeline) if d.startswith("l:"))
    fake.press(as_list, on=timeline)
    await fake.wait_for(lambda: len(fake.to_chat(70)) == 2)
    listed = fake.to_chat(70)[1]
    assert listed.shown.startswith(("The withdrawal, step by step", "Le retrait"))
    assert any(d.startswith(f"p:tl.{language}:") for d in fake.button_data(listed))
