"""The compliance checker: what a marketer and a lawyer would both want fixed before a send.

`check_draft` and `check_campaign` return findings, each with a rule id, a severity (`block`
stops scheduling, `warn` is shown on the draft card), a plain-words message, how to fix it, and
a citation. Email drafts are checked on their real rendering (with sample data and a probe
unsubscribe link), so a footer swallowed by broken HTML is caught, not just a missing setting.
`block_findings` is what scheduling asks: an empty list means the draft may be scheduled.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from html.parser import HTMLParser
from urllib.parse import urlsplit

from pydantic.dataclasses import dataclass
from sqlalchemy.orm import Session

from tools.audience import frequency
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.lookup import find_campaign, steps_of
from tools.core.models import Campaign, CampaignStep, Draft
from tools.core.settings import Settings, get_settings
from tools.drafting import ad_copy, discount_codes
from tools.drafting.placeholders import sample_values
from tools.drafting.render import draft_errors, render_email, template

PROBE_UNSUBSCRIBE = "https://unsubscribe.invalid/u/probe-token"
SUBJECT_LENGTH = 60
WORDS_PER_IMAGE = 40

UNSUBSCRIBE = "CAN-SPAM 15 U.S.C. 7704(a)(3)-(5), 16 CFR 316.5; GDPR Art. 21(3); RFC 8058"
POSTAL = "CAN-SPAM 15 U.S.C. 7704(a)(5)(A)(iii), 16 CFR 316.2(p)"
HEADER = "CAN-SPAM 15 U.S.C. 7704(a)(1) (accurate header and sender)"
DECEPTIVE = "CAN-SPAM 15 U.S.C. 7704(a)(2) (deceptive subject headings); FTC Act Sec. 5"
DISCOUNT_CLAIM = ("FTC Act Sec. 5, 15 U.S.C. 45(a) (deceptive acts); 16 CFR 233.1 (Guides Against Deceptive "
                  "Pricing); CAN-SPAM 15 U.S.C. 7704(a)(2) when the subject carries the offer")
GMAIL = "Gmail bulk sender guidelines"
SPAM_RULES = "Gmail bulk sender guidelines; SpamAssassin content rules"
AD_SPECS = {
    "google_rsa": "Google Ads responsive search ad specifications",
    "google_display": "Google Ads responsive display ad specifications",
    "meta": "Meta Ads Guide (text recommendations)",
    "linkedin": "LinkedIn single image ad specifications",
}
PERSONAL = "Meta Advertising Standards: Personal Attributes; Google Ads personalized advertising policy"

SPAM_PHRASES = (
    "act now", "100% free", "risk-free", "risk free", "guaranteed", "click here", "cash bonus",
    "no obligation", "winner", "you have been selected", "limited time only", "buy now!!",
    "once in a lifetime", "earn money", "double your", "urgent response", "free money", "100% satisfied",
)
_REPLY_PREFIX = re.compile(r"^\s*(re|fw|fwd|aw|wg)\s*:", re.I)
_FAKE_NOTICE = re.compile(
    r"\b(order|invoice|receipt|payment|shipment|delivery|account|password|package)\b"
    r".{0,40}\b(confirm(ed|ation)?|shipped|failed|suspended|locked|verif(y|ication)|declined|on hold|expired|overdue)\b"
    r"|\border\s*#\s*\d|\b(invoice|receipt)\s*#",
    re.I,
)
# Copy that says a discount is the reader's to use: it needs a code that exists.
_DISCOUNT_PROMISE = re.compile(
    r"\b(discount|coupon|promo(tion)? code|voucher)\b.{0,40}\b(applied|apply|use|yours|for you|at checkout)\b"
    r"|\buse code\b|\b\d+(\.\d+)?\s*% off (your|the)\s+(\w+\s+)?(cart|order|basket|purchase)"
    # "Still 15% off, just for you": a personal offer, which needs a code as much
    r"|\b\d+(\.\d+)?\s*% off\b[,.!:]?\s*(just |only |especially )?(for you|yours|for you alone)\b"
    # "Last call - your 20% ends Sunday", "your 15% discount is waiting": an offer that is theirs
    r"|\byour \d+(\.\d+)?\s*%",
    re.I,
)
_SENSITIVE = (
    r"debt|bankrupt\w*|broke|pregnan\w*|diabet\w*|depress\w*|anxious|anxiety|cancer|hiv|overweight|obese|"
    r"divorced|singles?|lonely|gay|lesbians?|bisexual|trans(gender)?|muslims?|christians?|jewish|hindus?|disabled|"
    r"unemployed|addict\w*|alcoholic|in recovery|over \d+|under \d+|credit score"
)
_PERSONAL = re.compile(
    rf"\b(are you|you are|you're|your)\b(\s+\w+){{0,3}}?\s+({_SENSITIVE})\b|\bother\s+({_SENSITIVE})\b", re.I
)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    fix: str
    citation: str


def check_draft(db: Session, draft: Draft, settings: Settings) -> list[Finding]:
    """Every finding for one draft (email or ad copy)."""
    if draft.channel == "ads":
        return _ad_findings(draft)
    return _email_findings(draft, settings, pooled=discount_codes.draft_has_pool(db, draft.id))


def block_findings(db: Session, draft: Draft, settings: Settings | None = None) -> list[Finding]:
    """The findings that stop scheduling; empty means the draft may be scheduled."""
    return [f for f in check_draft(db, draft, settings or get_settings()) if f.severity == "block"]


def _email_findings(draft: Draft, settings: Settings, pooled: bool = False) -> list[Finding]:
    problems = draft_errors(draft)
    if problems:
        return [Finding(
            "unknown_placeholder", "block", "; ".join(problems),
            "Edit the draft to use only the listed placeholders.", "Nudge template rules",
        )]
    rendered = render_email(draft, None, extra=sample_values(), links={"unsubscribe_url": PROBE_UNSUBSCRIBE}, settings=settings)
    html = _scan(rendered.html)
    findings = _footer_findings(html, rendered.text, settings)
    findings += _sender_findings(settings)
    findings += _subject_findings(draft)
    findings += _content_findings(draft, rendered.text, html)
    findings += _pool_findings(draft) if pooled else _discount_findings(draft, settings)
    return findings + _link_findings(draft, settings, html)


def _discount_findings(draft: Draft, settings: Settings) -> list[Finding]:
    """A draft that offers a discount must carry the shop's code for it."""
    params = draft.params or {}
    if params.get("discount_code"):
        return []
    # Rendered without a code, the copy shows what a recipient would be promised.
    values = {**sample_values(), "discount_code": ""}
    words = " ".join(template(source or "", False).render(values)
                     for source in (draft.subject, draft.subject_b, draft.preheader, draft.text))
    # A storewide "25% off everything" needs no code; a discount offered to the reader does.
    if draft.purpose != "cart_discount" and not _DISCOUNT_PROMISE.search(words):
        return []
    return [Finding(
        "discount_without_code", "block",
        "The email promises a discount but carries no discount code, so nothing would apply it at checkout.",
        "Create the code in your shop and give it as discount_code (or set NUDGE_DISCOUNT_CODE), "
        "or remove the offer from the copy.", DISCOUNT_CLAIM,
    )]


