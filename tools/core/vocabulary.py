"""Nudge's vocabulary in one place: campaign and message statuses and the typed reasons a message
is failed or deferred with, so the worker, the tools and the tests never spell them as scattered
literals.

A reason is a short code stored in `messages.reason` (the server's own words go to
`messages.error`). `ADDRESS_REASONS` are the only ones that suppress the address for every
future campaign; `PAUSING_REASONS` are message-level rejections that would repeat for every
recipient of the step, so the worker pauses the campaign when it meets one.
"""

from __future__ import annotations

from enum import StrEnum


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


# Never went live: editing or throwing it away touches nobody.
UNSENT_CAMPAIGN = frozenset({CampaignStatus.DRAFT, CampaignStatus.AWAITING_APPROVAL})
# Live: it has (or may again have) mail going out.
LIVE_CAMPAIGN = frozenset({CampaignStatus.ACTIVE, CampaignStatus.PAUSED})


class SuppressionReason(StrEnum):
    """Why an address is kept on the suppression list (as its keyed hash)."""

    ERASED = "erased"              # forget_contact or a shop's customers/redact: never again
    COMPLAINED = "complained"      # marked as spam
    BOUNCED = "bounced"            # the mailbox does not exist (RFC 3463 5.1.x)
    UNSUBSCRIBED = "unsubscribed"  # the unsubscribe link, or the shop's own unsubscribe


class Status(StrEnum):
    PENDING = "pending"
    DEFERRED = "deferred"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class Reason(StrEnum):
    # Address-level and permanent: the mailbox does not exist or is disabled (5.1.x, 5.2.1).
    BOUNCED = "bounced"
    # Message-level: the same message would be refused for every recipient.
    MESSAGE_TOO_BIG = "message_too_big"          # 5.3.4, 5.2.3
    REFUSED_BY_POLICY = "refused_by_policy"      # 5.7.x (spam, DMARC, relaying, ...)
    REFUSED_CONTENT = "refused_content"          # 5.6.x (media, encoding)
    REFUSED_MESSAGE = "refused_message"          # any other permanent refusal of the message
    SENDER_REFUSED = "sender_refused"            # MAIL FROM refused (5.1.7, 5.1.8, or 5xx to MAIL)
    # Ours or the network's.
    RETRIES_EXHAUSTED = "retries_exhausted"
    OUTCOME_UNKNOWN = "outcome_unknown"
    UNBUILDABLE = "unbuildable"
    MAIL_SERVER_RETRY = "mail_server_retry"      # a deferral, stored as "<code>; deferred <time>"
    # The step's pool of single-use codes is empty: deferred while more may be imported, then
    # failed (tools.drafting.discount_codes); a discount email never goes out without its code.
    DISCOUNT_CODES_EXHAUSTED = "discount_codes_exhausted"


ADDRESS_REASONS = frozenset({Reason.BOUNCED})
PAUSING_REASONS = frozenset({Reason.MESSAGE_TOO_BIG, Reason.REFUSED_BY_POLICY, Reason.REFUSED_CONTENT,
                             Reason.REFUSED_MESSAGE, Reason.SENDER_REFUSED})
# The subsets of message statuses the worker, the scheduler and the reports ask about.
CLAIMABLE = (Status.PENDING, Status.DEFERRED)           # waiting for a worker to take it
OPEN = (Status.PENDING, Status.DEFERRED, Status.SENDING)  # not finished yet
FINAL = (Status.SENT, Status.SKIPPED, Status.FAILED)      # will never change again
NOT_SENT = (Status.SKIPPED, Status.DEFERRED, Status.FAILED)  # counted by the report as why not
