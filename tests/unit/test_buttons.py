"""The one table of buttons (`bot/display/buttons.py`) against the registry and the card builders.

Slack and the console both press buttons through this table, so a row whose arguments do not
fit its tool would break both at once; these checks read the table and the registry.

Mutation tried: `Button.arguments` passing the draft id as `id` instead of `draft_id` fails
`test_every_button_calls_its_tool_with_arguments_it_accepts`.
"""

from __future__ import annotations

import pytest

from bot.display import blocks as kit
from bot.display.buttons import BUTTONS
from tools import registry

ANSWERS = {"reason": {"reason": "too pushy"}, "copy": {"subject": "Hi", "preheader": "", "body": "Hello"}}


@pytest.mark.parametrize("action_id", [a for a, b in BUTTONS.items() if b.tool])
def test_every_button_calls_its_tool_with_arguments_it_accepts(action_id):
    button = BUTTONS[action_id]
    arguments = button.arguments(7, ANSWERS.get(button.asks))
    registry.get(button.tool).input_model.model_validate(arguments)


def test_the_cards_show_every_button_by_its_table_label():
    elements = list(kit.draft_actions(3)["elements"])
    elements += [element for block in kit.proposal_blocks("Schedule it?", 9) if block.get("type") == "actions"
                 for element in block["elements"]]
    shown = {element["action_id"]: element["text"]["text"] for element in elements}
    assert shown and all(BUTTONS[action].label == label for action, label in shown.items())
