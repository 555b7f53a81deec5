"""End to end: the real bot (real python-telegram-bot, real HTTP) against the local imitation."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.config import Config
from bot.knowledge import load_knowledge
from bot.telegram.app import build_application
from bot.telegram.limits import RetryingRateLimiter
from tests.conftest import ADMIN, KNOWLEDGE
from tests.fake_telegram import BOT_USERNAME, TOKEN, parse_html
from tests.harness import running_bot

COUNTS = load_knowledge(KNOWLEDGE).counts()

# --- private chats ------------------------------------------------------------------------------


async def test_private_question_gets_a_cited_answer(fake, bot):
    fake.message("When did MINUSMA leave Kidal?", chat_id=7)
    await fake.wait_for(lambda: fake.to_chat(7))
    reply = fake.to_chat(7)[0]
    assert reply.parse_mode == "HTML"
    assert reply.shown.startswith("31 October 2023")
    assert 'href="https://minusma.unmissions.org/en/minusma-closes-its-camp-kidal' in reply.text
    assert "Sources differ" in reply.shown


@pytest.mark.parametrize("command", ["/start", "/help"])
async def test_start_and_help_explain_with_examples(fake, bot, command):
    fake.message(command, chat_id=8)
    await fake.wait_for(lambda: fake.to_chat(8))
    reply = fake.to_chat(8)[0]
    assert "When did MINUSMA leave Kidal?" in reply.shown
    assert reply.reply_markup and reply.reply_markup["inline_keyboard"]


async def test_ask_command_and_empty_ask(fake, bot):
    fake.message("/ask quand le camp d'Ansongo a-t-il fermé ?", chat_id=9)
    fake.message("/ask", chat_id=10)
    await fake.wait_for(lambda: fake.to_chat(9) and fake.to_chat(10))
    assert fake.to_chat(9)[0].shown.startswith("18 novembre 2023")  # asked in French
    assert "Write your question after /ask" in fake.to_chat(10)[0].shown


async def test_stale_button_gets_an_alert_not_an_error(fake, bot):
    fake.message("/start", chat_id=14)
    await fake.wait_for(lambda: fake.to_chat(14))
    fake.press("t:no-such-entry", on=fake.to_chat(14)[0])
    await fake.wait_for(lambda: fake.callback_answers)
    assert fake.callback_answers[0]["show_alert"] in (True, "true", "True")


# --- groups -------------------------------------------------------------------------------------


async def test_group_answers_only_when_addressed(fake, bot):
    group = -100
    fake.message("hello everyone, when did Kidal close?", chat_id=group, chat_type="supergroup")
    fake.message("/ask@other_bot kidal", chat_id=group, chat_type="supergroup")
    fake.message(f"/ask@{BOT_USERNAME} sevare", chat_id=group, chat_type="supergroup")
    fake.message("/ask ansongo", chat_id=group, chat_type="supergroup")
    fake.mention("", " when did MINUSMA leave Tessalit?", chat_id=group)
    await fake.wait_for(lambda: len(fake.to_chat(group)) == 3)
    answers = sorted(m.shown.split(":")[0] for m in fake.to_chat(group))
    assert answers == ["18 November 2023", "21 October 2023", "8 December 2023"]
    assert all(m.reply_to for m in fake.to_chat(group))  # quoted, so the thread stays readable
    fake.message("and Goundam?", chat_id=group, chat_type="supergroup",
                 reply_to=fake.to_chat(group)[0])
    await fake.wait_for(lambda: len(fake.to_chat(group)) == 4)
    # A reply continues the thread: "and Goundam?" is read against the question replied to.
    followed = fake.to_chat(group)[3].shown
    assert followed.startswith("Read as: ") and "\n\n16 August 2023" in followed
    fake.message("one more unrelated line", chat_id=group, chat_type="supergroup")
    fake.message("/start@other_bot", chat_id=group, chat_type="supergroup")
    marker = fake.message(f"/ask@{BOT_USERNAME} goundam", chat_id=group,
                          chat_type="supergroup")
    await fake.wait_for(lambda: len(fake.to_chat(group)) == 5 and fake.confirmed >= marker - 1)
    assert len(fake.to_chat(group)) == 5  # the chatter in between got no reply


# --- inline queries -----------------------------------------------------------------------------


async def test_inline_query_returns_cited_articles(fake, bot):
    fake.inline("kidal")
    fake.inline("")
    fake.inline("capital of peru")
    await fake.wait_for(lambda: len(fake.inline_answers) == 3)
    answers = fake.inline_answers
    kidal = next(a for a in answers if a["results"] and "Kidal" in a["results"][0]["title"])
    assert 1 <= len(kidal["results"]) <= 10
    text = kidal["results"][0]["input_message_content"]["message_text"]
    assert "31 October 2023" in parse_html(text) and "Sources" in parse_html(text)
    empty = [a for a in answers if not a["results"]]
    assert len(empty) == 1 and "No match" in empty[0]["button"]["text"]
    assert any(len(a["results"]) >= 3 for a in answers if a is not kidal)  # featured topics


# --- admin reload -------------------------------------------------------------------------------


async def test_admin_reload_swaps_in_new_knowledge(fake, bot, knowledge):
    (knowledge / "extra.toml").write_text(
        '[[event]]\nid = "test-extra"\ndate = 2023-12-30\ntitle = "Zanzibarville camp closes"\n'
        'summary = "A test entry."\nkind = "camp-closure"\nplaces = ["Zanzibarville"]\n'
        'sources = ["pr-sevare"]\n'
        # A new camp's closing is declared with its camp (knowledge/camps.toml's rule).
        '[[alias]]\ncanonical = "Zanzibarville"\nvariants = ["Zanzibarvile"]\nkind = "place"\n'
        '[[camp]]\nid = "zanzibarville"\nname = "Zanzibarville camp"\n'
        'place = "Zanzibarville"\nregion = "Zanzibarville"\ncoordinates = [15.0, -1.0]\n'
        'closed_by = "test-extra"\n'
    )
    fake.message("/reload", chat_id=ADMIN, user_id=ADMIN)
    await fake.wait_for(lambda: fake.to_chat(ADMIN))
    reply = fake.to_chat(ADMIN)[0].shown
    assert "Reloaded" in reply and f"{COUNTS['events'] + 1} events" in reply
    fake.message("zanzibarville", chat_id=15)
    await fake.wait_for(lambda: fake.to_chat(15))
    assert fake.to_chat(15)[0].shown.startswith("30 December 2023: Zanzibarville")


async def test_stranger_cannot_reload(fake, bot, knowledge):
    (knowledge / "broken.toml").write_text("this is not toml")
    fake.message("/reload", chat_id=16, user_id=16)
    await fake.wait_for(lambda: fake.to_chat(16))
    assert "only the bot's curators" in fake.to_chat(16)[0].shown


async def test_broken_reload_names_file_and_line_and_keeps_serving(fake, bot, knowledge):
    (knowledge / "broken.toml").write_text('[[event]]\nid = "x"\ndate = "2023-13-01"\n')
    fake.message("/reload", chat_id=ADMIN, user_id=ADMIN)
    await fake.wait_for(lambda: fake.to_chat(ADMIN))
    reply = fake.to_chat(ADMIN)[0].shown
    assert "Reload failed" in reply and "still serving the previous knowledge" in reply
    assert "broken.toml:3: event 'x': date: '2023-13-01' has no such month" in reply
    fake.message("When did MINUSMA leave Kidal?", chat_id=17)
    await fake.wait_for(lambda: fake.to_chat(17))
    assert fake.to_chat(17)[0].shown.startswith("31 October 2023")


# --- hostile text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<b>kidal</b> <script>alert(1)</script> & <a href='x'>",
        "*kidal* _ansongo_ `code` [link](http://x) ~~x~~ ||spoiler||",
        "kidal " * 1700,  # about 10 KB
        "🙂🇲🇱 kidal 💥" * 50,
        "Ki\u200bdal\u200d \u2060sev\ufeffare",
        "متى غادرت البعثة كيدال؟ \u202ekidal\u202c",
        "&amp; &lt; &#0; &#xFFFFFF; &bogus;",
        "\u0000\u0001 kidal \x7f",
    ],
)
async def test_hostile_text_gets_a_valid_reply(fake, bot, text):
    fake.message(text, chat_id=18)
    await fake.wait_for(lambda: fake.to_chat(18))
    assert fake.to_chat(18)[0].shown.strip()


# --- reliability --------------------------------------------------------------------------------


async def test_429_and_5xx_are_retried_so_no_reply_is_lost(fake, bot):
    fake.fail_next("sendMessage", 429, retry_after=1)
    fake.fail_next("sendMessage", 500, times=2)
    fake.fail_next("sendMessage", 502)
    fake.message("sevare", chat_id=19)
    await fake.wait_for(lambda: fake.to_chat(19), timeout=15)
    assert len(fake.to_chat(19)) == 1 and fake.calls.count("sendMessage") == 5


async def test_polling_survives_get_updates_failures(fake, bot):
    fake.fail_next("getUpdates", 502)
    fake.fail_next("getUpdates", 500)
    fake.message("ansongo", chat_id=20)
    await fake.wait_for(lambda: fake.to_chat(20), timeout=20)
    assert fake.to_chat(20)[0].shown.startswith("18 November 2023")


async def test_a_failing_update_is_logged_and_others_still_answered(fake, bot, caplog):
    fake.fail_next("sendMessage", 400)  # "Telegram" refuses one reply: not retried, but logged
    chats = {fake.message("kidal", chat_id=21): 21, fake.message("ansongo", chat_id=22): 22}

    def failed() -> list[int]:
        return [u for u in chats if any(f"update {u} failed" in r.getMessage()
                                        for r in caplog.records)]

    await fake.wait_for(lambda: len(fake.sent) == 2 and len(failed()) == 1)
    unlucky = chats[failed()[0]]
    lucky = 21 if unlucky == 22 else 22
    assert fake.to_chat(lucky)[0].shown.split(":")[0].endswith("2023")
    assert "something went wrong" in fake.to_chat(unlucky)[0].shown  # the asker is told
    assert fake.calls.count("sendMessage") == 3


async def test_a_slow_reply_does_not_hold_up_others(fake, bot):
    fake.delay_next("sendMessage", 3.0)
    fake.message("kidal", chat_id=23)
    await fake.wait_for(lambda: "sendMessage" in fake.calls)  # the slow send is under way
    fake.message("ansongo", chat_id=24)
    await fake.wait_for(lambda: fake.to_chat(24), timeout=2.5)
    assert fake.to_chat(23) == []  # still waiting, yet the other chat got its answer
    await fake.wait_for(lambda: fake.to_chat(23), timeout=5)


async def test_burst_of_300_questions_from_100_chats(fake, bot):
    questions = ["kidal", "When did MINUSMA end?", "what happened in 2014"]
    for chat in range(2000, 2100):
        for question in questions:
            fake.message(question, chat_id=chat, user_id=chat)
    await fake.wait_for(lambda: len(fake.sent) >= 300, timeout=60)
    per_chat = Counter(m.chat_id for m in fake.sent)
    assert len(per_chat) == 100 and set(per_chat.values()) == {3}
    assert len(fake.sent) == 300


async def test_production_limiter_keeps_telegram_limits(tmp_path: Path) -> None:
    """The limiter the bot really runs with: 20 messages a minute to one group, 30 a second
    in all. Only lower bounds on the waits are asserted, so a slow machine cannot fail it."""
    config = Config(knowledge_dir=KNOWLEDGE, db_path=tmp_path / "i.sqlite", telegram_token=TOKEN,
                    telegram_base_url="http://127.0.0.1:9/bot")
    app = build_application(config)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, RetryingRateLimiter)
    await limiter.initialize()

    async def send(*args: object, **kwargs: object) -> bool:
        return True

    async def elapsed(chats: list[int]) -> float:
        started = time.monotonic()
        for chat in chats:
            await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": chat}, None)
        return time.monotonic() - started

    # Telegram's own figures, not the module's constants, so a wrong constant fails here.
    # The 21st message to one group within a minute waits for a twentieth of the minute.
    assert await elapsed([-100] * 21) >= 0.8 * 60 / 20
    # Sixty messages to sixty private chats take about a second at 30 a second.
    assert await elapsed(list(range(1, 61))) >= 0.8
    await limiter.shutdown()
    app.bot_data.answers.close()


# --- failure modes: every one answers the person who asked -------------------------------------


async def test_reload_shows_at_most_20_problems_with_relative_paths(fake, bot, knowledge):
    broken = "".join(f'[[event]]\nid = "bad-{n}"\ndate = "2023-13-01"\n\n' for n in range(30))
    (knowledge / "events" / "broken.toml").write_text(broken)
    group = -200
    fake.message("/reload", chat_id=group, user_id=ADMIN, chat_type="supergroup")
    await fake.wait_for(lambda: fake.to_chat(group))
    replies = fake.to_chat(group)
    assert len(replies) == 1  # before: dozens of messages
    shown = replies[0].shown
    assert "Reload failed" in shown and shown.count("• ") == 20
    assert "more problem(s)" in shown
    assert "events/broken.toml:3: event 'bad-0': date" in shown
    assert str(knowledge) not in shown and str(knowledge.parent) not in shown


async def test_reload_that_cannot_write_the_index_still_replies(fake, bot, knowledge,
                                                               monkeypatch):
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(knowledge.parent / "index.sqlite"))

    monkeypatch.setattr("bot.engine.build_index", disk_full)
    fake.message("/reload", chat_id=ADMIN, user_id=ADMIN)
    await fake.wait_for(lambda: fake.to_chat(ADMIN))
    shown = fake.to_chat(ADMIN)[0].shown
    assert "Reload failed" in shown and "No space left on device" in shown
    assert str(knowledge.parent) not in shown


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX feature")
async def test_reload_with_a_fifo_and_deep_nesting_replies_at_once(fake, bot, knowledge):
    os.mkfifo(knowledge / "pipe.toml")
    (knowledge / "deep.toml").write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    fake.message("/reload", chat_id=ADMIN, user_id=ADMIN)
    await fake.wait_for(lambda: fake.to_chat(ADMIN), timeout=30)  # before: hung forever
    shown = fake.to_chat(ADMIN)[0].shown
    assert "pipe.toml: skipped: not a regular file" in shown
    assert "deep.toml:1: values nested too deeply" in shown


async def test_a_damaged_index_heals_while_serving_and_admins_are_told(fake, bot, tmp_path):
    index = tmp_path / "index.sqlite"
    size = index.stat().st_size
    with index.open("r+b") as handle:  # the open index damaged in place
        handle.truncate(size // 4)
    fake.message("When did MINUSMA leave Kidal?", chat_id=400)
    await fake.wait_for(lambda: fake.to_chat(400) and fake.to_chat(ADMIN), timeout=30)
    assert fake.to_chat(400)[0].shown.startswith("31 October 2023")  # before: no answer
    assert "rebuilt it from the knowledge files" in fake.to_chat(ADMIN)[0].shown
    fake.message("ansongo", chat_id=401)
    await fake.wait_for(lambda: fake.to_chat(401))
    assert fake.to_chat(401)[0].shown.startswith("18 November 2023")


async def test_a_damaged_index_with_broken_knowledge_comes_back_from_the_last_good_copy(
        fake, bot, knowledge, tmp_path):
    (knowledge / "broken.toml").write_text("[[event]]\nid = \n")
    index = tmp_path / "index.sqlite"
    with index.open("r+b") as handle:
        handle.truncate(index.stat().st_size // 4)
    fake.message("sevare", chat_id=402)
    await fake.wait_for(lambda: fake.to_chat(402) and fake.to_chat(ADMIN), timeout=30)
    assert fake.to_chat(402)[0].shown.startswith("8 December 2023")
    assert "restored the last good copy" in fake.to_chat(ADMIN)[0].shown


async def test_one_users_flood_never_makes_others_wait(fake, knowledge, index_path):
    """600 questions from one user, then one from each of ten others, under Telegram's real
    limits. Each user may have five questions in progress; the excess is dropped with one
    notice, so once the bot has another user's question, its answer waits behind at most five
    of the flooder's, however long the flood (before: behind all 600, about 18 s)."""
    flooder, allowance = 9000, 5
    limiter = RetryingRateLimiter(max_retries=5)  # Telegram's own figures
    async with running_bot(fake, knowledge, index_path, limiter=limiter,
                           per_user=allowance):
        for _ in range(600):
            fake.message("kidal", chat_id=flooder, user_id=flooder)
        others = list(range(9001, 9011))
        asked = {user: fake.message("ansongo", chat_id=user, user_id=user) for user in others}
        await fake.wait_for(lambda: all(fake.to_chat(u) for u in others), timeout=30)
        await fake.wait_for(lambda: fake.confirmed >= max(asked.values()), timeout=30)
    flood_replies = fake.to_chat(flooder)
    assert len(flood_replies) < 100  # the rest were dropped, not queued
    assert sum("faster than I can answer" in m.shown for m in flood_replies) == 1
    for user, update_id in asked.items():
        reply = fake.to_chat(user)
        assert len(reply) == 1
        ahead = [m for m in flood_replies
                 if fake.delivered_at[update_id] < m.at < reply[0].at]
        assert len(ahead) <= allowance + 1, (user, len(ahead))
