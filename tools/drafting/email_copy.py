"""The copy an email draft is made of, how it is checked, and how it becomes HTML and text sources.

`EmailCopy` is the one pydantic model both writers fill (the template writer from
`prompts/email/`, the LLM writer through structured output) and a marketer edits. `copy_errors`
is the single validation every copy passes, whoever wrote it. `compose` builds the draft's HTML
and plain-text template sources: literal copy is HTML-escaped, placeholders stay placeholders,
and the cart, best-seller and button blocks come from `prompts/email/`.
"""

from __future__ import annotations

import re

from markupsafe import escape
from pydantic import BaseModel, Field

from prompts import loader
from tools.drafting.placeholders import sample_values
from tools.drafting.render import template, template_errors

SUBJECT_MAX = 150
PREHEADER_MAX = 200
_TAG = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.S)
_HEADLINE_STYLE = "margin:0 0 16px;font-size:24px;line-height:1.3;"
_BUTTON_STYLE = (
    "display:inline-block;padding:12px 24px;background:#18181b;color:#ffffff;"
    "border-radius:6px;text-decoration:none;font-weight:bold;"
)


class EmailCopy(BaseModel):
    """An email's copy. Text fields may use the documented {{ placeholders }}."""

    subject: str = Field(description="Subject line, ideally under 60 characters; no fake RE:/FW:.")
    subject_b: str | None = Field(None, description="An alternative subject line for an A/B test.")
    preheader: str = Field("", description="Preview text shown after the subject, under 100 characters.")
    headline: str = Field("", description="The large heading at the top of the email.")
    body: str = Field(description="Greeting and paragraphs, separated by blank lines. Plain text.")
    cta_label: str = Field(description="The button's words, e.g. 'Return to my cart'.")
    cta_url: str = Field("{{ cart_url }}", description="The button's link: a placeholder such as {{ cart_url }} or an https URL.")
    signoff: str = Field("", description="Closing lines after the button, e.g. 'Happy shopping,\\nThe team'.")
    show_cart: bool = Field(False, description="Show the contact's cart items (image, name, price).")
    show_products: bool = Field(False, description="Show the shop's best sellers.")


TEMPLATE_FIELDS = ("subject", "subject_b", "preheader", "headline", "body", "cta_label", "cta_url", "signoff")


def copy_errors(copy: EmailCopy) -> list[str]:
    """Everything wrong with `copy`, one plain sentence each (empty means usable)."""
    errors = []
    for field in TEMPLATE_FIELDS:
        errors += template_errors(field, getattr(copy, field))
    if errors:
        return errors
    if not copy.subject.strip():
        errors.append("subject is empty; write a subject line")
    if not copy.body.strip():
        errors.append("body is empty; write at least one paragraph")
    if not copy.cta_label.strip():
        errors.append("cta_label is empty; give the button a few words")
    errors += _length_errors(copy)
    if not _is_link(copy.cta_url):
        errors.append(f"cta_url '{copy.cta_url}' is not a placeholder like {{{{ cart_url }}}} or an http(s) URL")
    return errors


def _length_errors(copy: EmailCopy) -> list[str]:
    errors = []
    for field, limit in (("subject", SUBJECT_MAX), ("subject_b", SUBJECT_MAX), ("preheader", PREHEADER_MAX)):
        source = getattr(copy, field)
        if source:
            rendered = " ".join(template(source, False).render(sample_values()).split())
            if len(rendered) > limit:
                errors.append(f"{field} is {len(rendered)} characters with sample data; keep it under {limit}")
    return errors


def _is_link(source: str) -> bool:
    source = source.strip()
    return bool(re.fullmatch(r"{{\s*\w+\s*}}", source) or re.match(r"https?://\S+$", source))


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]


def _html_literal(source: str) -> str:
    """`source` as HTML: literal text escaped and line breaks kept, template tags untouched."""
    parts = _TAG.split(source)
    return "".join(part if _TAG.fullmatch(part) else str(escape(part)).replace("\n", "<br>\n") for part in parts)


def compose(copy: EmailCopy) -> tuple[str, str]:
    """The draft's (html, text) template sources for `copy`."""
    return _compose_html(copy), _compose_text(copy)


def _compose_html(copy: EmailCopy) -> str:
    parts = []
    if copy.headline.strip():
        parts.append(f'<h1 style="{_HEADLINE_STYLE}">{_html_literal(copy.headline.strip())}</h1>')
    parts += [f'<p style="margin:0 0 16px;">{_html_literal(p)}</p>' for p in paragraphs(copy.body)]
    if copy.show_cart:
        parts.append(loader.read("email/cart_items.html.j2").strip())
    # With nothing to link to (no cart link, no shop URL) the button is left out, never empty.
    parts.append(
        f"{{% set cta_href %}}{copy.cta_url.strip()}{{% endset %}}{{% if cta_href | safe_url %}}"
        f'<p style="margin:24px 0;"><a href="{{{{ cta_href | safe_url }}}}" style="{_BUTTON_STYLE}">'
        f"{_html_literal(copy.cta_label.strip())}</a></p>{{% endif %}}"
    )
    if copy.show_products:
        parts.append(loader.read("email/top_products.html.j2").strip())
    if copy.signoff.strip():
        parts.append(f'<p style="margin:16px 0 0;">{_html_literal(copy.signoff.strip())}</p>')
    return "\n".join(parts) + "\n"


def _compose_text(copy: EmailCopy) -> str:
    parts = [copy.headline.strip()] if copy.headline.strip() else []
    parts += paragraphs(copy.body)
    if copy.show_cart:
        parts.append(loader.read("email/cart_items.txt.j2").strip())
    parts.append(f"{{% set cta_href %}}{copy.cta_url.strip()}{{% endset %}}{{% if cta_href | safe_url %}}"
                 f"{copy.cta_label.strip()}: {{{{ cta_href | safe_url }}}}{{% endif %}}")
    if copy.show_products:
        parts.append(loader.read("email/top_products.txt.j2").strip())
    if copy.signoff.strip():
        parts.append(copy.signoff.strip())
    return "\n\n".join(parts) + "\n"
