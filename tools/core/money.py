"""Showing an amount of money the way a marketer reads it: "$1,234.50", "€89.00", "120.00 SEK".

One rule for the emails (a cart's total in the cart's currency), the report and the digest (in
the currency the period's orders were placed in). Without a currency an amount is shown plain,
never with a guessed sign.
"""

from __future__ import annotations

from decimal import Decimal

SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def money(amount: Decimal | float | None, currency: str | None = "") -> str:
    if amount is None:
        return ""
    code = (currency or "").upper()[:3]
    sign = SIGNS.get(code)
    if sign:
        return f"{sign}{amount:,.2f}"
    return f"{amount:,.2f} {code}" if code else f"{float(amount):,.2f}"
