"""The two writers behind one interface: ready-made templates, and a language model.

`write_email` and `write_ad` return a `Written` (the copy, which writer produced it, and a note
for the marketer). With no model configured the template writer answers from `prompts/`. With
one, the LLM writer asks for LangChain structured output into the same pydantic model and runs
the same checks a marketer's own edit meets; on failure it retries once with the list of
problems, and after a second failure falls back to the template writer and says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import UndefinedError
from pydantic import BaseModel, Field, create_model

from prompts import loader
from tools import ad_copy, placeholders
from tools.email_copy import EmailCopy, copy_errors, paragraphs
from tools.render import template
from tools.settings import Settings

PURPOSES = {
    "cart_reminder": "remind a shopper of the cart they left",
    "social_proof": "show what other shoppers are choosing, to help a hesitant shopper decide",
    "cart_discount": "offer a discount on the cart they left",
    "browse_abandonment": "bring back a visitor who viewed a product but did not add it",
    "winback": "bring back a customer who has not bought for a long time",
    "welcome": "welcome a new subscriber",
    "announcement": "announce a new product",
    "custom": "a message written from the marketer's brief",
}
TONES = ("friendly", "professional", "playful", "urgent")


@dataclass
class Request:
    """What to write: purpose, tone, the offer, the product in focus and a free-text brief."""

    purpose: str
    tone: str = "friendly"
    discount_percent: float | None = None
    discount_code: str | None = None
    product: dict[str, Any] = field(default_factory=dict)
    brief: str | None = None
    shop_name: str = "our shop"


@dataclass
class Written:
    copy: Any
    writer: str
    note: str = ""


class ModelFailed(Exception):
    """The model's answer failed the checks twice (or the call failed); the message says why."""


def template_email(request: Request) -> EmailCopy:
    """Ready copy for the request from `prompts/email/`."""
    base = "custom" if request.purpose == "announcement" and not request.product else request.purpose
    fields = loader.email_template(base)
    greeting, signoff = loader.tones()[request.tone]
    body = [greeting, fields["body"]] if fields["body"] else [greeting]
    if request.brief:
        body.append(request.brief.strip())
    subject = _brief_subject(request.brief) if base == "custom" and request.brief else fields["subject"]
    return EmailCopy(
        subject=subject,
        subject_b=fields.get("subject_b") or None,
        preheader=fields["preheader"],
        headline=fields["headline"],
        body="\n\n".join(body),
        cta_label=fields["cta_label"],
        cta_url=fields["cta_url"],
        signoff=signoff,
        show_cart=fields.get("show_cart") == "yes",
        show_products=fields.get("show_products") == "yes",
    )


def _brief_subject(brief: str) -> str:
    first = paragraphs(brief)[0].split(". ")[0].strip().rstrip(".")
    if len(first) <= 60:
        return first
    return first[:57].rsplit(" ", 1)[0] + "..."


def write_email(settings: Settings, request: Request) -> Written:
    if not settings.llm_configured:
        return Written(template_email(request), "template")
    example = template_email(request)
    prompt = _prompt("drafting_email.md", request, example=example.model_dump_json(indent=2))
    try:
        copy = ask_model(settings, EmailCopy, prompt, copy_errors)
    except ModelFailed as failure:
        return Written(example, "template", f"The model's draft failed checks ({failure}); used the ready-made template instead.")
    return Written(copy, "llm")


def ad_model(platform: str) -> type[BaseModel]:
    """The structured-output model for `platform`: one list of lines per field, limits described."""
    fields = {
        spec.name: (list[str], Field(description=_limit_text(spec))) for spec in ad_copy.SPECS[platform]
    }
    return create_model(f"AdCopy_{platform}", **fields)


def _limit_text(spec: ad_copy.FieldSpec) -> str:
    parts = [f"{ad_copy.item_range(spec)} lines"]
    if spec.hard:
        parts.append(f"each at most {spec.hard} characters")
    if spec.recommended:
        parts.append(f"{spec.recommended} recommended")
    return ", ".join(parts)


def template_ad(platform: str, request: Request, business_name: str | None = None) -> dict[str, list[str]]:
    """Ad lines for `platform` picked from `prompts/ads/<purpose>.txt`, only lines that fit."""
    pool = {name: _ad_lines(lines, request, platform) for name, lines in loader.ad_lines(request.purpose).items()}

    def fit(names: tuple[str, ...], limit: int, most: int) -> list[str]:
        lines = [line for name in names for line in pool.get(name, []) if ad_copy.count(line, platform) <= limit]
        return list(dict.fromkeys(lines))[:most]

    layouts: dict[str, Callable[[], dict[str, list[str]]]] = {
        "google_rsa": lambda: {
            "headlines": fit(("headlines",), 30, 15),
            "descriptions": fit(("long", "texts"), 90, 4),
            "paths": fit(("paths",), 15, 2),
        },
        "google_display": lambda: {
            "short_headlines": fit(("headlines",), 30, 5),
            "long_headline": fit(("long",), 90, 1),
            "descriptions": fit(("long", "texts"), 90, 5),
            "business_name": [business_name or request.shop_name],
        },
        "meta": lambda: {
            "primary_texts": fit(("texts",), 125, 3),
            "headlines": fit(("headlines",), ad_copy.META_FEED_HEADLINE, 3),
            "descriptions": fit(("short",), 30, 2),
        },
        "linkedin": lambda: {"intro": fit(("texts",), 150, 1), "headline": fit(("long",), 70, 1)},
    }
    return layouts[platform]()


