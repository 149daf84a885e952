"""The planner's calls are the registry's calls: every call it plans for every corpus phrasing
validates against its tool's input model, and every single-call row can fill (or ask for) each
required field of its tool.

The engine replaces the planner's campaign placeholder with the id the previous call returned;
here it becomes a real-looking id ("1") before validation.

Mutations tried: the `campaign` slot reader returning an int fails
`test_every_planned_call_validates_against_its_tool`; a row naming "pause_campaigns" fails
`test_every_row_names_a_tool_and_reads_its_required_fields`.
"""

from __future__ import annotations

from datetime import datetime

from bot.engine.memory import ThreadState
from bot.engine.planner.choose import plan
from bot.engine.planner.intents import INTENTS
from bot.engine.planner.plans import CAMPAIGN
from bot.engine.planner.rows import QUESTIONS, SLOTS
from tests.unit.test_planner_corpus import CORPUS
from tools import registry


def _resolved(arguments: dict) -> dict:
    return {key: ("1" if value == CAMPAIGN else value) for key, value in arguments.items()}


def test_every_planned_call_validates_against_its_tool():
    checked = 0
    for entry in CORPUS:
        now = datetime.fromisoformat(entry["now"]) if entry.get("now") else None
        for call in plan(entry["text"], ThreadState.from_dict(entry.get("state")), now).calls:
            registry.get(call.name).input_model.model_validate(_resolved(call.arguments))
            checked += 1
    assert checked >= 300


def test_every_row_names_a_tool_and_reads_its_required_fields():
    rows = [intent for intent in INTENTS if intent.builder is None]
    assert len(rows) >= 8
    for row in rows:
        fields = registry.get(row.tool).input_model.model_fields
        for name, info in fields.items():
            if info.is_required():
                assert name in SLOTS, f"{row.tool}: no slot reader for its required field '{name}'"
                assert row.ask or name in QUESTIONS or row.decline, f"{row.tool}: nothing to ask for '{name}'"
