"""Drafting tools: write an email or ad copy, revise it into a new version, preview it for real contacts.

A draft is stored as a versioned row: an email keeps its copy (`content["copy"]`), the composed
HTML and text sources, and its fixed values (discount, product in focus) in `params`; ad copy
keeps its lines per platform field. Revising never changes a stored version: it adds the next
version, marks the previous one superseded, moves campaign steps onto the new version, and so
resets approval (approvals belong to one version). Each result carries the compliance findings
so the draft card shows them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tools.audience.segments import member_ids
from tools.core import audit
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.editable import campaigns_sending, check_editable
from tools.core.models import Campaign, CampaignStep, Contact, Draft, Product, Segment
from tools.core.settings import DISCOUNT_CODE
from tools.drafting import ad_copy, compliance, discount_codes, placeholders, writers
from tools.drafting.email_copy import EmailCopy, compose, copy_errors
from tools.drafting.personalisation import personalisation, product_item
from tools.drafting.placeholders import sample_values
from tools.drafting.render import render_email, template

Purpose = Literal[
    "cart_reminder", "social_proof", "cart_discount", "browse_abandonment",
    "winback", "welcome", "announcement", "custom",
]
# A tone in the marketer's words ("friendly", "warmer, more human", "short and formal"): the model
# writer reads it as it is; the template writer places it on its voices (tools.drafting.tones) and
# the result's note names what it could not.
Tone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]
Platform = Literal["google_rsa", "google_display", "meta", "linkedin"]


class DraftResult(ToolResult):
    draft_id: int
    version: int
    writer: str
    findings: list[compliance.Finding]
    subject: str | None = None
    preheader: str | None = None
    fields: dict[str, list[str]] | None = None
    note: str = ""  # what the writer could not do as asked (a tone it does not know), or why it fell back


class _Offer(ToolInput):
    purpose: Purpose = "cart_reminder"
    tone: Tone | None = Field(None, description="e.g. friendly, warm, professional, playful, urgent, short; "
                                                "default: the copy's own voice")
    discount_percent: float | None = Field(None, gt=0, le=90)
    discount_code: str | None = Field(None, pattern=DISCOUNT_CODE)
    product: str | None = Field(None, description="product id or name to focus on")
    brief: str | None = Field(None, max_length=2000, description="what the message should say (needed for custom)")


class DraftEmailInput(_Offer):
    purpose: Purpose


def draft_email(ctx: ToolContext, args: DraftEmailInput) -> DraftResult:
    """Draft a personalised marketing email for a purpose: cart_reminder, social_proof,
    cart_discount (needs discount_percent or discount_code), browse_abandonment, winback,
    welcome, announcement (needs product or brief) or custom (needs brief). Optional tone in
    your words (friendly, warm, professional, playful, urgent, short, ...) and product focus.
    Returns the stored draft with its compliance findings.
    """
    return _write_email(ctx, args)


def redraft_email(ctx: ToolContext, previous: Draft, args: DraftEmailInput) -> DraftResult:
    """Write `args` afresh as the next version of `previous` (a changed offer or tone), with the
    same history as a hand revision: `previous` is superseded and the steps using it move on.
    Copy that comes out as `previous` already is stores nothing: `previous` is returned, said so."""
    return _write_email(ctx, args, previous)


def _write_email(ctx: ToolContext, args: DraftEmailInput, previous: Draft | None = None) -> DraftResult:
    request = _request(ctx, args)
    written = writers.write_email(ctx.settings, request)
    errors = copy_errors(written.copy)
    if errors:
        raise ToolError("; ".join(errors))
    params = _params(args, request)
    same_copy = previous is not None and (previous.content or {}).get("copy") == written.copy.model_dump()
    if same_copy and _untoned(previous.params) == _untoned(params):
        # a new version would need approving again for nothing ("warmer" after "friendly" reads the same)
        unchanged = f"Draft {previous.id} already reads this way; it is unchanged."
        return _result(ctx, previous, " ".join(filter(None, [written.note, unchanged])))
    draft = _new_email_draft(ctx, written.copy, args.purpose, params, written.writer, previous)
    return _result(ctx, draft, written.note)


def _request(ctx: ToolContext, args: _Offer) -> writers.Request:
    if args.purpose == "custom" and not (args.brief or "").strip():
        raise ToolError("purpose custom needs a brief: say what the message should tell customers")
    if args.purpose == "cart_discount" and args.discount_percent is None and not args.discount_code:
        raise ToolError("purpose cart_discount needs discount_percent (e.g. 10) or discount_code (e.g. SAVE10)")
    if args.purpose == "cart_discount" and not args.discount_code:
        # The discount step's code is one the shop created; NUDGE_DISCOUNT_CODE is the default.
        args.discount_code = ctx.settings.discount_code or None
    product = _product(ctx.db, args.product) if args.product else {}
    if args.purpose == "announcement" and not (product or args.brief):
        raise ToolError("purpose announcement needs product (what is new) or a brief")
    return writers.Request(
        purpose=args.purpose, tone=args.tone, discount_percent=args.discount_percent,
        discount_code=args.discount_code, product=product, brief=args.brief,
        shop_name=placeholders.shop_name(ctx.settings.shop_name),
    )


def _product(db: Session, wanted: str) -> dict:
    text = wanted.strip()
    product = db.get(Product, text) or db.scalars(select(Product).where(func.lower(Product.name) == text.lower())).first()
    if product is None:
        close = list(db.scalars(select(Product).where(Product.name.ilike(f"%{text}%")).limit(2)))
        product = close[0] if len(close) == 1 else None
    if product is None:
        names = db.scalars(select(Product.name).order_by(Product.name).limit(10)).all()
        raise ToolError(f"no product '{text}'; some products: {', '.join(names) or 'none imported yet'}")
    return {"id": product.id, **product_item(product)}


def _params(args: _Offer, request: writers.Request) -> dict:
    params = {"tone": args.tone, "discount_percent": args.discount_percent, "discount_code": args.discount_code,
              "product": request.product or None, "brief": args.brief}
    if params["discount_percent"] is not None and float(params["discount_percent"]).is_integer():
        params["discount_percent"] = int(params["discount_percent"])
    return {k: v for k, v in params.items() if v is not None}


def _untoned(params: dict | None) -> dict:
    return {key: value for key, value in (params or {}).items() if key != "tone"}


def _new_email_draft(ctx: ToolContext, copy: EmailCopy, purpose: str, params: dict, writer: str,
                     previous: Draft | None = None) -> Draft:
    html, text = compose(copy)
    draft = Draft(
        previous_id=previous.id if previous else None, version=previous.version + 1 if previous else 1,
        channel="email", purpose=purpose, subject=copy.subject, subject_b=copy.subject_b,
        preheader=copy.preheader, html=html, text=text, content={"copy": copy.model_dump()},
        params=params, writer=writer, status="pending", created_by=ctx.actor, created_at=ctx.now(),
    )
    return _store(ctx, draft, previous)


def _store(ctx: ToolContext, draft: Draft, previous: Draft | None) -> Draft:
    ctx.db.add(draft)
    ctx.db.flush()
    if previous is not None:
        previous.status = "superseded"
        ctx.db.execute(update(CampaignStep).where(CampaignStep.draft_id == previous.id).values(draft_id=draft.id))
    action = "draft.revised" if previous else "draft.created"
    details = {"version": draft.version, "purpose": draft.purpose, "channel": draft.channel, "writer": draft.writer}
    audit.record(ctx.db, ctx.actor, action, f"draft:{draft.id}", details, ctx.thread, ctx.now())
    return draft


def _result(ctx: ToolContext, draft: Draft, note: str = "") -> DraftResult:
    findings = compliance.check_draft(ctx.db, draft, ctx.settings)
    label = f"Draft {draft.id} (v{draft.version}, {draft.purpose}{', ' + draft.platform if draft.platform else ''}, {draft.writer} writer)"
    lines = [label + (f': subject "{sample_subject(draft)}"' if draft.subject else ":")]
    if draft.channel == "ads":
        lines += [f"{name}: " + " | ".join(values) for name, values in draft.content["fields"].items()]
    if note:
        lines.append(note)
    lines.append(compliance.summarise("Compliance", findings))
    return DraftResult(
        summary="\n".join(lines), draft_id=draft.id, version=draft.version, writer=draft.writer,
        findings=findings, subject=draft.subject, preheader=draft.preheader,
        fields=(draft.content or {}).get("fields"), note=note,
    )


def sample_subject(draft: Draft) -> str:
    """The subject as a sample contact would see it (the stored one is a template)."""
    return " ".join(template(draft.subject or "", False).render(sample_values()).split())


class DraftAdCopyInput(_Offer):
    platform: Platform
    business_name: str | None = Field(None, max_length=100, description="google_display business name (defaults to the shop name)")
    fields: dict[str, list[str]] | None = Field(None, description="your own lines per field, checked against the limits")


def draft_ad_copy(ctx: ToolContext, args: DraftAdCopyInput) -> DraftResult:
    """Draft ad copy for retargeting on google_rsa (3-15 headlines of 30, 2-4 descriptions of
    90, 2 paths of 15), google_display (short headlines 30, long headline 90, descriptions 90,
    business name 25), meta (primary text 125 recommended, headline 40 / 27 for Feed,
    description 30) or linkedin (intro 150 recommended / 600 max, headline 70 / 200 max).
    Hard limits are enforced, recommended ones warned about. Pass `fields` to check your own lines.
    """
    request = _request(ctx, args)
    if args.fields is not None:
        fields, writer, note = args.fields, "human", ""
    else:
        written = writers.write_ad(ctx.settings, args.platform, request, args.business_name)
        fields, writer, note = written.copy, written.writer, written.note
    _refuse_hard_limits(args.platform, fields)
    draft = Draft(
        channel="ads", platform=args.platform, purpose=args.purpose, content={"fields": fields},
        text=_ad_text(fields), params=_params(args, request), writer=writer, status="pending",
        created_by=ctx.actor, created_at=ctx.now(),
    )
    return _result(ctx, _store(ctx, draft, None), note)


def _refuse_hard_limits(platform: str, fields: dict[str, list[str]]) -> None:
    blocks = [p.message for p in ad_copy.check(platform, fields) if p.severity == "block"]
    if blocks:
        raise ToolError("; ".join(blocks))


def _ad_text(fields: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {line}" for name, lines in fields.items() for line in lines)


class ReviseDraftInput(ToolInput):
    draft_id: int
    subject: str | None = None
    subject_b: str | None = None
    preheader: str | None = None
    headline: str | None = None
    body: str | None = Field(None, description="the whole body: greeting and paragraphs, blank-line separated")
    cta_label: str | None = None
    cta_url: str | None = None
    signoff: str | None = None
    fields: dict[str, list[str]] | None = Field(None, description="ad copy only: replacement lines per field")


def revise_draft(ctx: ToolContext, args: ReviseDraftInput) -> DraftResult:
    """Edit a draft's subject, preheader, headline, body, button or sign-off (or an ad's lines).
    This stores a new version, marks the old one superseded, and resets approval: the new
    version must be approved again. Placeholders are checked like any new draft.
    """
    previous = _current(ctx.db, args.draft_id)
    for campaign in campaigns_sending(ctx, previous.id):  # a live campaign's copy changes only once it is paused
        check_editable(ctx, campaign)
    changes = args.model_dump(exclude_none=True, exclude={"draft_id", "fields"})
    if previous.channel == "ads":
        return _revise_ad(ctx, previous, args, changes)
    if args.fields is not None:
        raise ToolError("fields is for ad copy; for an email change subject, preheader, headline, body, cta_label, cta_url or signoff")
    if not changes:
        raise ToolError("nothing to change: give subject, subject_b, preheader, headline, body, cta_label, cta_url or signoff")
    old_copy = previous.content.get("copy", {})
    note = ""
    if "subject" in changes and "subject_b" not in changes and old_copy.get("subject_b"):
        # a subject of the marketer's own goes to everyone: an A/B variant written for the old
        # one would still reach half the recipients, unseen
        changes["subject_b"] = ""
        note = f"The A/B subject \"{old_copy['subject_b']}\" was dropped with the old subject; give subject_b to test one."
    copy = EmailCopy(**{**old_copy, **changes})
    errors = copy_errors(copy)
    if errors:
        raise ToolError("; ".join(errors))
    draft = _new_email_draft(ctx, copy, previous.purpose, dict(previous.params or {}), "human", previous)
    return _result(ctx, draft, note)


def _revise_ad(ctx: ToolContext, previous: Draft, args: ReviseDraftInput, changes: dict) -> DraftResult:
    if changes or args.fields is None:
        raise ToolError(f"draft {previous.id} is ad copy: give fields (lines per field) to change it")
    fields = {**previous.content.get("fields", {}), **args.fields}
    _refuse_hard_limits(previous.platform, fields)
    draft = Draft(
        previous_id=previous.id, version=previous.version + 1, channel="ads", platform=previous.platform,
        purpose=previous.purpose, content={"fields": fields}, text=_ad_text(fields), params=dict(previous.params or {}),
        writer="human", status="pending", created_by=ctx.actor, created_at=ctx.now(),
    )
    return _result(ctx, _store(ctx, draft, previous))


def _current(db: Session, draft_id: int) -> Draft:
    draft = db.get(Draft, draft_id)
    if draft is None:
        raise ToolError(f"no draft {draft_id}; check the id on the draft card")
    if draft.status == "superseded":
        newer = db.scalars(select(Draft.id).where(Draft.previous_id == draft.id)).first()
        raise ToolError(f"draft {draft_id} was replaced by draft {newer}; revise that one")
    return draft


class PreviewDraftInput(ToolInput):
    draft_id: int
    contact_ids: list[int] | None = Field(None, max_length=10)
    segment: str | None = Field(None, description="preview for the first members of this segment")
    contacts: int = Field(3, ge=1, le=10)


class Preview(BaseModel):
    contact_id: int
    email: str | None
    subject: str
    preheader: str
    text: str
    html: str


class PreviewResult(ToolResult):
    previews: list[Preview]


def preview_draft(ctx: ToolContext, args: PreviewDraftInput) -> PreviewResult:
    """Render an email draft for real sample contacts: the given contact_ids, or the first
    members of a segment (default: the segment of the campaign using the draft), so you see
    exactly what they would receive (names, carts, fallbacks and footer).
    """
    draft = ctx.db.get(Draft, args.draft_id)
    if draft is None:
        raise ToolError(f"no draft {args.draft_id}; check the id on the draft card")
    if draft.channel != "email":
        raise ToolError(f"draft {draft.id} is {draft.platform} ad copy, which is the same for everyone: {_ad_text(draft.content['fields'])}")
    contacts = _sample_contacts(ctx, draft, args)
    stand_in = ""
    if not contacts and not args.contact_ids and args.segment is None:
        # nobody is in the campaign's audience right now (a welcome flow before anyone signs up):
        # the copy is still worth seeing, for any contact, said as such
        contacts = list(ctx.db.scalars(select(Contact).where(Contact.email.is_not(None)).order_by(Contact.id).limit(args.contacts)))
        stand_in = "Nobody is in the campaign's audience right now, so this is shown for a stand-in contact.\n"
    if not contacts:
        raise ToolError("no contacts to preview with: import contacts, or pass contact_ids or a segment with members")
    previews = []
    for contact in contacts:
        email = preview_email(ctx, draft, contact)
        previews.append(Preview(contact_id=contact.id, email=contact.email, subject=email.subject,
                                preheader=email.preheader, text=email.text, html=email.html))
    first = previews[0]
    summary = (f"{stand_in}Draft {draft.id} for {len(previews)} contact(s). For contact {first.contact_id}:\n"
               f"Subject: {first.subject}\nPreheader: {first.preheader}\n\n{first.text}")
    return PreviewResult(summary=summary, previews=previews)


# What a preview prints where a pooled step's code goes: each recipient gets their own at send time.
POOLED_CODE_MARKER = "[single-use code]"


def preview_email(ctx: ToolContext, draft: Draft, contact: Contact):
    """The email `contact` would get from `draft`, as the card and `preview_draft` show it: the
    unsubscribe link points at a preview page, and a step with a code pool shows a marker."""
    links = {"unsubscribe_url": f"{ctx.settings.public_url.rstrip('/')}/u/preview"}
    if discount_codes.draft_has_pool(ctx.db, draft.id):
        links["discount_code"] = POOLED_CODE_MARKER
    return render_email(draft, contact, extra=personalisation(ctx.db, contact, ctx.now()), links=links,
                        settings=ctx.settings)


def _sample_contacts(ctx: ToolContext, draft: Draft, args: PreviewDraftInput) -> list[Contact]:
    if args.contact_ids:
        found = {c.id: c for c in ctx.db.scalars(select(Contact).where(Contact.id.in_(args.contact_ids)))}
        missing = [str(i) for i in args.contact_ids if i not in found]
        if missing:
            raise ToolError(f"no contact(s) with id {', '.join(missing)}")
        return [found[i] for i in args.contact_ids]
    segment = args.segment or _campaign_segment(ctx.db, draft)
    if segment is not None:
        ids = []
        for contact_id in member_ids(ctx.db, segment, ctx.now()):
            ids.append(contact_id)
            if len(ids) == args.contacts:
                break
        return list(ctx.db.scalars(select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id))) if ids else []
    query = select(Contact).where(Contact.email.is_not(None)).order_by(Contact.id).limit(args.contacts)
    return list(ctx.db.scalars(query))


def _campaign_segment(db: Session, draft: Draft) -> dict | None:
    row = db.execute(
        select(Segment.spec).join(Campaign, Campaign.segment_id == Segment.id)
        .join(CampaignStep, CampaignStep.campaign_id == Campaign.id).where(CampaignStep.draft_id == draft.id)
    ).first()
    return row[0] if row else None
