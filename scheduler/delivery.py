"""Turning one approved draft and one contact into a standards-conforming email.

The body comes from `tools.drafting.render.render_email` (Jinja sandbox, footer with the unsubscribe link
and postal address). This module adds what makes it deliverable and measurable: a
multipart/alternative message with text and HTML, a stable `Message-ID`, `Date`, `From`
(NUDGE_SENDER), RFC 8058 one-click unsubscribe headers, an open pixel, and click tracking for
every http(s) link of both parts but the unsubscribe link: the draft's own, the cart button, cart
items and best sellers. `Tracking.issued` is the set of URLs it signed; the outbox stores it on
the message, and the redirect leads only to those (so it can never send someone elsewhere). The MIME is built with the compat32 classes and a policy that
writes short ASCII headers as they are (the stdlib folds and RFC 2047-encodes everything else):
a send builds thousands of these, and the modern `EmailMessage` re-parses every header it sets.
"""

from __future__ import annotations

import html
import re
import secrets
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import cached_property, lru_cache
from urllib.parse import quote

from tools.core.identity import normalise_email
from tools.core.settings import Settings
from tools.core.tokens import make_token

_HREF = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)
_TEXT_URL = re.compile(r"https?://[^\s<>\"']+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable source and smaller than base64 for mostly-ASCII copy


class _SmtpPolicy(Compat32):
    """compat32 with CRLF line ends that passes short single-line ASCII headers straight through."""

    def fold_binary(self, name, value):
        if isinstance(value, str) and value.isascii() and len(name) + len(value) < 77 \
                and "\n" not in value and "\r" not in value:
            return f"{name}: {value}\r\n".encode("ascii")
        return super().fold_binary(name, value)


SMTP_POLICY = _SmtpPolicy(linesep="\r\n")


class Tracking:
    """The signed URLs for one outbox message."""

    def __init__(self, settings: Settings, secret: str, message_id: int) -> None:
        self.base = settings.public_url.rstrip("/")
        self.secret = secret
        self.message_id = message_id
        self.issued: set[str] = set()  # the click targets signed so far

    def url(self, kind: str, target: str | None = None) -> str:
        prefix = {"open": "o", "click": "c", "unsubscribe": "u"}[kind]
        if target is not None:
            self.issued.add(target)
        return f"{self.base}/{prefix}/{make_token(self.secret, kind, self.message_id, target)}"

    def click_url(self, target: str) -> str:
        """The signed redirect for `target`; the unsubscribe link itself stays as it is."""
        return target if target == self.unsubscribe_url else self.url("click", target)

    @cached_property
    def unsubscribe_url(self) -> str:
        return self.url("unsubscribe")


def sender_address(settings: Settings) -> str:
    """The bare address in NUDGE_SENDER (for MAIL FROM and the mailto unsubscribe)."""
    return _bare_address(settings.sender)


@lru_cache(maxsize=16)
def _bare_address(sender: str) -> str:
    return parseaddr(sender)[1]


@lru_cache(maxsize=16)
def _from_header(sender: str) -> str:
    # Only the display name may be RFC 2047-encoded, never the address itself.
    return formataddr(parseaddr(sender))


def new_message_id(settings: Settings, outbox_id: int) -> str:
    domain = sender_address(settings).rpartition("@")[2] or "nudge.invalid"
    return make_msgid(idstring=f"nudge.{outbox_id}", domain=domain)


def track_html(body: str, tracking: Tracking) -> str:
    """Route every http(s) link through the click redirect and add the open pixel."""

    def wrap(match: re.Match) -> str:
        return f'href="{html.escape(tracking.click_url(html.unescape(match.group(1))))}"'

    pixel = (f'<img src="{html.escape(tracking.url("open"))}" width="1" height="1" alt="" '
             'style="display:none">')
    tracked = _HREF.sub(wrap, body)
    if "</body>" in tracked:
        return tracked.replace("</body>", pixel + "</body>", 1)
    return tracked + pixel


def track_text(body: str, tracking: Tracking) -> str:
    """The plain-text part with every http(s) URL routed through the click redirect."""
    def wrap(match: re.Match) -> str:
        url = match.group(0).rstrip(".,;:!?)")  # sentence punctuation is not part of the link
        return tracking.click_url(url) + match.group(0)[len(url):]

    return _TEXT_URL.sub(wrap, body)


def build_email(
    *,
    rendered,
    to_email: str,
    to_name: str | None,
    message_id: str,
    settings: Settings,
    tracking: Tracking,
    now: datetime,
) -> MIMEMultipart:
    """The complete email for one contact: headers, text part and tracked HTML part.

    `.as_bytes()` gives the message with CRLF line ends, ready for SMTP DATA.
    """
    # QP bodies write every "=" as "=3D", so a boundary starting "=_" can never occur in them.
    email = MIMEMultipart("alternative", boundary=f"=_{secrets.token_hex(12)}", policy=SMTP_POLICY)
    email["From"] = _from_header(settings.sender)
    email["To"] = formataddr((_clean(to_name or ""), to_email))
    email["Subject"] = _encoded(_clean(rendered.subject))
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id
    mailto = f"mailto:{sender_address(settings)}?subject={quote('unsubscribe ' + message_id.strip('<>'))}"
    email["List-Unsubscribe"] = f"<{tracking.unsubscribe_url}>, <{mailto}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.attach(_text_part(track_text(rendered.text or "", tracking), "plain"))
    email.attach(_text_part(track_html(rendered.html or "", tracking), "html"))
    return email


def _text_part(body: str, subtype: str) -> MIMEText:
    part = MIMEText(body, subtype, _UTF8_QP, policy=SMTP_POLICY)
    del part["MIME-Version"]  # belongs on the top-level message only
    return part


def _encoded(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def recipient_address(email: str) -> str:
    """The address as SMTP wants it in RCPT TO; raises ValueError for a malformed one."""
    address = normalise_email(email)
    if address is None or _CONTROL.search(address) or address.count("@") != 1:
        raise ValueError(f"not a deliverable address: {email!r}")
    return address


def _clean(value: str) -> str:
    # Names and subjects come from data and a model: no header may be split by a newline.
    return _CONTROL.sub(" ", value).strip()
