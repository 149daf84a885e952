"""Validating Segment calls before they are stored: nesting limits, NUL, and batch order."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tools.ingest.calls import MAX_DEPTH, validate_calls

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def nested(levels: int, container: str = "dict") -> dict | list:
    """Containers nested `levels` deep (the outermost counts as one)."""
    value: dict | list = {"leaf": 1} if container == "dict" else [1]
    for _ in range(levels - 1):
        value = {"n": value} if container == "dict" else [value]
    return value


def track(**fields) -> dict:
    return {"type": "track", "userId": "u1", "event": "Product Viewed", **fields}


@pytest.mark.parametrize("may_contain_nul", [True, False])
@pytest.mark.parametrize("container", ["dict", "list"])
def test_nesting_is_allowed_up_to_the_limit_and_refused_past_it(may_contain_nul, container):
    items = [track(properties={"p": nested(MAX_DEPTH - 1, container)}),
             track(properties={"p": nested(MAX_DEPTH, container)})]

    calls = validate_calls(items, NOW, may_contain_nul=may_contain_nul)

    assert len(calls.tracks) == 1
    assert [(r.index, r.error) for r in calls.rejected] == [(1, f"properties nested deeper than {MAX_DEPTH} levels")]


def test_nul_is_refused_wherever_it_is_stored():
    items = [track(properties={"a\x00b": 1}), track(properties={"x": ["ok", {"y": "bad\x00"}]}),
             track(event="View\x00ed"), track(properties={"x": "fine"})]

    calls = validate_calls(items, NOW)

    assert [r.index for r in calls.rejected] == [0, 1, 2]
    assert all("NUL" in r.error for r in calls.rejected)
    assert [call.properties for call in calls.tracks] == [{"x": "fine"}]


def test_a_batch_with_bad_items_keeps_the_good_ones_and_reports_in_batch_order():
    items = [
        track(messageId="a"),
        {"type": "track", "event": "Product Viewed"},
        "not an object",
        track(messageId="b", timestamp="yesterday"),
        track(messageId="c", properties={"p": nested(MAX_DEPTH)}),
        {"type": "identify", "userId": "u2", "traits": {"email": "not-an-email"}},
        track(messageId="d", timestamp="2026-11-28T13:00:00+01:00"),
    ]

    calls = validate_calls(items, NOW)

    assert [r.index for r in calls.rejected] == [1, 2, 3, 4, 5]
    assert [call.messageId for call in calls.tracks] == ["a", "d"]
    assert calls.tracks[1].timestamp == datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    assert calls.tracks[1].timestamp.tzinfo is timezone.utc
