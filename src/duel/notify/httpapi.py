"""The real transport: the same protocol and storage between processes over HTTP on 127.0.0.1 only.

The server side is :mod:`duel.notify.asgi` (its API and limits are there). Here: the client (:func:`post`), the
delivery worker (:class:`Pump`: due outbox attempts to the peers' URLs and their replies back, so retries,
backoff and alarms follow the party's :class:`~duel.notify.party.Policy`, under a supervisor) and
:func:`serve`, which runs both. Times are POSIX seconds (UTC).
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from duel.errors import InputError
from duel.notify.party import Party

URL_RE = re.compile(r"^http://127\.0\.0\.1:(\d{1,5})$")


def check_url(url: str, option: str) -> str:
    """``url`` if it is ``http://127.0.0.1:PORT``; InputError naming ``option`` otherwise (loopback only)."""
    m = URL_RE.match(url)
    if not m or not 0 < int(m.group(1)) < 65536:
        raise InputError(f"{option}: '{url}' is not http://127.0.0.1:PORT (loopback only)")
    return url


MAX_ANSWER_BYTES = 65_536  # an answer holds one signed reply (under 16 KB): more is not read


def post(url: str, raw: bytes, timeout_s: float = 5.0) -> tuple[int, dict[str, Any]]:
    """POST wire bytes to ``url``/v1/messages; (HTTP status, JSON body), reading at most ``MAX_ANSWER_BYTES``.
    Raises OSError on network failure (``timeout_s`` bounds each socket operation; :func:`post_within` the
    whole exchange)."""
    req = urllib.request.Request(f"{url}/v1/messages", data=raw, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return resp.status, json.loads(_answer(resp))
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(_answer(exc))
        except ValueError:
            return exc.code, {}


def _answer(resp: Any) -> bytes:
    """At most ``MAX_ANSWER_BYTES`` of an answer's body; IncompleteRead if fewer than it announced came."""
    data = resp.read(MAX_ANSWER_BYTES)
    announced = resp.headers.get("Content-Length")
    if announced and announced.isdigit() and len(data) < min(int(announced), MAX_ANSWER_BYTES):
        raise http.client.IncompleteRead(data, int(announced) - len(data))
    return data


def post_within(url: str, raw: bytes, timeout_s: float = 5.0) -> tuple[int, dict[str, Any]]:
    """:func:`post` with one deadline for the whole exchange (connect, answer head and body): a peer, or a
    process squatting its port, that trickles its answer cannot hold the delivery worker. The attempt runs on
    a daemon thread; past ``2 * timeout_s`` it is abandoned (TimeoutError) and the thread ends with its socket."""
    out: list[tuple[int, dict[str, Any]] | BaseException] = []

    def run() -> None:
        try:
            out.append(post(url, raw, timeout_s))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            out.append(exc)

    worker = threading.Thread(target=run, name="duel-notify-post", daemon=True)
    worker.start()
    worker.join(2.0 * timeout_s)
    if not out:
        raise TimeoutError(f"no complete answer within {2.0 * timeout_s:g} s")
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


def deliver(party: Party, lock: threading.Lock, peers: dict[str, str], timeout_s: float = 5.0) -> int:
    """Send the party's due attempts to their peers and process the replies; return attempts made.

    Any failure of an attempt (no connection, a timeout, a truncated answer or a bad status line, a reply that
    is not JSON or not text) is logged as a ``delivery_failed`` event and leaves the message in the outbox: the
    next attempt follows the backoff, and the deadline raises the alarm."""
    with lock:
        txs = party.due(time.time())
    for tx in txs:
        url = peers.get(tx.recipient)
        if url is None:
            continue
        try:
            status, body = post_within(url, tx.raw, timeout_s)
            reply = body.get("reply") if isinstance(body, dict) else None
            if not isinstance(reply, str):
                raise ValueError(f"HTTP {status} without a reply: {body.get('error') if isinstance(body, dict) else ''}")
            raw = reply.encode()  # a lone surrogate cannot be encoded: a failed attempt like any other
            with lock:
                party.receive(raw, time.time())
        except Exception as exc:  # noqa: BLE001 - every failure of one attempt is logged and retried
            with lock:
                party.delivery_failed(tx, f"{type(exc).__name__}: {exc}", time.time())
    return len(txs)


class Pump:
    """The delivery worker under a supervisor: ``deliver`` in a loop on its own thread; if an iteration
    raises (a failing store, a bug), the error is logged as a ``pump_restarted`` event and printed on stderr,
    and the worker carries on after ``restart_pause_s`` (s). ``status()`` is reported by ``/v1/health``."""

    def __init__(self, party: Party, lock: threading.Lock, peers: dict[str, str], interval_s: float = 0.05,
                 restart_pause_s: float = 0.5, step: Any = None):
        self.party, self.lock, self.peers = party, lock, peers
        self.interval_s, self.restart_pause_s = interval_s, restart_pause_s
        self.step = step or (lambda: deliver(party, lock, peers))
        self.restarts, self.last_error = 0, None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._supervise, name="duel-notify-pump", daemon=True)

    def start(self) -> Pump:
        """Start the worker thread; returns self."""
        self.thread.start()
        return self

    def _supervise(self) -> None:
        while not self.stop.is_set():
            try:
                if self.step() == 0:
                    self.stop.wait(self.interval_s)
            except Exception as exc:  # noqa: BLE001 - the supervisor: log, pause, restart the worker's loop
                self.restarts += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                print(f"duel notify: delivery worker restarted after {self.last_error}", file=sys.stderr)
                try:
                    with self.lock:
                        self.party.worker_restarted(self.last_error, time.time())
                except Exception:  # noqa: BLE001 - the store itself may be what fails; stderr has it
                    pass
                self.stop.wait(self.restart_pause_s)

    def status(self) -> dict[str, Any]:
        """``{"alive", "restarts", "last_error"}``."""
        return {"alive": self.thread.is_alive(), "restarts": self.restarts, "last_error": self.last_error}


def serve(party: Party, port: int, peers: dict[str, str], max_seconds: float | None = None,
          pump_interval_s: float = 0.05, on_ready: Any = None) -> None:
    """Serve ``party`` on 127.0.0.1:``port`` (:mod:`duel.notify.asgi`: uvicorn with bounded resources) and pump
    its outbox to ``peers`` until ``max_seconds`` (s) pass (None: until the process is stopped).
    ``on_ready(port)`` is called once listening. OSError if the port cannot be bound."""
    from duel.notify.asgi import NotifyApp, listen, raise_file_limit, server

    raise_file_limit()
    sock = listen(port)
    lock = threading.Lock()
    pump = Pump(party, lock, peers, pump_interval_s)
    srv = server(NotifyApp(party, lock, pump))
    pump.start()
    if max_seconds is not None:
        timer = threading.Timer(max_seconds, lambda: setattr(srv, "should_exit", True))
        timer.daemon = True
        timer.start()
    if on_ready is not None:
        on_ready(sock.getsockname()[1])
    try:
        srv.run(sockets=[sock])
    finally:
        pump.stop.set()
        sock.close()
