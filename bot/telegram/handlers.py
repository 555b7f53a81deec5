"""Handlers: each reads an update, asks the engine through the service, and replies in the
asker's language. Every path answers the person who asked, failures included; in groups the
bot speaks only when addressed, and briefly."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TimedOut
from telegram.ext import CallbackContext, ContextTypes, ExtBot
from telegram.ext.filters import MessageFilter

from bot import pictures
from bot.conversation import Conversations, Exchange, chose, converse, subject_of
from bot.engine import MAX_PAGED_ITEMS, Engine
from bot.i18n import LANGS, Lang, human_date, say
from bot.language import reply_language
from bot.models import Answer, Phrase, Topic
from bot.pictures import Kind
from bot.querylog import ChatKind, Logged, QuestionLog, outcome_of
from bot.render import (
    TELEGRAM_LIMIT,
    Rendered,
    context_of,
    cut,
    render_html,
    render_sources,
    render_telegram,
    render_visible,
    split_within,
    title_of,
    visible_len,
)
from bot.service import AnswerService
from bot.telegram.keyboards import (
    FeedbackPress,
    Kept,
    ListPress,
    PageCache,
    PagePress,
    PicturePress,
    Recipe,
    TopicPress,
    answer_keyboard,
    pager_row,
    parse,
    picture_keyboard,
    topic_buttons,
    without_feedback,
)

log = logging.getLogger(__name__)

# Only what the bot handles reaches it: edited messages, channel posts and the rest never do.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY,
                   Update.MY_CHAT_MEMBER]
MAX_INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 30  # short, so that a reload shows in inline results soon
INLINE_TITLE_UNITS = 100
INLINE_DESCRIPTION_UNITS = 150
# An inline query this long, or ending in "?", is a question: answered as in a private chat.
INLINE_QUESTION_WORDS = 4
START_PARAMETER_CHARS = 64  # Telegram's limit for a deep link's payload: A-Z, a-z, 0-9, _ -
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class BotData:
    """Everything the handlers share, typed (python-telegram-bot builds it empty; `build_
    application` fills it before the first update)."""

    service: AnswerService | None = None
    admins: frozenset[int] = frozenset()
    pages: PageCache = field(default_factory=PageCache)
    log: QuestionLog | None = None
    # Telegram's file_id of each picture sent, by kind, language and knowledge version.
    photos: dict[tuple[str, str, str], str] = field(default_factory=dict)
    pictures: Path = Path("pictures")
    conversations: Conversations = field(default_factory=Conversations)

    @property
    def answers(self) -> AnswerService:
        if self.service is None:
            raise RuntimeError("the answer service is not set up yet")
        return self.service


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)


def service(context: Context) -> AnswerService:
    return context.bot_data.answers


def pages(context: Context) -> PageCache:
    return context.bot_data.pages


def question_log(context: Context) -> QuestionLog | None:
    return context.bot_data.log


def log_question(context: Context, update: Update, kind: ChatKind,
                 question: str, answer: Answer | None, lang: Lang, started: float,
                 entries: Sequence[str] = ()) -> int | None:
    """Queue the question in the log (no ids of people or chats); its row id, for feedback."""
    log_ = question_log(context)
    if log_ is None:
        return None
    row = log_.new_id()
    user = update.effective_user
    if answer is not None:
        outcome, confidence = outcome_of(answer), answer.confidence
        entries = [i.doc_id for i in answer.items if i.doc_id] or list(entries)
    else:  # an inline query: answered when it offered results
        outcome, confidence = ("answered" if entries else "declined"), 0.0
    log_.record(Logged(row, time.time(), kind, lang, question, outcome, tuple(entries),
                       confidence, (time.perf_counter() - started) * 1000,
                       log_.asker(user.id if user else None)))
    return row


def text(key: str, lang: Lang, **params: object) -> str:
    """A catalogue string for a chat; parameters are escaped, the catalogue's own markup kept."""
    escaped = {k: html.escape(str(v), quote=False) for k, v in params.items()}
    return say(Phrase.of(key, **escaped), lang)


def phrase_html(phrase: Phrase, lang: Lang) -> str:
    return text(phrase.key, lang, **phrase.args())


