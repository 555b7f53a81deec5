"""End to end, in English and French: a conversation, not a search box (issue 23). Follow-ups
in private chats and in a group's reply threads, whole sentences, choices that keep their
context, inline answers per language, and the adapter's typed data. The real bot runs
against the local imitation of the Bot API."""

from __future__ import annotations

import json
import re

import pytest

from bot.conversation import Conversations
from bot.telegram.handlers import BotData
from tests.fake_telegram import BOT_USERNAME, Sent, parse_html


async def reply(fake, chat: int, count: int) -> Sent:
    """The `count`th message the bot sent to `chat`, once it is there."""
    await fake.wait_for(lambda: len(fake.to_chat(chat)) >= count)
    return fake.to_chat(chat)[count - 1]


def before_quote(sent: Sent) -> str:
    return parse_html(sent.text.split("<blockquote", 1)[0]).strip()


# --- 1. follow-ups --------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "turns"), [
    ("en", [("Who led MINUSMA in 2016?", "Mahamat Saleh Annadif: head of mission in 2016."),
            ("and in 2022?", "El-Ghassim Wane: head of mission in 2022."),
            ("who came before him?", "Mahamat Saleh Annadif preceded El-Ghassim Wane")]),
    ("fr", [("Qui dirigeait la MINUSMA en 2016 ?", "Mahamat Saleh Annadif : chef de la "
                                                   "mission en 2016."),
            ("et en 2022 ?", "El-Ghassim Wane : chef de la mission en 2022."),
            ("et avant lui ?", "Mahamat Saleh Annadif a précédé El-Ghassim Wane")]),
])
async def test_follow_ups_reuse_the_last_question(fake, bot, lang, turns):
    chat = 100 if lang == "en" else 101
    read_as = {"en": "Read as: ", "fr": "Compris comme : "}[lang]
    for n, (asked, expected) in enumerate(turns, 1):
        fake.message(asked, chat_id=chat)
        answer = await reply(fake, chat, n)
        assert expected in answer.shown, answer.shown
        # A follow-up says how it was read, so a wrong reading is plain to see.
        assert (read_as in answer.shown) == (n > 1)


@pytest.mark.parametrize(("first", "then", "expected"), [
    ("When did MINUSMA leave Kidal?", "and Gao?", "22 July 2024: Gao"),
    ("Quand la MINUSMA a-t-elle quitté Kidal ?", "et Tombouctou ?", "28 décembre 2023 :"),
])
async def test_a_new_place_keeps_the_question(fake, bot, first, then, expected):
    fake.message(first, chat_id=102)
    await reply(fake, 102, 1)
    fake.message(then, chat_id=102)
    assert (await reply(fake, 102, 2)).shown.split("\n\n", 1)[1].startswith(expected)


async def test_a_question_that_stands_alone_ignores_the_state(fake, bot):
    fake.message("Who led MINUSMA in 2016?", chat_id=103)
    await reply(fake, 103, 1)
    fake.message("When did MINUSMA leave Kidal?", chat_id=103)
    answer = await reply(fake, 103, 2)
    assert answer.shown.startswith("31 October 2023: MINUSMA leaves Kidal")
    assert "Read as" not in answer.shown


async def test_the_state_is_per_chat_and_forgotten_after_silence(fake, bot):
    data: BotData = bot.bot_data
    assert isinstance(data.conversations, Conversations) and data.conversations.size <= 10_000
    fake.message("Who led MINUSMA in 2016?", chat_id=104)
    await reply(fake, 104, 1)
    fake.message("and in 2022?", chat_id=105)  # another chat: nothing to follow
    assert (await reply(fake, 105, 1)).shown.startswith("2022: ")
    data.conversations.silence = 0.0  # as after minutes of silence
    fake.message("and in 2022?", chat_id=104)
    assert (await reply(fake, 104, 2)).shown.startswith("2022: ")


async def test_a_group_follows_up_in_reply_threads_only(fake, bot):
    group = -110
    fake.mention("", " who led MINUSMA in 2016?", chat_id=group)
    first = await reply(fake, group, 1)
    assert "Annadif" in first.shown
    fake.message("and in 2022?", chat_id=group, chat_type="supergroup", reply_to=first)
    second = await reply(fake, group, 2)
    assert "El-Ghassim Wane: head of mission in 2022." in second.shown
    fake.message("who came before him?", chat_id=group, chat_type="supergroup",
                 reply_to=second)
    assert "Mahamat Saleh Annadif preceded" in (await reply(fake, group, 3)).shown
    fake.mention("", " and in 2022?", chat_id=group)  # no thread: a question of its own
    assert (await reply(fake, group, 4)).shown.startswith("2022: ")


# --- 2. whole sentences ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_a_group_answer_shows_whole_sentences(fake, bot, language):
    """The entry with the longest first sentence, in a group (about a line and a half)."""
    question = {"en": "What did MINUSMA do in central Mali?",
                "fr": "Qu'a fait la MINUSMA dans le centre du Mali ?"}[language]
    fake.mention("", f" {question}", chat_id=-120, language=language)
    answer = await reply(fake, -120, 1)
    story = re.sub(r"(?:\[\d+\])+$", "", before_quote(answer).split("\n")[-1]).strip()
    assert re.search(r"[.!?»\"”)]$", story), story


# --- 3. choices with context ----------------------------------------------------------------


