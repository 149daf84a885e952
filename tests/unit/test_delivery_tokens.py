"""Signed tracking tokens: they round-trip, and anything forged, altered or misused reads as None."""

from __future__ import annotations

import pytest

from tools.core.tokens import Token, make_token, read_token

SECRET = "a-test-secret-of-some-length"


def test_each_kind_round_trips():
    assert read_token(SECRET, make_token(SECRET, "open", 7)) == Token("open", 7)
    assert read_token(SECRET, make_token(SECRET, "unsubscribe", 7), "unsubscribe") == Token("unsubscribe", 7)
    click = make_token(SECRET, "click", 7, "https://shop.example/a?b=1")
    assert read_token(SECRET, click, "click") == Token("click", 7, "https://shop.example/a?b=1")


def test_forged_altered_or_wrong_kind_tokens_read_as_none():
    token = make_token(SECRET, "unsubscribe", 7)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert read_token(SECRET, flipped) is None
    assert read_token("another-secret", token) is None
    assert read_token(SECRET, token, "open") is None
    assert read_token(SECRET, "") is None and read_token(SECRET, "x.y") is None
    payload, signature = token.rsplit(".", 1)
    other = make_token(SECRET, "unsubscribe", 8).rsplit(".", 1)[0]
    assert read_token(SECRET, f"{other}.{signature}") is None


@pytest.mark.parametrize("kind, url", [("bounce", None), ("click", None), ("open", "https://x.example")])
def test_bad_requests_for_a_token_are_refused(kind, url):
    with pytest.raises(ValueError):
        make_token(SECRET, kind, 1, url)


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError, match="secret"):
        make_token("", "open", 1)