def lang_of(update: Update, question: str = "") -> Lang:
    user = update.effective_user
    return reply_language(question, user.language_code if user else None)


def in_group(message: Message | None) -> bool:
    return message is not None and message.chat.type != ChatType.PRIVATE


# --- Who the message is for -----------------------------------------------------------------


class AddressedToBot(MessageFilter):
    """Group messages meant for the bot: they mention it, or reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        return _mentions(message, bot.username, bot.id)


def _mentions(message: Message, username: str, bot_id: int) -> bool:
    mentioned = message.parse_entities([MessageEntity.MENTION]).values()
    if any(found.lstrip("@").casefold() == username.casefold() for found in mentioned):
        return True
    return any(
        e.user is not None and e.user.id == bot_id
        for e in message.parse_entities([MessageEntity.TEXT_MENTION])
    )


def without_mention(message: Message, username: str) -> str:
    """The message's text with the bot's mentions cut out by their entities, so that
    "@bot, when did..." keeps its question whatever punctuation follows the name."""
    raw = message.text or ""
    utf16 = raw.encode("utf-16-le")
    cuts = [(e.offset, e.offset + e.length) for e in message.entities
            if (e.type == MessageEntity.MENTION
                and message.parse_entity(e).lstrip("@").casefold() == username.casefold())
            or e.type == MessageEntity.TEXT_MENTION]
    for start, end in sorted(cuts, reverse=True):
        utf16 = utf16[: start * 2] + " ".encode("utf-16-le") + utf16[end * 2:]
    rest = utf16.decode("utf-16-le", errors="replace")
    return rest.strip().lstrip(",:;!-–— ").strip()


# --- Replies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a long answer came from and where it was sent, so that its pages can be worked
    out again for that chat only."""

    owner: int | str  # chat id, or inline message id
    recipe: Recipe
    text: str


@dataclass(frozen=True)
class Shown:
    """What frames an answer in its message: the whole question a follow-up was read as, and
    what a "which one?" is about."""

    read_as: str = ""
    about: str = ""


def _read_as(shown: Shown, lang: Lang) -> str:
    if not shown.read_as:
        return ""
    return f"<i>{text('read-as', lang, question=shown.read_as)}</i>\n\n"


def _paged(context: Context, answer: Answer, lang: Lang, brief: bool,
           key: str | None = None, feedback: int | None = None, origin: Origin | None = None,
           shown: Shown = Shown()) -> tuple[Rendered, InlineKeyboardMarkup | None]:
    prefix = _read_as(shown, lang)
    rendered = render_telegram(answer, lang=lang, brief=brief, about=shown.about,
                               limit=TELEGRAM_LIMIT - visible_len(prefix))
    if rendered.pages > 1 and key is None and origin is not None:
        key = pages(context).put(origin.owner, origin.recipe, origin.text, lang, brief)
    if prefix:
        rendered = Rendered(prefix + rendered.text, rendered.page, rendered.pages)
    return rendered, answer_keyboard(answer, lang, rendered, key, brief, feedback)


async def reply_answer(message: Message, context: Context, answer: Answer,
                       lang: Lang, key: str | None = None, feedback: int | None = None,
                       origin: Origin | None = None, shown: Shown = Shown(),
                       quote: bool = False) -> Message:
    """One message: the answer's first page, with its buttons. Quoted in groups, so that the
    thread stays readable."""
    brief = in_group(message)
    rendered, keyboard = _paged(context, answer, lang, brief, key, feedback, origin, shown)
    return await message.reply_text(rendered.text, reply_markup=keyboard,
                                    do_quote=brief or quote)


def conversation_key(message: Message) -> Hashable | None:
    """Whose conversation a message continues: a private chat's, or in a group the thread of
    the bot's message it replies to (a mention out of the blue starts afresh)."""
    if not in_group(message):
        return message.chat.id
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and \
            reply.from_user.id == message.get_bot().id:
        return (message.chat.id, reply.message_id)
    return None


