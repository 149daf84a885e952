"""bot.display."""
