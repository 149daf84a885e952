"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepts and can be scripted.

`FakeSMTP` is a context manager: `.url` is an `smtp://` URL for SMTP_URL, `.messages` the
accepted messages (envelope sender, recipients, parsed email). `.script(address, stage, *replies)`
makes the server answer the next RCPT or DATA for `address` with the given replies in turn (e.g.
"451 4.3.0 try later" then normal), and `.on_data` is called with each accepted message before
the 250 reply is sent, so a test can stall the server to kill a client at a precise moment.
The "DATA" stage is the reply to the final dot; "MAIL" answers MAIL FROM for any sender.

Fault modes, as a misbehaving relay would:
- a scripted `421` reply marks that session as closing, the way a server going down says so but
  keeps the socket open: `.after_closing` counts the MAIL/RCPT/DATA/RSET commands a client still
  sends on such a session (a correct client sends none and opens a new session);
- `.trickle(stage, lines, every)` precedes the next reply at MAIL or RCPT with `lines`
  continuation lines (`250-...`), one every `every` seconds, the way a tarpit holds a client;
- `.sessions` counts the sessions opened (one EHLO each).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def email(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Handler:
    def __init__(self, fake: "FakeSMTP") -> None:
        self.fake = fake

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.fake._lock:
            self.fake.sessions += 1
        return responses

    def _closing(self, session) -> bool:
        if getattr(session, "closing", False):
            with self.fake._lock:
                self.fake.after_closing += 1
            return True
        return False

    def _reply(self, session, reply: str) -> str:
        if reply.startswith("421"):
            session.closing = True
        return reply

    async def _trickle(self, server, stage: str) -> None:
        with self.fake._lock:
            lines, every = self.fake._trickles.pop(stage, (0, 0.0))
        for n in range(lines):
            await server.push(f"250-still thinking {n}")
            await asyncio.sleep(every)

    async def handle_RSET(self, server, session, envelope):
        if self._closing(session):
            return "421 4.3.2 closing"
        return "250 OK"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self._closing(session):
            return "421 4.3.2 closing"
        reply = self.fake._scripted("*", "MAIL")
        if reply:
            return self._reply(session, reply)
        await self._trickle(server, "MAIL")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._closing(session):
            return "421 4.3.2 closing"
        reply = self.fake._scripted(address, "RCPT")
        if reply:
            return self._reply(session, reply)
        await self._trickle(server, "RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self._closing(session):
            return "421 4.3.2 closing"
        reply = self.fake._scripted(envelope.rcpt_tos[0], "DATA")
        if reply:
            return self._reply(session, reply)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        with self.fake._lock:
            self.fake.messages.append(received)
        if self.fake.on_data:
            self.fake.on_data(received)
        return "250 2.0.0 Accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeSMTP:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Received] = []
        self.on_data: Callable[[Received], None] | None = None
        self.sessions = 0
        self.after_closing = 0
        self._trickles: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._replies: dict[tuple[str, str], deque[str]] = defaultdict(deque)
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def script(self, address: str, stage: str, *replies: str) -> None:
        with self._lock:
            self._replies[(address.lower(), stage)].extend(replies)

    def trickle(self, stage: str, lines: int, every: float) -> None:
        with self._lock:
            self._trickles[stage] = (lines, every)

    def _scripted(self, address: str, stage: str) -> str | None:
        with self._lock:
            queue = self._replies.get((address.lower(), stage))
            return queue.popleft() if queue else None

    def recipients(self) -> list[str]:
        with self._lock:
            return [rcpt for message in self.messages for rcpt in message.rcpt_tos]

    def __enter__(self) -> "FakeSMTP":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
