"""A local stand-in for Slack's Socket Mode: a websocket server that speaks the envelope protocol.

The product finds it the way it finds Slack: the Socket Mode client calls `apps.connections.open`
on the Web API (the `FakeSlack` in `tests/fakes/slack_api.py`, reached through SLACK_API_URL)
with the app-level token, and gets a one-time `ws://` URL on this server. Tests start it as a
context manager around a running `FakeSlack`:

    with FakeSlack() as slack, FakeSocketMode(slack, app_token="xapp-1-test") as socket:
        ...start the app with SLACK_APP_TOKEN=xapp-1-test and SLACK_API_URL=slack.base_url...
        socket.wait_connections(1)
        envelope = socket.push_event({"type": "app_mention", ...})
        ack = socket.wait_ack(envelope)          # ack.latency: seconds from push to ack

Like Slack, every new connection first gets a `hello`; `push_event`, `push_interactive` and
`push_slash_command` send `events_api`, `interactive` and `slash_commands` envelopes (each with
an `envelope_id` and `accepts_response_payload`) on the newest open connection; acks (any
message carrying an `envelope_id`) are recorded with their arrival time and connection; and
`disconnect(reason)` sends Slack's `disconnect` message (`refresh_requested`, `warning`, or
`link_disabled`, after which Slack closes the socket). A wrong app token gets `invalid_auth`
from `apps.connections.open`, and a URL whose ticket was not issued, or was already used, is
refused at the handshake, so a client that reconnects must ask the Web API again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlack

APP_ID = "A0FAKEAPP"
DISCONNECT_REASONS = ("refresh_requested", "warning", "link_disabled")


@dataclass(frozen=True)
class Ack:
    """One acknowledgement: which envelope, its optional response payload, and when it came."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection: int
    sent_at: float
    at: float

    @property
    def latency(self) -> float:
        """Seconds from the envelope's push to its ack."""
        return self.at - self.sent_at


