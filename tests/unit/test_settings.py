"""Settings: defaults, explicit values over the environment, and one clear line per bad value."""

import pytest

from tools.core.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith(("NUDGE_", "SLACK_", "OPENAI_", "SMTP_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    settings = load_settings()
    assert settings.database_url == "sqlite:///nudge.db"
    assert settings.timezone == "UTC"
    assert settings.digest_time == "09:00"
    assert settings.approver_ids == frozenset()


def test_explicit_arguments_win_over_environment(monkeypatch):
    monkeypatch.setenv("NUDGE_TIMEZONE", "Europe/Paris")
    assert load_settings().timezone == "Europe/Paris"
    assert load_settings(timezone="Asia/Tokyo").timezone == "Asia/Tokyo"


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("NUDGE_SHOP_NAME=Dotenv Shop\n")
    assert load_settings().shop_name == "Dotenv Shop"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NUDGE_TIMEZONE", "Mars/Olympus", "NUDGE_TIMEZONE: 'Mars/Olympus' is not a known IANA"),
        ("NUDGE_HTTP_PORT", "eighty", "NUDGE_HTTP_PORT: Input should be a valid integer"),
        ("NUDGE_HTTP_PORT", "70000", "NUDGE_HTTP_PORT: 70000 is not a TCP port"),
        ("NUDGE_DIGEST_TIME", "9am", "NUDGE_DIGEST_TIME: '9am' is not a 24-hour HH:MM"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: 'mysql://x' is not a sqlite"),
        ("SMTP_URL", "http://mail", "SMTP_URL: must start with smtp://"),
        ("NUDGE_OPTIN_EVERYWHERE", "perhaps", "NUDGE_OPTIN_EVERYWHERE: Input should be a valid boolean"),
        ("NUDGE_TIMEZOEN", "UTC", "NUDGE_TIMEZOEN: unknown setting"),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_plain_postgres_url_is_given_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    assert load_settings().database_url == "postgresql+psycopg://postgres@127.0.0.1/test"
