"""Single-call intents planned from the registry: a row names its tool, and the tool's input model
says which fields the call needs.

For each field of the tool's input model, a slot reader (keyed by the field's name) looks for its
value in the sentence or the thread. A required field with no value asks one short question back
(the row's, or the field's own) instead of guessing; optional fields are filled when named. So a
new field on a tool's input model is either read here or asked for, never silently left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import campaign_note, campaign_reference, person
from tools import registry

Reader = Callable[[str, str, ThreadState], Any]

# Words before a bare user id ("forget u42", "data on u42").
PERSON_AFTER = r"forget|erase|delete|wipe|unsubscribe|remove|opt|for|on|about|of"

SLOTS: dict[str, Reader] = {
    "campaign": lambda clean, lowered, state: campaign_reference(clean, state),
    "contact": lambda clean, lowered, state: person(clean, PERSON_AFTER),
}
# What to ask when a required field has no value and the row says nothing more specific.
QUESTIONS = {
    "campaign": messages.NOTHING_TO_REFER,
    "contact": "Who? Give their email address or user id.",
}


def plan_row(tool: str, clean: str, lowered: str, state: ThreadState, *, ask: str | None = None,
             reading: str | None = None, decline: bool = False) -> Plan | None:
    """The one call to `tool` with every field the sentence names; a question back when a
    required one is missing (or None, declining, when `decline`)."""
    fields = registry.get(tool).input_model.model_fields
    several = re.search(r"\bcampaigns\s+#?(\d+(?:\s*(?:,|and|&)\s*#?\d+)+)\b", lowered)
    bare = re.search(r"^\S+(?:\s+(?:rid|of|off|out))*\s+#?(\d+(?:\s*(?:,|and|&)\s*#?\d+)+)\b", lowered)
    if not several and bare and {int(n) for n in re.findall(r"\d+", bare.group(1))} <= {c["id"] for c in state.campaigns}:
        several = bare  # "get rid of 9 and 13" after a list of campaigns: those campaigns
    if several and set(fields) == {"campaign"}:  # "get rid of campaigns 5, 6 and 7": one call each
        numbers = re.findall(r"\d+", several.group(1))
        words = reading.replace("campaign {campaign}", "campaigns {campaign}").format(campaign=", ".join(numbers)) if reading else None
        return Plan(tool, [PlannedCall(tool, {"campaign": number}) for number in numbers], reading=words and f"Read as: {words}")
    arguments: dict[str, Any] = {}
    for name, info in fields.items():
        reader = SLOTS.get(name)
        value = reader(clean, lowered, state) if reader else None
        if value is not None:
            arguments[name] = value
        elif info.is_required():
            if decline:
                return None
            return Plan(tool, answer=ask or QUESTIONS.get(name) or f"What {name.replace('_', ' ')}?")
    shown = {**arguments, **({"campaign": f"'{arguments['campaign']}'"} if "campaign" in arguments
                             and not str(arguments["campaign"]).isdigit() else {})}
    words = reading.format(**shown) + (campaign_note(clean, state) if "campaign" in arguments else "") if reading else None
    return Plan(tool, [PlannedCall(tool, arguments)], reading=words and f"Read as: {words}")
