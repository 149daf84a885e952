"""The README stays true: every setting and every command a user can run is documented there."""

from pathlib import Path

import typer.main

from bot.cli import app, register_commands
from tools.settings import KNOWN_VARIABLES

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_every_setting_is_documented():
    missing = sorted(name for name in KNOWN_VARIABLES if f"`{name}`" not in README)
    assert missing == []


def _command_paths(command, prefix=""):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _command_paths(sub, f"{prefix} {name}".strip())
    else:
        yield prefix


def test_every_command_is_documented():
    register_commands()
    commands = list(_command_paths(typer.main.get_command(app)))
    assert "run" in commands
    undocumented = [path for path in commands if f"nudge {path.split()[0]}" not in README]
    assert undocumented == []


def test_the_two_commands_are_shown():
    assert "make run" in README and "make test" in README
