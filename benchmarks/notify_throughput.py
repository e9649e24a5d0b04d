"""Notices per second end to end on loopback: sign, queue (fsync), HTTP POST to a `duel notify serve`
process on 127.0.0.1, verify + dedupe + log (fsync) there, signed ACK back, ACK verified and logged (fsync).

Conditions: one sender thread (the sender's outbox pump, as `serve` runs it), one receiver process,
SQLite WAL with synchronous=FULL on both sides, Ed25519 signatures. Run by hand:
    python benchmarks/notify_throughput.py [N]
Appends one JSON line to benchmarks/results.jsonl and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from duel.notify.home import open_party
from duel.notify.httpapi import deliver
from duel.notify.keys import Keyring, Signer
from duel.notify.sim import notice_fields
from record import append

LAUNCH = ("from duel import cli\nfrom duel.commands import notify\n"
          "if not any(g.name == 'notify' for g in cli.app.registered_groups):\n"
          "    cli.app.add_typer(notify.app, name='notify')\ncli.main()\n")


def main(n: int = 500) -> dict:
    with tempfile.TemporaryDirectory() as d:
        home = Path(d)
        ring = Keyring()
        for p in ("RU", "US"):
            s = Signer.generate(p)
            s.save(home / f"{p}.key")
            ring.add(p, s.public_raw, time.time() - 60)
        ring.save(home / "keyring.json")
        srv = subprocess.Popen([sys.executable, "-c", LAUNCH, "notify", "serve", "--home", d, "--party", "US",
                                "--port", "0", "--max-seconds", "300"], stdout=subprocess.PIPE, text=True)
        try:
            url = srv.stdout.readline().split()[-1]
            ru = open_party(home, "RU")
            lock = threading.Lock()
            t0 = time.perf_counter()
            for _ in range(n):
                now = time.time()
                ru.submit(notice_fields("US", now + 1800), now)
                deliver(ru, lock, {"US": url})
            dt = time.perf_counter() - t0
            acked = sum(s == "acked" for s in ru.outbox_states().values())
        finally:
            srv.kill()
            srv.wait()
    rec = {"benchmark": "notify_throughput", "notices": n, "acked": acked, "seconds": round(dt, 3),
           "notices_per_s": round(n / dt, 1), "fsync": "synchronous=FULL both sides", "signatures": "Ed25519",
           "machine": f"{platform.machine()} {os.cpu_count()} cpu, {platform.python_version()}",
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    append(rec)
    return rec


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notices", nargs="?", type=int, default=500, help="notices sent end to end, one at a time (default 500)")
    print(json.dumps(main(ap.parse_args().notices)))
