"""Discount code tools: import a shop's single-use codes into a campaign step's pool, and show
how many are left.

`import_discount_codes` takes the file's text (the CLI reads the file; a tool never opens a path
it is given), keeps every good row, names each bad one by its line, and ignores codes already in
a pool. `show_discount_codes` is the read-only count per step: codes in the pool, claimed,
sent, left, and messages waiting for a code. The pool's rules (parsing, claiming at send time)
live in `tools.drafting.discount_codes`.
"""

from __future__ import annotations

from pydantic import Field

from tools.core import audit
from tools.core.context import ToolContext, ToolError, ToolInput, ToolResult
from tools.core.lookup import CAMPAIGN_HELP, find_campaign, steps_of
from tools.core.models import Campaign, CampaignStep
from tools.drafting import discount_codes
from tools.drafting.discount_codes import PoolCounts

MAX_FILE_CHARACTERS = 5_000_000
MAX_PROBLEMS = 1000  # listed in the result; the count is always complete


class ImportDiscountCodesInput(ToolInput):
    campaign: str = Field(description=CAMPAIGN_HELP)
    step: int = Field(ge=1, le=10, description="The step's position (1 for the first email).")
    text: str = Field(max_length=MAX_FILE_CHARACTERS,
                      description="The CSV your shop exported (a Code column), or one code a line.")
    source: str = Field("pasted codes", max_length=200, description="Where the codes came from (a file name).")


class ImportDiscountCodesResult(ToolResult):
    campaign_id: int
    step: int
    added: int
    already_in_a_pool: int
    repeated_in_file: int
    rejected: int
    problems: list[str]
    left: int


def import_discount_codes(ctx: ToolContext, args: ImportDiscountCodesInput) -> ImportDiscountCodesResult:
    """Add single-use discount codes (from the CSV a shop exports, or one code a line) to a
    campaign step's pool; at send time each recipient of that step gets one code of its own.
    Bad rows are named by line; codes already in a pool are ignored.
    """
    campaign = find_campaign(ctx.db, args.campaign)
    step = _step(ctx, campaign, args.step)
    parsed = discount_codes.parse_codes(args.text)
    if not parsed.codes and not parsed.problems:
        raise ToolError("the file holds no codes; give the CSV your shop exported or one code a line")
    stored = discount_codes.store_codes(ctx.db, step, [code for _, code in parsed.codes], source=args.source,
                                        actor=ctx.actor, now=ctx.now())
    counts = discount_codes.pool_counts(ctx.db, [step.id]).get(step.id, PoolCounts())
    audit.record(ctx.db, ctx.actor, "discount_codes.imported", f"campaign:{campaign.id}",
                 {"step": step.position, "added": stored.added, "ignored": stored.already,
                  "rejected": len(parsed.problems), "source": args.source}, ctx.thread, ctx.now())
    parts = [f"{stored.added:,} code(s) added to step {step.position} of '{campaign.name}'"]
    if stored.already or parsed.repeated:
        parts.append(f"{stored.already + parsed.repeated:,} duplicate(s) ignored")
    if parsed.problems:
        parts.append(f"{len(parsed.problems):,} row(s) rejected")
    summary = "; ".join(parts) + f". {counts.left:,} code(s) left in the pool."
    return ImportDiscountCodesResult(
        summary=summary, campaign_id=campaign.id, step=step.position, added=stored.added,
        already_in_a_pool=stored.already, repeated_in_file=parsed.repeated, rejected=len(parsed.problems),
        problems=parsed.problems[:MAX_PROBLEMS], left=counts.left)


def _step(ctx: ToolContext, campaign: Campaign, position: int) -> CampaignStep:
    steps = steps_of(ctx.db, campaign)
    for step in steps:
        if step.position == position:
            if step.channel != "email":
                raise ToolError(f"step {position} of '{campaign.name}' is {step.channel}, not an email; "
                                "codes go with an email step")
            return step
    raise ToolError(f"campaign '{campaign.name}' has no step {position}; its steps are "
                    f"{', '.join(str(s.position) for s in steps) or 'none yet'}")


class DiscountStatusInput(ToolInput):
    campaign: str = Field(description=CAMPAIGN_HELP)


class DiscountStatusResult(ToolResult):
    campaign_id: int
    steps: list[dict]


def show_discount_codes(ctx: ToolContext, args: DiscountStatusInput) -> DiscountStatusResult:
    """How many single-use discount codes each step of a campaign has left: in the pool,
    claimed, sent, left, and messages waiting because the pool ran out."""
    campaign = find_campaign(ctx.db, args.campaign)
    steps = steps_of(ctx.db, campaign)
    counts = discount_codes.pool_counts(ctx.db, [s.id for s in steps])
    lines, rows = [], []
    for step in steps:
        pool = counts.get(step.id)
        if pool is None:
            continue
        rows.append({"step": step.position, "total": pool.total, "claimed": pool.claimed, "sent": pool.sent,
                     "left": pool.left, "waiting": pool.waiting, "missed": pool.missed})
        lines.append(pool_sentence(campaign.id, step.position, pool))
    if not rows:
        summary = (f"Campaign '{campaign.name}' has no discount code pool; add one with "
                   f"`nudge discount import FILE.csv --campaign {campaign.id} --step N`.")
    else:
        summary = "\n".join([f"Discount codes of '{campaign.name}':", *lines])
    return DiscountStatusResult(summary=summary, campaign_id=campaign.id, steps=rows)


def pool_sentence(campaign_id: int, position: int, pool: PoolCounts) -> str:
    text = (f"Step {position}: {pool.left:,} of {pool.total:,} code(s) left "
            f"({pool.claimed:,} given out, {pool.sent:,} sent)")
    if pool.waiting:
        text += (f"; {pool.waiting:,} message(s) wait for a code: import more with "
                 f"`nudge discount import FILE.csv --campaign {campaign_id} --step {position}`")
    if pool.missed:
        text += f"; {pool.missed:,} failed after waiting {discount_codes.WAIT_FOR_CODES.days} days for a code"
    return text + "."
