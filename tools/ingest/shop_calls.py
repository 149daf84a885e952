"""What the shop mappings share: the result of mapping one payload, and reading its amounts.

`tools.ingest.shopify` and `tools.ingest.woocommerce` each turn a platform's payload into
Segment-format calls; both return a `Mapped` and read money and quantities the same way, so a
bad amount is refused with the same message (naming the field) whichever shop sent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Mapped:
    """What one payload says: Segment calls, the user ids the shop says unsubscribed or
    subscribed (the door suppresses the former and may lift an unsubscribe for the latter),
    and a note for the answer."""

    calls: list[dict] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)
    subscribed: list[str] = field(default_factory=list)
    note: str | None = None


def money(value: Any, where: str) -> float | None:
    """A shop's money value ("19.99" or 19.99) as a JSON number, or None when absent."""
    if value in (None, ""):
        return None
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {str(value)[:40]!r} is not an amount") from None


def quantity(value: Any, where: str) -> int:
    try:
        return int(value if value not in (None, "") else 1)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {str(value)[:40]!r} is not a whole number") from None


def present(values: dict[str, Any]) -> dict[str, Any]:
    """`values` without the keys whose value is missing (None or "")."""
    return {key: value for key, value in values.items() if value not in (None, "")}
