"""A local stand-in for the Slack Web API that answers the methods Nudge uses and records each call.

Tests start it as a context manager, point `WebClient(base_url=fake.base_url)` (or the
`SLACK_API_URL` setting) at it, drive the app, then assert on what Slack would have received:
`fake.calls("chat.postMessage")` is the list of request bodies (dicts) for that method, in
order. Bodies sent as JSON or as forms both come back as dicts; form fields holding JSON
(`blocks`, `view`, `files`) are decoded. File uploads follow Slack's external-upload flow:
`files.getUploadURLExternal` hands out an upload URL on this server, the bytes posted there are
recorded under the method name "upload", and `files.completeUploadExternal` finishes it.
`conversations.open` with `users=U123` answers the direct message channel "DU123".
Messages sent to a slash command's `response_url` (use `fake.response_url`) are recorded under
"response_url". `fail(method, error)` makes a method answer `ok: false` so tests can exercise
Slack errors. `apps.connections.open` (how a Socket Mode client gets its websocket URL) answers
only while a `FakeSocketMode` (tests/fakes/socket_mode.py) serves this fake: with that fake's
URL for its app-level token, `invalid_auth` for any other token, and `not_allowed_token_type`
for a bot token.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

BOT_USER_ID = "UNUDGEBOT"
TEAM_ID = "T0FAKE"
_JSON_FIELDS = {"blocks", "attachments", "view", "files", "metadata"}


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """A threaded HTTP server on 127.0.0.1 speaking enough of the Slack Web API for Nudge."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._failures: dict[str, str] = {}
        self._lock = threading.Lock()
        self._condition = threading.Condition(self._lock)
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._app_token: str | None = None
        self._socket_url: Callable[[], str] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """What `WebClient(base_url=...)` / SLACK_API_URL should be set to (ends with '/')."""
        return f"{self.root}/api/"

    @property
    def response_url(self) -> str:
        """A slash command's `response_url` that lands on this server."""
        return f"{self.root}/response/1"

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        # shutdown() waits for serve_forever's next poll: a short poll keeps teardown fast
        self._server.shutdown()
        self._server.server_close()

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Bodies of every recorded call to `method`, oldest first."""
        with self._lock:
            return [call.body for call in self._calls if call.method == method]

    def all_calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def methods(self) -> list[str]:
        with self._lock:
            return [call.method for call in self._calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until `method` was called at least `count` times (lazy listeners run in threads)."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while sum(call.method == method for call in self._calls) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [call.method for call in self._calls]
                    raise AssertionError(f"expected {count} x {method} within {timeout}s; saw {seen}")
                self._condition.wait(remaining)
        return self.calls(method)

    def fail(self, method: str, error: str = "internal_error") -> None:
        """Make every later call to `method` answer {"ok": false, "error": error}."""
        with self._lock:
            self._failures[method] = error

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._failures.clear()

    def serve_socket_mode(self, app_token: str | None, issue_url: Callable[[], str] | None) -> None:
        """Let `apps.connections.open` hand out `issue_url()` to `app_token` (None: stop)."""
        with self._lock:
            self._app_token, self._socket_url = app_token, issue_url

    def record(self, method: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        with self._condition:
            self._calls.append(Call(method, body, headers))
            self._condition.notify_all()
            failure = self._failures.get(method)
        if failure:
            return {"ok": False, "error": failure}
        if method == "apps.connections.open":
            return self._open_connection(headers)
        return self._answer(method, body)

    def _open_connection(self, headers: dict[str, str]) -> dict[str, Any]:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            app_token, issue_url = self._app_token, self._socket_url
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token.startswith("xoxb-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if issue_url is None or token != app_token:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": issue_url()}

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = _ANSWERS.get(method)
        if answer is None:
            return {"ok": False, "error": "unknown_method"}
        return answer(self, body)

    def next_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.000100"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"


def _auth_test(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://fake.slack.test/",
        "team": "Fake team",
        "user": "nudge",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": "BNUDGEBOT",
    }


def _post_message(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    ts = fake.next_ts()
    message = {"text": body.get("text", ""), "blocks": body.get("blocks", []), "ts": ts}
    return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}


def _update(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text", "")}


def _ephemeral(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "message_ts": fake.next_ts()}


def _view(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view") or {}
    if isinstance(view, str):
        view = json.loads(view)
    return {"ok": True, "view": {**view, "id": body.get("view_id") or fake.next_id("V")}}


def _upload_url(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    file_id = fake.next_id("F")
    return {"ok": True, "upload_url": f"{fake.root}/upload/{file_id}", "file_id": file_id}


def _complete_upload(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    files = body.get("files") or []
    return {"ok": True, "files": [{"id": item.get("id"), "title": item.get("title")} for item in files]}


def _open_conversation(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    """A direct message with the given user: its channel id is "D" + the user id, every time."""
    users = str(body.get("users") or "")
    if not users:
        return {"ok": False, "error": "users_list_not_supplied"}
    return {"ok": True, "channel": {"id": "D" + users.split(",")[0]}}


def _user_info(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    user = body.get("user", "")
    return {"ok": True, "user": {"id": user, "name": user.lower(), "tz": "UTC", "is_bot": False}}


_ANSWERS = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.postEphemeral": _ephemeral,
    "views.open": _view,
    "views.update": _view,
    "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
    "users.info": _user_info,
    "conversations.open": _open_conversation,
}


def _decode_body(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    body: dict[str, Any] = dict(parse_qsl(query))
    if "application/json" in content_type and raw:
        body.update(json.loads(raw))
        return body
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        body[key] = json.loads(value) if key in _JSON_FIELDS and value[:1] in "[{" else value
    return body


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlparse(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            if url.path.startswith("/response/"):
                body = _decode_body(raw, headers.get("content-type", ""), url.query)
                fake.record("response_url", body, headers)
                self._reply(200, b"ok", "text/plain")
                return
            if url.path.startswith("/upload/"):
                file_id = url.path.rsplit("/", 1)[-1]
                fake.record("upload", {"file_id": file_id, "size": len(raw), "data": raw}, headers)
                self._reply(200, b"OK - " + str(len(raw)).encode(), "text/plain")
                return
            method = url.path.removeprefix("/api/")
            body = _decode_body(raw, headers.get("content-type", ""), url.query)
            answer = fake.record(method, body, headers)
            self._reply(200, json.dumps(answer).encode(), "application/json")

        do_GET = do_POST  # noqa: N815 (some SDK calls are GETs)

        def _reply(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
