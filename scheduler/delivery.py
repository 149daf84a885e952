"""Turning one approved draft and one contact into a standards-conforming email.

The body comes from `tools.render.render_email` (Jinja sandbox, footer with the unsubscribe link
and postal address). This module adds what makes it deliverable and measurable: a
multipart/alternative message with text and HTML, a stable `Message-ID`, `Date`, `From`
(NUDGE_SENDER), RFC 8058 one-click unsubscribe headers, an open pixel, and click tracking for
the links the approved draft contains (other links stay direct, so the redirect can never be
used to send someone elsewhere).
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from functools import lru_cache
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import quote

from tools.identity import normalise_email
from tools.settings import Settings
from tools.tokens import make_token

_HREF = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class Tracking:
    """The signed URLs for one outbox message."""

    def __init__(self, settings: Settings, secret: str, message_id: int) -> None:
        self.base = settings.public_url.rstrip("/")
        self.secret = secret
        self.message_id = message_id

    def url(self, kind: str, target: str | None = None) -> str:
        prefix = {"open": "o", "click": "c", "unsubscribe": "u"}[kind]
        return f"{self.base}/{prefix}/{make_token(self.secret, kind, self.message_id, target)}"

    @property
    def unsubscribe_url(self) -> str:
        return self.url("unsubscribe")


def sender_address(settings: Settings) -> str:
    """The bare address in NUDGE_SENDER (for MAIL FROM and the mailto unsubscribe)."""
    return _bare_address(settings.sender)


@lru_cache(maxsize=16)
def _bare_address(sender: str) -> str:
    return parseaddr(sender)[1]


def new_message_id(settings: Settings, outbox_id: int) -> str:
    domain = sender_address(settings).rpartition("@")[2] or "nudge.invalid"
    return make_msgid(idstring=f"nudge.{outbox_id}", domain=domain)


def track_html(body: str, tracking: Tracking, trackable: set[str]) -> str:
    """Route the draft's own links through the click redirect and add the open pixel."""

    def wrap(match: re.Match) -> str:
        target = html.unescape(match.group(1))
        if target not in trackable:
            return match.group(0)
        return f'href="{html.escape(tracking.url("click", target))}"'

    pixel = (f'<img src="{html.escape(tracking.url("open"))}" width="1" height="1" alt="" '
             'style="display:none">')
    tracked = _HREF.sub(wrap, body)
    if "</body>" in tracked:
        return tracked.replace("</body>", pixel + "</body>", 1)
    return tracked + pixel


def build_email(
    *,
    rendered,
    to_email: str,
    to_name: str | None,
    message_id: str,
    settings: Settings,
    tracking: Tracking,
    trackable: set[str],
    now: datetime,
) -> EmailMessage:
    """The complete email for one contact: headers, text part and tracked HTML part."""
    email = EmailMessage(policy=SMTP)
    email["From"] = settings.sender
    email["To"] = formataddr((_clean(to_name or ""), to_email))
    email["Subject"] = _clean(rendered.subject)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id
    mailto = f"mailto:{sender_address(settings)}?subject={quote('unsubscribe ' + message_id.strip('<>'))}"
    email["List-Unsubscribe"] = f"<{tracking.unsubscribe_url}>, <{mailto}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(rendered.text or "", subtype="plain", charset="utf-8")
    email.add_alternative(track_html(rendered.html or "", tracking, trackable),
                          subtype="html", charset="utf-8")
    return email


def recipient_address(email: str) -> str:
    """The address as SMTP wants it in RCPT TO; raises ValueError for a malformed one."""
    address = normalise_email(email)
    if address is None or _CONTROL.search(address) or address.count("@") != 1:
        raise ValueError(f"not a deliverable address: {email!r}")
    return address


def _clean(value: str) -> str:
    # Names and subjects come from data and a model: no header may be split by a newline.
    return _CONTROL.sub(" ", value).strip()
