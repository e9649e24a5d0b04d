"""The real transport: the same protocol and storage between processes over HTTP on 127.0.0.1 only.

API (JSON):
    POST /v1/messages   body = one message's wire bytes; 200 {"status", "reply"} with the signed ACK as
                        text, or 4xx {"status", "error": "<field>: <problem>", "reply"?} (a signed ERROR
                        for a conflicting id). Never 5xx: every malformed input is a 4xx naming the field.
    GET  /v1/health     {"party"}
    GET  /v1/log/verify the hash-chain check of this party's log
A pump thread hands due outbox attempts to the peers' URLs and feeds their replies back, so retries,
backoff and alarms follow the party's :class:`~duel.notify.party.Policy`. Times are POSIX seconds (UTC).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from duel.errors import InputError
from duel.notify.message import MAX_MESSAGE_BYTES
from duel.notify.party import Party

LOOPBACK = "127.0.0.1"
URL_RE = re.compile(r"^http://127\.0\.0\.1:(\d{1,5})$")


def check_url(url: str, option: str) -> str:
    """``url`` if it is ``http://127.0.0.1:PORT``; InputError naming ``option`` otherwise (loopback only)."""
    m = URL_RE.match(url)
    if not m or not 0 < int(m.group(1)) < 65536:
        raise InputError(f"{option}: '{url}' is not http://127.0.0.1:PORT (loopback only)")
    return url


def post(url: str, raw: bytes, timeout_s: float = 5.0) -> tuple[int, dict[str, Any]]:
    """POST wire bytes to ``url``/v1/messages; (HTTP status, JSON body). Raises OSError on network failure."""
    req = urllib.request.Request(f"{url}/v1/messages", data=raw, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read())
        except ValueError:
            return exc.code, {}


def deliver(party: Party, lock: threading.Lock, peers: dict[str, str], timeout_s: float = 5.0) -> int:
    """Send the party's due attempts to their peers and process the replies; return attempts made."""
    with lock:
        txs = party.due(time.time())
    for tx in txs:
        url = peers.get(tx.recipient)
        if url is None:
            continue
        try:
            _, body = post(url, tx.raw, timeout_s)
        except (OSError, ValueError):
            continue  # the outbox keeps it; the next attempt follows the backoff
        reply = body.get("reply") if isinstance(body, dict) else None
        if isinstance(reply, str):
            with lock:
                party.receive(reply.encode(), time.time())
    return len(txs)


def make_server(party: Party, port: int, lock: threading.Lock) -> ThreadingHTTPServer:
    """An HTTP server for ``party`` on 127.0.0.1:``port`` (0: an ephemeral port)."""

    class Handler(BaseHTTPRequestHandler):
        timeout = 10.0
        server_version = "duel-notify/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            """Quiet: the party's own log records every message."""

        def _send(self, code: int, obj: dict[str, Any]) -> None:
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path == "/v1/health":
                self._send(200, {"party": party.name})
            elif self.path == "/v1/log/verify":
                with lock:
                    self._send(200, party.store.verify_log())
            else:
                self._send(404, {"status": "rejected", "error": "path: unknown"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/v1/messages":
                self._send(404, {"status": "rejected", "error": "path: unknown"})
                return
            length = self.headers.get("Content-Length")
            if length is None:
                self._send(411, {"status": "rejected", "error": "Content-Length: required"})
                return
            if not length.isascii() or not length.isdigit():
                self._send(400, {"status": "rejected", "error": "Content-Length: not a non-negative integer"})
                return
            if int(length) > MAX_MESSAGE_BYTES:
                self._send(413, {"status": "rejected", "error": f"message: longer than {MAX_MESSAGE_BYTES} bytes"})
                return
            raw = self.rfile.read(int(length))
            with lock:
                out = party.receive(raw, time.time())
            body: dict[str, Any] = {"status": out.status}
            if out.error is not None:
                body["error"] = out.error
            if out.reply is not None:
                body["reply"] = out.reply.decode()
            self._send(out.code, body)

        def _not_allowed(self) -> None:
            self._send(405, {"status": "rejected", "error": "method: not allowed"})

        do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed  # noqa: N815

    ThreadingHTTPServer.allow_reuse_address = True
    httpd = ThreadingHTTPServer((LOOPBACK, port), Handler)
    httpd.daemon_threads = True
    return httpd


def serve(party: Party, port: int, peers: dict[str, str], max_seconds: float | None = None,
          pump_interval_s: float = 0.05, on_ready: Any = None) -> None:
    """Serve ``party`` on 127.0.0.1:``port`` and pump its outbox to ``peers`` until ``max_seconds`` (s)
    pass (None: until the process is stopped). ``on_ready(port)`` is called once listening."""
    lock = threading.Lock()
    httpd = make_server(party, port, lock)
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            if deliver(party, lock, peers) == 0:
                stop.wait(pump_interval_s)

    threading.Thread(target=pump, daemon=True).start()
    if max_seconds is not None:
        timer = threading.Timer(max_seconds, httpd.shutdown)
        timer.daemon = True
        timer.start()
    if on_ready is not None:
        on_ready(httpd.server_address[1])
    try:
        httpd.serve_forever(poll_interval=0.1)
    finally:
        stop.set()
        httpd.server_close()
