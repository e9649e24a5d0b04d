"""Issue 14.1: a delivery attempt that fails in any way is logged, retried with backoff and alarmed at its
deadline; the delivery worker never dies silently (a supervisor restarts it).

A fake peer (a raw TCP server) answers the first attempts with a truncated response, a bad status line and a
reply holding a lone surrogate, then passes the message to a real receiving party and returns its answer.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import subprocess
import time
import urllib.request


from duel.notify.httpapi import Pump, deliver
from duel.notify.party import Party, Policy
from duel.notify.sim import notice_fields, sim_keys
from duel.notify.store import Store

FAST = Policy(first_timeout_s=0.05, backoff=1.0, max_timeout_s=0.05, retries=20)


def _parties() -> tuple[Party, Party]:
    now = time.time()
    ring, signers = sim_keys(["notifier", "recipient"], 3, now)
    return (Party("notifier", Store(":memory:"), ring, signers["notifier"], FAST),
            Party("recipient", Store(":memory:"), ring, signers["recipient"], FAST))


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += conn.recv(65536)
    return body


class FakePeer(socketserver.ThreadingTCPServer):
    """Answers connection i with ``answers[i]`` (bytes, or None: pass the message to ``receiver``)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answers: list[bytes | None], receiver: Party):
        self.answers, self.receiver, self.seen = list(answers), receiver, 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        srv: FakePeer = self.server  # type: ignore[assignment]
        body = _read_request(self.request)
        with srv.lock:
            k, srv.seen = srv.seen, srv.seen + 1
            answer = srv.answers[k] if k < len(srv.answers) else None
            if answer is None:
                out = srv.receiver.receive(body, time.time())
                data = json.dumps({"status": out.status, "reply": out.reply.decode()}).encode()
                answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          + str(len(data)).encode() + b"\r\n\r\n" + data)
        self.request.sendall(answer)


BAD_ANSWERS = {
    "truncated": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"reply\": \"",
    "bad status line": b"HTTP/1.1 two hundred\r\n\r\n",
    "lone surrogate": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n"
                       b'{"reply": "\\ud800"}'),
    "not json": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello",
}


def test_each_broken_answer_is_logged_and_retried_then_the_notice_is_acked_once():
    sender, receiver = _parties()
    peer = FakePeer(list(BAD_ANSWERS.values()), receiver)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    try:
        n = sender.submit(notice_fields("recipient", time.time() + 1800.0), time.time())
        lock = threading.Lock()
        end = time.time() + 20
        while sender.outbox_states()[n["id"]] != "acked" and time.time() < end:
            deliver(sender, lock, {"recipient": peer.url}, timeout_s=2.0)  # never raises
            time.sleep(0.02)
    finally:
        peer.shutdown()
        peer.server_close()
    assert sender.outbox_states()[n["id"]] == "acked"
    failed = sender.store.events("delivery_failed")
    assert len(failed) == len(BAD_ANSWERS), failed
    assert [e["attempt"] for e in failed] == [1, 2, 3, 4] and all(e["id"] == n["id"] for e in failed)
    assert "IncompleteRead" in failed[0]["error"] and "BadStatusLine" in failed[1]["error"]
    assert "UnicodeEncodeError" in failed[2]["error"] and "JSONDecodeError" in failed[3]["error"]
    assert receiver.processed_counts() == {("notifier", n["id"]): 1}  # processed once
    assert sender.store.verify_log()["ok"] and receiver.store.verify_log()["ok"]


def test_a_peer_that_never_answers_well_raises_the_alarm_at_the_deadline():
    sender, receiver = _parties()
    peer = FakePeer([BAD_ANSWERS["bad status line"]] * 100, receiver)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    try:
        now = time.time()
        n = sender.submit(notice_fields("recipient", now + 1800.0), now, deadline=now + 0.6)
        lock = threading.Lock()
        while time.time() < now + 1.5:
            deliver(sender, lock, {"recipient": peer.url}, timeout_s=2.0)
            time.sleep(0.02)
    finally:
        peer.shutdown()
        peer.server_close()
    assert sender.outbox_states()[n["id"]] == "alarm"
    assert len(sender.store.events("alarm")) == 1 and sender.store.events("delivery_failed")


