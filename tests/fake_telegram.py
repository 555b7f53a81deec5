"""A local imitation of the Telegram Bot API on 127.0.0.1, for end-to-end tests and benchmarks.

It speaks real HTTP to the real python-telegram-bot and is strict where Telegram is strict:
HTML parse mode (allowed tags, nesting, entities), 1-4096 UTF-16 units after parsing (1024 for
a caption), at most 50 inline results, 64-byte callback data and result ids, 200-unit callback
answers answered once, command names and description lengths, "message is not modified" on an
identical edit, PNG uploads and known file ids, webhook secrets, and 400 errors with Telegram's
wording. Faults can be injected per method (429 with retry_after, 5xx, late answers, a revoked
token's 401). Updates are queued by the test and served to getUpdates with Telegram's offset
semantics (an offset confirms every update below it), only of the types the bot asked for.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.parser import BytesParser
from email.policy import default as default_policy
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "123456:TEST-token-never-logged"
BOT_ID = 123456
BOT_USERNAME = "minusma_test_bot"
TEXT_LIMIT = 4096
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "tg-spoiler", "span", "blockquote", "tg-emoji"}
JSON_FIELDS = {"reply_markup", "results", "entities", "link_preview_options", "reply_parameters",
               "allowed_updates", "button", "commands"}
ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: every anonymous admin's "from"
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class _TelegramHTML(HTMLParser):
    """Parses text the way Telegram's HTML mode does, raising on what Telegram rejects."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ValueError(f"Unsupported start tag \"{tag}\"")
        if tag in self.stack and tag in ("a", "blockquote", "pre", "code"):
            raise ValueError(f"Can't nest \"{tag}\" in itself")
        if tag == "blockquote" and any(k != "expandable" for k, _ in attrs):
            raise ValueError("Unsupported attribute of blockquote")
        if tag == "a" and not any(k == "href" for k, _ in attrs):
            raise ValueError("Can't find end of the URL")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ValueError(f"Can't find end tag corresponding to start tag \"{tag}\"")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise ValueError("Unexpected end of name token")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        entities = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in entities:
            raise ValueError(f"Unsupported entity \"{name}\"")
        self.text.append(entities[name])

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name.startswith("x") else int(name)))


def parse_html(text: str) -> str:
    """The plain text Telegram would show, or ApiError 400 as Telegram words it."""
    # Telegram rejects a bare '&' that does not start an entity.
    if "&" in text and re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        raise ApiError(400, "Bad Request: can't parse entities: Unsupported entity")
    parser = _TelegramHTML()
    try:
        parser.feed(text)
        parser.close()
    except ValueError as exc:
        raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    if parser.stack:
        raise ApiError(400, "Bad Request: can't parse entities: Can't find end tag "
                            f"corresponding to start tag \"{parser.stack[-1]}\"")
    return "".join(parser.text)


def check_text(text: str | None, parse_mode: str | None, limit: int = TEXT_LIMIT) -> str:
    """The text as shown, or Telegram's 400: empty, bad HTML, or over `limit` UTF-16 units
    (4096 for a message, 1024 for a caption)."""
    if text is None:
        raise ApiError(400, "Bad Request: message text is empty")
    shown = parse_html(text) if (parse_mode or "").upper() == "HTML" else text
    if not shown.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(shown.encode("utf-16-le")) // 2 > limit:
        raise ApiError(400, "Bad Request: message is too long" if limit == TEXT_LIMIT
                       else "Bad Request: message caption is too long")
    return shown


def check_keyboard(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline "
                                    "keyboard")


@dataclass
class Sent:
    """A message the bot sent, as Telegram stored it."""

    message_id: int
    chat_id: int
    text: str
    shown: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    reply_to: int | None
    at: float


@dataclass(frozen=True)
class Photo:
    """A picture the bot sent: uploaded (with its bytes) or by a file_id sent before."""

    chat_id: int
    file_id: str
    width: int
    height: int
    uploaded: bool
    caption: str


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, or ApiError as Telegram answers a file it cannot read."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: int | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None
    chat_id: int | None = None  # only calls for this chat


