"""Settings, declared once with their defaults and help, read from the environment or `.env`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line meant for the user."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("KNOWLEDGE_DIR", "knowledge", "Folder holding the curated knowledge files (*.toml)."),
    Setting("BOT_DB_PATH", "data/index.sqlite", "Where the SQLite search index is built."),
    Setting("TELEGRAM_BOT_TOKEN", None, "Bot token from @BotFather; only `run` needs it."),
    Setting(
        "TELEGRAM_API_BASE_URL",
        "https://api.telegram.org/bot",
        "Bot API base URL, for a self-hosted Bot API server.",
    ),
    Setting("BOT_ADMIN_IDS", "", "Comma-separated Telegram user ids allowed to /reload."),
)
SETTING_NAMES = frozenset(s.name for s in SETTINGS)


@dataclass(frozen=True)
class Config:
    knowledge_dir: Path
    db_path: Path
    telegram_token: str | None
    telegram_base_url: str
    admin_ids: frozenset[int]


def _raw_values(env_file: Path | None) -> dict[str, str]:
    # The real environment wins over .env so that CI and deployments can override a local file.
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update({k: v for k, v in os.environ.items() if k in SETTING_NAMES})
    return values


def _parse_admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"BOT_ADMIN_IDS must be comma-separated numeric user ids, got {part!r}"
            ) from None
    return frozenset(ids)


def load_config(env_file: Path | None = Path(".env")) -> Config:
    raw = _raw_values(env_file)

    def get(name: str) -> str:
        setting = next(s for s in SETTINGS if s.name == name)
        value = raw.get(name, "").strip()
        return value or (setting.default or "")

    base_url = get("TELEGRAM_API_BASE_URL")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"TELEGRAM_API_BASE_URL must start with http:// or https://, got {base_url!r}"
        )
    return Config(
        knowledge_dir=Path(get("KNOWLEDGE_DIR")),
        db_path=Path(get("BOT_DB_PATH")),
        telegram_token=get("TELEGRAM_BOT_TOKEN") or None,
        telegram_base_url=base_url,
        admin_ids=_parse_admin_ids(get("BOT_ADMIN_IDS")),
    )
