"""The curators' commands (BOT_ADMIN_IDS only; anyone else is politely refused): /reload the
knowledge, and read the question log with /stats, /unanswered and /export."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence

from telegram import InputFile, Message, Update
from telegram.error import NetworkError

from bot.i18n import Lang, say
from bot.models import Phrase
from bot.querylog import EXPORT_BYTES, QuestionLog
from bot.render import cut
from bot.service import ReloadFailed
from bot.telegram.handlers import Context, lang_of, question_log, service, text
from bot.telegram.limits import too_large

MAX_PROBLEMS_SHOWN = 20
PROBLEM_UNITS = 180  # per problem line: 20 of them fit in one message


def problem_lines(problems: Sequence[str], lang: Lang) -> str:
    shown = [f"• {html.escape(cut(p, PROBLEM_UNITS), quote=False)}"
             for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(text("problems-more", lang, count=len(problems) - MAX_PROBLEMS_SHOWN))
    return "\n".join(shown)


async def reload(update: Update, context: Context) -> None:
    """/reload (admins only): re-read the knowledge and swap the index while serving. Always
    replies: with counts, with at most 20 problems and the number of the rest, or with a
    failure that names no server path."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    lang = lang_of(update)
    admins = context.bot_data.admins
    if user is None or user.id not in admins:
        await message.reply_text(say(Phrase.of("reload-denied"), lang), do_quote=False)
        return
    try:
        report = await service(context).reload()
    except ReloadFailed as exc:
        head = text("reload-failed", lang, count=len(exc.problems))
        await message.reply_text(f"{head}\n\n{problem_lines(exc.problems, lang)}",
                                 do_quote=False)
        return
    counts = report.counts
    await message.reply_text(text("reloaded", lang, ms=f"{report.seconds * 1000:.0f}",
                                  sources=counts["sources"], events=counts["events"],
                                  faq=counts["faq"]), do_quote=False)


async def _curator_log(update: Update, context: Context
                       ) -> tuple[Message, Lang, QuestionLog] | None:
    """The message, language and log for a curator's command; anyone else is refused."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    lang = lang_of(update)
    if user is None or user.id not in context.bot_data.admins:
        await message.reply_text(say(Phrase.of("admin-only"), lang), do_quote=False)
        return None
    log_ = question_log(context)
    if log_ is None:
        await message.reply_text(say(Phrase.of("log-off"), lang), do_quote=False)
        return None
    # What was just asked counts too; if the file cannot be written now (locked, full), the
    # curator still gets what is there, and the writer keeps the rows for later.
    await asyncio.to_thread(log_.try_flush)
    return message, lang, log_


async def stats(update: Update, context: Context) -> None:
    """/stats (curators): questions today, in 7 days and in all; outcomes; top answers;
    feedback; answer times."""
    found = await _curator_log(update, context)
    if found is None:
        return
    message, lang, log_ = found
    summary = await asyncio.to_thread(log_.summary)
    engine = service(context).engine

    def pct(share: float) -> str:
        return f"{share * 100:.0f} %" if lang == "fr" else f"{share * 100:.0f}%"

    lines = [text("stats-head", lang, today=summary.today, week=summary.week,
                  total=summary.total),
             text("stats-outcomes", lang, answered=pct(summary.answered),
                  declined=pct(summary.declined), choice=pct(summary.choice)),
             text("stats-feedback", lang, up=summary.helpful, down=summary.not_helpful)]
    if summary.askers is not None:
        lines.append(text("stats-askers", lang, count=summary.askers))
    if summary.p50_ms is not None and summary.p95_ms is not None:
        lines.append(text("stats-latency", lang, p50=f"{summary.p50_ms:.0f}",
                          p95=f"{summary.p95_ms:.0f}"))
    if summary.top_entries:
        lines.append("\n" + text("stats-top", lang))
        for n, (doc_id, count) in enumerate(summary.top_entries, 1):
            doc = engine.store.doc(doc_id)
            title = doc.title if doc is not None else doc_id
            lines.append(f"{n}. {html.escape(cut(title, 80), quote=False)} ({count})")
    await message.reply_text("\n".join(lines), do_quote=False)


async def unanswered(update: Update, context: Context) -> None:
    """/unanswered (curators): the declined questions asked most, similar ones together."""
    found = await _curator_log(update, context)
    if found is None:
        return
    message, lang, log_ = found
    groups = await asyncio.to_thread(log_.unanswered)
    if not groups:
        await message.reply_text(say(Phrase.of("unanswered-none"), lang), do_quote=False)
        return
    lines = [text("unanswered-head", lang)]
    lines += [f"{n}. {html.escape(cut(g.question, 120), quote=False)} (×{g.count})"
              for n, g in enumerate(groups, 1)]
    await message.reply_text("\n".join(lines), do_quote=False)


async def export(update: Update, context: Context) -> None:
    """/export (curators): the log as a compressed CSV document, newest rows first, cut to
    what Telegram accepts (50 MB); the caption says how to get the rest on the server."""
    found = await _curator_log(update, context)
    if found is None:
        return
    message, lang, log_ = found
    limit = EXPORT_BYTES
    for _ in range(3):
        exported = await asyncio.to_thread(log_.export, limit)
        caption = (text("export-caption", lang, count=exported.rows)
                   if exported.rows == exported.total else
                   text("export-partial", lang, count=exported.rows, total=exported.total))
        try:
            await message.reply_document(
                InputFile(exported.data, filename="questions.csv.gz"), caption=caption,
                do_quote=False)
            return
        except NetworkError as exc:
            if not too_large(exc):
                raise
            limit //= 4  # a Bot API server with a lower limit than Telegram's
    await message.reply_text(say(Phrase.of("export-too-large"), lang), do_quote=False)
