"""The web server's JSON API (duel.web): the pipeline behind HTTP, with its limits.

In-process tests use FastAPI's test client against the app with a real run manager (runs in spawned worker
processes); the server tests start `duel serve` on a free port and talk to it over TCP.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import free_port, optional_module, quick, small_scenario

fastapi = optional_module("fastapi")
optional_module("httpx")
optional_module("uvicorn")

from fastapi.testclient import TestClient  # noqa: E402

from duel.web.app import create_app  # noqa: E402
from duel.web.runs import RunManager  # noqa: E402

ROOT = Path(__file__).parents[1]
KYIV = (ROOT / "scenarios" / "kyiv-duel.toml").read_text(encoding="utf-8")
KYIV_QUICK = quick(KYIV)  # for runs whose claim holds at any Monte Carlo count (CI time)


@pytest.fixture(scope="module")
def client():
    manager = RunManager(workers=2, time_limit_s=120)
    with TestClient(create_app(manager, max_body_bytes=200_000)) as c:
        c.manager = manager
        yield c
    assert not manager.root.exists()  # the runs' folders are removed when the server stops


def _wait(client, rid: str, timeout: float = 150.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        st = client.get(f"/api/runs/{rid}").json()
        if st["state"] not in ("queued", "running"):
            return st
        time.sleep(0.2)
    raise AssertionError(f"run {rid} did not end in {timeout} s")


def test_lists_catalogue_inputs_and_scenarios(client):
    missiles = client.get("/api/catalog/missiles").json()
    assert "oreshnik" in {m["id"] for m in missiles}
    assert client.get("/api/catalog/rockets").status_code == 404
    thaad = client.get("/api/inputs", params={"grep": "thaad.sspk"}).json()
    assert thaad and all("thaad" in row["path"] for row in thaad)
    names = {s["name"] for s in client.get("/api/scenarios").json()}
    assert {"kyiv-duel", "kyiv-duel-belarus"} <= names
    text = client.get("/api/scenarios/kyiv-duel")
    assert text.status_code == 200 and text.text == KYIV
    assert "default-src 'self'" in text.headers["content-security-policy"]


def test_validation_errors_are_one_line_422(client):
    ok = client.post("/api/validate", json={"toml": KYIV})
    assert ok.status_code == 200 and ok.json()["launch"]["name"] == "Kapustin Yar test range"
    kyiv, east = ok.json()["batteries"][0], ok.json()["batteries"][1]  # at kyiv, and at +15km@90
    assert kyiv["lat_deg"] == ok.json()["target"]["lat_deg"]
    assert east["lon_deg"] > kyiv["lon_deg"] and abs(east["lat_deg"] - kyiv["lat_deg"]) < 0.01
    assert kyiv["reach_km"] > 0
    cases = {
        "kiev": KYIV.replace('target = "kyiv"', 'target = "kiev"'),
        "toml": "this is = = not toml",
        "file": KYIV.replace('missile = "oreshnik"', 'missile = "../../etc/missile.toml"'),
        "deep": "a = " + "[" * 600 + "]" * 600,
    }
    for name, text in cases.items():
        r = client.post("/api/validate", json={"toml": text})
        assert r.status_code == 422, (name, r.text)
        msg = r.json()["error"]
        assert msg and "\n" not in msg and "Traceback" not in msg, (name, msg)
    assert "did you mean" in client.post("/api/validate", json={"toml": cases["kiev"]}).json()["error"]
    assert "reads no files" in client.post("/api/validate", json={"toml": cases["file"]}).json()["error"]
    bad_set = client.post("/api/validate", json={"toml": KYIV, "sets": ["interceptor.thaad.sspk=2"]})
    assert bad_set.status_code == 422 and "interceptor.thaad.sspk" in bad_set.json()["error"]
    missing = client.post("/api/runs", json={"sets": []})
    assert missing.status_code == 422 and missing.json()["error"].startswith("toml")


def test_oversized_body_is_413_and_unknown_run_404(client):
    big = client.post("/api/validate", json={"toml": "#" * 300_000})
    assert big.status_code == 413 and "bytes" in big.json()["error"]
    chunked = client.post("/api/validate", content=iter([b"x" * 100_000] * 3),
                          headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    for path in ("/api/runs/nope", "/api/runs/nope/result", "/api/runs/nope/report"):
        r = client.get(path)
        assert r.status_code == 404 and "no such run" in r.json()["error"]


def test_two_runs_at_once_both_finish_with_the_cli_result(client, tmp_path):
    ids = [client.post("/api/runs", json={"toml": KYIV_QUICK, "seed": s, "trials": 20}).json()["id"] for s in (3, 4)]
    early = client.get(f"/api/runs/{ids[0]}/result")
    assert early.status_code in (409, 200)
    states = [_wait(client, rid) for rid in ids]
    assert [s["state"] for s in states] == ["done", "done"], states
    assert all(s["progress"]["done"] == s["progress"]["total"] > 0 for s in states)
    web = client.get(f"/api/runs/{ids[0]}/result").json()
    assert client.get(f"/api/runs/{ids[0]}/report").text.startswith("<!DOCTYPE html>")
    scen = tmp_path / "kyiv.toml"
    scen.write_text(KYIV_QUICK, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "duel", "run", str(scen), "--seed", "3", "--trials", "20", "--out",
                    str(tmp_path / "cli"), "--format", "json"], check=True, capture_output=True, timeout=300)
    cli = json.loads((tmp_path / "cli" / "result.json").read_text(encoding="utf-8"))
    assert web["verdict"] == cli["verdict"]
    assert client.manager.running == 0
    _figures_and_decides_of(client, ids[1])


def _figures_and_decides_of(client, rid: str) -> None:
    """A finished run's figures are the report's own and what decides it comes with the bands."""
    from duel.report.build import deciding_inputs, deciding_words, figure_builders

    result = client.get(f"/api/runs/{rid}/result").json()
    report = client.get(f"/api/runs/{rid}/report").text
    listed = client.get(f"/api/runs/{rid}/figures").json()
    assert [f["id"] for f in listed] == [fid.removeprefix("fig-") for fid in figure_builders(result)]
    for f in listed:
        r = client.get(f["url"])
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert r.text.split(">", 1)[1] in report  # the report's figure byte for byte (its root tag adds aria)
        assert "style=" not in r.text and "<style" not in r.text  # drawn alike under the page's strict CSP
    timeline = client.get(f"/api/runs/{rid}/figures/timeline").text
    assert '<title>impact: T+' in timeline and "can intercept from T+" in timeline
    for name in ("result", "nope", "timeline.svg"):
        bad = client.get(f"/api/runs/{rid}/figures/{name}")
        assert bad.status_code == 404 and "one of timeline" in bad.json()["error"], name
    for path in ("..%2Fresult.json", "../../result.json"):  # a path in the name: no such route
        outside = client.get(f"/api/runs/{rid}/figures/{path}")
        assert outside.status_code == 404 and outside.json()["error"], path
    assert client.get("/api/runs/nope/figures").status_code == 404
    decides = client.get(f"/api/runs/{rid}/decides", params={"most": 3}).json()
    assert decides["words"] == deciding_words(result["sensitivity"])
    ranked = deciding_inputs(result["sensitivity"])[:3]
    assert [row["path"] for row in decides["inputs"]] == [r["path"] for r in ranked]
    for row, r in zip(decides["inputs"], ranked):
        assert row["total"] == r["total"] and row["status"] in ("reported", "estimated", "notional")
        assert {"unit", "nominal", "low", "high", "kind", "choices"} <= set(row)


def test_the_runs_keep_their_solved_aims_in_the_servers_folder(monkeypatch):
    """Without a store named when the server starts, the runs share one in the server's temporary folder (no
    client's input leaves a file behind); with one named, the runs use it."""
    monkeypatch.setenv("DUEL_CACHE_DIR", "/a/store/of/the/users")
    named = RunManager(workers=1)
    assert named.cache is None
    named.shutdown()
    monkeypatch.delenv("DUEL_CACHE_DIR")
    manager = RunManager(workers=1, time_limit_s=120)
    assert manager.cache == str(manager.root / "cache")
    stamps = []
    with TestClient(create_app(manager)) as c:
        for seed in (1, 2):
            rid = c.post("/api/runs", json={"toml": small_scenario(trials=4), "seed": seed}).json()["id"]
            assert _wait(c, rid)["state"] == "done"
            stamps.append([(e.name, e.stat().st_ino, e.stat().st_mtime_ns)
                           for e in (manager.root / "cache" / "aims").glob("*.json")])
    assert len(stamps[0]) == 1 and stamps[1] == stamps[0]  # one arc, aimed by the first run, taken by the second
    assert not manager.root.exists()


