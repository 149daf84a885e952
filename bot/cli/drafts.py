"""Drafting, compliance, preflight and frequency-rule commands.

`nudge draft email --purpose cart_reminder`, `nudge draft ad --platform meta`, `nudge draft
revise ID --subject ...`, `nudge draft preview ID`, `nudge check DRAFT_ID` (or `--campaign`),
`nudge preflight CAMPAIGN`, `nudge rules` and `nudge rules set KEY VALUE` call the same tools
Slack uses. `--json` prints the whole result. Bad input ends with one line on stderr, exit 2.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from bot.cli.common import YES_OPTION, run_tool
from tools.core.context import ToolResult

draft_app = typer.Typer(no_args_is_help=True, help="Draft, revise and preview emails and ad copy.")
rules_app = typer.Typer(invoke_without_command=True, help="Show or change the frequency rules.")
JSON_OPTION = typer.Option(False, "--json", help="Print the full result as JSON.")


def _run(name: str, arguments: dict[str, Any], as_json: bool = False, yes: bool = False) -> ToolResult:
    result = run_tool(name, {k: v for k, v in arguments.items() if v is not None}, yes)
    typer.echo(json.dumps(result.model_dump(mode="json"), indent=2) if as_json else result.summary)
    return result


@draft_app.command("email")
def draft_email(
    purpose: str = typer.Option(..., help="cart_reminder, social_proof, cart_discount, browse_abandonment, winback, welcome, announcement or custom."),
    tone: Optional[str] = typer.Option(None, help="friendly, professional, playful or urgent."),
    discount_percent: Optional[float] = typer.Option(None, help="Discount in percent, e.g. 10."),
    discount_code: Optional[str] = typer.Option(None, help="Discount code customers type, e.g. SAVE10."),
    product: Optional[str] = typer.Option(None, help="Product id or name to focus on."),
    brief: Optional[str] = typer.Option(None, help="What the email should say (needed for custom)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Draft a personalised marketing email."""
    _run("draft_email", {"purpose": purpose, "tone": tone, "discount_percent": discount_percent,
                         "discount_code": discount_code, "product": product, "brief": brief}, as_json)


@draft_app.command("ad")
def draft_ad(
    platform: str = typer.Option(..., help="google_rsa, google_display, meta or linkedin."),
    purpose: str = typer.Option("cart_reminder", help="The ad's purpose (as for emails)."),
    tone: Optional[str] = typer.Option(None, help="friendly, professional, playful or urgent."),
    discount_percent: Optional[float] = typer.Option(None, help="Discount in percent."),
    discount_code: Optional[str] = typer.Option(None, help="Discount code."),
    product: Optional[str] = typer.Option(None, help="Product id or name to focus on."),
    brief: Optional[str] = typer.Option(None, help="What the ad should say."),
    business_name: Optional[str] = typer.Option(None, help="google_display business name (25 characters)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Draft ad copy that fits the platform's limits."""
    _run("draft_ad_copy", {"platform": platform, "purpose": purpose, "tone": tone, "discount_percent": discount_percent,
                           "discount_code": discount_code, "product": product, "brief": brief,
                           "business_name": business_name}, as_json)


@draft_app.command("revise")
def revise(
    draft_id: int = typer.Argument(..., help="The draft to revise."),
    subject: Optional[str] = typer.Option(None),
    subject_b: Optional[str] = typer.Option(None, help="Alternative subject for an A/B test."),
    preheader: Optional[str] = typer.Option(None),
    headline: Optional[str] = typer.Option(None),
    body: Optional[str] = typer.Option(None, help="The whole body; separate paragraphs with blank lines."),
    cta_label: Optional[str] = typer.Option(None),
    cta_url: Optional[str] = typer.Option(None),
    signoff: Optional[str] = typer.Option(None),
    as_json: bool = JSON_OPTION,
) -> None:
    """Edit a draft into a new version (which needs approval again)."""
    _run("revise_draft", {"draft_id": draft_id, "subject": subject, "subject_b": subject_b, "preheader": preheader,
                          "headline": headline, "body": body, "cta_label": cta_label, "cta_url": cta_url,
                          "signoff": signoff}, as_json)


@draft_app.command("approve")
def approve(draft_id: int = typer.Argument(..., help="The draft version to approve."), as_json: bool = JSON_OPTION) -> None:
    """Approve a draft version so its campaign can be scheduled (approvers only)."""
    _run("approve_draft", {"draft_id": draft_id}, as_json)


@draft_app.command("reject")
def reject(
    draft_id: int = typer.Argument(..., help="The draft version to reject."),
    reason: str = typer.Option(..., "--reason", help="Why, so the writer knows what to change."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Reject a draft version with a reason (approvers only); revise it to make a new version."""
    _run("reject_draft", {"draft_id": draft_id, "reason": reason}, as_json)


@draft_app.command("preview")
def preview(
    draft_id: int = typer.Argument(..., help="The draft to preview."),
    contact: Optional[list[int]] = typer.Option(None, help="A contact id (repeatable)."),
    segment: Optional[str] = typer.Option(None, help="Preview for this segment's first members."),
    contacts: int = typer.Option(3, help="How many segment members to preview for."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Render a draft for real contacts."""
    _run("preview_draft", {"draft_id": draft_id, "contact_ids": contact or None, "segment": segment,
                           "contacts": contacts}, as_json)


def check(
    draft_id: Optional[int] = typer.Argument(None, help="The draft to check."),
    campaign: Optional[str] = typer.Option(None, help="Check a whole campaign (name or id) instead."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a draft or campaign for compliance; exit 1 when something blocks scheduling."""
    result = _run("check_compliance", {"draft_id": draft_id, "campaign": campaign}, as_json)
    if result.blocked:
        raise typer.Exit(1)


def preflight(
    campaign: str = typer.Argument(..., help="Campaign name or id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show how many contacts each step will reach, and who is excluded or deferred and why."""
    _run("preflight", {"campaign": campaign}, as_json)


@rules_app.callback()
def rules(ctx: typer.Context) -> None:
    """Show the frequency rules (or change one with `nudge rules set KEY VALUE`)."""
    if ctx.invoked_subcommand is None:
        _run("show_rules", {})


@rules_app.command("set")
def set_rule(key: str = typer.Argument(...), value: str = typer.Argument(...), yes: bool = YES_OPTION) -> None:
    """Change a rule, e.g. `nudge rules set quiet_hours 22:00-07:00`."""
    _run("set_rule", {"key": key, "value": value}, yes=yes)


def register(app: typer.Typer) -> None:
    app.add_typer(draft_app, name="draft")
    app.add_typer(rules_app, name="rules")
    app.command("check")(check)
    app.command("preflight")(preflight)
