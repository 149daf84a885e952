"""The README stays true: every setting and every command a user can run is documented there."""

from pathlib import Path

import typer.main

from bot.cli.main import app, register_commands
from tools.core.settings import KNOWN_VARIABLES

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


def _permission_rows() -> dict[str, tuple[str, str, bool]]:
    """tool -> (who, reads or writes, confirmed first) from the README's permission table."""
    section = README.split("<!-- permissions:", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        for name in cells[0].replace("`", "").split(","):
            rows[name.strip()] = (cells[1].split()[0], cells[2], bool(cells[3]))
    return rows


def test_the_permission_table_matches_the_registry():
    from tools import registry

    documented = _permission_rows()
    actual = {tool.name: ("approvers" if tool.approver_only else "everyone",
                          "writes" if tool.writes else "reads", tool.confirm is not None)
              for tool in registry.TOOLS}
    assert documented == actual
