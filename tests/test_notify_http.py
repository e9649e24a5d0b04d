"""duel.notify over HTTP on 127.0.0.1: real server processes, the API's bad-input answers (4xx naming the
field, never 5xx, fuzzed with hypothesis), and crash/restart with SIGKILL mid-stream."""

from __future__ import annotations

import http.client
import json
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duel.notify import message as msg
from duel.notify.home import open_party
from duel.notify.keys import Keyring, Signer
from duel.notify.sim import notice_fields
from duel.notify.store import Store
from test_notify_cli import notify_argv


def keygen(home: Path, parties: list[str]) -> None:
    """Keys for ``parties`` pinned in ``home``/keyring.json (valid from a minute ago)."""
    ring = Keyring()
    for p in parties:
        s = Signer.generate(p)
        s.save(home / f"{p}.key")
        ring.add(p, s.public_raw, time.time() - 60)
    ring.save(home / "keyring.json")


class Server:
    """A `duel notify serve` child process on 127.0.0.1; always killed at teardown."""

    def __init__(self, home: Path, party: str, port: int = 0, peers: tuple[str, ...] = (), max_seconds: float = 60):
        args = ["serve", "--home", str(home), "--party", party, "--port", str(port), "--max-seconds", str(max_seconds),
                "--ack-timeout", "0.2", "--max-backoff", "0.5", "--retries", "200"]
        for p in peers:
            args += ["--peer", p]
        self.proc = subprocess.Popen(notify_argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(15)
        if not line or "listening" not in line[0]:
            self.kill()
            raise RuntimeError(f"server did not start: {self.proc.stderr.read() if self.proc.poll() is not None else ''}")
        self.port = int(line[0].rsplit(":", 1)[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


@pytest.fixture
def servers():
    started: list[Server] = []

    def start(*args, **kw) -> Server:
        s = Server(*args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body,
                     headers={"Content-Type": "application/json", **(headers or {})} if body is not None else headers or {})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def us_server(tmp_path_factory):
    """US serving on an ephemeral port for the API tests; RU's signer to forge valid messages with."""
    home = tmp_path_factory.mktemp("api")
    keygen(home, ["RU", "US"])
    srv = Server(home, "US", max_seconds=120)
    yield srv, open_party(home, "RU")
    srv.kill()


def valid_message(ru) -> dict:
    return ru._sign_new(notice_fields("US", time.time() + 1800), time.time())


def test_api_accepts_valid_message_and_names_fields_in_errors(us_server):
    srv, ru = us_server
    m = valid_message(ru)
    code, body = request(srv.port, "POST", "/v1/messages", msg.wire(m))
    assert code == 200 and body["status"] == "accepted" and json.loads(body["reply"])["type"] == "ACK"
    assert request(srv.port, "POST", "/v1/messages", msg.wire(m))[1]["status"] == "duplicate"
    bad = dict(m, num_missiles=0)
    code, body = request(srv.port, "POST", "/v1/messages", msg.wire(bad))
    assert code == 422 and body["error"].startswith("num_missiles:")
    code, body = request(srv.port, "POST", "/v1/messages", msg.wire(dict(valid_message(ru), num_missiles=2)))
    assert code == 401 and body["error"].startswith("signature.sig:")
    assert request(srv.port, "POST", "/v1/messages", b"{")[0] == 400
    assert request(srv.port, "POST", "/v1/messages", b"x" * 20000)[0] == 413
    assert request(srv.port, "POST", "/v1/nothing", b"{}")[0] == 404
    assert request(srv.port, "DELETE", "/v1/messages")[0] == 405
    assert request(srv.port, "GET", "/v1/health") == (200, {"party": "US", "delivery": {"alive": True, "restarts": 0,
                                                                                     "last_error": None}})
    assert request(srv.port, "GET", "/v1/log/verify")[1]["ok"]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=10)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_api_never_5xx_and_names_a_field(us_server, data):
    srv, ru = us_server
    kind = data.draw(st.sampled_from(["bytes", "replace", "drop", "extra", "nested"]))
    m = valid_message(ru)
    if kind == "bytes":
        body = data.draw(st.binary(max_size=200))
    else:
        key = data.draw(st.sampled_from(sorted(m)))
        if kind == "replace":
            m[key] = data.draw(JSON)
        elif kind == "drop":
            del m[key]
        elif kind == "extra":
            m[data.draw(st.text(min_size=1, max_size=8))] = data.draw(JSON)
        else:
            sub = data.draw(st.sampled_from(["launch_area", "window", "signature"]))
            m[sub] = dict(m[sub], **{data.draw(st.sampled_from(sorted(m[sub]) + ["x"])): data.draw(JSON)})
        body = json.dumps(m).encode()
    code, reply = request(srv.port, "POST", "/v1/messages", body)
    assert 200 <= code < 500
    if code >= 400:
        field, sep, problem = reply["error"].partition(": ")
        assert sep and field and problem


def _unacked(home: Path) -> int:
    store = Store(home / "RU.db")
    n = store.db.execute("SELECT COUNT(*) FROM outbox WHERE state!='acked'").fetchone()[0]
    store.close()
    return n


def test_crash_and_restart_exactly_once_and_logs_verify(tmp_path, servers):
    """RU streams notices to US; one of them is SIGKILLed at a random moment and restarted, 4 times."""
    keygen(tmp_path, ["RU", "US"])
    rnd = random.Random(20241121)
    us = servers(tmp_path, "US")
    port = us.port
    ru = servers(tmp_path, "RU", peers=(f"US={us.url}",))
    sent: list[str] = []
    in_flight: list[int] = []
    for run in range(4):
        writer = open_party(tmp_path, "RU")
        for _ in range(40):
            now = time.time()
            sent.append(writer.submit(notice_fields("US", now + 1800), now)["id"])
        writer.store.close()
        time.sleep(rnd.uniform(0.0, 0.2))
        in_flight.append(_unacked(tmp_path))
        if run % 2 == 0:
            us.kill()
            us = servers(tmp_path, "US", port=port)
        else:
            ru.kill()
            ru = servers(tmp_path, "RU", peers=(f"US={us.url}",))
    deadline = time.time() + 30
    ru_db = Store(tmp_path / "RU.db")
    while time.time() < deadline:
        states = dict(ru_db.db.execute("SELECT id, state FROM outbox").fetchall())
        if all(states.get(i) == "acked" for i in sent):
            break
        time.sleep(0.1)
    assert all(states.get(i) == "acked" for i in sent), {i: states.get(i) for i in sent if states.get(i) != "acked"}
    us.kill()
    ru.kill()
    us_db = Store(tmp_path / "US.db")
    processed = us_db.db.execute(
        "SELECT json_extract(event,'$.id'), COUNT(*) FROM log WHERE json_extract(event,'$.ev')='processed' "
        "AND json_extract(event,'$.type')='NOTIFY' GROUP BY 1").fetchall()
    assert sorted(i for i, _ in processed) == sorted(sent) and all(n == 1 for _, n in processed)
    assert ru_db.verify_log()["ok"] and us_db.verify_log()["ok"]
    assert sum(n > 0 for n in in_flight) >= 2, in_flight  # most kills really hit mid-stream
