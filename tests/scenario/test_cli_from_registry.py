"""Every tool is a command, generated from the registry: `bot/cli/tool_commands.py`.

The commands' options come from the tools' input models, so a field added to a model, or a new
tool, reaches the command line with nothing written by hand; these tests read the registry,
not a list of their own.

Mutation tried: `every_command` returning `COMMANDS` alone (no command for a tool nobody
placed) fails `test_a_new_tool_gets_a_command_without_writing_one`.
"""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import tool_commands
from bot.cli.main import app, register_commands
from tools import registry

register_commands()
runner = CliRunner()
ROOT = typer.main.get_command(app)


def command_at(path: tuple[str, ...]):
    command = ROOT
    for word in path:
        assert word in getattr(command, "commands", {}), f"no `nudge {' '.join(path)}`"
        command = command.commands[word]
    return command


def paths() -> dict[str, tuple[str, ...]]:
    placed = {command.tool: command.path for command in tool_commands.every_command()}
    return {**placed, **tool_commands.HAND_WRITTEN}


@pytest.mark.parametrize("tool", [tool.name for tool in registry.TOOLS])
def test_every_tool_has_a_command_with_every_field(tool):
    command = command_at(paths()[tool])
    if tool in tool_commands.HAND_WRITTEN:
        return  # written by hand on purpose (see HAND_WRITTEN): its own tests cover it
    names = {parameter.name for parameter in command.params}
    assert set(registry.get(tool).input_model.model_fields) <= names


def test_a_new_tool_gets_a_command_without_writing_one(monkeypatch):
    placed = [command for command in tool_commands.COMMANDS if command.tool != "order_summary"]
    monkeypatch.setattr(tool_commands, "COMMANDS", placed)
    fresh = typer.Typer()
    tool_commands.register(fresh, {})
    assert "order-summary" in typer.main.get_command(fresh).commands


def test_create_a_campaign_from_the_shell_and_discard_it(settings, tmp_path):
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps([{"delay_days": 1, "purpose": "cart_reminder"}]))
    segment = json.dumps({"attribute": "email", "op": "exists"})
    created = runner.invoke(app, ["campaign", "create", "Cart rescue", "--segment", segment,
                                  "--steps", str(steps), "--json"])
    assert created.exit_code == 0, created.stderr
    campaign_id = json.loads(created.stdout)["campaign_id"]
    discarded = runner.invoke(app, ["campaign", "discard", str(campaign_id)])
    assert discarded.exit_code == 0 and "Cart rescue" in discarded.stdout


@pytest.mark.parametrize("arguments, words", [
    (["campaign", "create", "X", "--segment", "{}", "--steps", "[{\"delay_days\": 1"], "--steps: the value is not valid JSON"),
    (["campaign", "create", "X", "--segment", "{}", "--steps", "missing.json"], "missing.json: no such file"),
    (["campaign", "create", "X", "--segment", "nobody", "--steps", "[]"], "nudge: create_sequence: steps"),
    (["draft", "email", "--purpose", "grumpy"], "purpose"),  # (a tone is the marketer's words: any is taken)
])
def test_bad_input_to_a_generated_command_is_one_line_and_exit_2(settings, arguments, words):
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_the_help_of_a_generated_command_comes_from_the_model():
    result = runner.invoke(app, ["draft", "email", "--help"])
    assert result.exit_code == 0
    assert "cart_reminder" in result.stdout and "--discount-code" in result.stdout


def test_campaign_edit_adds_and_removes_steps_from_json(settings):
    """`nudge campaign edit` takes update_sequence's add_steps and remove_steps as JSON, with no
    command written by hand. Before `_parameter` used a default_factory's value, an edit without
    `--steps` read the text "PydanticUndefined" as its steps and failed; undoing that fails this."""
    steps = json.dumps([{"delay_days": 1, "purpose": "cart_reminder"}, {"delay_days": 3, "purpose": "social_proof"}])
    created = runner.invoke(app, ["campaign", "create", "Cart rescue", "--segment", '{"attribute": "email", "op": "exists"}',
                                  "--steps", steps, "--json"])
    assert created.exit_code == 0, created.stderr
    edited = runner.invoke(app, ["campaign", "edit", "the cart rescue", "--json",
                                 "--add-steps", '[{"delay_days": 5, "purpose": "cart_discount", "discount_percent": 10}]',
                                 "--remove-steps", '[{"purpose": "social_proof"}]'])
    assert edited.exit_code == 0, edited.stderr
    assert [(s["position"], s["purpose"]) for s in json.loads(edited.stdout)["steps"]] == [
        (1, "cart_reminder"), (2, "cart_discount")]
    refused = runner.invoke(app, ["campaign", "edit", "Cart rescue", "--remove-steps", '[{"step": 1}, {"step": 2}]'])
    assert refused.exit_code == 2 and "would have no steps left" in refused.stderr
