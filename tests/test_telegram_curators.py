"""End to end: the curators' commands and the question log they read."""

from __future__ import annotations

import gzip

from tests.conftest import ADMIN


async def test_the_log_fills_and_curators_read_it(fake, bot, tmp_path):
    user, admin_chat = 777000111, ADMIN
    fake.message("When did MINUSMA leave Kidal?", chat_id=user, user_id=user)
    fake.message("Who built the Bourem bridge?", chat_id=user, user_id=user)
    fake.message("who built the bourem bridge", chat_id=user, user_id=user)
    fake.mention("", " capital of Peru?", chat_id=-777000222, user_id=user)
    fake.inline("kidal closure", user_id=user)
    await fake.wait_for(lambda: len(fake.to_chat(user)) == 3 and fake.inline_answers)
    answer = next(m for m in fake.to_chat(user) if m.shown.startswith("31 October"))
    votes = [d for d in fake.button_data(answer) if d.startswith("f:")]
    assert len(votes) == 2  # 👍 and 👎 under an answer in a private chat
    fake.press(votes[0], on=answer, user_id=user)
    await fake.wait_for(lambda: fake.callback_answers and fake.edits)
    assert "noted" in fake.callback_answers[-1]["text"]
    assert not [d for d in fake.button_data(fake.current(answer)) if d.startswith("f:")]

    fake.message("/stats", chat_id=admin_chat, user_id=ADMIN)
    fake.message("/unanswered", chat_id=admin_chat, user_id=ADMIN)
    fake.message("/export", chat_id=admin_chat, user_id=ADMIN)
    await fake.wait_for(lambda: len(fake.to_chat(admin_chat)) == 3, timeout=15)
    by_text = {m.shown.split()[0]: m.shown for m in fake.to_chat(admin_chat)}
    stats = next(t for t in by_text.values() if t.startswith("Questions"))
    assert "5 in all" in stats and "👍 1" in stats and "p50" in stats
    unanswered = next(t for t in by_text.values() if "declined" in t and "×" in t)
    assert "bourem bridge? (×2)" in unanswered.lower()
    chat, name, content = fake.documents[0]
    assert chat == admin_chat and name == "questions.csv.gz"
    assert gzip.decompress(content).decode().count("\n") == 6  # a header and five questions

    log_file = (tmp_path / "questions.sqlite").read_bytes()
    for identity in (b"777000111", b"777000222", b"User777000111", str(ADMIN).encode() * 2):
        assert identity not in log_file  # no user id, chat id or name anywhere in the log


async def test_the_curators_commands_refuse_anyone_else(fake, bot):
    for command in ("/stats", "/unanswered", "/export"):
        fake.message(command, chat_id=90, user_id=90, language="fr")
    await fake.wait_for(lambda: len(fake.to_chat(90)) == 3)
    assert all("réservée aux curateurs" in m.shown for m in fake.to_chat(90))
    assert fake.documents == []