async def ask(message: Message, update: Update, context: Context,
              question: str) -> None:
    user = update.effective_user
    memory = context.bot_data.conversations
    key = conversation_key(message)
    group = in_group(message)
    started = time.perf_counter()
    exchange: Exchange = await service(context).run(lambda engine: converse(
        engine, memory, key, question, user_language=user.language_code if user else None,
        list_limit=MAX_PAGED_ITEMS, remember=not group))
    answer, lang = exchange.answer, exchange.lang
    kind: ChatKind = "group" if group else "private"
    row = log_question(context, update, kind, exchange.question, answer, lang, started)
    # 👍 👎 under answers in private chats; a group would only see them as noise.
    feedback = row if kind == "private" and answer.is_answer else None
    shown = Shown(exchange.question if exchange.rewritten else "",
                  subject_of(exchange.frame, lang))
    sent = await reply_answer(message, context, answer, lang, feedback=feedback,
                              origin=Origin(message.chat.id, "ask", exchange.question),
                              shown=shown)
    if group and exchange.turn is not None:
        # In a group, the conversation goes on in replies to this answer.
        memory.remember((message.chat.id, sent.message_id), exchange.turn)


# --- Commands -------------------------------------------------------------------------------


def deep_link_payload(query: str) -> str:
    """A question as a /start payload (A-Z, a-z, 0-9, _ and -, at most 64): accents dropped
    (questions are read without them), other characters as underscores, cut at a word."""
    flat = unicodedata.normalize("NFKD", query).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Za-z0-9]+", "_", flat).strip("_")
    while len(words) > START_PARAMETER_CHARS:
        words = words.rsplit("_", 1)[0] if "_" in words else words[:START_PARAMETER_CHARS]
    return words or "help"


async def start(update: Update, context: Context) -> None:
    """/start and /help: what the bot knows, with example topics as buttons. A deep link
    (t.me/<bot>?start=kidal) asks its payload as a question."""
    message = update.effective_message
    assert message is not None
    payload = " ".join(context.args or []).strip()
    if payload and payload not in ("help", "nomatch"):
        await ask(message, update, context, payload.replace("_", " ").replace("-", " "))
        return
    lang = lang_of(update)
    featured = await service(context).run(lambda engine: engine.featured())
    rows = topic_buttons(featured, lang)
    await message.reply_text(say(Phrase.of("help"), lang),
                             reply_markup=InlineKeyboardMarkup(rows) if rows else None,
                             do_quote=False)


async def ask_command(update: Update, context: Context) -> None:
    """/ask QUESTION, in any chat."""
    message = update.effective_message
    assert message is not None
    question = " ".join(context.args or [])
    if not question.strip():
        await message.reply_text(say(Phrase.of("ask-usage"), lang_of(update)),
                                 do_quote=in_group(message))
        return
    await ask(message, update, context, question)


async def timeline(update: Update, context: Context) -> None:
    """/timeline: the decade and the withdrawal on one time axis, as a picture; the same as a
    paged list is one button away."""
    assert update.effective_message is not None
    await send_picture(update.effective_message, context, "timeline", lang_of(update))


async def camps_map(update: Update, context: Context) -> None:
    """/map: every camp on a map of Mali, coloured by its closure date."""
    assert update.effective_message is not None
    await send_picture(update.effective_message, context, "map", lang_of(update))


async def send_picture(message: Message, context: Context, kind: Kind,
                       lang: Lang) -> None:
    """A picture with its caption (its text alternative). Drawn once per knowledge version
    and language, in a worker thread; after the first upload, Telegram's file_id is sent
    again, which is instant."""
    engine = service(context).engine
    version = engine.info.fingerprint
    shown = pictures.facts(engine.store, engine.sources)
    text_alternative = html.escape(pictures.caption(kind, shown, lang), quote=False)
    markup = picture_keyboard(kind, lang)
    sent_before: dict[tuple[str, str, str], str] = context.bot_data.photos
    known = sent_before.get((kind, lang, version))
    if known is not None:
        await message.reply_photo(known, caption=text_alternative, reply_markup=markup,
                                  do_quote=in_group(message))
        return
    path = await asyncio.to_thread(pictures.cached, kind, shown, lang,
                                   context.bot_data.pictures, version)
    sent = await message.reply_photo(path.read_bytes(), caption=text_alternative,
                                     reply_markup=markup, do_quote=in_group(message),
                                     filename=path.name)
    if sent.photo:
        sent_before[(kind, lang, version)] = sent.photo[-1].file_id