def _pool_findings(draft: Draft) -> list[Finding]:
    """A step with a pool of single-use codes gives each recipient one: the email must print it."""
    values = {**sample_values(), "discount_code": "POOL-PROBE-1"}
    if all(values["discount_code"] in template(source or "", html).render(values)
           for source, html in ((draft.text, False), (draft.html, True))):
        return []
    return [Finding(
        "discount_code_not_shown", "block",
        "This step hands each recipient a code from its pool, but the email never prints {{ discount_code }}.",
        "Revise the draft to print the code with the {{ discount_code }} placeholder.", DISCOUNT_CLAIM,
    )]


def _link_findings(draft: Draft, settings: Settings, full: _Scan) -> list[Finding]:
    sparse = _scan(render_email(draft, None, extra={}, links={"unsubscribe_url": PROBE_UNSUBSCRIBE},
                                settings=settings).html)
    # A button left out (nothing to link to) is not broken, but the email lost its way back.
    if not sparse.empty_links and (sparse.links - {PROBE_UNSUBSCRIBE} or not full.links - {PROBE_UNSUBSCRIBE}):
        return []
    return [Finding(
        "broken_link", "warn",
        "For a contact with no cart or product data a link in the email goes nowhere or its button is left out.",
        "Set NUDGE_SHOP_URL (links fall back to it) or use a literal https:// link.", "Nudge rendering check",
    )]


