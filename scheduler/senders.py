"""Where finished emails go: an SMTP server (`SMTP_URL`) or, by default, a local Maildir.

Both senders share one interface: open a `Connection` for a batch and call `send(envelope,
commit_point)` per message. `commit_point` is called at the last moment at which the message
can still be withdrawn: for SMTP after the whole DATA body is on the wire but before the final
".", for the Maildir after the file is written to `tmp/` but before it is moved into `new/`.
The outbox records "sending" there, so a crash before it leaves nothing delivered (the server
discards an unterminated DATA) and a crash after it is never resent (see scheduler/outbox.py).

SMTP replies are sorted into outcomes (`classify`): 2xx sent; 4xx, a dropped connection before
the commit point and a transaction past its deadline retry later; a permanent (5xx) reply is read
by its RFC 3463 enhanced status code when the server gives one, else by the phase it answers:
- address-level ("bounce", suppresses the address): 5.1.x and 5.2.1, or a bare 5xx to RCPT;
- mailbox full (5.2.2): retried like a 4xx, never a suppression;
- message-level ("rejected", fails this message only): 5.3.4 and 5.2.3 too big, 5.6.x content,
  5.7.x policy, other 5.x.x, a bare 5xx to DATA or after the final dot; 5xx to MAIL FROM (and
  5.1.7/5.1.8) is our sender refused.
A `421` (the server is closing) drops the connection, so the next message opens a new one.
Every transaction (connecting, MAIL .. the reply to the final dot) has an overall deadline, on
top of the per-read timeout: a server trickling continuation lines cannot hold a worker.
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

from tools.core.vocabulary import Reason

CRLF = b"\r\n"


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipient: str
    data: bytes  # the whole message, CRLF line endings


class Kind:
    """What became of one send; the outbox maps each to a message status (scheduler/outbox.py)."""

    SENT = "sent"
    RETRY = "retry"          # temporary: try again later
    BOUNCE = "bounce"        # the address is permanently bad: suppress it
    REJECTED = "rejected"    # this message is refused (size, policy, our sender): fail it, pause
    FAILED = "failed"
    ABORTED = "aborted"      # withdrawn at the commit point: nothing delivered
    UNKNOWN = "unknown"      # the connection broke after the final dot


@dataclass(frozen=True)
class Outcome:
    kind: str  # one of Kind
    detail: str = ""
    reason: Reason | None = None  # the typed reason for BOUNCE and REJECTED


CommitPoint = Callable[[], bool]


class Connection(Protocol):
    def send(self, envelope: Envelope, commit_point: CommitPoint) -> Outcome: ...

    def close(self) -> None: ...


class Sender(Protocol):
    def connect(self) -> Connection: ...


class SmtpSender:
    """Delivery to an SMTP server: smtp:// (STARTTLS when offered) or smtps:// (TLS)."""

    def __init__(self, url: str, timeout: float = 30.0, deadline: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self.deadline = deadline  # seconds for one whole transaction, however the server trickles

    def describe(self) -> str:
        """Where mail goes, without the credentials."""
        return f"{'smtps' if self.tls else 'smtp'}://{self.host}:{self.port}"

    def connect(self) -> "SmtpConnection":
        return SmtpConnection(self)

    def open_smtp(self, deadline: float | None = None) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls:
            smtp = _DeadlineSMTP_SSL(deadline, timeout=self.timeout, context=context)
        else:
            smtp = _DeadlineSMTP(deadline, timeout=self.timeout)
        smtp.open(self.host, self.port)
        if not self.tls:
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


class _DeadlineReader:
    """The reply stream of one SMTP session: every read waits at most until the deadline."""

    def __init__(self, smtp: "_DeadlineMixin") -> None:
        self.smtp, self.file = smtp, smtp.sock.makefile("rb")

    def readline(self, limit: int = -1) -> bytes:
        if self.smtp.deadline is not None:
            remaining = self.smtp.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the SMTP transaction passed its deadline")
            self.smtp.sock.settimeout(min(self.smtp.timeout, remaining))
        return self.file.readline(limit)

    def close(self) -> None:
        self.file.close()


class _DeadlineMixin:
    """smtplib with an overall deadline (a time.monotonic() value, or None) for its replies."""

    deadline: float | None = None

    def getreply(self):
        if self.file is None and self.sock is not None:
            self.file = _DeadlineReader(self)
        return super().getreply()

    def open(self, host: str, port: int) -> None:
        code, message = self.connect(host, port)
        if code != 220:
            self.close()
            raise smtplib.SMTPConnectError(code, message)


class _DeadlineSMTP(_DeadlineMixin, smtplib.SMTP):
    def __init__(self, deadline: float | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.deadline = deadline


class _DeadlineSMTP_SSL(_DeadlineMixin, smtplib.SMTP_SSL):
    def __init__(self, deadline: float | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.deadline = deadline


class SmtpConnection:
    """One SMTP session reused for a batch; reopened once if the server hangs up between sends,
    and after a 421. Each transaction runs against the sender's overall deadline."""

    def __init__(self, sender: SmtpSender) -> None:
        self.sender = sender
        self.smtp: smtplib.SMTP | None = None
        self.in_data = False  # the body is (partly) on the wire: a QUIT now would be body text

    def send(self, envelope: Envelope, commit_point: CommitPoint) -> Outcome:
        deadline = time.monotonic() + self.sender.deadline
        reused = self.smtp is not None
        try:
            smtp = self._session(deadline)
            refused, code = _start_transaction(smtp, envelope)
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            if not reused:
                return Outcome(Kind.RETRY, _error_text(error))
            return self.send(envelope, commit_point)
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome(Kind.RETRY, _error_text(error))
        if refused:
            if code == CLOSING:
                self._drop()  # the server is closing this session: the next send opens a new one
            return refused
        self.in_data = True
        try:
            smtp.send(_dot_stuffed(envelope.data))
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome(Kind.RETRY, _error_text(error))
        return self._finish(smtp, commit_point)

    def _finish(self, smtp: smtplib.SMTP, commit_point: CommitPoint) -> Outcome:
        try:
            go = commit_point()
        except BaseException:
            # The commit point could not be stored (e.g. the database went away): hang up, so
            # the server discards this DATA; never send QUIT inside it.
            self._drop()
            raise
        if not go:
            # Another worker owns the message now: hang up so the server discards this DATA.
            self._drop()
            return Outcome(Kind.ABORTED, "claim lost before the final dot")
        try:
            smtp.send(b"." + CRLF)
            self.in_data = False
            code, text = smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome(Kind.UNKNOWN, f"connection lost after the final dot: {_error_text(error)}")
        if code == CLOSING:
            self._drop()
        return classify(code, text, "END")

    def _session(self, deadline: float) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = self.sender.open_smtp(deadline)
        self.smtp.deadline = deadline
        return self.smtp

    def _drop(self) -> None:
        self.in_data = False
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None and not self.in_data:
            try:
                self.smtp.deadline = time.monotonic() + min(self.sender.timeout, 5.0)
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self._drop()


CLOSING = 421  # "service not available, closing transmission channel"


def _start_transaction(smtp: smtplib.SMTP, envelope: Envelope) -> tuple[Outcome | None, int]:
    """MAIL, RCPT and DATA up to the 354 go-ahead; an Outcome and the code if the server refused."""
    for command, accepted, stage in (
        (lambda: smtp.mail(envelope.sender), (250,), "MAIL"),
        (lambda: smtp.rcpt(envelope.recipient), (250, 251), "RCPT"),
        (lambda: smtp.docmd("DATA"), (354,), "DATA"),
    ):
        code, text = command()
        if code not in accepted:
            if code != CLOSING:
                smtp.rset()
            return classify(code, text, stage), code
    return None, 354


def _dot_stuffed(data: bytes) -> bytes:
    body = re.sub(rb"(?m)^\.", b"..", data)
    return body if body.endswith(CRLF) else body + CRLF


_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")
_STAGE_WORDS = {"MAIL": "MAIL", "RCPT": "RCPT", "DATA": "DATA", "END": "after the final dot"}


def classify(code: int, text: bytes | str, stage: str) -> Outcome:
    """The outcome of one SMTP reply at `stage` ("MAIL", "RCPT", "DATA" or "END", the reply to
    the final dot); see the module docstring for the rules."""
    words = _decode(text).strip()
    detail = f"{code} {words}".strip()
    if 200 <= code < 300:
        return Outcome(Kind.SENT, detail)
    where = f"{_STAGE_WORDS[stage]} {detail}"
    if 400 <= code < 500 or code == -1:
        return Outcome(Kind.RETRY, where)
    enhanced = _ENHANCED.match(words)
    subject, item = (int(enhanced[2]), int(enhanced[3])) if enhanced and enhanced[1] == "5" else (None, None)
    if stage == "MAIL" or (subject, item) in ((1, 7), (1, 8)):
        return Outcome(Kind.REJECTED, f"the server refused our sender: {where}", Reason.SENDER_REFUSED)
    if (subject, item) == (2, 2):
        return Outcome(Kind.RETRY, f"mailbox full: {where}")
    if subject == 1 or (subject, item) == (2, 1) or (subject is None and stage == "RCPT"):
        return Outcome(Kind.BOUNCE, where, Reason.BOUNCED)
    if (subject, item) in ((3, 4), (2, 3)):
        return Outcome(Kind.REJECTED, where, Reason.MESSAGE_TOO_BIG)
    if subject == 7:
        return Outcome(Kind.REJECTED, where, Reason.REFUSED_BY_POLICY)
    if subject == 6:
        return Outcome(Kind.REJECTED, where, Reason.REFUSED_CONTENT)
    return Outcome(Kind.REJECTED, where, Reason.REFUSED_MESSAGE)


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


class MaildirSender:
    """The embedded default: each email becomes a file in a Maildir any mail client can open."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        # Workers starting side by side create the same Maildir: `mailbox.Maildir(create=True)`
        # fails with FileExistsError for all but the first, so the folders are made race-free.
        for folder in ("tmp", "new", "cur"):
            (self.directory / folder).mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.directory, create=False)

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
            return Outcome(Kind.RETRY, _error_text(error))
        if not commit_point():
            staging.unlink(missing_ok=True)
            return Outcome(Kind.ABORTED, "claim lost before delivery")
        try:
            os.replace(staging, self.directory / "new" / name)
        except OSError as error:
            return Outcome(Kind.UNKNOWN, _error_text(error))
        return Outcome(Kind.SENT, f"Maildir {name}")

    def close(self) -> None:
        pass


def sender_for(settings) -> SmtpSender | MaildirSender:
    """SMTP when SMTP_URL is set, else the Maildir under NUDGE_OUTBOX_DIR."""
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url)
    return MaildirSender(settings.outbox_dir)