async def sources(update: Update, context: Context) -> None:
    """/sources: every source, newest first, one message paged in place."""
    message = update.effective_message
    assert message is not None
    lang = lang_of(update)
    rendered = render_sources(list(service(context).engine.sources.values()), lang=lang)
    markup = (InlineKeyboardMarkup([pager_row(f"src.{lang}", 0, rendered.pages)])
              if rendered.pages > 1 else None)
    await message.reply_text(rendered.text, reply_markup=markup, do_quote=in_group(message))


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have, in a private chat (groups stay quiet: the command may
    be another bot's)."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(say(Phrase.of("unknown-command"),
                                                  lang_of(update)), do_quote=False)


async def not_text(update: Update, context: Context) -> None:
    """A sticker, photo, voice note or file in a private chat: the bot reads text only."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(say(Phrase.of("text-only"), lang_of(update)),
                                              do_quote=False)


# --- Questions ------------------------------------------------------------------------------


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await ask(message, update, context, message.text)


async def group_text(update: Update, context: Context) -> None:
    """A group message that mentions the bot or replies to it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await ask(message, update, context, without_mention(message, context.bot.username))


# --- Buttons --------------------------------------------------------------------------------
# Each kind of press has its handler, routed by CallbackQueryHandler(pattern=pressed(kind));
# data no grammar accepts goes to `stale`. Every press is answered, so no spinner hangs.


def _press(update: Update) -> tuple[CallbackQuery, object]:
    query = update.callback_query
    assert query is not None
    return query, parse(query.data or "", lang_of(update))


async def topic_pressed(update: Update, context: Context) -> None:
    """An entry's answer, in a new message below the one pressed: the choices (or the "I don't
    know" they followed) stay as they were, still usable, and the chat reads in order."""
    query, press = _press(update)
    assert isinstance(press, TopicPress)
    answer = await service(context).run(lambda engine: engine.topic(press.entry))
    if answer is None:
        await acknowledge(query, say(Phrase.of("topic-gone"), press.lang), alert=True)
        return
    await acknowledge(query)
    message = query.message if isinstance(query.message, Message) else None
    owner = message.chat.id if message is not None else query.inline_message_id or ""
    origin = Origin(owner, "topic", press.entry)
    if message is None:
        # An inline message: the bot cannot post in that chat, only edit its own message.
        rendered, keyboard = _paged(context, answer, press.lang, False, origin=origin)
        await _edit(query.edit_message_text(rendered.text, reply_markup=keyboard))
        return
    sent = await reply_answer(message, context, answer, press.lang, origin=origin,
                              quote=press.offered)
    memory = context.bot_data.conversations
    if in_group(message):
        key: Hashable = (message.chat.id, message.message_id)
        into: Hashable | None = (message.chat.id, sent.message_id)
    else:
        key, into = message.chat.id, None
    await service(context).run(lambda engine: chose(engine, memory, key, answer, into))


async def picture_pressed(update: Update, context: Context) -> None:
    """Under a picture: the other picture."""
    query, press = _press(update)
    assert isinstance(press, PicturePress)
    await acknowledge(query)
    if isinstance(query.message, Message):
        await send_picture(query.message, context, press.kind, press.lang)


async def list_pressed(update: Update, context: Context) -> None:
    """Under a picture: the withdrawal as a paged list."""
    query, press = _press(update)
    assert isinstance(press, ListPress)
    await acknowledge(query)
    if isinstance(query.message, Message):
        answer = await service(context).run(lambda engine: engine.timeline())
        await reply_answer(query.message, context, answer, press.lang,
                           key=f"tl.{press.lang}")