def _footer_findings(html: _Scan, text: str, settings: Settings) -> list[Finding]:
    findings = []
    if PROBE_UNSUBSCRIBE not in html.links or PROBE_UNSUBSCRIBE not in text:
        findings.append(Finding(
            "unsubscribe_link", "block",
            "The email has no visible unsubscribe link (the footer is missing or hidden by the body's HTML).",
            "Remove unclosed comments or hidden blocks from the body so the standard footer shows.", UNSUBSCRIBE,
        ))
    host = urlsplit(settings.public_url).hostname or ""
    if host in {"", "localhost", "127.0.0.1", "0.0.0.0", "::1"}:
        findings.append(Finding(
            "unsubscribe_reachable", "warn",
            f"Unsubscribe links would point at {settings.public_url or 'nothing'}, which recipients cannot open.",
            "Set NUDGE_PUBLIC_URL to the public address where `nudge serve` answers.", UNSUBSCRIBE,
        ))
    address = " ".join(settings.postal_address.split())
    if not address:
        findings.append(Finding(
            "postal_address", "block", "No postal address is set, so the footer cannot show one.",
            "Set NUDGE_POSTAL_ADDRESS to the sender's valid physical postal address.", POSTAL,
        ))
    elif address not in " ".join(html.text.split()) or address not in " ".join(text.split()):
        findings.append(Finding(
            "postal_address", "block", "The postal address does not show in the email's footer.",
            "Remove whatever in the body hides the standard footer.", POSTAL,
        ))
    return findings


def _sender_findings(settings: Settings) -> list[Finding]:
    name, address = parseaddr(settings.sender)
    if settings.sender and "@" in address:
        return []
    return [Finding(
        "sender", "block", "No valid sender is set (NUDGE_SENDER).",
        'Set NUDGE_SENDER to a name and address you own, e.g. "Shop <news@shop.example>".', HEADER,
    )]


def _subject_lines(draft: Draft) -> list[str]:
    values = sample_values()
    sources = [s for s in (draft.subject, draft.subject_b) if s]
    return [" ".join(template(s, False).render(values).split()) for s in sources]


def _subject_findings(draft: Draft) -> list[Finding]:
    findings = []
    preheader = template(draft.preheader or "", False).render(sample_values())
    for subject in _subject_lines(draft):
        if _REPLY_PREFIX.search(subject) or _FAKE_NOTICE.search(subject) or _FAKE_NOTICE.search(preheader):
            findings.append(Finding(
                "deceptive_subject", "block",
                f"The subject \"{subject}\" poses as a reply, forward, or an order or account notice in a marketing email.",
                "Say plainly what the email is about; drop RE:/FW: and order or account wording.", DECEPTIVE,
            ))
        if re.search(r"!{2,}", subject) or _shouting(subject):
            findings.append(Finding(
                "subject_shouting", "warn", f"The subject \"{subject}\" is in capitals or has runs of '!'.",
                "Use sentence case and at most one '!'.", SPAM_RULES + " (SUBJ_ALL_CAPS)",
            ))
        if len(subject) > SUBJECT_LENGTH:
            findings.append(Finding(
                "subject_length", "warn", f"The subject is {len(subject)} characters; inboxes cut it after about {SUBJECT_LENGTH}.",
                f"Shorten it to {SUBJECT_LENGTH} characters or fewer.", GMAIL + " (display)",
            ))
    return findings