def test_a_trickling_answer_cannot_hold_the_worker_and_a_refusal_is_logged():
    """A process on the peer's port that answers one byte a second (or refuses without a reply): each attempt
    ends within its deadline and is logged; the worker goes on (and would raise the alarm at the deadline)."""
    sender, _ = _parties()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def squat() -> None:
        while not stop.is_set():
            try:
                srv.settimeout(0.2)
                conn, _ = srv.accept()
            except OSError:
                continue
            _read_request(conn)
            for b in b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n":
                if stop.wait(0.3):
                    break
                try:
                    conn.sendall(bytes([b]))
                except OSError:
                    break
            conn.close()

    threading.Thread(target=squat, daemon=True).start()
    try:
        sender.submit(notice_fields("recipient", time.time() + 1800.0), time.time())
        t = time.perf_counter()
        deliver(sender, threading.Lock(), {"recipient": f"http://127.0.0.1:{srv.getsockname()[1]}"}, timeout_s=0.5)
        assert time.perf_counter() - t < 2.0  # abandoned at 2 x 0.5 s, not held for the 30 s of the trickle
    finally:
        stop.set()
        srv.close()
    (failed,) = sender.store.events("delivery_failed")
    assert "TimeoutError" in failed["error"]

    refusing, receiver = _parties()
    peer = FakePeer([b"HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: 34\r\n\r\n"
                     b'{"status":"rejected","error":"x"} '], receiver)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    try:
        refusing.submit(notice_fields("recipient", time.time() + 1800.0), time.time())
        deliver(refusing, threading.Lock(), {"recipient": peer.url}, timeout_s=2.0)
    finally:
        peer.shutdown()
        peer.server_close()
    (failed,) = refusing.store.events("delivery_failed")
    assert failed["error"].startswith("ValueError: HTTP 409 without a reply")


def test_the_supervisor_restarts_a_worker_whose_loop_raises():
    sender, _ = _parties()
    calls = []

    def step() -> int:
        calls.append(time.time())
        if len(calls) <= 2:
            raise RuntimeError("store on fire")
        return 0

    pump = Pump(sender, threading.Lock(), {}, interval_s=0.01, restart_pause_s=0.01, step=step).start()
    try:
        end = time.time() + 5
        while len(calls) < 5 and time.time() < end:
            time.sleep(0.01)
        status = pump.status()
    finally:
        pump.stop.set()
        pump.thread.join(2)
    assert len(calls) >= 5 and status == {"alive": True, "restarts": 2, "last_error": "RuntimeError: store on fire"}
    assert [e["error"] for e in sender.store.events("pump_restarted")] == ["RuntimeError: store on fire"] * 2


def test_a_served_party_logs_the_broken_answers_keeps_its_worker_and_gets_its_ack(tmp_path):
    """End to end through `duel notify serve`: a queued notice meets every broken answer, then the real receiver;
    health answers with the worker alive, the notice is acked once and each failure is in the log."""
    from test_notify_cli import notify_argv
    from test_notify_http import keygen

    from duel.notify.home import open_party

    keygen(tmp_path, ["RU", "US"])
    ru = open_party(tmp_path, "RU")
    n = ru.submit(notice_fields("US", time.time() + 1800.0), time.time())
    ru.store.close()
    receiver = open_party(tmp_path, "US")
    peer = FakePeer(list(BAD_ANSWERS.values()), receiver)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    proc = subprocess.Popen(notify_argv("serve", "--home", str(tmp_path), "--party", "RU", "--port", "0",
                                        "--peer", f"US={peer.url}", "--max-seconds", "30", "--ack-timeout", "0.1",
                                        "--max-backoff", "0.1", "--retries", "50"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        end = time.time() + 20
        while peer.seen <= len(BAD_ANSWERS) and time.time() < end:
            time.sleep(0.05)
        time.sleep(0.3)  # the reply is processed
        health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=5).read())
    finally:
        proc.kill()
        proc.wait(10)
        peer.shutdown()
        peer.server_close()
    assert health["delivery"] == {"alive": True, "restarts": 0, "last_error": None}
    ru = open_party(tmp_path, "RU")
    assert ru.outbox_states()[n["id"]] == "acked"
    assert len(ru.store.events("delivery_failed")) == len(BAD_ANSWERS)
    assert receiver.processed_counts() == {("RU", n["id"]): 1}