async def page_pressed(update: Update, context: Context) -> None:
    query, press = _press(update)
    assert isinstance(press, PagePress)
    if press.page is None:
        await acknowledge(query)  # the page counter: nothing to change
        return
    kind, _, lang_code = press.key.partition(".")
    lang: Lang = lang_code if lang_code in LANGS else lang_of(update)
    message = query.message if isinstance(query.message, Message) else None
    brief = in_group(message)
    markup: InlineKeyboardMarkup | None
    if kind == "src":
        rendered = render_sources(list(service(context).engine.sources.values()), lang=lang,
                                  page=press.page)
        markup = InlineKeyboardMarkup([pager_row(press.key, rendered.page, rendered.pages)])
    else:
        if kind == "tl":
            answer = await service(context).run(lambda engine: engine.timeline())
        else:
            owner = message.chat.id if message is not None else query.inline_message_id
            kept = pages(context).get(press.key, owner)
            found = await _work_out(context, kept) if kept is not None else None
            if kept is None or found is None:
                await acknowledge(query, say(Phrase.of("list-expired"), lang), alert=True)
                return
            answer, lang, brief = found, kept.lang, kept.brief
        rendered = render_telegram(answer, lang=lang, brief=brief, page=press.page)
        markup = answer_keyboard(answer, lang, rendered, press.key, brief)
    await acknowledge(query)
    await _edit(query.edit_message_text(rendered.text, reply_markup=markup))


async def feedback_pressed(update: Update, context: Context) -> None:
    """👍 or 👎: recorded against the question's row, acknowledged, and the pair removed."""
    query, press = _press(update)
    assert isinstance(press, FeedbackPress)
    lang = lang_of(update)
    log_ = question_log(context)
    if log_ is not None and not log_.feedback(press.row, press.helpful):
        await acknowledge(query, say(Phrase.of("button-stale"), lang), alert=True)
        return
    await acknowledge(query, say(Phrase.of("feedback-thanks"), lang))
    if isinstance(query.message, Message):
        await _edit(query.edit_message_reply_markup(
            reply_markup=without_feedback(query.message.reply_markup)))


