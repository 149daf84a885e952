"""The Segment-format ingest door: `POST /v1/identify`, `/v1/track` and `/v1/batch`.

Authentication is HTTP Basic with the write key (`NUDGE_WRITE_KEY`) as the user name and an
empty password, as Segment's libraries send it. Each key gets a token bucket of
`NUDGE_INGEST_RATE_LIMIT` requests per second (429 with `Retry-After` beyond it). Bodies are
capped before they are read in full (32 KB per call, 500 KB per batch; gzip is accepted and
capped after inflating). Every refusal is a JSON `{"error": ...}` saying what to fix; a batch
answers 200 with the number accepted and a `rejected` list of `{index, error}`, so one bad item
never costs the good ones. Validation and database work run in a worker thread, off the event
loop; validation happens before the request takes its turn to write. A batch's transaction that
PostgreSQL aborts as a deadlock is rerun; when the database cannot be used (gone, unreachable,
a SQLite write lock held past `INGEST_BUSY_TIMEOUT_MS`) the app answers 503 with `Retry-After`
(bot/web/app.py), which Segment retries, and nothing of the batch is stored.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import threading
import time
import zlib
from datetime import datetime

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tools.core.bulk import lock_for_writing, write_turn
from tools.core.clock import SYSTEM_CLOCK
from tools.core.db import busy_timeout, session_scope, transaction_attempts
from tools.core.settings import Settings
from tools.ingest.calls import (
    MAX_BATCH_BYTES,
    MAX_CALL_BYTES,
    IngestResult,
    store_calls,
    validate_calls,
)

# How long a batch waits for another process's SQLite write lock (an import, the scheduler)
# before answering 503: the usual 30 s outlasts the sender's own timeout, so its retry of a
# batch still waiting would queue behind it. This process's own writers take turns on a
# thread lock (write_turn), not on this timeout.
INGEST_BUSY_TIMEOUT_MS = 5_000


class IngestRefused(Exception):
    """A request refused as a whole: its HTTP status, message and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class TokenBucket:
    """Per-key request budget: `rate` requests a second, bursts up to one second's worth."""

    def __init__(self, rate: float, clock=time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def wait_needed(self, key: str) -> float:
        """Take one token for `key`: 0 when allowed, else the seconds until one is free."""
        with self.lock:
            now = self.clock()
            tokens, then = self.buckets.get(key, (self.rate, now))
            tokens = min(self.rate, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def json_response(status: int, payload: dict, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status, headers, media_type="application/json")


class IngestDoor:
    """The three endpoints, sharing the settings and the rate limiter."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limiter = TokenBucket(max(settings.ingest_rate_limit, 1))

    async def identify(self, request: Request) -> Response:
        return await self._handle(request, "identify")

    async def track(self, request: Request) -> Response:
        return await self._handle(request, "track")

    async def batch(self, request: Request) -> Response:
        return await self._handle(request, None)

    async def _handle(self, request: Request, kind: str | None) -> Response:
        try:
            self._admit(request)
            limit = MAX_CALL_BYTES if kind else MAX_BATCH_BYTES
            body = await read_body(request, limit)
            items = parse_items(body, kind)
        except IngestRefused as refusal:
            return json_response(refusal.status, {"error": str(refusal)}, refusal.headers)
        result = await run_in_threadpool(
            store, request.app.state.engine, items, kind, _now(request),
            len(body) > MAX_CALL_BYTES, b"\\u0000" in body,
        )
        return _answer(result, kind)

    def _admit(self, request: Request) -> None:
        key = write_key(request)
        if not self.settings.write_key:
            raise IngestRefused(401, "ingest is off: set NUDGE_WRITE_KEY and send it as the Basic auth user name")
        if not key or not hmac.compare_digest(key.encode(), self.settings.write_key.encode()):
            raise IngestRefused(
                401, "missing or wrong write key: send it as the HTTP Basic auth user name",
                {"WWW-Authenticate": 'Basic realm="nudge"'},
            )
        wait = self.limiter.wait_needed(key)
        if wait:
            raise IngestRefused(
                429, f"rate limit of {self.settings.ingest_rate_limit} requests per second exceeded; retry later",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )


def write_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over `limit` bytes before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise IngestRefused(413, _too_large(limit))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise IngestRefused(413, _too_large(limit))
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding == "gzip":
        return inflate(body, limit)
    if encoding != "identity":
        raise IngestRefused(415, f"unsupported Content-Encoding '{encoding[:40]}'; use gzip or none")
    return body


def inflate(body: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise IngestRefused(400, "body is not valid gzip") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise IngestRefused(413, _too_large(limit))
    return data


def _too_large(limit: int) -> str:
    what = "a call" if limit == MAX_CALL_BYTES else "a batch"
    return f"body too large: {what} may be at most {limit // 1024} KB; send smaller batches"


def parse_items(body: bytes, kind: str | None) -> list:
    """The calls in a body: the object itself for a single call, `batch` for a batch."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise IngestRefused(400, f"body is not valid UTF-8 JSON: {error}") from None
    except RecursionError:
        raise IngestRefused(400, "body is nested too deeply") from None
    if not isinstance(data, dict):
        raise IngestRefused(400, "body must be a JSON object")
    if kind:
        return [data]
    batch = data.get("batch")
    if not isinstance(batch, list):
        raise IngestRefused(400, "a batch body needs a 'batch' list of identify/track calls")
    return batch


def store(engine, items: list, kind, now: datetime, check_sizes: bool, may_contain_nul: bool) -> IngestResult:
    # Validating before taking the write turn lets one request's validation overlap another's
    # insert (SQLite releases the GIL while it writes); inside the turn it only queued behind it.
    calls = validate_calls(items, now, kind, check_sizes, may_contain_nul)
    for attempt in transaction_attempts():
        with attempt, write_turn(engine), session_scope(engine) as db:
            with busy_timeout(db, INGEST_BUSY_TIMEOUT_MS):
                lock_for_writing(db)
                result = store_calls(db, calls, now)
    return result


def _now(request: Request) -> datetime:
    return getattr(request.app.state, "clock", SYSTEM_CLOCK).now()


def _answer(result: IngestResult, kind: str | None) -> Response:
    if kind and result.rejected:
        return json_response(400, {"error": result.rejected[0].error})
    payload: dict = {"success": True}
    if not kind:
        payload["accepted"] = result.accepted
        payload["rejected"] = [{"index": r.index, "error": r.error} for r in result.rejected]
    return json_response(200, payload)


def routes(settings: Settings) -> list[BaseRoute]:
    door = IngestDoor(settings)
    return [
        Route("/v1/identify", door.identify, methods=["POST"]),
        Route("/v1/track", door.track, methods=["POST"]),
        Route("/v1/batch", door.batch, methods=["POST"]),
    ]
