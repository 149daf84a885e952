"""manifest.yml is a Slack app manifest with everything Nudge listens to and calls."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.display import ids

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def test_manifest_declares_scopes_events_command_and_modes():
    manifest = yaml.safe_load(MANIFEST.read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "im:read", "im:write",
            "files:write", "users:read"} <= scopes
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == ids.SLASH_COMMAND and command["url"].endswith("/slack/events")
    assert manifest["features"]["bot_user"]["display_name"] == "nudge"
