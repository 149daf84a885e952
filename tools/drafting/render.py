"""Turning a stored draft into the email one contact receives, safely.

Every template renders in Jinja's immutable sandbox; HTML output is autoescaped, so a customer
named `{{7*7}}` or `<script>` and a product titled `{{ ''.__class__ }}` come out as plain text
(data is only ever a value, never template source). Draft sources may use only the documented
placeholders (`tools.drafting.placeholders`); `template_errors` rejects anything else and anything the
sandbox refuses. `render_email` wraps the draft's body in the layout from `prompts/email/`, whose
footer always carries the unsubscribe link and the postal address. A contact's values (cart,
product in focus, best sellers) come from `tools.drafting.personalisation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import StrictUndefined, Template, TemplateError, Undefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from prompts import loader
from tools.core.models import Contact, Draft
from tools.core.settings import Settings
from tools.drafting import placeholders
from tools.drafting.cart_link import cart_link


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str


def safe_url(value: Any) -> str:
    """The URL if it is http(s) or mailto, else "" (so `javascript:` from data never lands)."""
    url = value.unescape() if isinstance(value, Markup) else str(value or "")
    url = url.strip()
    return url if urlsplit(url).scheme.lower() in {"http", "https", "mailto"} else ""


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing arithmetic that would build huge values ("x" * 10**9)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        numbers = [v for v in (left, right) if isinstance(v, int)]
        sized = any(isinstance(v, (str, list, tuple)) for v in (left, right))
        if (operator == "**" and abs(right) > 64) or (operator == "*" and sized and any(abs(n) > 1000 for n in numbers)):
            raise SecurityError(f"'{operator}' would build a value too large for an email")
        return super().call_binop(context, operator, left, right)


@lru_cache(maxsize=4)
def environment(html: bool, strict: bool = False) -> ImmutableSandboxedEnvironment:
    """The sandbox: autoescaping for HTML; strict mode (used by checks) fails on any undefined."""
    env = _Sandbox(
        autoescape=html,
        undefined=StrictUndefined if strict else Undefined,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    # Drafts need only the placeholders: no range() loops to spin on, no lipsum, no namespace.
    env.globals.clear()
    return env


@lru_cache(maxsize=512)
def template(source: str, html: bool, strict: bool = False) -> Template:
    """`source` compiled once in the sandbox (a send renders the same few drafts many times)."""
    return environment(html, strict).from_string(source)


def unknown_placeholders(source: str) -> set[str]:
    """Variables `source` reads that are not documented placeholders (syntax errors raise)."""
    return meta.find_undeclared_variables(environment(False).parse(source)) - placeholders.KNOWN


def template_errors(field: str, source: str | None, *, html: bool = False) -> list[str]:
    """Why `source` may not be used as a draft's `field` (empty when it is fine)."""
    if not source:
        return []
    try:
        unknown = unknown_placeholders(source)
    except TemplateError as error:
        return [f"{field}: template error: {error}"]
    if unknown:
        names = ", ".join(sorted(unknown))
        return [f"{field} uses unknown placeholder(s) {names}; known placeholders: {placeholders.known_list()}"]
    return _trial_errors(field, source, html)


def _trial_errors(field: str, source: str, html: bool) -> list[str]:
    # Rendering once with full sample data and once with every value missing catches what
    # parsing cannot: sandbox refusals ({{ ''.__class__ }}), unknown item fields, bad indexing.
    for label, values in (("sample data", placeholders.sample_values()), ("missing data", placeholders.fallbacks())):
        try:
            template(source, html, strict=True).render(values)
        except Exception as error:  # noqa: BLE001 - any failure means the template is unusable
            return [f"{field}: does not render with {label}: {type(error).__name__}: {error}"]
    return []


