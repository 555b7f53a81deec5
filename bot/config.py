"""Settings, declared once with their defaults and help, read from the environment or `.env`.

The token is a `SecretStr`: printing the settings, or a traceback that holds them, shows
`**********`, never the token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MAX_USER_ID = 1 << 52  # Telegram: user ids fit in 52 bits
MAX_USER_ID_DIGITS = len(str(MAX_USER_ID))


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line meant for the user."""


class Config(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=None, env_ignore_empty=True, extra="ignore", frozen=True,
        populate_by_name=True,
    )

    knowledge_dir: Path = Field(
        Path("knowledge"), validation_alias="KNOWLEDGE_DIR",
        description="Folder holding the curated knowledge files (*.toml).")
    db_path: Path = Field(
        Path("data/index.sqlite"), validation_alias="BOT_DB_PATH",
        description="Where the SQLite search index is built.")
    telegram_token: SecretStr | None = Field(
        None, validation_alias="TELEGRAM_BOT_TOKEN",
        description="Bot token from @BotFather; only `run` needs it.")
    telegram_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL",
        description="Bot API base URL, for a self-hosted Bot API server.")
    # NoDecode: a comma-separated list, not JSON.
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="BOT_ADMIN_IDS",
        description="Comma-separated Telegram user ids allowed to /reload.")

    log_path: str = Field(
        "", validation_alias="BOT_LOG_PATH",
        description="The question log (SQLite); empty: questions.sqlite beside the index; "
                    "`off`: no log.")
    log_retention_days: int = Field(
        90, ge=1, le=3650, validation_alias="BOT_LOG_RETENTION_DAYS",
        description="Days a logged question is kept (1 to 3650).")
    log_salt: SecretStr | None = Field(
        None, validation_alias="BOT_LOG_SALT",
        description="Optional secret to count distinct askers through a salted hash; never "
                    "written to the log.")

    messages_per_second: float = Field(
        30.0, ge=1, le=10_000, validation_alias="BOT_MESSAGES_PER_SECOND",
        description="Messages per second this process sends at most, 1 to 10000 (Telegram "
                    "allows about 30 per bot; divide among workers; a local Bot API server "
                    "allows more).")
    webhook_url: str = Field(
        "", validation_alias="WEBHOOK_URL",
        description="Public HTTPS address Telegram posts updates to; empty: long polling.")
    webhook_secret: SecretStr | None = Field(
        None, validation_alias="WEBHOOK_SECRET",
        description="Secret Telegram sends with each update (1-256 of A-Z a-z 0-9 _ -); "
                    "required with WEBHOOK_URL.")
    webhook_listen: str = Field(
        "127.0.0.1", validation_alias="WEBHOOK_LISTEN",
        description="Address the webhook server listens on; the TLS proxy in front reaches "
                    "it on 127.0.0.1 (0.0.0.0 only inside a container).")
    webhook_port: int = Field(
        8443, ge=1, le=65535, validation_alias="WEBHOOK_PORT",
        description="Port the webhook server listens on.")

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Config:
        if self.webhook_url:
            if not self.webhook_url.startswith(("https://", "http://")):
                raise ValueError("WEBHOOK_URL must start with https://")
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if not secret:
                raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise ValueError("WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, "
                                 "0-9, _ and -")
        return self

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        ids = set()
        for part in filter(None, (p.strip() for p in raw.split(","))):
            # A user id is positive and at most 52 bits; a negative one is a group or channel,
            # which can never send /reload, so accepting it would leave the bot without admins.
            if not (part.isascii() and part.isdigit() and len(part) <= MAX_USER_ID_DIGITS
                    and 0 < int(part) < MAX_USER_ID):
                raise ValueError("must be comma-separated Telegram user ids (positive, at most "
                                 f"{MAX_USER_ID_DIGITS} digits), got {part[:20]!r}")
            ids.add(int(part))
        return frozenset(ids)

    @field_validator("telegram_base_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            # The value may hold credentials, so only its scheme is repeated.
            raise ValueError(f"must start with http:// or https://, got {url.split(':')[0]!r}:")
        return url

    def question_log(self) -> Path | None:
        """Where questions are logged, or None when logging is off."""
        if self.log_path.strip().lower() == "off":
            return None
        return Path(self.log_path) if self.log_path.strip() else (
            self.db_path.with_name("questions.sqlite"))

    def salt(self) -> str | None:
        return self.log_salt.get_secret_value() if self.log_salt else None

    def secret(self) -> str:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else ""

    def token(self) -> str:
        """The token itself, for the one place that hands it to Telegram."""
        return self.telegram_token.get_secret_value() if self.telegram_token else ""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(str(field.validation_alias),
            None if field.default is None else str(
                ",".join(field.default) if isinstance(field.default, frozenset)
                else field.default),
            field.description or "")
    for field in Config.model_fields.values()
)


def load_config(env_file: Path | None = Path(".env")) -> Config:
    """The settings; the real environment wins over `.env`, so CI and deployments can override
    a local file."""
    try:
        return Config(_env_file=env_file if env_file is not None and env_file.is_file()
                      else None)  # type: ignore[call-arg]
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        name = next((str(part) for part in error["loc"]), "")
        # Never error["input"]: a malformed value may be the token.
        raise ConfigError(f"{name} {message}" if name else message) from None
