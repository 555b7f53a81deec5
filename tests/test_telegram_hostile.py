"""End to end, as a hostile user and a careless operator would (issue 22): forged buttons,
floods of long lists, per-chat limits, late button answers, oversized exports, upgraded
groups, anonymous admins and repeated deliveries. The real bot against the imitation."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
import sqlite3
import time
from pathlib import Path

from telegram import Update

from bot.querylog import Logged, QuestionLog
from bot.telegram import curators
from bot.telegram.keyboards import Kept, PageCache
from bot.telegram.limits import FairUse
from tests.conftest import ADMIN
from tests.fake_telegram import ANONYMOUS_ADMIN, BOT_ID, FakeTelegram
from tests.harness import running_bot

STALE = "no longer"  # from the catalogue's "button-stale" and "list-expired" alerts


async def only(fake: FakeTelegram, chat: int) -> object:
    await fake.wait_for(lambda: fake.to_chat(chat))
    return fake.to_chat(chat)[0]


def page_buttons(fake: FakeTelegram, message) -> list[str]:
    return [d for d in fake.button_data(message) if re.fullmatch(r"p:[0-9a-f]{16}:\d+", d)]


def rows_in(path: Path, sql: str) -> list[tuple[object, ...]]:
    peek = sqlite3.connect(path)
    try:
        return peek.execute(sql).fetchall()
    finally:
        peek.close()


async def test_forged_vote_data_is_refused_and_the_log_keeps_writing(fake, bot, tmp_path):
    fake.message("When did MINUSMA leave Kidal?", chat_id=31, user_id=31)
    answer = await only(fake, 31)
    for forged in ("f:ffffffffffffffff:1", "f:1:1:1", "f:-1:1"):
        fake.press(forged, on=answer, user_id=31)
    await fake.wait_for(lambda: len(fake.callback_answers) == 3)
    assert all(a.get("show_alert") in (True, "true", "True") for a in fake.callback_answers)
    fake.message("ansongo", chat_id=32, user_id=32)
    await only(fake, 32)
    log = tmp_path / "questions.sqlite"
    await fake.wait_for(lambda: len(rows_in(log, "select 1 from questions")) == 2, timeout=10)
    assert bot.bot_data.log.failures == 0  # the writer never failed


async def test_a_flood_of_long_lists_keeps_questions_not_answers(fake, bot):
    """2,000 questions for a 500-item list took the process from 93 MB to 1.6 GB: the cache
    now keeps each list's question, within a byte budget, and pages are worked out again."""
    cache: PageCache = bot.bot_data.pages
    for n in range(40):
        fake.message("What happened after 2012?", chat_id=5000 + n, user_id=5000 + n)
    await fake.wait_for(lambda: all(fake.to_chat(5000 + n) for n in range(40)), timeout=30)
    assert len(cache) == 40 and cache.bytes <= 40 * 1000
    assert all(isinstance(k, Kept) and k.text == "What happened after 2012?"
               for k in cache._kept.values())
    first = fake.to_chat(5000)[0]
    before = first.shown
    forward = page_buttons(fake, first)[-1]
    fake.press(forward, on=first, user_id=5000)
    await fake.wait_for(lambda: fake.edits)
    assert fake.edits[-1].shown != before  # page 2, worked out again from the question


async def test_another_chat_cannot_page_through_someone_elses_list(fake, bot):
    fake.message("What happened after 2012?", chat_id=41, user_id=41)
    fake.message("kidal", chat_id=42, user_id=42)
    mine, theirs = await only(fake, 41), await only(fake, 42)
    forward = page_buttons(fake, mine)[-1]
    fake.press(forward, on=theirs, user_id=42)  # the key, pressed from another chat
    fake.press("p:1:1", on=theirs, user_id=42)  # a sequential key, as they used to be
    fake.press("p:tl.en:²", on=theirs, user_id=42)  # a Unicode digit: a traceback before
    await fake.wait_for(lambda: len(fake.callback_answers) == 3)
    assert all(STALE in a["text"] for a in fake.callback_answers)
    assert fake.edits == []


async def test_a_429_for_one_chat_never_holds_up_another(fake, bot):
    """Telegram limits each chat on its own: a group told to wait must not make a private
    user wait too (before: the private user waited 24 s behind a group's limit)."""
    fake.fail_next("sendMessage", 429, retry_after=3, chat_id=-600)
    fake.message("/ask kidal", chat_id=-600, chat_type="supergroup", user_id=61)
    await fake.wait_for(lambda: "sendMessage" in fake.calls)
    fake.message("ansongo", chat_id=62, user_id=62)
    await fake.wait_for(lambda: fake.to_chat(62) and fake.to_chat(-600), timeout=15)
    assert fake.to_chat(62)[0].at < fake.to_chat(-600)[0].at  # answered while the group waited


async def test_a_button_answered_too_late_is_still_carried_out(fake, bot):
    fake.message("What happened after 2012?", chat_id=71, user_id=71)
    first = await only(fake, 71)
    before = first.shown
    fake.fail_next("answerCallbackQuery", 400, description="Bad Request: query is too old and "
                   "response timeout expired or query ID is invalid")
    fake.press(page_buttons(fake, first)[-1], on=first, user_id=71)
    await fake.wait_for(lambda: fake.edits)  # the page still turns
    assert fake.edits[-1].shown != before


async def test_a_group_upgraded_to_a_supergroup_still_gets_its_answer(fake, bot):
    fake.fail_next("sendMessage", 400, chat_id=-81, description="Bad Request: group chat was "
                   "upgraded to a supergroup chat", parameters={"migrate_to_chat_id": -10081})
    fake.message("/ask kidal", chat_id=-81, chat_type="group", user_id=81)
    await fake.wait_for(lambda: fake.to_chat(-10081))
    assert fake.to_chat(-10081)[0].shown.startswith("31 October 2023")


