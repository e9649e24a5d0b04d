"""The exchange's server under concurrent clients: valid signed notices per second, p50/p99 latency and
connection resets at 1, 8, 32 and 128 concurrent clients (issue 14.4), against one `duel notify serve` process
on 127.0.0.1 (uvicorn; SQLite WAL, synchronous=FULL: every accepted notice is two fsynced commits).

Each client is a thread with its own keep-alive connection posting pre-signed notices of its own party (one
pinned sender per client, so each sender's sequence numbers arrive in order, as its flow control keeps them;
signing is not what is measured). A reset or a refused connection is counted, never retried. Run by hand:
    python benchmarks/notify_load.py [NOTICES_PER_LEVEL]
Appends one JSON line per level to benchmarks/results.jsonl and prints them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from duel.notify import message as msg
from duel.notify.home import open_party
from duel.notify.keys import Keyring, Signer
from duel.notify.sim import notice_fields
from record import append

LAUNCH = ("from duel import cli\nfrom duel.commands import notify\n"
          "if not any(g.name == 'notify' for g in cli.app.registered_groups):\n"
          "    cli.app.add_typer(notify.app, name='notify')\ncli.main()\n")
LEVELS = (1, 8, 32, 128)


def _client(port: int, bodies: list[bytes], lat: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for raw in bodies:
        t = time.perf_counter()
        try:
            conn.request("POST", "/v1/messages", body=raw, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            body = json.loads(resp.read())
            if resp.status != 200 or body.get("status") != "accepted":
                errors.append(f"{resp.status} {body.get('error')}")
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        lat.append(time.perf_counter() - t)
    conn.close()


def main(per_level: int = 400) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as d:
        home = Path(d)
        ring = Keyring()
        senders = [f"P{k}" for k in range(max(LEVELS))]
        for p in ["US", *senders]:
            s = Signer.generate(p)
            s.save(home / f"{p}.key")
            ring.add(p, s.public_raw, time.time() - 60)
        ring.save(home / "keyring.json")
        parties = [open_party(home, p) for p in senders]
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, "notify", "serve", "--home", str(home), "--party",
                                 "US", "--port", "0", "--max-seconds", "900"], stdout=subprocess.PIPE, text=True)
        try:
            port = int(proc.stdout.readline().rsplit(":", 1)[1])
            for clients in LEVELS:
                parts = [[msg.wire(parties[k]._sign_new(notice_fields("US", time.time() + 1800), time.time()))
                          for _ in range(len(range(k, per_level, clients)))] for k in range(clients)]
                lat: list[float] = []
                errors: list[str] = []
                threads = [threading.Thread(target=_client, args=(port, part, lat, errors)) for part in parts]
                t0 = time.perf_counter()
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                wall = time.perf_counter() - t0
                lat.sort()
                row = {"benchmark": "notify_load", "clients": clients, "notices": per_level, "ok": len(lat),
                       "resets_or_errors": len(errors), "notices_per_s": round(len(lat) / wall, 1),
                       "p50_ms": round(1e3 * lat[len(lat) // 2], 1) if lat else None,
                       "p99_ms": round(1e3 * lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1) if lat else None,
                       "errors": sorted(set(errors))[:5], "cpus": os.cpu_count(), "python": platform.python_version(),
                       "date": time.strftime("%Y-%m-%d")}
                rows.append(row)
                print(json.dumps(row), flush=True)
        finally:
            proc.kill()
            proc.wait()
    append(*rows)
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notices", nargs="?", type=int, default=400, help="valid notices posted at each level of concurrency (default 400)")
    main(ap.parse_args().notices)
