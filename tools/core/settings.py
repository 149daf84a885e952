"""Nudge's one typed settings object, read from the environment and an optional `.env` file.

Every setting is documented in the README with its default. Explicit keyword arguments win over
the environment (tests rely on that). A malformed value, or an unknown `NUDGE_*` variable (most
often a typo), fails at start with one line naming the variable and what to fix, through
`SettingsError`. This lives in `tools/` rather than `bot/` because tools and the scheduler need
it too and dependencies only point down.
"""

from __future__ import annotations

import os
import re
from datetime import time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def redact_url(url: str) -> str:
    """`url` with any password replaced by ***, fit for a terminal, a log or an error."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    if ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


# What a shop platform accepts as a discount code (Shopify: letters, digits, - and _).
DISCOUNT_CODE = r"^[A-Za-z0-9_-]{2,40}$"


class SettingsError(RuntimeError):
    """A setting is malformed or unknown; the message names the variable and the fix."""


def _env(default: Any, variable: str, secret: bool = False) -> Any:
    """A field read from `variable`; a secret one is left out of repr() so it never reaches a log."""
    return Field(default, validation_alias=AliasChoices(variable), repr=not secret)


class Settings(BaseSettings):
    """All of Nudge's settings. Attribute names are the variables without the `NUDGE_` prefix."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = _env("sqlite:///nudge.db", "DATABASE_URL", secret=True)
    write_key: str = _env("", "NUDGE_WRITE_KEY", secret=True)
    public_url: str = _env("http://localhost:8080", "NUDGE_PUBLIC_URL")
    secret: str = _env("", "NUDGE_SECRET", secret=True)
    timezone: str = _env("UTC", "NUDGE_TIMEZONE")
    sender: str = _env("", "NUDGE_SENDER")
    postal_address: str = _env("", "NUDGE_POSTAL_ADDRESS")
    shop_name: str = _env("", "NUDGE_SHOP_NAME")
    shop_url: str = _env("", "NUDGE_SHOP_URL")
    discount_code: str = _env("", "NUDGE_DISCOUNT_CODE")
    http_host: str = _env("127.0.0.1", "NUDGE_HTTP_HOST")
    http_port: int = _env(8080, "NUDGE_HTTP_PORT")
    optin_everywhere: bool = _env(False, "NUDGE_OPTIN_EVERYWHERE")
    ad_frequency_cap: int = _env(3, "NUDGE_AD_FREQUENCY_CAP")
    retention_months: int = _env(25, "NUDGE_RETENTION_MONTHS")
    ingest_rate_limit: int = _env(100, "NUDGE_INGEST_RATE_LIMIT")
    outbox_dir: str = _env("outbox", "NUDGE_OUTBOX_DIR")
    export_dir: str = _env("exports", "NUDGE_EXPORT_DIR")
    attribution_click_days: int = _env(5, "NUDGE_ATTRIBUTION_CLICK_DAYS")
    attribution_open_days: int = _env(1, "NUDGE_ATTRIBUTION_OPEN_DAYS")
    approvers: str = _env("", "NUDGE_APPROVERS")
    digest_channel: str = _env("", "NUDGE_DIGEST_CHANNEL")
    digest_time: str = _env("09:00", "NUDGE_DIGEST_TIME")
    slack_bot_token: str = _env("", "SLACK_BOT_TOKEN", secret=True)
    slack_app_token: str = _env("", "SLACK_APP_TOKEN", secret=True)
    slack_signing_secret: str = _env("", "SLACK_SIGNING_SECRET", secret=True)
    slack_api_url: str = _env("", "SLACK_API_URL")
    slack_team_id: str = _env("", "SLACK_TEAM_ID")
    openai_api_key: str = _env("", "OPENAI_API_KEY", secret=True)
    openai_base_url: str = _env("", "OPENAI_BASE_URL")
    model: str = _env("gpt-4o-mini", "NUDGE_MODEL")
    smtp_url: str = _env("", "SMTP_URL", secret=True)
    shopify_webhook_secret: str = _env("", "SHOPIFY_WEBHOOK_SECRET", secret=True)
    woocommerce_webhook_secret: str = _env("", "WOOCOMMERCE_WEBHOOK_SECRET", secret=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a known IANA time zone (e.g. Europe/London)")
        return value

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"'{value}' is not a 24-hour HH:MM time (e.g. 09:00)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError(f"'{redact_url(value)}' is not a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str) -> str:
        if value and not re.match(r"^smtps?://", value):
            raise ValueError("must start with smtp:// (STARTTLS when offered) or smtps:// (TLS)")
        return value

    @field_validator("discount_code")
    @classmethod
    def _discount_code(cls, value: str) -> str:
        if value and not re.match(DISCOUNT_CODE, value):
            raise ValueError(f"'{value}' is not a discount code: 2-40 letters, digits, - or _ "
                             "(the code as created in the shop, e.g. SAVE10)")
        return value

    @field_validator("http_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError(f"{value} is not a TCP port (0-65535)")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def digest_clock(self) -> time:
        hours, minutes = self.digest_time.split(":")
        return time(int(hours), int(minutes))

    @property
    def approver_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.approvers.split(",") if part.strip())

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)


_ENV_NAMES = {name: field.validation_alias.choices[0] for name, field in Settings.model_fields.items()}  # type: ignore[union-attr]
KNOWN_VARIABLES = frozenset(_ENV_NAMES.values())


def _unknown_nudge_variables(environ: dict[str, str]) -> list[str]:
    # The NUDGE_TEST_ prefix belongs to the test suite, not the product.
    return sorted(
        name
        for name in environ
        if name.startswith("NUDGE_") and not name.startswith("NUDGE_TEST_")
        and name not in KNOWN_VARIABLES
    )


def load_settings(**overrides: Any) -> Settings:
    """Read settings (overrides win over the environment), or raise one clear `SettingsError`."""
    unknown = _unknown_nudge_variables(dict(os.environ))
    if unknown:
        raise SettingsError(
            f"{unknown[0]}: unknown setting; known NUDGE_ settings: "
            + ", ".join(sorted(v for v in KNOWN_VARIABLES if v.startswith("NUDGE_")))
        )
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        variable = _ENV_NAMES.get(field, field)
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{variable}: {message}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call `get_settings.cache_clear()`."""
    return load_settings()