async def test_an_update_delivered_again_is_answered_once(fake, bot, tmp_path):
    update_id = fake.message("kidal", chat_id=91, user_id=91)
    await only(fake, 91)
    fake.repeat(update_id)
    fake.repeat(update_id)
    marker = fake.message("ansongo", chat_id=91, user_id=91)
    await fake.wait_for(lambda: len(fake.to_chat(91)) >= 2 and fake.confirmed >= marker)
    await asyncio.sleep(0.3)
    assert len(fake.to_chat(91)) == 2
    log = tmp_path / "questions.sqlite"
    handled = "select update_id from handled_updates"
    await fake.wait_for(lambda: (update_id,) in rows_in(log, handled), timeout=10)


async def test_update_ids_handled_before_a_restart_are_not_answered_again(fake, knowledge,
                                                                         index_path):
    async with running_bot(fake, knowledge, index_path):
        update_id = fake.message("kidal", chat_id=92, user_id=92)
        await only(fake, 92)
    async with running_bot(fake, knowledge, index_path):
        fake.repeat(update_id)  # a crash before the offset was confirmed, say
        marker = fake.message("ansongo", chat_id=93, user_id=93)
        await fake.wait_for(lambda: fake.to_chat(93) and fake.confirmed >= marker)
    assert len(fake.to_chat(92)) == 1


async def test_an_export_over_telegrams_limit_sends_the_newest_rows_that_fit(
        fake, knowledge, index_path, tmp_path, monkeypatch):
    """A 99 MB CSV was uploaded five times (413 retried as transient), then "something went
    wrong". Now 413 is never retried, and what fits is sent, compressed, newest first."""
    log = QuestionLog(tmp_path / "questions.sqlite")
    now = time.time()
    for n in range(3000):
        log.record(Logged(log.new_id(), now - 3000 + n, "private", "en",
                          f"question {n} {'filler ' * (n % 40)}", "declined", (), 0.0, 1.0))
    log.close()
    monkeypatch.setattr(curators, "EXPORT_BYTES", 60_000)
    fake.document_limit = 30_000  # a Bot API server with a lower limit
    async with running_bot(fake, knowledge, index_path, admins=frozenset({ADMIN})):
        fake.message("/export", chat_id=ADMIN, user_id=ADMIN)
        await fake.wait_for(lambda: fake.documents, timeout=15)
    assert fake.calls.count("sendDocument") == 2  # refused once, never retried as is
    _, name, content = fake.documents[0]
    rows = gzip.decompress(content).decode().splitlines()
    assert name == "questions.csv.gz" and len(content) <= 15_000
    assert "question 2999" in rows[1]  # the newest first
    caption = fake.to_chat(ADMIN)[-1].shown
    assert "most recent of 3000" in caption and "python -m bot report" in caption


def _anonymous(group: int, text: str) -> Update:
    chat = {"id": group, "type": "supergroup", "title": "G"}
    return Update.de_json({"update_id": group * -1, "message": {
        "message_id": 1, "date": 0, "chat": chat, "sender_chat": chat, "text": text,
        "from": {"id": ANONYMOUS_ADMIN, "is_bot": True, "first_name": "Group"}}}, None)


async def test_anonymous_admins_of_different_groups_have_their_own_allowance():
    dropped: list[Update] = []

    async def on_excess(update: Update) -> None:
        dropped.append(update)

    fair = FairUse(on_excess, per_user=1)
    release = asyncio.Event()

    async def busy() -> None:
        await release.wait()

    first = asyncio.create_task(fair.do_process_update(_anonymous(-1001, "a"), busy()))
    await asyncio.sleep(0)
    second = asyncio.create_task(fair.do_process_update(_anonymous(-1002, "b"), busy()))
    await asyncio.sleep(0)
    assert dropped == [] and set(fair.pending) == {-1001, -1002}  # keyed by group, not user
    await fair.do_process_update(_anonymous(-1001, "c"), busy())  # the same group: too many
    assert len(dropped) == 1
    release.set()
    await asyncio.gather(first, second)


async def test_a_failing_log_never_costs_an_answer_and_shutdown_exits_cleanly(
        fake, knowledge, index_path, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    async with running_bot(fake, knowledge, index_path) as app:
        log: QuestionLog = app.bot_data.log
        holder = sqlite3.connect(tmp_path / "questions.sqlite", isolation_level=None,
                                 timeout=0)
        holder.execute("begin exclusive")  # another process holds the log's lock
        fake.message("kidal", chat_id=95, user_id=95)
        await only(fake, 95)
        await fake.wait_for(lambda: log.failures > 0, timeout=15)
        holder.execute("commit")
        holder.close()
        await fake.wait_for(lambda: log.failures == 0 and log.pending == 0, timeout=15)
    assert rows_in(tmp_path / "questions.sqlite", "select question from questions") == [
        ("kidal",)]
    assert "could not write the question log" in caplog.text
    assert BOT_ID  # the bot answered throughout


def test_remembered_update_ids_are_bounded_and_forgotten_after_a_day():
    """Telegram redelivers within a day and, after a quiet week, numbers updates at random: an
    old id must not make a new update look like a repeat."""
    from bot.telegram.app import SeenUpdates

    now = [0.0]
    seen = SeenUpdates(size=3, clock=lambda: now[0])
    assert seen.first_time(1) and not seen.first_time(1)
    for update_id in range(2, 10):
        assert seen.first_time(update_id)
    assert len(seen._ids) == 3 and seen.repeats == 1
    now[0] += 86400
    assert seen.first_time(9)  # a day later: a new update that happens to reuse the id
