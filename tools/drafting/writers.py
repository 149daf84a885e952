"""The two writers behind one interface: ready-made templates, and a language model.

`write_email` and `write_ad` return a `Written` (the copy, which writer produced it, and a note
for the marketer). With no model configured the template writer answers from `prompts/`. With
one, the LLM writer asks for LangChain structured output into the same pydantic model and runs
the same checks a marketer's own edit meets; on failure it retries once with the list of
problems, and after a second failure falls back to the template writer and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from jinja2 import UndefinedError
from pydantic import BaseModel, Field, create_model

from prompts import loader
from tools.core.llm import chat_model
from tools.core.settings import Settings
from tools.drafting import ad_copy, placeholders, tones
from tools.drafting.briefs import (
    ASKS_FOR,
    EVENTS,
    HOLIDAYS,
    INSTRUCTION,
    LEAD,
    READY_COPY,
    READY_FOR,
    SAYS_SOMETHING,
    read_brief,
    sentence_case,
    to_reader,
)
from tools.drafting.email_copy import EmailCopy, copy_errors
from tools.drafting.render import template

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


@dataclass
class Request:
    """What to write: purpose, tone (the marketer's words; None: the copy's own voice), the
    offer, the product in focus and a free-text brief."""

    purpose: str
    tone: str | None = None
    discount_percent: float | None = None
    discount_code: str | None = None
    product: dict[str, Any] = field(default_factory=dict)
    brief: str | None = None
    shop_name: str = "our shop"

    @property
    def code_at_send(self) -> bool:
        """A discount step given no code gets one per message at send time (the step's pool of
        single-use codes): the copy prints the placeholder and never a code of its own."""
        return self.purpose == "cart_discount" and not self.discount_code

    @property
    def prints_code(self) -> bool:
        return bool(self.discount_code) or self.code_at_send


@dataclass
class Written:
    copy: Any
    writer: str
    note: str = ""


class ModelFailed(Exception):
    """The model's answer failed the checks twice (or the call failed); the message says why."""


def _brief_copy(request: Request, fields: dict[str, str], voice: str) -> dict[str, str]:
    """Subject, headline and body paragraphs for an email written from a brief."""
    brief = read_brief(request.brief)
    topic = brief.topic or (request.product.get("name") if request.product else "") or "News"
    offer = brief.offer or (f"{_number(request.discount_percent)}% off" if request.discount_percent else "")
    urgent = voice == "urgent"  # an urgent brief's voice, unless a tone was asked for ("softer": no pressure)
    subject = f"{topic}, {offer}" if offer else topic
    subject = f"Don't miss it: {subject}" if urgent and len(subject) < 44 else subject
    event = topic.split()[-1].lower() in EVENTS
    opening = f"The {topic[0].lower() + topic[1:] if not HOLIDAYS.match(topic) else topic} is on at" if event \
        else f"{topic}, now at"
    lines = [f"{opening} {{{{ shop_name }}}}" + (f": {offer}." if offer else ".")]
    lines += [detail + "." for detail in brief.details]
    if urgent:
        lines.append("It will not last long, so take a look while it is on.")
    return {**fields, "subject": _shorten(subject), "subject_b": "", "headline": _shorten(topic),
            # the words shortened, never the placeholder: a cut "{{ shop_na..." is a broken template
            "preheader": _shorten(offer[0].upper() + offer[1:], 45) + " at {{ shop_name }}" if offer else fields["preheader"],
            "body": "\n\n".join(lines)}


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