def test_a_run_past_the_time_limit_is_stopped():
    manager = RunManager(workers=1, time_limit_s=1.0)
    with TestClient(create_app(manager)) as c:
        rid = c.post("/api/runs", json={"toml": KYIV, "trials": 200}).json()["id"]
        st = _wait(c, rid, 60)
        assert st["state"] == "timeout" and "time limit" in st["error"]
        assert manager.running == 0
        assert c.get(f"/api/runs/{rid}/result").status_code == 409


# ------------------------------------------------------------------------------------------ the real server

@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "duel", "serve", "--port", str(port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    assert f"127.0.0.1:{port}" in line, line
    import httpx

    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/api/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base, proc
    proc.terminate()
    proc.wait(timeout=20)


def test_server_survives_a_client_that_disconnects_mid_request(server):
    import httpx

    base, proc = server
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as s:  # a body promised and never sent
        s.sendall(b"POST /api/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{")
    body = {"toml": KYIV_QUICK, "trials": 20, "seed": 1}
    with socket.create_connection(("127.0.0.1", port)) as s:  # a whole run request, then gone before the reply
        data = json.dumps(body).encode()
        s.sendall(b"POST /api/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                  + str(len(data)).encode() + b"\r\n\r\n" + data)
    assert httpx.get(base + "/api/health", timeout=5).json() == {"ok": True}
    rid = httpx.post(base + "/api/runs", json=body, timeout=30).json()["id"]
    end = time.time() + 200
    while time.time() < end:
        st = httpx.get(f"{base}/api/runs/{rid}", timeout=5).json()
        if st["state"] not in ("queued", "running"):
            break
        time.sleep(0.5)
    assert st["state"] == "done", st  # the abandoned run ahead of it in the one-worker queue ended too
    assert proc.poll() is None


def test_serve_warns_about_a_non_local_host_and_refuses_bad_options():
    bad = subprocess.run([sys.executable, "-m", "duel", "serve", "--port", "0"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "--port" in bad.stderr
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "duel", "serve", "--host", "0.0.0.0", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        warning = proc.stderr.readline()
        assert warning.startswith("warning: --host 0.0.0.0") and "network" in warning
    finally:
        proc.terminate()
        proc.wait(timeout=20)
