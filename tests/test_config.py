from pathlib import Path

import pytest

from bot.config import SETTINGS, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_apply_without_environment(tmp_path):
    config = load_config(tmp_path / "missing.env")
    assert config.knowledge_dir == Path("knowledge")
    assert config.db_path == Path("data/index.sqlite")
    assert config.telegram_token is None
    assert config.admin_ids == frozenset()


def test_environment_overrides_the_env_file(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("BOT_DB_PATH=from-file.sqlite\nBOT_ADMIN_IDS=1, 2\n")
    monkeypatch.setenv("BOT_DB_PATH", "from-env.sqlite")
    config = load_config(env)
    assert config.db_path == Path("from-env.sqlite")
    assert config.admin_ids == {1, 2}


@pytest.mark.parametrize(
    ("name", "value"),
    [("BOT_ADMIN_IDS", "12,abc"), ("TELEGRAM_API_BASE_URL", "ftp://example.org")],
)
def test_malformed_values_give_one_line_errors(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "none.env")
    assert name in str(error.value) and "\n" not in str(error.value)


def test_every_setting_is_documented_in_env_example_and_readme():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert setting.name in example, setting.name
        assert setting.name in readme, setting.name


def test_the_token_is_a_secret_that_never_prints(monkeypatch, tmp_path):
    token = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    config = load_config(tmp_path / "none.env")
    assert config.token() == token
    assert token not in repr(config) and token not in str(config)


def test_a_malformed_url_error_does_not_repeat_its_credentials(monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "ftp://user:hunter2@example.org/bot")
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "none.env")
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("BOT_ADMIN_IDS", "-1001"), ("BOT_ADMIN_IDS", "1" * 40), ("BOT_ADMIN_IDS", "0"),
     ("BOT_ADMIN_IDS", "١٢٣"), ("BOT_ADMIN_IDS", "9" * 5000),
     ("BOT_MESSAGES_PER_SECOND", "0.000001"), ("BOT_MESSAGES_PER_SECOND", "1e9"),
     ("BOT_LOG_RETENTION_DAYS", "1000000"), ("BOT_LOG_RETENTION_DAYS", "0")],
)
def test_values_out_of_range_are_refused(monkeypatch, tmp_path, name, value):
    """A chat id or a 40-digit id would leave the bot without admins; a rate of one message a
    week, a bot that never answers; a million days, a log that never shrinks."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "none.env")
    assert name in str(error.value) and "\n" not in str(error.value)


def test_the_webhook_listens_on_loopback_by_default(tmp_path):
    assert load_config(tmp_path / "none.env").webhook_listen == "127.0.0.1"


def test_the_shipped_unit_and_compose_file_carry_the_limits():
    unit = (ROOT / "deploy" / "minusma-bot.service").read_text()
    compose = (ROOT / "compose.yaml").read_text()
    assert "LimitNOFILE=8192" in unit and "WEBHOOK_LISTEN=127.0.0.1" in unit
    assert '"127.0.0.1:8443:8443"' in compose and "nofile" in compose
    assert '- "8443:8443"' not in compose  # never published on every interface
