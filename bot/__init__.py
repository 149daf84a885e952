"""Nudge's face: the Slack app, the conversation engine, the console, the CLI and HTTP endpoints."""
