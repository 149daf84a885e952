"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepts and can be scripted.

`FakeSMTP` is a context manager: `.url` is an `smtp://` URL for SMTP_URL, `.messages` the
accepted messages (envelope sender, recipients, parsed email). `.script(address, stage, *replies)`
makes the server answer the next RCPT or DATA for `address` with the given replies in turn (e.g.
"451 4.3.0 try later" then normal), and `.on_data` is called with each accepted message before
the 250 reply is sent, so a test can stall the server to kill a client at a precise moment.
"""

from __future__ import annotations

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

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.fake._scripted(address, "RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.fake._scripted(envelope.rcpt_tos[0], "DATA")
        if reply:
            return reply
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
        self._lock = threading.Lock()
        self._replies: dict[tuple[str, str], deque[str]] = defaultdict(deque)
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def script(self, address: str, stage: str, *replies: str) -> None:
        with self._lock:
            self._replies[(address.lower(), stage)].extend(replies)

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
