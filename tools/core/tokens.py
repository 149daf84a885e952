"""Signed tokens for the links inside an email: open pixel, click redirect and unsubscribe.

A token names what it is for (`kind`), which outbox message it belongs to and, for a click, the
URL it leads to. It is signed with HMAC (itsdangerous) under the tracking secret, so a forged or
altered token reads back as `None` and the HTTP door answers 404 without touching anything.
Tokens carry no address or name: the message id is all they reveal to whoever holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

KINDS = ("open", "click", "unsubscribe")
_SALT = "nudge.tracking.v1"


@dataclass(frozen=True)
class Token:
    kind: str
    message_id: int
    url: str | None = None


def _serializer(secret: str) -> URLSafeSerializer:
    if not secret:
        raise ValueError("a tracking secret is needed to sign tokens")
    return URLSafeSerializer(secret, salt=_SALT)


def make_token(secret: str, kind: str, message_id: int, url: str | None = None) -> str:
    """A URL-safe signed token for `kind` ('open', 'click', 'unsubscribe') on one message."""
    if kind not in KINDS:
        raise ValueError(f"unknown token kind '{kind}'; valid kinds: {', '.join(KINDS)}")
    if (kind == "click") != (url is not None):
        raise ValueError("a click token needs a url, and only a click token has one")
    payload = [KINDS.index(kind), int(message_id)] + ([url] if url is not None else [])
    return _serializer(secret).dumps(payload)


def read_token(secret: str, token: str, kind: str | None = None) -> Token | None:
    """The token's contents, or None when it is forged, altered, malformed or of another kind."""
    try:
        payload = _serializer(secret).loads(token)
    except (BadSignature, UnicodeError, ValueError, TypeError):
        return None
    parsed = _parse(payload)
    if parsed is None or (kind is not None and parsed.kind != kind):
        return None
    return parsed


def _parse(payload: object) -> Token | None:
    if not isinstance(payload, list) or len(payload) not in (2, 3):
        return None
    code, message_id, *rest = payload
    if not isinstance(code, int) or not 0 <= code < len(KINDS) or not isinstance(message_id, int):
        return None
    url = rest[0] if rest else None
    if url is not None and not isinstance(url, str):
        return None
    return Token(KINDS[code], message_id, url)