@pytest.mark.parametrize(("question", "prompt"), [
    ("When was Tessalit attacked?",
     r"Tessalit: (?:two|three|four|five) possible answers\. Which one do you mean\?"),
    ("Quand Aguelhok a-t-il été attaqué ?",
     r"Aguelhok : (?:deux|trois|quatre|cinq) réponses possibles\. Laquelle voulez-vous "
     r"dire \?"),
])
async def test_a_choice_names_its_ambiguity_and_keeps_dates(fake, bot, question, prompt):
    fake.message(question, chat_id=130)
    choice = await reply(fake, 130, 1)
    assert re.fullmatch(prompt, choice.shown), choice.shown
    labels = [b["text"] for row in choice.reply_markup["inline_keyboard"] for b in row]
    # Shortened titles, never dates: the date is what tells two attacks on one camp apart.
    assert len(labels) >= 2
    assert all(re.search(r"\(\d{1,2}(?:er)? \w+ \d{4}\)$", label) for label in labels)
    data = fake.button_data(choice)
    fake.press(data[0], on=choice)
    fake.press(data[1], on=choice)
    await fake.wait_for(lambda: len(fake.to_chat(130)) == 3)
    assert fake.current(choice).shown == choice.shown and not fake.edits  # still usable
    assert all(m.reply_to == choice.message_id for m in fake.to_chat(130)[1:])


@pytest.mark.parametrize(("question", "declined"), [
    ("what about the trucks stuck somewhere", "don't know"),
    ("que sont devenus les chameaux de la mission", "Je ne sais pas"),
])
async def test_a_topic_tapped_after_a_decline_answers_below_it(fake, bot, question, declined):
    fake.message(question, chat_id=132)
    decline = await reply(fake, 132, 1)
    assert declined in decline.shown
    fake.press(fake.button_data(decline)[0], on=decline)
    answered = await reply(fake, 132, 2)
    assert answered.reply_to == decline.message_id and "Sources" in answered.shown
    assert fake.current(decline).shown == decline.shown and not fake.edits


async def test_a_chosen_answer_is_what_him_means_next(fake, bot):
    fake.message("Who succeeded Annadif?", chat_id=131)
    assert "El-Ghassim Wane succeeded" in (await reply(fake, 131, 1)).shown
    fake.message("who came after him?", chat_id=131)
    assert "El-Ghassim Wane was the last head" in (await reply(fake, 131, 2)).shown


@pytest.mark.parametrize(("language", "camps"), [("en", "MINUSMA's 13 camps"),
                                                 ("fr", "13 camps de la MINUSMA")])
async def test_the_map_counts_the_camps_the_answers_count(fake, bot, language, camps):
    fake.message("/map", chat_id=133, language=language)
    await fake.wait_for(lambda: fake.photos, timeout=30)
    caption = fake.photos[0].caption
    assert camps in caption and "Mopti" not in caption.split("\n", 1)[1]


# --- 4. inline per language -----------------------------------------------------------------


def _button(answer: dict) -> dict:
    button = answer.get("button") or {}
    return json.loads(button) if isinstance(button, str) else button


async def test_inline_results_are_cached_per_person(fake, bot):
    fake.inline("kidal", language="fr")
    fake.inline("kidal", language="en")
    await fake.wait_for(lambda: len(fake.inline_answers) == 2)
    for answer in fake.inline_answers:
        assert answer.get("is_personal") in (True, "true", "True")
    descriptions = {a["results"][0]["description"][:2] for a in fake.inline_answers}
    assert descriptions == {"31"}  # both dated, each in its own language
    assert {a["results"][0]["description"].split(":")[0].strip()
            for a in fake.inline_answers} == {"31 October 2023", "31 octobre 2023"}


@pytest.mark.parametrize(("query", "expected"), [
    ("who led minusma in 2016?", "Mahamat Saleh Annadif: head of mission in 2016."),
    ("qui dirigeait la minusma en 2016 ?", "Mahamat Saleh Annadif : chef de la mission"),
])
async def test_a_long_inline_question_is_answered_and_stands_alone(fake, bot, query, expected):
    fake.inline(query)
    await fake.wait_for(lambda: fake.inline_answers)
    first = fake.inline_answers[0]["results"][0]
    shared = parse_html(first["input_message_content"]["message_text"])
    assert shared.startswith(("Asked: " + query, "Question : " + query))
    assert expected in shared  # the answer names its subject, so it reads in any chat


@pytest.mark.parametrize(("query", "payload", "language"), [
    ("what about the trucks stuck somewhere near the border",
     "what_about_the_trucks_stuck_somewhere_near_the_border", "en"),
    ("qu'est-il arrivé aux camions bloqués à la frontière",
     "qu_est_il_arrive_aux_camions_bloques_a_la_frontiere", "fr"),
])
async def test_no_match_opens_a_private_chat_with_the_query(fake, bot, query, payload,
                                                            language):
    fake.inline(query, language=language)
    await fake.wait_for(lambda: fake.inline_answers)
    button = _button(fake.inline_answers[0])
    start = button["start_parameter"]
    assert start == payload  # what was typed, as Telegram allows a deep link to carry it
    # The deep link asks it in the private chat.
    fake.message(f"/start {start}", chat_id=140, language=language)
    answered = await reply(fake, 140, 1)
    assert "I answer questions" not in answered.shown and "Je réponds" not in answered.shown


# --- 5. typed adapter -----------------------------------------------------------------------


async def test_presses_are_routed_by_kind_and_junk_is_answered(fake, bot):
    assert isinstance(bot.bot_data, BotData)
    fake.message(f"/ask@{BOT_USERNAME} kidal", chat_id=150)
    answer = await reply(fake, 150, 1)
    for data in ("c:fr:KIDAL", "f:zz:1", "p:tl.en:99999", "g:en:photo"):
        fake.press(data, on=answer, language="fr")
    await fake.wait_for(lambda: len(fake.callback_answers) == 4)
    assert all(a.get("text") == "Ce bouton n'est plus valable." or a.get("text")
               for a in fake.callback_answers)
    assert all(a.get("show_alert") in (True, "true", "True") for a in fake.callback_answers)
