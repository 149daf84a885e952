"""Reading the audit log: "who approved the cart sequence?", "what did we erase this week?".

`audit_log` is the tool Slack and the console answer such questions with; `nudge audit` prints
the same entries. A subject can be a campaign name: it also finds the entries about that
campaign's drafts (approvals are recorded against a draft, not the campaign), so a question
about a sequence by name finds who approved its emails.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlalchemy.orm import Session

from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.models import AuditEntry, Campaign, CampaignStep, Draft
from tools.core.windows import PERIOD_HELP, period

_CAMPAIGN_ID = re.compile(r"^(?:campaign\s*[:#]?\s*|#)(\d{1,9})$", re.IGNORECASE)


class AuditLogInput(ToolInput):
    since: str = Field("7d", max_length=40, description=f"How far back: {PERIOD_HELP}.")
    action: str | None = Field(
        None, max_length=60,
        description="Part of an action name, e.g. 'approved', 'forget_contact', 'schedule'.",
    )
    subject: str | None = Field(
        None, max_length=200,
        description="What it was about: a campaign name or 'campaign:3', a segment name, or 'draft:12'.",
    )
    actor: str | None = Field(
        None, max_length=200, description="Who did it: a Slack user id such as U123, 'scheduler' or 'cli'.",
    )
    limit: int = Field(50, ge=1, le=500, description="At most this many, newest first.")

    @field_validator("since")
    @classmethod
    def _readable_since(cls, value: str) -> str:
        try:
            period(value, datetime.now(timezone.utc), timezone.utc)
        except ValueError as error:
            raise ValueError(f"since {error}") from None
        return value


class AuditLine(BaseModel):
    at: datetime
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]
    thread: str | None


class AuditLogResult(ToolResult):
    entries: list[AuditLine]
    total: int


def audit_log(ctx: ToolContext, args: AuditLogInput) -> AuditLogResult:
    """Search the audit log: who approved, changed, scheduled, sent, exported or erased what, when.

    Use it for questions like "who approved the cart sequence?" (action "approved", subject
    "cart") or "what was erased this week?" (action "forget", since "7d").
    """
    since = since_moment(args.since, ctx.now(), ctx.settings.zone)
    found = matching_entries(ctx.db, since, args.action, args.subject, args.actor)
    newest = list(reversed(found[-args.limit:]))
    lines = [AuditLine.model_validate(entry, from_attributes=True) for entry in newest]
    summary = _summary(lines, len(found), since)
    return AuditLogResult(summary=summary, entries=lines, total=len(found))


def since_moment(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """Where the period `text` ("7d", "30m", "yesterday", "2026-11-01") begins, or a ToolError."""
    try:
        return period(text, now, zone)[0]
    except ValueError as error:
        raise ToolError(f"since {error}") from None


def matching_entries(
    db: Session, since: datetime, action: str | None = None, subject: str | None = None,
    actor: str | None = None,
) -> list[AuditEntry]:
    """Audit entries at or after `since`, oldest first, filtered by action, subject and actor."""
    query = select(AuditEntry).where(AuditEntry.at >= since).order_by(AuditEntry.at, AuditEntry.id)
    if action and action.strip():
        query = query.where(AuditEntry.action.ilike(_contains(action), escape="\\"))
    if subject and subject.strip():
        query = query.where(_about(db, subject.strip()))
    if actor and actor.strip():
        query = query.where(func.lower(AuditEntry.actor) == actor.strip().lower())
    return list(db.scalars(query))


def _about(db: Session, subject: str) -> ColumnElement[bool]:
    by_id = _CAMPAIGN_ID.match(subject)
    if by_id:  # exactly that campaign: "campaign:2" must not also match campaign 20
        return AuditEntry.subject.in_(_campaign_subjects(db, Campaign.id == int(by_id[1])))
    pattern = _contains(subject)
    exact = _campaign_subjects(db, Campaign.name.ilike(pattern, escape="\\"))
    return or_(
        AuditEntry.subject.ilike(pattern, escape="\\"),
        cast(AuditEntry.details, String).ilike(pattern, escape="\\"),
        AuditEntry.subject.in_(exact),
    )


def _campaign_subjects(db: Session, which: ColumnElement[bool]) -> set[str]:
    """Subjects naming the campaigns `which` selects, and every version of their drafts."""
    named = select(Campaign.id).where(which)
    campaigns = set(db.scalars(named))
    if not campaigns:
        return set()
    drafts = _all_versions(db, set(db.scalars(
        select(CampaignStep.draft_id).where(
            CampaignStep.campaign_id.in_(campaigns), CampaignStep.draft_id.is_not(None)
        )
    )))
    return {
        f"{kind}{separator}{number}"
        for kind, numbers in (("campaign", campaigns), ("draft", drafts))
        for number in numbers
        for separator in (":", " ")
    }


def _all_versions(db: Session, drafts: set[int]) -> set[int]:
    """The drafts plus every earlier and later version of them (edits chain by previous_id)."""
    found, frontier = set(drafts), set(drafts)
    while frontier:
        linked = db.execute(
            select(Draft.id, Draft.previous_id).where(
                or_(Draft.id.in_(frontier), Draft.previous_id.in_(frontier))
            )
        ).all()
        frontier = {n for row in linked for n in row if n is not None} - found
        found |= frontier
    return found


def _contains(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _summary(lines: list[AuditLine], total: int, since: datetime) -> str:
    if not lines:
        return f"No audit entries match since {since:%Y-%m-%d %H:%M} UTC."
    shown = "\n".join(
        f"{line.at:%Y-%m-%d %H:%M} UTC  {line.actor}  {line.action}  {line.subject or ''}".rstrip()
        for line in lines
    )
    more = f" (newest {len(lines)} shown)" if total > len(lines) else ""
    return f"{total} audit entries since {since:%Y-%m-%d %H:%M} UTC{more}:\n{shown}"
