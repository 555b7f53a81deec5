"""Secrets never reach a log line, a traceback or an error message.

Python-telegram-bot puts the token in request URLs and in its `InvalidToken` messages, and a
self-hosted Bot API URL may carry a password. One logging filter, installed on every handler
of the root logger, rewrites each record (message, arguments, exception text, stack) before it
is written; the same rewriting serves uncaught exceptions and messages shown to users.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Iterable
from types import TracebackType

MASK = "[redacted]"
# user:password@ in any URL
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@")
# A Bot API token wherever it appears: digits, a colon, 30 or more URL-safe characters.
_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")


class Redactor:
    """Replaces the given secrets, and anything shaped like a token or URL credentials."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        # The part after the colon is the secret half of a token; it can appear alone
        # (URL-encoded or cut), so it is masked on its own too.
        parts = [secret, secret.partition(":")[2]]
        for part in parts:
            if len(part) >= 8 and part not in self.secrets:
                self.secrets.append(part)
        self.secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{MASK}@", text)
        return _TOKEN_SHAPE.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """A handler filter: the record leaves with every secret masked."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is logging's to report, not ours
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(redact: Redactor) -> None:
    """Mask secrets on every root handler (create one if logging is not set up yet) and in
    uncaught exceptions."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                            level=logging.INFO)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(redact))

    def excepthook(kind: type[BaseException], value: BaseException,
                   tb: TracebackType | None) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))

    sys.excepthook = excepthook
