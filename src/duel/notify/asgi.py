"""The exchange's HTTP server: a small ASGI application served by uvicorn on 127.0.0.1, with bounded resources.

API (JSON; every answer is JSON, never 5xx for a client's mistake):
    POST /v1/messages   body = one message's wire bytes (``Content-Type: application/json``); 200 {"status",
                        "reply"} with the signed ACK as text, or 4xx {"status", "error": "<field>: <problem>",
                        "reply"?}. 411 without a length, 413 for a body over the limit (answered from the
                        header, before the body is read; a streamed body is counted as it arrives), 415 for
                        another content type, 408 for a body that stalls.
    GET  /v1/health     {"party", "delivery": {"alive", "restarts", "last_error"}}
    GET  /v1/log/verify the log's chain check on a read snapshot (no lock on the party): incremental from the
                        last check this server passed; one at a time and at most one per second (429 otherwise)
    GET  /v1/heads      {"party", "heads": {peer: {"size", "root", "id"}}}: the latest signed head of each peer's
                        log held here (what `duel notify log verify --peer` checks a log against)
    any other method    405 with ``Allow``; any other path 404.

Limits (uvicorn plus :class:`HeadDeadline`): at most ``MAX_CONNECTIONS`` connections (beyond: 503 at once), a
listen backlog of ``BACKLOG``, ``HEAD_TIMEOUT_S`` for a request's line and headers from the moment the
connection opens or its last answer went out, ``BODY_TIMEOUT_S`` for the whole body, headers up to
``MAX_HEADER_BYTES``, ``KEEP_ALIVE_S`` idle keep-alive. The party's own work (SQLite, fsync) runs on worker
threads under the party lock, so the event loop keeps accepting and answering health meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import math
import resource
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from duel.notify.message import MAX_MESSAGE_BYTES
from duel.notify.party import Party
from duel.notify.store import Checkpoint, latest_heads, verify_chain

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

LOOPBACK = "127.0.0.1"
MAX_CONNECTIONS = 4096
BACKLOG = 2048
HEAD_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5.0
MAX_HEADER_BYTES = 16 * 1024
VERIFY_MIN_INTERVAL_S = 1.0
ROUTES = {"/v1/messages": ("POST",), "/v1/health": ("GET",), "/v1/log/verify": ("GET",), "/v1/heads": ("GET",)}


class HeadDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's head: a connection that has not sent a
    whole request line and headers within ``head_timeout_s`` of opening (or of its last answer) is closed, so
    idle or trickling connections cannot pile up."""

    head_timeout_s = HEAD_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_late)

    def _head_late(self) -> None:
        self._head_timer = None
        if self.cycle is None or self.cycle.response_complete:  # no request under way: its head never came
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)