def _ad_lines(lines: list[str], request: Request, platform: str) -> list[str]:
    values = {
        "shop_name": request.shop_name,
        "product_name": request.product.get("name"),
        "discount_percent": _number(request.discount_percent),
        "discount_code": request.discount_code,
    }
    known = {k: v for k, v in values.items() if v not in (None, "")}
    rendered = []
    for line in lines:
        try:
            rendered.append(template(line, False, strict=True).render(known).strip())
        except UndefinedError:
            continue  # the line needs a product or discount this request does not have
    return rendered


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def write_ad(settings: Settings, platform: str, request: Request, business_name: str | None = None) -> Written:
    example = template_ad(platform, request, business_name)
    if not settings.llm_configured:
        return Written(example, "template")
    limits = "\n".join(f"- {spec.name}: {_limit_text(spec)}" for spec in ad_copy.SPECS[platform])
    prompt = _prompt("drafting_ad.md", request, platform=platform, limits=limits, example=json.dumps(example, indent=2))

    def problems(answer: BaseModel) -> list[str]:
        return [p.message for p in ad_copy.check(platform, answer.model_dump()) if p.severity == "block"]

    try:
        answer = ask_model(settings, ad_model(platform), prompt, problems)
    except ModelFailed as failure:
        return Written(example, "template", f"The model's ad copy failed checks ({failure}); used the ready-made copy instead.")
    return Written(answer.model_dump(), "llm")


def _prompt(name: str, request: Request, **extra: Any) -> str:
    values = {
        "purpose": request.purpose,
        "purpose_meaning": PURPOSES[request.purpose],
        "tone": request.tone,
        "discount_percent": _number(request.discount_percent),
        "discount_code": request.discount_code,
        "product_name": request.product.get("name"),
        "brief": request.brief,
        "shop_name": request.shop_name,
        **extra,
    }
    return template(loader.read(name), False).render(values)


def system_prompt(shop_name: str) -> str:
    return template(loader.read("drafting.md"), False).render(
        shop_name=shop_name, placeholder_list=placeholders.describe()
    )


def chat_model(settings: Settings):
    """The configured OpenAI-compatible chat model (OPENAI_BASE_URL, OPENAI_API_KEY, NUDGE_MODEL)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or "unused",
        base_url=settings.openai_base_url or None,
        temperature=0.7,
        max_retries=1,
        timeout=60,
    )


def ask_model(
    settings: Settings, schema: type[BaseModel], prompt: str, problems: Callable[[Any], list[str]]
) -> Any:
    """The model's structured answer that passes `problems`, with one retry; else ModelFailed."""
    from langchain_core.messages import HumanMessage, SystemMessage

    model = chat_model(settings).with_structured_output(schema, method="function_calling", include_raw=True)
    messages: list[Any] = [SystemMessage(system_prompt(placeholders.shop_name(settings.shop_name))), HumanMessage(prompt)]
    errors: list[str] = []
    for _attempt in range(2):
        try:
            result = model.invoke(messages)
        except Exception as error:  # noqa: BLE001 - any transport or API failure means "use the template"
            raise ModelFailed(f"the model could not be reached: {type(error).__name__}") from None
        answer = result.get("parsed")
        errors = _answer_errors(answer, result.get("parsing_error"), problems)
        if not errors:
            return answer
        messages.append(HumanMessage(_retry_text(result.get("raw"), errors)))
    raise ModelFailed("; ".join(errors)[:500])


def _answer_errors(answer: Any, parsing_error: Any, problems: Callable[[Any], list[str]]) -> list[str]:
    if parsing_error is not None:
        return [f"the answer did not match the required fields: {str(parsing_error)[:300]}"]
    if answer is None:
        return ["no structured answer was given; answer by calling the function"]
    return problems(answer)


def _retry_text(raw: Any, errors: list[str]) -> str:
    calls = getattr(raw, "tool_calls", None) or []
    previous = json.dumps(calls[0].get("args"), ensure_ascii=False) if calls else str(getattr(raw, "content", ""))
    listed = "\n".join(f"- {error}" for error in errors)
    return f"Your previous answer:\n{previous}\nhas these problems:\n{listed}\nAnswer again with every problem fixed."
