"""Slack Socket Mode: the connection `nudge run` opens when SLACK_APP_TOKEN is set.

It is the SDK's built-in Socket Mode client (no extra package) with two changes. First, Slack
replaces every connection now and then (`disconnect` / `refresh_requested`); the built-in client
then opens the new socket but keeps reading the old one until its 3-second receive timeout
ends, so the first envelope on the new socket was acknowledged after about 3.1 s, past Slack's
3-second limit. Here the old socket is shut down as soon as the new one is open, which wakes its
reader at once (acks within milliseconds after a refresh). Second, every envelope is
acknowledged: one Bolt cannot read (a `block_actions` with no actions makes Bolt raise before
any middleware runs) or refuses (a 4xx answer, which Bolt's own handler never acks) is still
acknowledged, so Slack neither retries it nor shows the person a timeout. A wrong app-level
token is a setting error naming SLACK_APP_TOKEN.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.builtin.connection import Connection
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack.services import UNREADABLE, well_formed
from tools.core.settings import SettingsError

log = logging.getLogger(__name__)
# What Slack answers apps.connections.open when the token itself is the problem.
TOKEN_ERRORS = {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "token_expired",
                "account_inactive", "missing_scope"}


class QuickSwitchClient(SocketModeClient):
    """The built-in client, but a replaced connection's reader is woken instead of waited for."""

    def connect(self) -> None:
        old = self.current_session
        if old is not None:
            # connect() opens the new socket, marks the old reader done, then closes the old
            # connection, which waits for the reader's lock: shutting the socket down first
            # makes its blocked recv() return at once.
            old.close = lambda: close_now(old)  # type: ignore[method-assign]
        super().connect()

    def close(self) -> None:
        # The same wait on the reader made every close (Ctrl-C) take up to 3 s.
        self.auto_reconnect_enabled = False
        self.closed = True
        self.message_queue.put(None)  # wakes the message processor, which waits 1 s for input
        if self.current_session is not None:
            self.current_session_state.terminated = True
            close_now(self.current_session)
        super().close()


def close_now(connection: Connection) -> None:
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the other end
    connection.disconnect()


class NudgeSocketModeHandler(BaseSocketModeHandler):
    """Dispatches each envelope to the Bolt app and always acknowledges it."""

    def __init__(self, app: App, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = QuickSwitchClient(app_token=app_token, logger=app.logger, web_client=app.client)
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        if not well_formed(req.payload):
            log.info("unreadable Socket Mode %s envelope acknowledged and dropped", req.type)
            return acknowledge(client, req)
        try:
            response = run_bolt_app(self.app, req)
        except UNREADABLE as error:
            log.info("unreadable Socket Mode %s envelope acknowledged and dropped: %s", req.type,
                     type(error).__name__)
            return acknowledge(client, req)
        if response.status != 200:
            # Socket Mode has no status codes: a refusal is still a delivery; a slash command's
            # refusal text goes back to the person in the ack.
            text = response.body if req.type == "slash_commands" and response.body else None
            return acknowledge(client, req, text)
        send_response(client, req, response, start)

    def open_first_connection(self) -> None:
        """Ask Slack for the first websocket URL ourselves, so a bad token is one clear error."""
        try:
            self.client.wss_uri = self.client.web_client.apps_connections_open(app_token=self.app_token)["url"]
        except SlackApiError as error:
            reason = error.response.get("error")
            if reason in TOKEN_ERRORS:
                raise SettingsError(
                    f"SLACK_APP_TOKEN: Slack refused the app-level token ({reason}); create one with the "
                    "connections:write scope under Basic Information -> App-Level Tokens (xapp-...)") from None
            raise
        self.connect()


def acknowledge(client: BaseSocketModeClient, req: SocketModeRequest, text: str | None = None) -> None:
    payload = {"text": text} if text else None
    client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=payload))


def connect(app: App, app_token: str) -> NudgeSocketModeHandler:
    """Connect `app` over Socket Mode; returns the handler (close() it to disconnect)."""
    handler = NudgeSocketModeHandler(app, app_token)
    try:
        handler.open_first_connection()
    except BaseException:
        handler.close()
        raise
    return handler


def serve_until_interrupted(handler: NudgeSocketModeHandler) -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
