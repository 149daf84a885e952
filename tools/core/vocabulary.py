"""The outbox's vocabulary in one place: message statuses and the typed reasons a message is
failed with, so the worker, the tools and the tests never spell them as scattered literals.

A reason is a short code stored in `messages.reason` (the server's own words go to
`messages.error`). `ADDRESS_REASONS` are the only ones that suppress the address for every
future campaign; `PAUSING_REASONS` are message-level rejections that would repeat for every
recipient of the step, so the worker pauses the campaign when it meets one.
"""

from __future__ import annotations

from enum import StrEnum


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
CLAIMABLE = (Status.PENDING, Status.DEFERRED)
