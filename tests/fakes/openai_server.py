"""A local stand-in for an OpenAI-compatible chat model: scripted replies, every request recorded.

Tests start `FakeOpenAI` as a context manager, point the model settings at it
(`OPENAI_BASE_URL=fake.base_url`, any `OPENAI_API_KEY`), queue replies, run the code, and then
assert on `fake.requests` (the JSON bodies sent to `/v1/chat/completions`, in order). Each reply
is plain text, tool calls, or JSON text (`Reply.text`, `Reply.tool_calls`, `Reply.json`);
LangChain's `with_structured_output(..., method="function_calling")` reads a tool call named
after the schema (`Reply.structured`). Replies are served in order; when the queue is empty the
`default` reply is used, or, without one, the server answers HTTP 500 so an unexpected call
fails loudly. Streaming requests (`"stream": true`) get the same reply as server-sent events.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer: text content, tool calls (name, arguments), or an HTTP error."""

    content: str | None = None
    calls: tuple[tuple[str, Any], ...] = ()
    status: int = 200

    @classmethod
    def text(cls, content: str) -> Reply:
        return cls(content=content)

    @classmethod
    def json(cls, value: Any) -> Reply:
        return cls(content=json.dumps(value))

    @classmethod
    def tool_calls(cls, *calls: tuple[str, Any]) -> Reply:
        """Calls as (name, arguments); arguments may be a dict or a raw (even broken) JSON string."""
        return cls(calls=tuple(calls))

    @classmethod
    def structured(cls, schema_name: str, value: Any) -> Reply:
        return cls.tool_calls((schema_name, value))

    @classmethod
    def error(cls, status: int = 500, message: str = "scripted failure") -> Reply:
        return cls(content=message, status=status)


@dataclass
class FakeOpenAI:
    """A threaded HTTP server on 127.0.0.1 answering `/v1/chat/completions` from a queue."""

    replies: list[Reply] = field(default_factory=list)
    default: Reply | None = None

    def __post_init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._queue: deque[Reply] = deque(self.replies)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, body: dict[str, Any]) -> tuple[Reply | None, int]:
        with self._lock:
            self.requests.append(body)
            reply = self._queue.popleft() if self._queue else self.default
            return reply, next(self._ids)


def completion(reply: Reply, number: int, model: str) -> dict[str, Any]:
    """The chat.completion body for `reply`."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.calls:
        message["tool_calls"] = [_call(name, args, number, i) for i, (name, args) in enumerate(reply.calls)]
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": 1_700_000_000 + number,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if reply.calls else "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _call(name: str, arguments: Any, number: int, index: int) -> dict[str, Any]:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": f"call_{number}_{index}", "type": "function", "function": {"name": name, "arguments": text}}


def _chunks(reply: Reply, number: int, model: str) -> list[dict[str, Any]]:
    body = completion(reply, number, model)
    message = body["choices"][0]["message"]
    delta: dict[str, Any] = {"role": "assistant", "content": message["content"]}
    if reply.calls:
        delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(message["tool_calls"])]
    base = {"id": body["id"], "object": "chat.completion.chunk", "created": body["created"], "model": model}
    return [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": body["choices"][0]["finish_reason"]}]},
    ]


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                return self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            if not self.path.rstrip("/").endswith("/chat/completions"):
                return self._send(404, {"error": {"message": f"fake OpenAI has no {self.path}", "type": "not_found"}})
            reply, number = fake._next(body)
            if reply is None:
                return self._send(500, {"error": {"message": "fake OpenAI: no scripted reply left", "type": "server_error"}})
            if reply.status != 200:
                return self._send(reply.status, {"error": {"message": reply.content, "type": "server_error"}})
            model = str(body.get("model", "fake-model"))
            if body.get("stream"):
                return self._stream(_chunks(reply, number, model))
            self._send(200, completion(reply, number, model))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, chunks: list[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler
