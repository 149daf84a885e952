"""Local stand-ins for the outside services Nudge talks to (Slack Web API, OpenAI-compatible chat, SMTP)."""
