"""Issue 14.2 and 14.4: the exchange's server bounds its resources and no unauthenticated request stalls the
party. Real `duel notify serve` processes (uvicorn), plus one in-process server with short timeouts."""

from __future__ import annotations

import asyncio
import http.client
import json
import resource
import socket
import threading
import time

import pytest
from test_notify_http import Server, keygen, request, valid_message

from duel.notify import message as msg
from duel.notify.asgi import NotifyApp, listen, server
from duel.notify.home import open_party
from duel.notify.message import MAX_MESSAGE_BYTES
from duel.notify.store import Store


@pytest.fixture(scope="module")
def us(tmp_path_factory):
    home = tmp_path_factory.mktemp("transport")
    keygen(home, ["RU", "US"])
    srv = Server(home, "US", max_seconds=240)
    yield srv, open_party(home, "RU"), home
    srv.kill()


def _raw(port: int, data: bytes, wait_s: float = 5.0) -> bytes:
    """Send ``data`` on a new connection and read what comes back until the server closes or ``wait_s``."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait_s)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                part = s.recv(65536)
            except socket.timeout:
                break
            if not part:
                break
            out += part
            if b"\r\n\r\n" in out and b'"}' in out:
                break
        return out
    finally:
        s.close()


def test_unsupported_methods_are_405_json_never_5xx(us):
    srv, _, _ = us
    for method in ("TRACE", "OPTIONS", "PUT", "DELETE", "PATCH"):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.request(method, "/v1/messages")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == 405 and resp.getheader("allow") == "POST", method  # before: TRACE gave 501 HTML
        assert json.loads(body)["error"] == f"method: {method} not allowed"


def test_a_notice_sent_as_text_is_415(us):
    srv, ru, _ = us
    raw = msg.wire(valid_message(ru))
    for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
        code, body = request(srv.port, "POST", "/v1/messages", raw, {"Content-Type": ctype} if ctype else
                             {"Content-Type": ""})
        assert code == 415 and body["error"] == "content-type: must be application/json", ctype


def test_an_oversized_body_is_refused_from_its_header_before_it_is_read(us):
    srv, _, _ = us
    head = (b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 3000000\r\n\r\n")
    t = time.perf_counter()
    out = _raw(srv.port, head)  # no body is ever sent: the answer comes from the header alone
    assert out.startswith(b"HTTP/1.1 413") and time.perf_counter() - t < 3.0, out[:200]
    chunk = b"x" * 8192
    chunked = head.replace(b"Content-Length: 3000000", b"Transfer-Encoding: chunked") + \
        b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4))  # 32 KB streamed, no end
    assert _raw(srv.port, chunked).startswith(b"HTTP/1.1 413")
    assert MAX_MESSAGE_BYTES < 4 * len(chunk)


def test_health_answers_with_a_thousand_idle_connections_open(us):
    srv, _, _ = us
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    idle = []
    try:
        for _ in range(1000):
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
        t = time.perf_counter()
        code, body = request(srv.port, "GET", "/v1/health")
        assert code == 200 and body["party"] == "US" and time.perf_counter() - t < 2.0
    finally:
        for s in idle:
            s.close()


def test_clients_that_leave_early_leave_no_traceback(us):
    srv, ru, _ = us
    for k in range(30):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        raw = msg.wire(valid_message(ru))
        s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                  + str(len(raw)).encode() + b"\r\n\r\n" + raw[: len(raw) // (1 + k % 3)])
        s.close()  # mid-body or before the answer
    time.sleep(0.5)
    assert request(srv.port, "GET", "/v1/health")[0] == 200
    srv.kill()
    err = srv.proc.stderr.read()
    assert "Traceback" not in err and "BrokenPipe" not in err, err[-2000:]


def test_verification_takes_no_lock_is_limited_and_junk_is_sampled(tmp_path):
    keygen(tmp_path, ["RU", "US"])
    us_store = Store(tmp_path / "US.db")  # a long log first (the adversarial pass used 200k entries)
    with us_store.tx():
        for i in range(60_000):
            us_store.log(1.7e9 + i, {"ev": "filler", "i": i})
    us_store.close()
    srv = Server(tmp_path, "US", max_seconds=120)
    ru = open_party(tmp_path, "RU")
    try:
        result: dict = {}

        def verify() -> None:
            t = time.perf_counter()
            result["first"] = request(srv.port, "GET", "/v1/log/verify")
            result["seconds"], result["ended"] = time.perf_counter() - t, time.perf_counter()

        th = threading.Thread(target=verify)
        th.start()
        time.sleep(0.2)
        assert request(srv.port, "GET", "/v1/log/verify")[0] == 429  # one at a time
        posts, ends = [], []
        for _ in range(5):  # valid notices while the whole log is being checked
            t = time.perf_counter()
            code, body = request(srv.port, "POST", "/v1/messages", msg.wire(valid_message(ru)))
            posts.append(time.perf_counter() - t)
            ends.append(time.perf_counter())
            assert code == 200 and body["status"] == "accepted"
        th.join(60)
        assert all(e < result["ended"] for e in ends), (posts, result)  # all answered while the check ran
        code, first = result["first"]
        assert code == 200 and first["ok"] and first["entries"] >= 60_000 and first["checked_from"] == 0
        assert max(posts) < 1.0, (posts, result["seconds"])  # before: every POST waited for the whole check
        time.sleep(1.1)
        code, again = request(srv.port, "GET", "/v1/log/verify")  # incremental from the last passed check
        assert code == 200 and again["ok"] and again["checked_from"] == first["entries"]
        assert again["entries"] > first["entries"]  # the notices since then
        for _ in range(150):  # junk from anyone who reaches the port
            assert request(srv.port, "POST", "/v1/messages", b"{not json")[0] == 400
        for k in range(150):  # field names the client invents do not make new categories
            junk = json.dumps({"type": "NOTIFY", f"invented{k}": 1}).encode()
            assert request(srv.port, "POST", "/v1/messages", junk)[0] in (400, 422)
    finally:
        srv.kill()
    db = Store(tmp_path / "US.db")
    rejected = db.events("rejected_in")
    assert len(rejected) == 1 and rejected[0]["count"] == 1  # sampled: one entry a minute per kind, not 300
    assert db.verify_log()["ok"]


def test_a_connection_that_sends_no_request_head_is_closed(tmp_path):
    keygen(tmp_path, ["US"])
    party = open_party(tmp_path, "US")
    sock = listen(0)
    srv = server(NotifyApp(party, threading.Lock(), body_timeout_s=1.0), head_timeout_s=0.5)
    th = threading.Thread(target=lambda: asyncio.run(srv.serve(sockets=[sock])), daemon=True)
    th.start()
    port = sock.getsockname()[1]
    try:
        for _ in range(100):
            if srv.started:
                break
            time.sleep(0.05)
        silent = socket.create_connection(("127.0.0.1", port), timeout=5)
        trickle = socket.create_connection(("127.0.0.1", port), timeout=5)
        trickle.sendall(b"GET /v1/hea")
        t = time.perf_counter()
        assert silent.recv(10) == b"" and trickle.recv(10) == b""  # closed by the server
        assert time.perf_counter() - t < 3.0
        silent.close()
        trickle.close()
        body = socket.create_connection(("127.0.0.1", port), timeout=5)  # a body trickled a byte at a time
        body.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 5000\r\n\r\n")
        t, answer = time.perf_counter(), b""
        while not answer and time.perf_counter() - t < 5.0:
            body.sendall(b"x")
            try:
                body.settimeout(0.2)
                answer = body.recv(100)
            except socket.timeout:
                pass
        assert answer.startswith(b"HTTP/1.1 408") and time.perf_counter() - t < 2.0, answer  # one deadline
        body.close()
        assert request(port, "GET", "/v1/health")[0] == 200  # an answer re-arms the deadline, then it works again
    finally:
        srv.should_exit = True
        th.join(10)
        sock.close()