class FakeSocketMode:
    """A websocket server on 127.0.0.1 that serves Slack's Socket Mode envelopes to one app."""

    def __init__(self, slack: FakeSlack, app_token: str = "xapp-1-A0FAKEAPP-1-test") -> None:
        self.slack = slack
        self.app_token = app_token
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-socket-mode", daemon=True)
        self._server: Server | None = None
        self._condition = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._sent_at: dict[str, float] = {}
        self._acks: dict[str, Ack] = {}
        self._received: list[tuple[int, dict[str, Any]]] = []
        self._envelope_ids = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        self._server = self._run(self._start())
        self.slack.serve_socket_mode(self.app_token, self.issue_url)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.slack.serve_socket_mode(None, None)
        if self._server is not None:
            self._server.close()
            self._run(self._server.wait_closed())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _start(self) -> Server:
        return await serve(self._serve, "127.0.0.1", 0, process_request=self._check_ticket, ping_interval=None)

    def _run(self, coroutine: Any, timeout: float = 5.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    # -- what apps.connections.open hands out --------------------------------------------------

    def issue_url(self) -> str:
        """A one-time URL, as `apps.connections.open` returns (Slack's say wss://; this is ws://)."""
        ticket = uuid.uuid4().hex
        with self._condition:
            self._tickets.add(ticket)
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={ticket}&app_id={APP_ID}"

    def _check_ticket(self, connection: ServerConnection, request: Any) -> Any:
        ticket = (parse_qs(urlparse(request.path).query).get("ticket") or [""])[0]
        with self._condition:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "unknown or used ticket\n")

    # -- connections ---------------------------------------------------------------------------

    async def _serve(self, connection: ServerConnection) -> None:
        with self._condition:
            self._connections.append(connection)
            index = len(self._connections) - 1
            self._condition.notify_all()
        hello = {"type": "hello", "num_connections": self.open_connections(),
                 "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
                 "connection_info": {"app_id": APP_ID}}
        try:
            await connection.send(json.dumps(hello))
            async for raw in connection:
                self._receive(index, raw)
        except ConnectionClosed:
            pass
        finally:
            with self._condition:
                self._condition.notify_all()

    def _receive(self, index: int, raw: str | bytes) -> None:
        at = time.monotonic()
        try:
            message = json.loads(raw)
        except ValueError:
            message = {"unparsed": raw if isinstance(raw, str) else raw.decode("utf-8", "replace")}
        with self._condition:
            self._received.append((index, message))
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            if envelope_id and envelope_id not in self._acks:
                self._acks[envelope_id] = Ack(envelope_id, message.get("payload"), index,
                                              self._sent_at.get(envelope_id, at), at)
            self._condition.notify_all()

    def connections(self) -> int:
        """How many connections were opened so far (open or closed)."""
        with self._condition:
            return len(self._connections)

    def open_connections(self) -> int:
        with self._condition:
            return sum(1 for connection in self._connections if connection.close_code is None)

    def wait_connections(self, count: int, timeout: float = 5.0) -> None:
        """Block until `count` connections were opened (each has been sent its hello)."""
        self._wait(lambda: len(self._connections) >= count, timeout, f"{count} connection(s)")

    def _wait(self, ready: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._condition:
            while not ready():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {what} within {timeout}s; connections "
                                         f"{len(self._connections)}, acks {sorted(self._acks)}")
                self._condition.wait(remaining)

    # -- envelopes -----------------------------------------------------------------------------

    def push(self, type: str, payload: dict[str, Any], accepts_response_payload: bool = False,
             connection: int | None = None, **extra: Any) -> str:
        """Send one envelope on `connection` (default: the newest open one); returns its envelope_id."""
        envelope_id = f"env-{next(self._envelope_ids):04d}-{uuid.uuid4().hex[:8]}"
        envelope = {"envelope_id": envelope_id, "type": type, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, **extra}
        target = self._connection(connection)
        with self._condition:
            self._sent_at[envelope_id] = time.monotonic()
        self._run(target.send(json.dumps(envelope)))
        return envelope_id

    def push_event(self, event: dict[str, Any], team: str = TEAM_ID, event_id: str | None = None,
                   retry_attempt: int = 0, **options: Any) -> str:
        """An `events_api` envelope around an Events API `event_callback`."""
        payload = {"token": "legacy", "team_id": team, "api_app_id": APP_ID, "type": "event_callback",
                   "event": event, "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                   "event_time": int(time.time()),
                   "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}]}
        return self.push("events_api", payload, retry_attempt=retry_attempt,
                         retry_reason="" if not retry_attempt else "timeout", **options)

    def push_interactive(self, payload: dict[str, Any], **options: Any) -> str:
        """An `interactive` envelope (block_actions, view_submission, ...)."""
        accepts = payload.get("type") in {"view_submission", "block_suggestion"}
        return self.push("interactive", payload, accepts_response_payload=accepts, **options)

    def push_slash_command(self, payload: dict[str, Any], **options: Any) -> str:
        """A `slash_commands` envelope; Slack lets the ack carry the command's first reply."""
        return self.push("slash_commands", payload, accepts_response_payload=True, **options)

    def disconnect(self, reason: str = "refresh_requested", connection: int | None = None,
                   close: bool | None = None) -> None:
        """Send Slack's `disconnect`; `link_disabled` also closes the socket, as Slack does."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"unknown disconnect reason {reason!r}; Slack sends one of {DISCONNECT_REASONS}")
        target = self._connection(connection)
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        self._run(target.send(json.dumps(message)))
        if close if close is not None else reason == "link_disabled":
            self._run(target.close(1000, reason))

    def _connection(self, index: int | None) -> ServerConnection:
        with self._condition:
            if index is not None:
                return self._connections[index]
            for connection in reversed(self._connections):
                if connection.close_code is None:
                    return connection
        raise AssertionError("no open Socket Mode connection to send on")

    # -- what the app sent back ----------------------------------------------------------------

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        self._wait(lambda: envelope_id in self._acks, timeout, f"an ack of {envelope_id}")
        with self._condition:
            return self._acks[envelope_id]

    def ack(self, envelope_id: str) -> Ack | None:
        with self._condition:
            return self._acks.get(envelope_id)

    def received(self) -> list[tuple[int, dict[str, Any]]]:
        """Every message the app sent, as (connection index, decoded JSON), oldest first."""
        with self._condition:
            return list(self._received)