@dataclass
class FakeTelegram:
    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    inline_answers: list[dict[str, Any]] = field(default_factory=list)
    edits: list[Sent] = field(default_factory=list)  # every message as it was after an edit
    documents: list[tuple[int, str, bytes]] = field(default_factory=list)  # chat, name, bytes
    photos: list[Photo] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # by language
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, language)
    allowed_updates: list[str] | None = None  # as the bot last asked for them
    webhook: dict[str, Any] | None = None  # as setWebhook last set it
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    confirmed: int = 0  # every update id up to this one has been confirmed by an offset
    pushed_at: dict[int, float] = field(default_factory=dict)
    delivered_at: dict[int, float] = field(default_factory=dict)  # first served by getUpdates
    base_url: str = ""  # set by start(): what the bot uses as TELEGRAM_API_BASE_URL
    document_limit: int = 50 * 1024 * 1024  # Telegram refuses larger uploads with 413
    call_params: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    history: dict[int, dict[str, Any]] = field(default_factory=dict)  # every update pushed

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._late_replies: dict[str, deque[float]] = defaultdict(deque)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._server: ThreadingHTTPServer | None = None
        self._closing = False
        self._waking = False
        self.revoked = False  # every call answers 401, as when the token is revoked

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._serve(self)

            def do_GET(self) -> None:
                fake._serve(self)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # a burst of replies opens many connections at once

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: stopping the server waits for at most one interval.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/bot"
        return self.base_url

    def stop(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- what tests do ------------------------------------------------------------------------

    def end_polls(self) -> None:
        """From now on long polls return at once, so that a bot stops without waiting out
        its poll timeout."""
        with self._lock:
            self._waking = True
            self._lock.notify_all()

    def revoke(self) -> None:
        """From now on every call gets 401 Unauthorized."""
        with self._lock:
            self.revoked = True
            self._lock.notify_all()

    def fail_next(self, method: str, status: int, times: int = 1,
                  retry_after: int | None = None, description: str | None = None,
                  parameters: dict[str, Any] | None = None,
                  chat_id: int | None = None) -> None:
        """Answer the next `times` calls of `method` with an error (429 needs retry_after),
        with Telegram's description and parameters (migrate_to_chat_id) when given; only
        calls for `chat_id` when given."""
        with self._lock:
            self._faults[method].extend(
                [Fault(status, retry_after, description, parameters, chat_id)] * times)

    def delay_next(self, method: str, seconds: float) -> None:
        """Make the next call of `method` take `seconds` before it is answered."""
        with self._lock:
            self._delays[method].append(seconds)

    def delay_reply_next(self, method: str, seconds: float) -> None:
        """Carry out the next call of `method` at once but answer it only after `seconds`, as
        when a reply is delivered and the answer to the request is lost or late."""
        with self._lock:
            self._late_replies[method].append(seconds)

    def repeat(self, update_id: int) -> None:
        """Deliver an update again, with its id, as Telegram does when it believes the first
        delivery failed."""
        with self._lock:
            self.updates.append(dict(self.history[update_id]))
            self._lock.notify_all()

    def push(self, payload: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self.updates.append({"update_id": update_id, **payload})
            self.history[update_id] = self.updates[-1]
            self.pushed_at[update_id] = time.perf_counter()
            self._lock.notify_all()
            return update_id

    @staticmethod
    def _user(user_id: int, language: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language:
            user["language_code"] = language
        return user

    @staticmethod
    def _chat(chat_id: int, chat_type: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = f"Group {chat_id}"
        return chat

    def message(self, text: str, *, chat_id: int = 1001, user_id: int = 501,
                chat_type: str = "private", entities: list[dict[str, Any]] | None = None,
                reply_to: Sent | None = None, language: str | None = None,
                edited: bool = False, anonymous: bool = False) -> int:
        """A text message; `edited=True` sends it as an edit of an earlier message;
        `anonymous=True` as an anonymous group admin (Telegram's shared GroupAnonymousBot user,
        the group as sender_chat)."""
        chat = self._chat(chat_id, chat_type)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
            "from": self._user(user_id, language), "text": text,
        }
        if anonymous:
            message["from"] = {"id": ANONYMOUS_ADMIN, "is_bot": True,
                               "first_name": "Group", "username": "GroupAnonymousBot"}
            message["sender_chat"] = chat
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command.encode("utf-16-le")) // 2}]
        if entities:
            message["entities"] = message.get("entities", []) + entities
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to.message_id, "date": int(time.time()), "chat": chat,
                "from": self._bot_user(), "text": reply_to.shown,
            }
        if edited:
            message["edit_date"] = int(time.time())
            return self.push({"edited_message": message})
        return self.push({"message": message})

    def media(self, kind: str, *, chat_id: int = 1001, user_id: int = 501,
              chat_type: str = "private", language: str | None = None) -> int:
        """A message without text: a sticker, a photo, a voice note or a document."""
        content: dict[str, Any] = {
            "sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False, "type": "regular"},
            "photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}],
            "voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3},
            "document": {"file_id": "d1", "file_unique_id": "d1"},
        }[kind]
        return self.push({"message": {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type), "from": self._user(user_id, language),
            kind: content}})

    def added_to_group(self, chat_id: int, *, by_user: int = 501,
                       language: str | None = None) -> int:
        """Someone adds the bot to a group (a my_chat_member update)."""
        def member(status: str) -> dict[str, Any]:
            return {"status": status, "user": self._bot_user()}
        return self.push({"my_chat_member": {
            "chat": self._chat(chat_id, "supergroup"), "from": self._user(by_user, language),
            "date": int(time.time()), "old_chat_member": member("left"),
            "new_chat_member": member("member")}})

    def mention(self, text_before: str = "", text_after: str = "", **kwargs: Any) -> int:
        """A group message mentioning the bot by @username."""
        handle = f"@{BOT_USERNAME}"
        text = f"{text_before}{handle}{text_after}"
        offset = len(text_before.encode("utf-16-le")) // 2
        entity = {"type": "mention", "offset": offset, "length": len(handle)}
        return self.message(text, chat_type=kwargs.pop("chat_type", "supergroup"),
                            entities=[entity], **kwargs)

    def inline(self, query: str, user_id: int = 501, language: str | None = None) -> int:
        return self.push({"inline_query": {
            "id": f"iq{next(self._message_ids)}", "query": query, "offset": "",
            "from": self._user(user_id, language),
        }})

    def press(self, button_data: str, on: Sent, user_id: int = 501,
              language: str | None = None) -> int:
        chat_type = "private" if on.chat_id > 0 else "supergroup"
        return self.push({"callback_query": {
            "id": f"cb{next(self._message_ids)}", "chat_instance": "ci", "data": button_data,
            "from": self._user(user_id, language),
            "message": {"message_id": on.message_id, "date": int(time.time()),
                        "chat": self._chat(on.chat_id, chat_type),
                        "from": self._bot_user(), "text": on.shown},
        }})

    def button_data(self, on: Sent) -> list[str]:
        """The callback data of every button under a message, row by row."""
        rows = (on.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    def current(self, sent: Sent) -> Sent:
        """A message as it reads now, after any edits."""
        with self._lock:
            return next(m for m in self.sent if m.message_id == sent.message_id)

    def to_chat(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return [m for m in self.sent if m.chat_id == chat_id]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not do what was expected in time")
            await asyncio.sleep(0.01)

    # --- the API ------------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "MINUSMA facts",
                "username": BOT_USERNAME, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": True}

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            self._reply(request, 404, {"ok": False, "error_code": 404,
                                       "description": "Not Found"})
            return
        method = request.path[len(prefix):]
        if self.revoked:
            self._reply(request, 401, {"ok": False, "error_code": 401,
                                       "description": "Unauthorized"})
            return
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        params = self._params(request.headers.get("Content-Type", ""), body)
        with self._lock:
            self.calls.append(method)
            self.call_params.append((method, params))
            queued = self._faults[method]
            fault = next((f for f in queued
                          if f.chat_id is None or str(f.chat_id) == str(params.get("chat_id"))),
                         None)
            if fault is not None:
                queued.remove(fault)
            delay = self._delays[method].popleft() if self._delays[method] else 0.0
            late = self._late_replies[method].popleft() if self._late_replies[method] else 0.0
        time.sleep(delay)  # each request has its own thread: only this caller waits
        if fault is not None:
            status, retry_after = fault.status, fault.retry_after
            payload: dict[str, Any] = {"ok": False, "error_code": status,
                                       "description": fault.description or "Injected failure"}
            if retry_after is not None:
                payload["description"] = f"Too Many Requests: retry after {retry_after}"
                payload["parameters"] = {"retry_after": retry_after}
            if fault.parameters:
                payload["parameters"] = fault.parameters
            self._reply(request, status, payload)
            return
        try:
            result = getattr(self, f"_api_{method}", self._unknown)(params)
        except ApiError as exc:
            with self._lock:
                self.rejected.append((method, exc.description))
            error = {"ok": False, "error_code": exc.code, "description": exc.description}
            self._reply(request, exc.code, error)
            return
        time.sleep(late)
        self._reply(request, 200, {"ok": True, "result": result})

    @staticmethod
    def _params(content_type: str, raw: bytes) -> dict[str, Any]:
        if not raw:
            return {}
        if content_type.startswith("multipart/form-data"):
            return FakeTelegram._multipart(content_type, raw)
        body = raw.decode()
        if "json" in content_type:
            loaded: dict[str, Any] = json.loads(body)
            return loaded
        form = parse_qs(body, keep_blank_values=True)
        params: dict[str, Any] = {k: v[0] for k, v in form.items()}
        for key in JSON_FIELDS & params.keys():
            params[key] = json.loads(params[key])
        return params

    @staticmethod
    def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
        """Fields of an upload; a file field becomes {"filename": ..., "content": bytes}."""
        message = BytesParser(policy=default_policy).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename:
                params[str(name)] = {"filename": filename, "content": payload}
            else:
                value = payload.decode()
                params[str(name)] = json.loads(value) if name in JSON_FIELDS else value
        for key, value in list(params.items()):
            # PTB names the file in the field itself: "attach://<field>".
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.get(value.removeprefix("attach://"), value)
        return params

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a test stopping the bot mid long-poll)

    def _unknown(self, params: dict[str, Any]) -> Any:
        raise ApiError(404, "Not Found: method not found")

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_user()

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided")
        with self._lock:
            self.webhook = {"url": params["url"], "secret_token": secret,
                            "allowed_updates": params.get("allowed_updates")}
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not COMMAND_NAME.match(command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        with self._lock:
            self.commands[params.get("language_code") or ""] = commands
        return True

    def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        return self._describe("description", params, 512)

    def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        return self._describe("short_description", params, 120)

    def _describe(self, kind: str, params: dict[str, Any], limit: int) -> bool:
        value = params.get(kind) or ""
        if len(value.encode("utf-16-le")) // 2 > limit:
            raise ApiError(400, f"Bad Request: {kind.upper()}_INVALID")
        with self._lock:
            self.descriptions[(kind, params.get("language_code") or "")] = value
        return True

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        shown = check_text(params.get("text"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_keyboard(markup)
        if "inline_message_id" in params:
            return True
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        with self._lock:
            found = next((m for m in self.sent
                          if m.chat_id == chat_id and m.message_id == message_id), None)
            if found is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if found.text == str(params["text"]) and found.reply_markup == markup:
                raise ApiError(400, "Bad Request: message is not modified: specified new "
                                    "message content and reply markup are exactly the same "
                                    "as a current content and reply markup of the message")
            found.text, found.shown, found.reply_markup = str(params["text"]), shown, markup
            found.parse_mode = params.get("parse_mode")
            self.edits.append(replace(found))
        return {"message_id": message_id, "date": int(time.time()),
                "chat": self._chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                "from": self._bot_user(), "text": shown}

    def update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An update as Telegram would post it to a webhook (not queued for getUpdates)."""
        with self._lock:
            return {"update_id": next(self._update_ids), **payload}

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)  # short polls keep tests quick
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._lock:
            if "allowed_updates" in params:  # Telegram keeps the last list it was given
                self.allowed_updates = list(params["allowed_updates"]) or None
            if self.allowed_updates is not None:
                # Updates of other types are never delivered at all.
                self.updates = [u for u in self.updates
                                if next(k for k in u if k != "update_id")
                                in self.allowed_updates]
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                self.confirmed = max(self.confirmed, offset - 1)
            while not self.updates and not self._closing and not self._waking \
                    and not self.revoked:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            served = list(self.updates[:limit])
            now = time.perf_counter()
            for update in served:
                self.delivered_at.setdefault(update["update_id"], now)
            return served

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text")
        shown = check_text(text, params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_keyboard(markup)
        chat_id = int(params["chat_id"])
        reply = params.get("reply_parameters") or {}
        with self._lock:
            sent = Sent(next(self._message_ids), chat_id, str(text), shown,
                        params.get("parse_mode"), markup, reply.get("message_id"),
                        time.perf_counter())
            self.sent.append(sent)
        return {"message_id": sent.message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                         "first_name": "U", "title": "G"},
                "from": self._bot_user(), "text": shown}

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = params.get("photo")
        caption = params.get("caption")
        shown = check_text(caption, params.get("parse_mode"), limit=1024) if caption else ""
        check_keyboard(params.get("reply_markup"))
        chat_id = int(params["chat_id"])
        with self._lock:
            if isinstance(photo, dict):
                width, height = png_size(photo["content"])
                file_id = f"photo{len(self.photos) + 1}"
                uploaded = True
            else:
                earlier = next((p for p in self.photos if p.file_id == photo), None)
                if earlier is None:
                    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
                file_id, width, height, uploaded = photo, earlier.width, earlier.height, False
            self.photos.append(Photo(chat_id, file_id, width, height, uploaded, shown))
            sent = Sent(next(self._message_ids), chat_id, str(caption or ""), shown,
                        params.get("parse_mode"), params.get("reply_markup"), None,
                        time.perf_counter())
            self.sent.append(sent)
        return {"message_id": sent.message_id, "date": int(time.time()),
                "chat": self._chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                "caption": shown,
                "photo": [{"file_id": file_id, "file_unique_id": file_id, "width": width,
                           "height": height}]}

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = params.get("document")
        if not isinstance(document, dict) or not document.get("content"):
            raise ApiError(400, "Bad Request: there is no document in the request")
        if len(document["content"]) > self.document_limit:
            raise ApiError(413, "Request Entity Too Large")
        caption = params.get("caption")
        shown = check_text(caption, params.get("parse_mode"), limit=1024) if caption else ""
        chat_id = int(params["chat_id"])
        with self._lock:
            sent = Sent(next(self._message_ids), chat_id, str(caption or ""), shown,
                        params.get("parse_mode"), params.get("reply_markup"), None,
                        time.perf_counter())
            self.sent.append(sent)
            self.documents.append((chat_id, document["filename"], document["content"]))
        return {"message_id": sent.message_id, "date": int(time.time()),
                "chat": self._chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                "document": {"file_id": "doc1", "file_unique_id": "doc1",
                             "file_name": document["filename"]}}

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = params.get("reply_markup")
        check_keyboard(markup)
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        with self._lock:
            found = next((m for m in self.sent
                          if m.chat_id == chat_id and m.message_id == message_id), None)
            if found is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if found.reply_markup == markup:
                raise ApiError(400, "Bad Request: message is not modified")
            found.reply_markup = markup
            self.edits.append(replace(found))
        return {"message_id": message_id, "date": int(time.time()),
                "chat": self._chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                "text": found.shown}

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        button = params.get("button") or {}
        if isinstance(button, str):
            button = json.loads(button)
        start = button.get("start_parameter")
        if button and (not button.get("text") or (start is not None and not re.fullmatch(
                r"[A-Za-z0-9_-]{1,64}", str(start)))):
            raise ApiError(400, "Bad Request: START_PARAM_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            check_text(content.get("message_text"), content.get("parse_mode"))
            check_keyboard(result.get("reply_markup"))
        with self._lock:
            self.inline_answers.append(params)
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("text") or "").encode("utf-16-le")) // 2 > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._lock:
            if any(a["callback_query_id"] == params["callback_query_id"]
                   for a in self.callback_answers):
                raise ApiError(400, "Bad Request: query is too old and response timeout "
                                    "expired or query ID is invalid")
            self.callback_answers.append(params)
        return True
