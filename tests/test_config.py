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