def template_email(request: Request) -> EmailCopy:
    """Ready copy for the request from `prompts/email/`; a brief gives the subject matter."""
    base = "custom" if request.purpose == "announcement" and not request.product else request.purpose
    asked = ASKS_FOR.search(request.brief or "") if request.purpose == "custom" else None
    if asked and not asked.group("review") and re.search(r"\b(again|next order|% off|discount|code)\b", request.brief or "", re.I):
        asked = None  # "thanks again, here's 10% off your next order": an offer, not the order's confirmation
    if asked:
        # "thank them for their order", "ask for a review": an instruction to the writer, which
        # has ready copy for it; the brief's other words still go in below
        base = "review_request" if asked.group("review") else "thank_you"
    elif request.purpose == "custom":
        base = next((name for pattern, name in READY_FOR if pattern.search(request.brief or "")), base)
    fields = loader.email_template(base)
    tone = tones.read_tone(request.tone)
    voice = tone.voice or ("urgent" if read_brief(request.brief).urgent else "plain")
    if base == "custom" and request.brief:
        fields = _brief_copy(request, fields, voice)
    elif tone.short:
        fields = tones.shortened(fields)  # the ready copy's; a brief's own words are all kept
    greeting = tones.voice_row(voice)["greeting"]
    body = [greeting, fields["body"]] if fields["body"] else [greeting]
    if request.brief and base != "custom":
        said = read_brief(request.brief)
        # "day 8 free shipping", "saying we miss them": the step's own words, in the email
        first = re.split(r"[,;.\n]|\s+-\s+", to_reader(request.brief))[0]
        first = re.sub(r"^\s*(?:saying|say|that says|to say|telling (?:you|them)|tell (?:you|them))\s+(?:that\s+)?", "", first, flags=re.I)
        # "a last chance email": the email says "Last chance", not what it is
        lead = re.sub(r"\s+(?:e-?mail|message|note|one|reminder)$", "", LEAD.sub("", first).strip(), flags=re.I)
        if base in READY_COPY:  # the brief asked for this ready email; its words are no copy
            pass
        elif lead and SAYS_SOMETHING.search(lead) and not INSTRUCTION.match(lead) and not ASKS_FOR.search(lead):
            body.append(lead[0].upper() + lead[1:].rstrip(".!") + ".")
        elif lead and not INSTRUCTION.match(lead) and not ASKS_FOR.search(lead) and len(lead.split()) <= 6:
            # a topic of the step's own ("our brand story"): its subject and headline, so two
            # steps of one series never read the same
            topic = sentence_case(("our " if re.match(r"\s*our\b", first, flags=re.I) else "") + lead.rstrip(".!"))
            fields = {**fields, "subject": _shorten(f"{topic} from {{{{ shop_name }}}}"), "subject_b": "", "headline": _shorten(topic)}
        body += [f"{detail}." for detail in (said.details or ())]
        if said.offer and not re.search(r"\d\s*%", said.offer) and said.offer.lower() not in " ".join(body).lower():
            body.append(said.offer[0].upper() + said.offer[1:].rstrip(".!") + ".")  # "free shipping on anything"
    preheader = fields["preheader"]
    if (request.discount_percent or request.prints_code) and "discount_code" not in fields["body"]:
        # a win-back, welcome or browse email with an offer: the offer and its code are printed
        # (rendered per recipient at send time), never only stored on the step
        body.append(OFFER_LINE)
        preheader = OFFER_PREHEADER
    fields, body, signoff = tones.in_tone(fields, body, voice, tone.short)
    return EmailCopy(
        subject=fields["subject"],
        subject_b=fields.get("subject_b") or None,
        preheader=preheader,
        headline=fields["headline"],
        body="\n\n".join(body),
        cta_label=fields["cta_label"],
        cta_url=fields["cta_url"],
        signoff=signoff,
        show_cart=fields.get("show_cart") == "yes",
        show_products=fields.get("show_products") == "yes",
    )


OFFER_LINE = ("{% if discount_code %}Use code {{ discount_code }} at checkout{% if discount_percent %} for "
              "{{ discount_percent }}% off your next order{% endif %}.{% elif discount_percent %}Enjoy {{ discount_percent }}% off "
              "your next order.{% endif %}")
OFFER_PREHEADER = ("{% if discount_percent %}{{ discount_percent }}% off{% else %}A little something{% endif %} for you"
                   "{% if discount_code %}: code {{ discount_code }}{% endif %}.")


def write_email(settings: Settings, request: Request) -> Written:
    if not settings.llm_configured:
        return Written(template_email(request), "template", tones.note(request.tone))
    example = template_email(request)
    prompt = _prompt("drafting_email.md", request, example=example.model_dump_json(indent=2))
    try:
        copy = ask_model(settings, EmailCopy, prompt, lambda answer: copy_errors(answer) + code_errors(request, answer))
    except ModelFailed as failure:
        return Written(example, "template", f"The model's draft failed checks ({failure}); used the ready-made template instead.")
    return Written(copy, "llm")


_CODE_PLACEHOLDER = re.compile(r"{{\s*discount_code\s*}}")


