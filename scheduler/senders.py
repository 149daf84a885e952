"""Where finished emails go: an SMTP server (`SMTP_URL`) or, by default, a local Maildir.

Both senders share one interface: open a `Connection` for a batch and call `send(envelope,
commit_point)` per message. `commit_point` is called at the last moment at which the message
can still be withdrawn: for SMTP after the whole DATA body is on the wire but before the final
".", for the Maildir after the file is written to `tmp/` but before it is moved into `new/`.
The outbox records "sending" there, so a crash before it leaves nothing delivered (the server
discards an unterminated DATA) and a crash after it is never resent (see scheduler/outbox.py).

SMTP replies are sorted into outcomes: 2xx sent; 4xx (and a dropped connection before the
commit point) retry later; 5xx to RCPT or DATA is a bounce, 5xx to MAIL FROM a failure of ours.
"""

from __future__ import annotations

import mailbox
import os
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

CRLF = b"\r\n"


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipient: str
    data: bytes  # the whole message, CRLF line endings


@dataclass(frozen=True)
class Outcome:
    kind: str  # "sent", "retry", "bounce", "failed", "aborted", "unknown"
    detail: str = ""


CommitPoint = Callable[[], bool]


class Connection(Protocol):
    def send(self, envelope: Envelope, commit_point: CommitPoint) -> Outcome: ...

    def close(self) -> None: ...


class Sender(Protocol):
    def connect(self) -> Connection: ...


class SmtpSender:
    """Delivery to an SMTP server: smtp:// (STARTTLS when offered) or smtps:// (TLS)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def describe(self) -> str:
        """Where mail goes, without the credentials."""
        return f"{'smtps' if self.tls else 'smtp'}://{self.host}:{self.port}"

    def connect(self) -> "SmtpConnection":
        return SmtpConnection(self)

    def open_smtp(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
        if self.username:
            smtp.login(self.username, self.password or "")
        # The final "." is a tiny write after the body; without NODELAY, Nagle's algorithm holds
        # it until the server's delayed ACK, which costs tens of milliseconds per message.
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return smtp


class SmtpConnection:
    """One SMTP session reused for a batch; reopened once if the server hangs up between sends."""

    def __init__(self, sender: SmtpSender) -> None:
        self.sender = sender
        self.smtp: smtplib.SMTP | None = None

    def send(self, envelope: Envelope, commit_point: CommitPoint) -> Outcome:
        reused = self.smtp is not None
        try:
            refused = _start_transaction(self._session(), envelope)
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            if not reused:
                return Outcome("retry", _error_text(error))
            return self.send(envelope, commit_point)
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome("retry", _error_text(error))
        if refused:
            return refused
        try:
            self.smtp.send(_dot_stuffed(envelope.data))
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome("retry", _error_text(error))
        return self._finish(commit_point)

    def _finish(self, commit_point: CommitPoint) -> Outcome:
        if not commit_point():
            # Another worker owns the message now: hang up so the server discards this DATA.
            self._drop()
            return Outcome("aborted", "claim lost before the final dot")
        try:
            self.smtp.send(b"." + CRLF)
            code, text = self.smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome("unknown", f"connection lost after the final dot: {_error_text(error)}")
        return _classify(code, text, "DATA")

    def _session(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = self.sender.open_smtp()
        return self.smtp

    def _drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


def _start_transaction(smtp: smtplib.SMTP, envelope: Envelope) -> Outcome | None:
    """MAIL, RCPT and DATA up to the 354 go-ahead; an Outcome if the server refused."""
    for command, accepted, stage in (
        (lambda: smtp.mail(envelope.sender), (250,), "MAIL"),
        (lambda: smtp.rcpt(envelope.recipient), (250, 251), "RCPT"),
        (lambda: smtp.docmd("DATA"), (354,), "DATA"),
    ):
        code, text = command()
        if code not in accepted:
            smtp.rset()
            return _classify(code, text, stage)
    return None


def _dot_stuffed(data: bytes) -> bytes:
    body = re.sub(rb"(?m)^\.", b"..", data)
    return body if body.endswith(CRLF) else body + CRLF


def _classify(code: int, text: bytes | str, stage: str) -> Outcome:
    detail = f"{code} {_decode(text)}".strip()
    if 200 <= code < 300:
        return Outcome("sent", detail)
    if 400 <= code < 500 or code == -1:
        return Outcome("retry", f"{stage} {detail}")
    if stage == "MAIL":
        return Outcome("failed", f"the server refused our sender: {detail}")
    return Outcome("bounce", f"{stage} {detail}")


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


class MaildirSender:
    """The embedded default: each email becomes a file in a Maildir any mail client can open."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        mailbox.Maildir(self.directory, create=True)

    def describe(self) -> str:
        return f"Maildir {self.directory}"

    def connect(self) -> "MaildirConnection":
        return MaildirConnection(self.directory)


class MaildirConnection:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.host = socket.gethostname().replace("/", "_").replace(":", "_")

    def send(self, envelope: Envelope, commit_point: CommitPoint) -> Outcome:
        name = f"{time.time_ns()}.P{os.getpid()}.{self.host}"
        staging = self.directory / "tmp" / name
        try:
            with open(staging, "wb") as handle:
                handle.write(envelope.data.replace(CRLF, b"\n"))
        except OSError as error:
            return Outcome("retry", _error_text(error))
        if not commit_point():
            staging.unlink(missing_ok=True)
            return Outcome("aborted", "claim lost before delivery")
        try:
            os.replace(staging, self.directory / "new" / name)
        except OSError as error:
            return Outcome("unknown", _error_text(error))
        return Outcome("sent", f"Maildir {name}")

    def close(self) -> None:
        pass


def sender_for(settings) -> SmtpSender | MaildirSender:
    """SMTP when SMTP_URL is set, else the Maildir under NUDGE_OUTBOX_DIR."""
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url)
    return MaildirSender(settings.outbox_dir)