class NotifyApp:
    """The ASGI application of one party (module docstring). ``lock`` serialises the party's work with the
    delivery worker ``pump`` (reported by health)."""

    def __init__(self, party: Party, lock: threading.Lock, pump: Any = None, max_body: int = MAX_MESSAGE_BYTES,
                 body_timeout_s: float = BODY_TIMEOUT_S):
        self.party, self.lock, self.pump = party, lock, pump
        self.max_body, self.body_timeout_s = max_body, body_timeout_s
        self.work = ThreadPoolExecutor(4, thread_name_prefix="duel-notify-work")
        self._verifying = False
        self._last_verify = -math.inf
        self._checkpoint: Checkpoint | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path not in ROUTES:
            return await _json(send, 404, {"status": "rejected", "error": "path: unknown"})
        if method not in ROUTES[path]:
            return await _json(send, 405, {"status": "rejected", "error": f"method: {method} not allowed"},
                               [(b"allow", ", ".join(ROUTES[path]).encode())])
        if path == "/v1/health":
            return await _json(send, 200, {"party": self.party.name,
                                           "delivery": None if self.pump is None else self.pump.status()})
        if path == "/v1/log/verify":
            return await self._verify(send)
        if path == "/v1/heads":
            heads = await asyncio.get_running_loop().run_in_executor(self.work, self._heads)
            return await _json(send, 200, {"party": self.party.name, "heads": heads})
        await self._message(scope, receive, send)

    async def _message(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return await _json(send, 415, {"status": "rejected", "error": "content-type: must be application/json"})
        length = headers.get("content-length")
        if length is None and "chunked" not in headers.get("transfer-encoding", "").lower():
            return await _json(send, 411, {"status": "rejected", "error": "Content-Length: required"})
        if length is not None:
            if not length.isascii() or not length.isdigit():
                return await _json(send, 400, {"status": "rejected",
                                               "error": "Content-Length: not a non-negative integer"})
            if int(length) > self.max_body:  # answered from the header: the body is never read
                return await _json(send, 413, {"status": "rejected",
                                               "error": f"message: longer than {self.max_body} bytes"})
        body = bytearray()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout_s  # for the whole body: a trickle cannot hold the connection
        while True:
            try:
                event = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return await _json(send, 408, {"status": "rejected", "error": "body: not received in time"})
            if event["type"] == "http.disconnect":
                return  # the client left: nothing to answer, nothing processed
            body += event.get("body", b"")
            if len(body) > self.max_body:
                return await _json(send, 413, {"status": "rejected",
                                               "error": f"message: longer than {self.max_body} bytes"})
            if not event.get("more_body", False):
                break
        out = await asyncio.get_running_loop().run_in_executor(self.work, self._receive, bytes(body))
        answer: dict[str, Any] = {"status": out.status}
        if out.error is not None:
            answer["error"] = out.error
        if out.reply is not None:
            answer["reply"] = out.reply.decode()
        await _json(send, out.code, answer)

    def _receive(self, raw: bytes) -> Any:
        with self.lock:
            return self.party.receive(raw, time.time())

    async def _verify(self, send: Send) -> None:
        now = time.monotonic()
        if self._verifying or now - self._last_verify < VERIFY_MIN_INTERVAL_S:
            return await _json(send, 429, {"status": "rejected", "error": "log: one verification at a time, at most "
                                           f"one per {VERIFY_MIN_INTERVAL_S:g} s; try again"},
                               [(b"retry-after", b"1")])
        self._verifying, self._last_verify = True, now
        try:
            res = await asyncio.get_running_loop().run_in_executor(self.work, self._check)
        finally:
            self._verifying = False
        await _json(send, 200, res)

    def _heads(self) -> dict[str, dict[str, Any]]:
        """The latest head of each peer's log that this party holds, from a read snapshot (no party lock)."""
        with self.party.store.snapshot() as db:
            return {s: {"size": n, "root": r, "id": i} for s, (i, n, r) in latest_heads(db, "head").items()}

    def _check(self) -> dict[str, Any]:
        since = self._checkpoint
        with self.party.store.snapshot() as db:
            res = verify_chain(db, since)
        checkpoint = res.pop("checkpoint", None)
        res.pop("roots", None)
        if res["ok"]:
            self._checkpoint = checkpoint
        return {**res, "checked_from": 0 if since is None else since[0]}


async def _json(send: Send, status: int, obj: dict[str, Any], extra: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(obj).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": data})


def listen(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1:``port`` (0: an ephemeral port) with a backlog of ``BACKLOG``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted connections
    try:
        sock.bind((LOOPBACK, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def server(app: NotifyApp, head_timeout_s: float = HEAD_TIMEOUT_S) -> Any:
    """A uvicorn ``Server`` for ``app`` with the module's limits (quiet: the party's log records messages)."""
    import uvicorn

    protocol = type("Head", (HeadDeadline,), {"head_timeout_s": head_timeout_s})
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="off",
                            limit_concurrency=MAX_CONNECTIONS, backlog=BACKLOG, timeout_keep_alive=int(KEEP_ALIVE_S),
                            h11_max_incomplete_event_size=MAX_HEADER_BYTES, http=protocol, server_header=False,
                            date_header=False)
    return uvicorn.Server(config)


def raise_file_limit() -> None:
    """Let this process hold as many connections as its hard limit allows (each one is a file descriptor)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, MAX_CONNECTIONS + 256) if hard != resource.RLIM_INFINITY else MAX_CONNECTIONS + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