def _shouting(subject: str) -> bool:
    letters = [c for c in subject if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) >= 0.7


def _content_findings(draft: Draft, text: str, html: _Scan) -> list[Finding]:
    findings = []
    words = " ".join(_subject_lines(draft) + [text]).lower()
    found = sorted({phrase for phrase in SPAM_PHRASES if phrase in words})
    if found:
        findings.append(Finding(
            "spam_phrases", "warn", f"Spam-trigger phrasing: {', '.join(found)}.",
            "Reword these phrases in plain, specific language.", SPAM_RULES,
        ))
    if not (draft.text or "").strip():
        findings.append(Finding(
            "no_text_part", "warn", "The draft has no plain-text version.",
            "Add a plain-text body (revise the draft's body).", SPAM_RULES + " (MIME_HTML_ONLY); RFC 2046",
        ))
    if html.images and len(html.text.split()) / html.images < WORDS_PER_IMAGE:
        findings.append(Finding(
            "image_heavy", "warn",
            f"The HTML is image-heavy: {html.images} images for {len(html.text.split())} words of text.",
            f"Add text or remove images (aim for at least {WORDS_PER_IMAGE} words per image).",
            SPAM_RULES + " (HTML_IMAGE_RATIO)",
        ))
    return findings


def _ad_findings(draft: Draft) -> list[Finding]:
    platform = draft.platform or ""
    fields = (draft.content or {}).get("fields", {})
    citation = AD_SPECS.get(platform, "Ad platform specifications")
    findings = [
        Finding(
            "ad_limit" if p.severity == "block" else "ad_recommended", p.severity, p.message,
            "Shorten the line." if "characters" in p.message else "Adjust the number of lines.", citation,
        )
        for p in ad_copy.check(platform, fields)
    ]
    for line in (line for lines in fields.values() for line in lines):
        if _PERSONAL.search(line):
            findings.append(Finding(
                "personal_attributes", "warn", f"'{line}' asserts or implies a personal attribute of the viewer.",
                "Talk about the product, not about who the viewer is.", PERSONAL,
            ))
    return findings


def check_campaign(db: Session, campaign: Campaign, settings: Settings) -> list[Finding]:
    """Findings for every step's draft (prefixed with the step) and for the sequence itself."""
    steps = steps_of(db, campaign)
    findings = []
    for step in steps:
        draft = db.get(Draft, step.draft_id) if step.draft_id else None
        if draft is None:
            findings.append(Finding(
                "missing_draft", "block", f"Step {step.position} has no draft.",
                "Draft the step's message first.", "Nudge approval rules",
            ))
            continue
        findings += [_for_step(step, f) for f in check_draft(db, draft, settings)]
    if campaign.kind == "sequence" and not campaign.exit_event:
        findings.append(Finding(
            "no_exit", "warn", "The sequence has no exit on conversion: buyers would keep getting it.",
            'Set an exit event such as "Order Completed".', "Remarketing best practice (exclude converted users)",
        ))
    return findings + _cadence_findings(steps, frequency.current_rules(db, settings))


def _for_step(step: CampaignStep, finding: Finding) -> Finding:
    return Finding(finding.rule, finding.severity, f"Step {step.position}: {finding.message}", finding.fix, finding.citation)