def code_errors(request: Request, copy: EmailCopy) -> list[str]:
    """A discount email must print its code, through the placeholder (a pool's code differs per
    recipient, so a typed-in code would be wrong for all but one)."""
    if not request.prints_code or _CODE_PLACEHOLDER.search(copy.body):
        return []
    return ["the body never prints the discount code: write it with the {{ discount_code }} placeholder, "
            "e.g. \"Use code {{ discount_code }} at checkout\""]


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
    """Ad lines for `platform` picked from `prompts/ads/<purpose>.txt`, only lines that fit.

    Each field draws on the sections of the file in order of preference and falls back to the
    next section when a line does not fit: LinkedIn's one headline comes from the long lines
    within its 70 recommended characters, else from the short headlines (a long product name or
    shop name once left it with none, and the draft was refused). Lines that name the product in
    focus (or the brief's topic) come first, so the copy names it. An ad with a discount says it
    in every field, with its code where the field has room: `prompts/ads/offer.txt` adds lines
    for any purpose, and ends a long line with the offer where the longer line still fits.
    """
    pool = {name: _ad_lines(lines, request, platform) for name, lines in loader.ad_lines(request.purpose).items()}
    focus = (request.product.get("name") or read_brief(request.brief).topic or "").lower()
    terms = [term for term in (f"{_number(request.discount_percent)}%" if request.discount_percent else "",
                               (request.discount_code or "").lower()) if term]
    grown: dict[str, str] = {}  # a line with the offer said after it -> the line
    if terms:
        offer = {name: _ad_lines(lines, request, platform) for name, lines in loader.ad_lines("offer").items()}
        sentences = offer.pop("sentences", [])
        for name in ("long", "texts"):
            longer = {f"{line} {said}": line for line in pool.get(name, []) if (said := _offer_sentence(line, sentences, terms))}
            grown.update(longer)
            pool[name] = [*longer, *pool.get(name, [])]
        for name, lines in offer.items():
            pool[name] = [*pool.get(name, []), *lines]

    def fit(names: tuple[str, ...], limit: int, most: int) -> list[str]:
        lines = [line for name in names for line in pool.get(name, []) if ad_copy.count(line, platform) <= limit]
        said_longer = {grown[line] for line in lines if line in grown}
        lines = _unique([line for line in lines if line not in said_longer])  # the line with the offer, not both
        if focus:
            lines.sort(key=lambda line: focus not in line.lower())  # stable: file order otherwise
        return _offer_first(lines, terms)[:most]

    layouts: dict[str, Callable[[], dict[str, list[str]]]] = {
        "google_rsa": lambda: {
            "headlines": fit(("headlines",), 30, 15),
            "descriptions": fit(("long", "texts", "short"), 90, 4),
            "paths": fit(("paths",), 15, 2),
        },
        "google_display": lambda: {
            "short_headlines": fit(("headlines",), 30, 5),
            "long_headline": fit(("long", "texts", "headlines"), 90, 1),
            "descriptions": fit(("long", "texts", "short"), 90, 5),
            "business_name": [business_name or request.shop_name],
        },
        "meta": lambda: {
            "primary_texts": fit(("texts", "long"), 125, 3),
            "headlines": fit(("headlines", "short"), ad_copy.META_FEED_HEADLINE, 3),
            "descriptions": fit(("short",), 30, 2),
        },
        "linkedin": lambda: {"intro": fit(("texts", "long"), 150, 1),
                             "headline": fit(("long", "headlines"), 70, 1)},
    }
    return layouts[platform]()


def _offer_sentence(line: str, sentences: list[str], terms: list[str]) -> str | None:
    """The offer sentence that says just what `line` leaves out of the offer (its code, its
    percent or both); None when the line says it all already."""
    missing = {term for term in terms if term not in line.lower()}
    for sentence in sentences if missing else []:
        says = {term for term in terms if term in sentence.lower()}
        if says == missing:
            return sentence
    return None


def _unique(lines: list[str]) -> list[str]:
    """`lines` without repeats, whatever their case ("15% Off, Code X" and "15% off, code X")."""
    seen: dict[str, str] = {}
    for line in lines:
        seen.setdefault(line.casefold(), line)
    return list(seen.values())


def _offer_first(lines: list[str], terms: list[str]) -> list[str]:
    """Lines that say the offer (the most of it first: percent and code) taking turns with the
    others, so a field says the offer and still says what the ad is for."""
    def said(line: str) -> int:
        return sum(term in line.lower() for term in terms)
    offered = sorted((line for line in lines if said(line)), key=lambda line: -said(line))
    others = [line for line in lines if not said(line)]
    return [line for pair in zip_longest(offered, others) for line in pair if line]


def _ad_lines(lines: list[str], request: Request, platform: str) -> list[str]:
    brief = read_brief(request.brief)
    percent = _number(request.discount_percent)
    values = {
        "shop_name": request.shop_name,
        "product_name": request.product.get("name") or brief.topic,
        "discount_percent": percent,
        "discount_code": request.discount_code,
        "offer": brief.offer or (f"{percent}% off" if percent else None),
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
        # the ready ad lines have one voice: a tone asked for is said to be left out, never dropped unseen
        unsaid = f"Tone '{request.tone}': the offline writer's ad lines have one voice; with a model configured the tone is written."
        return Written(example, "template", unsaid if request.tone else "")
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
        "tone": request.tone or "friendly",
        "discount_percent": _number(request.discount_percent),
        "discount_code": request.discount_code,
        "code_at_send": request.code_at_send,
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


def ask_model(
    settings: Settings, schema: type[BaseModel], prompt: str, problems: Callable[[Any], list[str]]
) -> Any:
    """The model's structured answer that passes `problems`, with one retry; else ModelFailed."""
    from langchain_core.messages import HumanMessage, SystemMessage

    model = chat_model(settings, temperature=0.7).with_structured_output(schema, method="function_calling", include_raw=True)
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
