"""Secrets are masked in every log line, traceback and uncaught exception."""

from __future__ import annotations

import logging
import subprocess
import sys

from bot.redact import MASK, RedactingFilter, Redactor

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"


def test_the_token_its_secret_half_and_url_credentials_are_masked():
    redact = Redactor([TOKEN])
    line = (f"POST https://api.telegram.org/bot{TOKEN}/getMe failed; "
            f"half {TOKEN.split(':')[1]}; https://user:pa55word@example.org/bot")
    cleaned = redact(line)
    assert TOKEN not in cleaned and TOKEN.split(":")[1] not in cleaned
    assert "pa55word" not in cleaned and "https://[redacted]@example.org/bot" in cleaned
    assert cleaned.count(MASK) == 3


def test_any_token_shaped_text_is_masked_even_if_not_configured():
    assert Redactor()("the token `987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0` was rejected") \
        == f"the token `{MASK}` was rejected"


def test_the_filter_masks_messages_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("test.redact")
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(Redactor([TOKEN])))
    formatter = logging.Formatter("%(message)s")
    handler.setFormatter(formatter)
    records: list[str] = []
    handler.emit = lambda record: records.append(formatter.format(record))  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logger.exception("request to %s failed", f"/bot{TOKEN}/getUpdates")
    finally:
        logger.removeHandler(handler)
    assert records and all(TOKEN not in r and TOKEN.split(":")[1] not in r for r in records)
    assert "Traceback" in records[0] and "RuntimeError" in records[0]


def test_an_uncaught_exception_is_printed_without_the_token():
    script = (
        "from bot.redact import Redactor, install\n"
        f"install(Redactor([{TOKEN!r}]))\n"
        f"raise SystemError('bad token ' + {TOKEN!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "SystemError" in done.stderr
    assert TOKEN not in done.stderr and TOKEN.split(":")[1] not in done.stderr