def _cadence_findings(steps: list[CampaignStep], rules: frequency.Rules) -> list[Finding]:
    emails = sorted((s for s in steps if s.channel != "ads"), key=lambda s: s.delay_minutes)
    findings = []
    gap = rules.email_min_gap_hours * 60
    for earlier, later in zip(emails, emails[1:]):
        if later.delay_minutes - earlier.delay_minutes < gap:
            findings.append(Finding(
                "cadence", "warn",
                f"Step {later.position} comes {_hours(later.delay_minutes - earlier.delay_minutes)} after step "
                f"{earlier.position}; the {rules.email_min_gap_hours}-hour rule will defer it.",
                f"Space the steps at least {rules.email_min_gap_hours} hours apart.", "Team frequency rules (set_rule)",
            ))
    for index, step in enumerate(emails):
        in_week = [s for s in emails[: index + 1] if step.delay_minutes - s.delay_minutes < 7 * 24 * 60]
        if len(in_week) > rules.email_weekly_cap:
            findings.append(Finding(
                "cadence", "warn",
                f"Steps {', '.join(str(s.position) for s in in_week)} fall within 7 days; the cap is {rules.email_weekly_cap}.",
                "Spread the steps out or drop one.", "Team frequency rules (set_rule)",
            ))
            break
    return findings


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g} hours"


class _Scan(HTMLParser):
    """Visible text, link targets and image count of rendered HTML (comments are not visible)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: set[str] = set()
        self.images = 0
        self.empty_links = 0
        self.text = ""
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            hrefs = [value for name, value in attrs if name == "href"]
            self.links.update(value for value in hrefs if value)
            self.empty_links += sum(1 for value in hrefs if not (value or "").strip())
        elif tag == "img":
            self.images += 1
        elif tag in ("style", "script", "title", "head"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text += " " + data


def _scan(html: str) -> _Scan:
    unclosed = html.rfind("<!--")
    if unclosed > html.rfind("-->"):
        html = html[:unclosed]  # browsers hide everything after an unclosed comment
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan


class CheckComplianceInput(ToolInput):
    draft_id: int | None = None
    campaign: str | None = None


class ComplianceResult(ToolResult):
    findings: list[Finding]
    blocked: bool


def check_compliance(ctx: ToolContext, args: CheckComplianceInput) -> ComplianceResult:
    """Check a draft (draft_id) or a whole campaign (campaign: name or id) against the law and
    good practice: unsubscribe link, postal address, sender, deceptive subjects, placeholders,
    ad limits (these block scheduling) and spam phrasing, capitals, long subjects, missing text
    part, image-heavy HTML, missing exit, personal attributes in ads, cadence (warnings).
    """
    if (args.draft_id is None) == (args.campaign is None):
        raise ToolError("give exactly one of draft_id or campaign (a campaign name or id)")
    if args.draft_id is not None:
        draft = ctx.db.get(Draft, args.draft_id)
        if draft is None:
            raise ToolError(f"no draft {args.draft_id}; list drafts with draft_email or check the id on the card")
        findings, what = check_draft(ctx.db, draft, ctx.settings), f"Draft {draft.id} (v{draft.version})"
    else:
        campaign = find_campaign(ctx.db, args.campaign)
        findings, what = check_campaign(ctx.db, campaign, ctx.settings), f"Campaign '{campaign.name}'"
    return ComplianceResult(summary=summarise(what, findings), findings=findings,
                            blocked=any(f.severity == "block" for f in findings))


def summarise(what: str, findings: list[Finding]) -> str:
    blocks = [f for f in findings if f.severity == "block"]
    warns = [f for f in findings if f.severity == "warn"]
    if not findings:
        return f"{what} passes every compliance check."
    head = f"{what}: {len(blocks)} blocking problem(s), {len(warns)} warning(s)."
    lines = [f"- [{f.severity}] {f.message} Fix: {f.fix} ({f.citation})" for f in blocks + warns]
    tail = "It cannot be scheduled until the blocking problems are fixed." if blocks else "It may be scheduled."
    return "\n".join([head, *lines, tail])