def draft_errors(draft: Draft) -> list[str]:
    """Template problems in a stored email draft's sources."""
    errors = []
    for field in ("subject", "subject_b", "preheader", "text"):
        errors += template_errors(field, getattr(draft, field))
    return errors + template_errors("html", draft.html, html=True)


def render_email(
    draft: Draft,
    contact: Contact | None,
    *,
    extra: dict[str, Any],
    links: dict[str, str],
    settings: Settings,
    variant: str = "a",
) -> RenderedEmail:
    """The email `contact` receives: subject, preheader, HTML and text, footer included.

    `extra` is usually `personalisation(db, contact, now)`; `links` must hold `unsubscribe_url`.
    Variant "b" uses the draft's second subject line when it has one.
    """
    values = _values(draft, contact, extra, links, settings)
    subject_source = draft.subject_b if variant == "b" and draft.subject_b else draft.subject
    subject = _one_line(_render(subject_source, values, html=False))
    preheader = _one_line(_render(draft.preheader, values, html=False))
    frame = {**values, "subject": subject, "preheader": preheader}
    body_html = Markup(_render(draft.html, values, html=True))
    body_text = re.sub(r"\n{3,}", "\n\n", _render(draft.text, values, html=False)).strip()
    html = template(loader.read("email/layout.html.j2"), True).render(frame, body=body_html)
    text = template(loader.read("email/layout.txt.j2"), False).render(frame, body=body_text)
    return RenderedEmail(subject=subject, preheader=preheader, html=html, text=text)


def _render(source: str | None, values: dict[str, Any], *, html: bool) -> str:
    return template(source or "", html).render(values)


def _one_line(text: str) -> str:
    # Subjects end up in a mail header: no line breaks may survive from data or copy.
    return " ".join(text.split())


def _values(draft, contact, extra, links, settings) -> dict[str, Any]:
    values = placeholders.fallbacks()
    values.update(
        shop_name=placeholders.shop_name(settings.shop_name),
        shop_url=settings.shop_url,
        postal_address=settings.postal_address,
    )
    if contact is not None:
        values.update(_present(contact_values(contact)))
    values.update(_present({k: v for k, v in extra.items() if k in placeholders.PER_CONTACT}))
    values.update(_present(draft_values(draft)))
    values.update(_present({k: v for k, v in links.items() if k in placeholders.KNOWN}))
    values["cart_url"] = cart_link(
        checkout_url=str(extra.get("checkout_url") or ""), cart_url=str(values["cart_url"] or ""),
        items=values["cart_items"], shop_url=settings.shop_url, discount_code=values["discount_code"])
    values["product_url"] = values["product_url"] or values["shop_url"]
    return values


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "", [])}


def contact_values(contact: Contact) -> dict[str, Any]:
    return {"first_name": (contact.first_name or "").strip(), "last_name": (contact.last_name or "").strip()}


def draft_values(draft: Draft) -> dict[str, Any]:
    """Values fixed for the whole draft: its discount and the product it focuses on."""
    params = draft.params or {}
    values = {"discount_code": params.get("discount_code"), "discount_percent": params.get("discount_percent")}
    focus = params.get("product") or {}
    values.update(
        product_name=focus.get("name"),
        product_price=focus.get("price"),
        product_url=focus.get("url"),
        product_image=focus.get("image"),
    )
    return values


def draft_urls(draft: Draft) -> set[str]:
    """The literal http(s) URLs written in a draft (an approved draft may redirect to these).

    Personalised links (cart items, products) come from data at send time and are covered by
    the signed tracking token rather than this list.
    """
    sources = " ".join(filter(None, [draft.html, draft.text]))
    literal = re.sub(r"{{.*?}}|{%.*?%}|{#.*?#}", " ", sources, flags=re.S)
    focus = ((draft.params or {}).get("product") or {}).get("url")
    found = {m.rstrip(".,;:)") for m in re.findall(r"https?://[^\s\"'<>]+", literal)}
    return {url for url in found | {focus} if url and safe_url(url)}