async def stale(update: Update, context: Context) -> None:
    """Data this bot never sent, or stopped sending: a short alert, never silence."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query, say(Phrase.of("button-stale"), lang_of(update)), alert=True)


async def _work_out(context: Context, kept: Kept) -> Answer | None:
    """The kept answer, worked out again from its question or entry (a few ms), so that the
    cache holds keys, not answers."""
    if kept.recipe == "topic":
        return await service(context).run(lambda engine: engine.topic(kept.text))
    return await service(context).run(
        lambda engine: engine.ask(kept.text, list_limit=MAX_PAGED_ITEMS))


async def acknowledge(query: CallbackQuery, notice: str | None = None,
                      alert: bool = False) -> None:
    """Answer a button press. Telegram refuses answers after about 15 s ("query is too old"),
    as when the bot was busy or restarting; the press is then still carried out."""
    try:
        await query.answer(notice, show_alert=alert)
    except BadRequest as exc:
        reason = str(exc).lower()
        if "query is too old" not in reason and "query id is invalid" not in reason:
            raise
        log.info("button press %s answered too late; carrying it out anyway", query.id)


async def _edit(edit: object) -> None:
    """An edit in place; pressing twice before the first edit lands is not an error."""
    try:
        await edit  # type: ignore[misc]
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


# --- Inline mode ----------------------------------------------------------------------------


def is_question(words: str) -> bool:
    return words.endswith("?") or len(words.split()) >= INLINE_QUESTION_WORDS


async def inline_query(update: Update, context: Context) -> None:
    """@bot words, in any chat: the best answers as articles, each the full cited answer,
    their description the fact itself. A question ("who led MINUSMA in 2016?") is answered
    as in a private chat, first. Results follow the asker's language, so Telegram caches them
    per user (`is_personal`); the button opens a private chat with the query asked."""
    query = update.inline_query
    assert query is not None
    words = query.query.strip()
    lang = lang_of(update, words)

    def found(engine: Engine) -> tuple[Answer | None, list[tuple[Topic, Answer]]]:
        if not words:
            picked = [(t, engine.topic(t.doc_id)) for t in engine.featured()]
            return None, [(t, a) for t, a in picked if a is not None]
        asked = engine.ask(words, list_limit=MAX_PAGED_ITEMS) if is_question(words) else None
        return (asked if asked is not None and asked.is_answer else None,
                engine.suggest(words, MAX_INLINE_RESULTS))

    started = time.perf_counter()
    asked, results = await service(context).run(found)
    articles = []
    if asked is not None:
        articles.append(_asked_article(words, asked, lang))
        answered = {i.doc_id for i in asked.items[:1]}
        results = [(t, a) for t, a in results if t.doc_id not in answered]
    articles.extend(_article(topic, answer, lang)
                    for topic, answer in results[:MAX_INLINE_RESULTS - len(articles)])
    if words:
        log_question(context, update, "inline", words, asked, lang, started,
                     [t.doc_id for t, _ in results[:MAX_INLINE_RESULTS]])
    button_ = None
    if words and (not articles or (asked is None and is_question(words))):
        key = "inline-no-match" if not articles else "inline-ask-private"
        button_ = InlineQueryResultsButton(text=say(Phrase.of(key), lang),
                                           start_parameter=deep_link_payload(words))
    await query.answer(articles, cache_time=INLINE_CACHE_SECONDS, is_personal=True,
                       button=button_)


def inline_description(answer: Answer, lang: Lang) -> str:
    """The fact in a line: its date and its first sentence."""
    item = answer.items[0]
    first, _ = split_within(context_of(item, lang), INLINE_DESCRIPTION_UNITS)
    line = first if not item.when else say(
        Phrase.of("dated", when=human_date(item.when, lang), title=first), lang)
    return cut(line, INLINE_DESCRIPTION_UNITS)


def _article(topic: Topic, answer: Answer, lang: Lang) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=topic.doc_id,
        title=cut(title_of(answer.items[0], lang), INLINE_TITLE_UNITS),
        description=inline_description(answer, lang),
        input_message_content=InputTextMessageContent(
            render_telegram(answer, lang=lang).text, link_preview_options=NO_PREVIEW),
    )


def _asked_article(words: str, answer: Answer, lang: Lang) -> InlineQueryResultArticle:
    """The answer to the question typed, shared in another chat: it opens on the question,
    so that "In 2016: 23." stands on its own there, and shows the first page of a list with
    how many more there are (an inline message has no pager)."""
    asked = f"<i>{text('asked', lang, question=cut(words, 200))}</i>\n\n"
    body = render_html(answer, lang=lang, limit=TELEGRAM_LIMIT - visible_len(asked))
    headline = render_visible(answer, lang=lang).split("\n", 1)[0]
    return InlineQueryResultArticle(
        id="asked",
        title=cut(words, INLINE_TITLE_UNITS),
        description=cut(headline, INLINE_DESCRIPTION_UNITS),
        input_message_content=InputTextMessageContent(asked + body,
                                                      link_preview_options=NO_PREVIEW),
    )


# --- Membership, floods and failures --------------------------------------------------------


async def added_to_group(update: Update, context: Context) -> None:
    """A short introduction when someone adds the bot to a group."""
    change = update.my_chat_member
    assert change is not None
    joined = (change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
              and change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED))
    if not joined or change.chat.type == ChatType.PRIVATE:
        return
    lang = reply_language("", change.from_user.language_code)
    await context.bot.send_message(change.chat.id, text("group-intro", lang,
                                                         bot=context.bot.username))


async def too_fast(update: Update) -> None:
    """Once per burst, to a user whose questions were dropped for flooding."""
    notice = say(Phrase.of("too-fast"), lang_of(update))
    if update.callback_query is not None:
        await acknowledge(update.callback_query, notice)
    elif update.effective_message is not None and update.inline_query is None:
        await update.effective_message.reply_text(notice, do_quote=False)


async def on_error(update: object, context: Context) -> None:
    """Log every failure with the update it came from, and tell the asker something went
    wrong; the bot keeps serving."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, TimedOut):
        return  # a send that timed out may have been delivered: no "sorry" after an answer
    notice = say(Phrase.of("failed"), lang_of(update))
    try:
        if update.callback_query is not None:
            await acknowledge(update.callback_query, notice, alert=True)
        elif (update.effective_message is not None and update.effective_chat is not None
              and update.effective_chat.type == ChatType.PRIVATE):
            await update.effective_message.reply_text(notice, do_quote=False)
    except Exception:  # the failure may be Telegram itself; the log already has it
        log.warning("could not tell update %s's sender about the failure", update_id)
