"""The offline planner against a corpus of marketer phrasings (tests/unit/planner_corpus.yaml).

Each entry names the first call the plan must make (or, for follow-ups, the call it must
contain) and the arguments that matter; every expected call is validated against its tool's
input model, so the corpus cannot expect a call the tools would refuse. No database: this is
the planner alone. Accuracy is reported by class; the test fails below the recorded floor.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import yaml

from bot.engine.memory import ThreadState
from bot.engine.planner.choose import plan
from tools import registry

CORPUS = yaml.safe_load((Path(__file__).parent / "planner_corpus.yaml").read_text())
FLOOR = 0.85


def _get(arguments: dict, path: str):
    value = arguments
    for part in path.replace("]", "").replace("[", ".").split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def matches(entry: dict) -> bool:
    now = datetime.fromisoformat(entry["now"]) if entry.get("now") else None
    result = plan(entry["text"], ThreadState.from_dict(entry.get("state")), now)
    # any call of that tool: a comparison ("revenue this month vs last month") makes two
    return any(call.name == entry["tool"] and _has(call.arguments, entry.get("args") or {}) for call in result.calls)


def _has(arguments: dict, expected: dict) -> bool:
    try:
        return all(_get(arguments, key) == value for key, value in expected.items())
    except (KeyError, IndexError, TypeError):
        return False


def test_corpus_is_large_and_every_expected_call_is_valid():
    assert len(CORPUS) >= 300
    for entry in CORPUS:
        tool = registry.get(entry["tool"])
        plain = {key: value for key, value in (entry.get("args") or {}).items() if "." not in key and "[" not in key}
        if not entry.get("args") or len(plain) < len(entry["args"]):
            continue  # paths into the arguments: the planner's own calls are validated in test_planner_contract
        fields = tool.input_model.model_fields
        required = {name: _placeholder(name) for name, info in fields.items() if info.is_required()}
        tool.input_model.model_validate({**required, **plain})


def _placeholder(name: str):
    return {"draft_id": 1, "segment": "vip", "spec": {"attribute": "email", "op": "exists"},
            "steps": [{"delay_days": 1, "purpose": "cart_reminder"}]}.get(name, "x")


def test_accuracy_by_class():
    right, total = Counter(), Counter()
    misses = []
    for entry in CORPUS:
        total[entry["class"]] += 1
        if matches(entry):
            right[entry["class"]] += 1
        else:
            misses.append(entry["text"])
    report = ", ".join(f"{name} {right[name]}/{total[name]}" for name in sorted(total))
    overall = sum(right.values()) / sum(total.values())
    print(f"\nplanner corpus: {overall:.1%} right ({report})")
    assert overall >= FLOOR, f"{overall:.1%} right; misses: {misses[:40]}"


def test_questions_never_plan_a_write():
    for entry in CORPUS:
        if entry["class"] != "question":
            continue
        result = plan(entry["text"])
        writes = [call.name for call in result.calls if registry.BY_NAME[call.name].writes]
        assert not writes, (entry["text"], writes)


def test_the_reading_names_the_audience_the_steps_and_what_was_not_used():
    built = plan("people who haven't bought in 60 days: 15% off right away, then a reminder after 4 days")
    assert built.reading == ("Read as: contacts who ordered before but not in the last 60 days; "
                             "steps right away (winback with 15% off), on day 4 (winback)")
    active = plan("abandoned cart flow for active customers in the last two weeks")
    assert active.unused == ["active"] and "2 weeks" in active.reading
    # a group each shop defines for itself is asked about instead (test_planner_unused)
    assert "Who counts as 'loyal customers'?" in plan("abandoned cart flow for loyal customers in the last two weeks").answer
    assert plan("abandoned cart flow for big spenders who spent over 500").unused == []
